"""Public, unauthenticated endpoints: DID documents, JWK Sets, health."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.api.deps import ContainerDep, InstitutionServiceDep, StatusServiceDep
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


@router.get("/status/{slug}/{list_id}", response_class=Response)
def status_list(
    slug: str,
    list_id: str,
    request: Request,
    container: ContainerDep,
    status: StatusServiceDep,
) -> Response:
    """A BitstringStatusListCredential: Data Integrity JSON-LD, or the JWT form with
    ``Accept: application/vc+jwt``; cacheable (ETag, max-age) and 304 on ``If-None-Match``."""
    accept = request.headers.get("accept", "")
    fmt = "jwt" if "application/vc+jwt" in accept else "ld"
    headers = {
        "Cache-Control": f"public, max-age={container.settings.status_max_age}",
        "Access-Control-Allow-Origin": "*",
        "Vary": "Accept",
    }
    published = status.published(slug, list_id, fmt, request.headers.get("if-none-match"))
    headers["ETag"] = published.etag
    if published.body is None:
        return Response(status_code=304, headers=headers)
    return Response(published.body, media_type=published.media_type, headers=headers)


@router.get("/healthz", response_model=Health)
def healthz(container: ContainerDep) -> Health:
    check_database(container.uow)
    return Health(status="ok", database="ok")
