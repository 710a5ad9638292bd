"""FastAPI dependencies of the entry points (the API and the pages): ``Annotated`` aliases
for the container, the services and the caller.

Dependencies that do no I/O are ``async``: FastAPI then calls them on the event loop instead of
handing each to the thread pool. Authentication reads the database, so it stays a plain
function and runs in the pool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.container import Container
from app.services.principal import Principal

__all__ = ["ContainerDep", "CurrentAdmin", "CurrentInstitution", "CurrentPrincipal"]

_bearer = HTTPBearer(auto_error=False)


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_principal(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    # The client's address as uvicorn gives it (proxy_headers: the forwarded address when the
    # request comes through a trusted proxy): failed authentications are counted per client.
    client = request.client.host if request.client else "-"
    return container.auth.authenticate(credentials.credentials if credentials else None, client)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_admin(principal: CurrentPrincipal) -> Principal:
    principal.require_admin()
    return principal


CurrentAdmin = Annotated[Principal, Depends(get_admin)]


async def get_institution_principal(principal: CurrentPrincipal) -> Principal:
    principal.require_institution()
    return principal


CurrentInstitution = Annotated[Principal, Depends(get_institution_principal)]
