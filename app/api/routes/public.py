"""Public, unauthenticated endpoints: DID documents, JWK Sets, health."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from app.api.deps import ContainerDep, InstitutionServiceDep
from app.api.schemas import Health
from app.services.health import check_database

router = APIRouter(tags=["public"])
# Public documents are read by browsers and verifiers anywhere.
_CACHE = {"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"}
_IMMUTABLE = {"Cache-Control": "public, max-age=86400", "Access-Control-Allow-Origin": "*"}


@router.get("/contexts/microcred/v1", response_class=Response)
def microcred_context(container: ContainerDep) -> Response:
    """The microcred JSON-LD context (immutable; verifiers bundle the same bytes)."""
    return Response(
        container.microcred_context, media_type="application/ld+json", headers=_IMMUTABLE
    )


@router.get("/institutions/{slug}/did.json", response_class=JSONResponse)
def did_document(slug: str, service: InstitutionServiceDep) -> JSONResponse:
    body: dict[str, Any] = service.did_document(slug)
    return JSONResponse(body, media_type="application/did+json", headers=_CACHE)


@router.get("/institutions/{slug}/jwks.json", response_class=JSONResponse)
def jwks(slug: str, service: InstitutionServiceDep) -> JSONResponse:
    return JSONResponse(service.jwks(slug), media_type="application/jwk-set+json", headers=_CACHE)


@router.get("/healthz", response_model=Health)
def healthz(container: ContainerDep) -> Health:
    check_database(container.uow)
    return Health(status="ok", database="ok")
