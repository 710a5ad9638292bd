"""Public, unauthenticated endpoints: the microcred context, DID documents, JWK Sets, status
lists, health."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.api.schemas import Health
from app.dependencies import ContainerDep
from app.errors import NotFound
from app.http.urls import (
    CONTEXT_PATH,
    DID_DOCUMENT_PATH,
    JWKS_PATH,
    JWT_VC_ISSUER_PATH,
    STATUS_LIST_PATH,
    TOKEN_STATUS_LIST_PATH,
    VCT_PATH,
)
from app.observability.metrics import CONTENT_TYPE as METRICS_TYPE
from app.services.health import check_health
from app.services.status import STATUS_LIST_TYPES, PublishedList, list_format
from issuer.sd_jwt_vc import TYPE_METADATA_MEDIA_TYPE
from verifier.token_status_list import MEDIA_TYPE as TOKEN_STATUS_LIST_TYPE

router = APIRouter(tags=["public"])
# Public documents are read by browsers and verifiers anywhere.
_CACHE = {"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"}
_IMMUTABLE = {"Cache-Control": "public, max-age=86400", "Access-Control-Allow-Origin": "*"}


def _content(*media_types: str, description: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route answering 200 in ``media_types``."""
    return {200: {"description": description, "content": {m: {} for m in media_types}}}


@router.get(
    CONTEXT_PATH,
    response_class=Response,
    responses=_content("application/ld+json", description="The JSON-LD context"),
)
def microcred_context(container: ContainerDep) -> Response:
    """The microcred JSON-LD context (immutable; verifiers bundle the same bytes)."""
    return Response(
        container.microcred_context, media_type="application/ld+json", headers=_IMMUTABLE
    )


@router.get(
    DID_DOCUMENT_PATH,
    response_class=JSONResponse,
    responses=_content("application/did+json", description="The DID document"),
)
def did_document(slug: str, container: ContainerDep) -> JSONResponse:
    body: dict[str, Any] = container.did_documents.did_document(slug)
    return JSONResponse(body, media_type="application/did+json", headers=_CACHE)


@router.get(
    JWKS_PATH,
    response_class=JSONResponse,
    responses=_content("application/jwk-set+json", description="The JWK Set"),
)
def jwks(slug: str, container: ContainerDep) -> JSONResponse:
    return JSONResponse(
        container.did_documents.jwks(slug), media_type="application/jwk-set+json", headers=_CACHE
    )


@router.get(
    STATUS_LIST_PATH,
    response_class=Response,
    responses={
        **_content(*STATUS_LIST_TYPES, description="The signed status list credential"),
        304: {"description": "Not modified (If-None-Match)"},
    },
)
def status_list(slug: str, list_id: str, request: Request, container: ContainerDep) -> Response:
    """A BitstringStatusListCredential: Data Integrity JSON-LD, or the JWT form with
    ``Accept: application/vc+jwt``; cacheable (ETag, max-age) and 304 on ``If-None-Match``."""
    headers = {
        "Cache-Control": f"public, max-age={container.settings.status_max_age}",
        "Access-Control-Allow-Origin": "*",
        "Vary": "Accept",
    }
    published = container.status.published(
        slug, list_id, list_format(request.headers.get("accept")),
        request.headers.get("if-none-match"),
    )  # fmt: skip
    return _published_response(published, headers)


def _published_response(published: PublishedList, headers: dict[str, str]) -> Response:
    """A signed status list, or 304 when the client's ETag still matches."""
    headers["ETag"] = published.etag
    if published.body is None:
        return Response(status_code=304, headers=headers)
    return Response(published.body, media_type=published.media_type, headers=headers)


@router.get(
    TOKEN_STATUS_LIST_PATH,
    response_class=Response,
    responses={
        **_content(TOKEN_STATUS_LIST_TYPE, description="The signed Token Status List"),
        304: {"description": "Not modified (If-None-Match)"},
    },
)
def token_status_list(
    slug: str, list_id: str, request: Request, container: ContainerDep
) -> Response:
    """A revocation list as an IETF Token Status List (``statuslist+jwt``, 2 bits: 0 valid,
    1 revoked, 2 suspended) for SD-JWT VCs; cacheable (ETag, max-age), 304 on
    ``If-None-Match``."""
    headers = {
        "Cache-Control": f"public, max-age={container.settings.status_max_age}",
        "Access-Control-Allow-Origin": "*",
    }
    published = container.status.published_token(
        slug, list_id, request.headers.get("if-none-match")
    )
    return _published_response(published, headers)


@router.get(
    JWT_VC_ISSUER_PATH,
    response_class=JSONResponse,
    responses=_content("application/json", description="JWT VC Issuer Metadata"),
)
def jwt_vc_issuer(slug: str, container: ContainerDep) -> JSONResponse:
    """The JWT VC Issuer Metadata of an institution's SD-JWT VCs (``issuer``, ``jwks``)."""
    return JSONResponse(container.sd_jwt_vc.issuer_metadata(slug), headers=_CACHE)


@router.get(
    VCT_PATH,
    response_class=JSONResponse,
    responses=_content(TYPE_METADATA_MEDIA_TYPE, description="SD-JWT VC Type Metadata"),
)
def vct_micro_credential(container: ContainerDep) -> JSONResponse:
    """The SD-JWT VC Type Metadata of the micro-credential (its ``vct``)."""
    return JSONResponse(
        container.sd_jwt_vc.type_metadata(), media_type=TYPE_METADATA_MEDIA_TYPE, headers=_CACHE
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses=_content(METRICS_TYPE, description="Prometheus text exposition format"),
)
def metrics(container: ContainerDep) -> Response:
    """Prometheus metrics (text exposition format); 404 with ``MICROCRED_METRICS=false``."""
    if not container.metrics.enabled:
        raise NotFound("metrics are turned off (MICROCRED_METRICS=false)")
    return Response(container.metrics.render(), media_type=METRICS_TYPE)


@router.get("/healthz", response_model=Health)
def healthz(container: ContainerDep) -> Health:
    """ok when the database answers and the master key opens the active signing keys; 503
    problem details naming the failure otherwise."""
    check_health(container.uow, container.signing_keys)
    return Health(status="ok", database="ok")
