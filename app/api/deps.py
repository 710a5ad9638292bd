"""Dependencies: ``Annotated`` aliases the routes declare.

Dependencies that do no I/O are ``async``: FastAPI then calls them on the event loop instead of
handing each to the thread pool. Authentication reads the database, so it stays a plain
function and runs in the pool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.container import Container
from app.services.achievements import AchievementService
from app.services.batches import BatchService
from app.services.institutions import InstitutionService, Principal
from app.services.issuance import IssuanceService
from app.services.status import StatusService
from app.services.verification import VerificationService
from app.services.wallet import WalletService

_bearer = HTTPBearer(auto_error=False)


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def get_institution_service(container: ContainerDep) -> InstitutionService:
    return container.institutions


InstitutionServiceDep = Annotated[InstitutionService, Depends(get_institution_service)]


def get_principal(
    service: InstitutionServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return service.authenticate(credentials.credentials if credentials else None)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_admin(principal: CurrentPrincipal) -> Principal:
    principal.require_admin()
    return principal


CurrentAdmin = Annotated[Principal, Depends(get_admin)]


async def get_institution_principal(principal: CurrentPrincipal) -> Principal:
    principal.require_institution()
    return principal


CurrentInstitution = Annotated[Principal, Depends(get_institution_principal)]


async def get_achievement_service(container: ContainerDep) -> AchievementService:
    return container.achievements


AchievementServiceDep = Annotated[AchievementService, Depends(get_achievement_service)]


async def get_issuance_service(container: ContainerDep) -> IssuanceService:
    return container.issuance


IssuanceServiceDep = Annotated[IssuanceService, Depends(get_issuance_service)]


async def get_status_service(container: ContainerDep) -> StatusService:
    return container.status


StatusServiceDep = Annotated[StatusService, Depends(get_status_service)]


async def get_verification_service(container: ContainerDep) -> VerificationService:
    return container.verification


VerificationServiceDep = Annotated[VerificationService, Depends(get_verification_service)]


async def get_batch_service(container: ContainerDep) -> BatchService:
    return container.batches


BatchServiceDep = Annotated[BatchService, Depends(get_batch_service)]


async def get_wallet_service(container: ContainerDep) -> WalletService:
    return container.wallet


WalletServiceDep = Annotated[WalletService, Depends(get_wallet_service)]
