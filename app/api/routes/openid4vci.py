"""OpenID4VCI 1.0: each institution's credential issuer metadata, authorization server
metadata, credential offers, and the token, nonce and credential endpoints of the
pre-authorized code flow (:mod:`app.services.openid4vci`).

These endpoints answer wallets: their errors are OAuth 2.0 error responses
(``{"error", "error_description"}``, RFC 6749 section 5.2), not problem details, and nothing
they answer is stored by a cache.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.dependencies import ContainerDep
from app.http.urls import (
    AUTHORIZATION_SERVER_METADATA_PATH,
    CREDENTIAL_ISSUER_METADATA_PATH,
    OPENID4VCI_CREDENTIAL_PATH,
    OPENID4VCI_NONCE_PATH,
    OPENID4VCI_OFFER_PATH,
    OPENID4VCI_TOKEN_PATH,
)
from app.services.openid4vci import OAuthError

router = APIRouter(tags=["openid4vci"])

_OAUTH_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "error_description": {"type": "string"},
        "c_nonce": {"type": "string", "description": "A fresh nonce, after a proof error"},
    },
}
#: The OAuth 2.0 error responses of the token and credential endpoints.
_OAUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {
        "description": description,
        "content": {"application/json": {"schema": _OAUTH_ERROR}},
    }
    for status, description in (
        (400, "OAuth 2.0 error response (RFC 6749 section 5.2; OpenID4VCI 8.3.1)"),
        (401, "The access token is missing, unknown or expired (RFC 6750 section 3.1)"),
    )
}

_PUBLIC = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
_NO_STORE = {"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"}
#: Larger than any request a wallet sends here (a proof JWT with its key).
_MAX_REQUEST_BYTES = 64 * 1024


def _oauth_error(exc: OAuthError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers={**exc.headers, **_NO_STORE})


async def _answer(call: Callable[[], dict[str, Any]]) -> JSONResponse:
    try:
        body = await run_in_threadpool(call)
    except OAuthError as exc:
        return _oauth_error(exc)
    return JSONResponse(body, headers=_NO_STORE)


async def _body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > _MAX_REQUEST_BYTES:
        raise OAuthError(
            "invalid_request", f"the request is larger than {_MAX_REQUEST_BYTES} bytes"
        )
    return body


@router.get(CREDENTIAL_ISSUER_METADATA_PATH)
def credential_issuer_metadata(slug: str, container: ContainerDep) -> JSONResponse:
    """Credential Issuer Metadata (OpenID4VCI 1.0 section 12.2)."""
    return JSONResponse(container.openid4vci.issuer_metadata(slug), headers=_PUBLIC)


@router.get(AUTHORIZATION_SERVER_METADATA_PATH)
def authorization_server_metadata(slug: str, container: ContainerDep) -> JSONResponse:
    """OAuth 2.0 Authorization Server Metadata (RFC 8414): the token endpoint."""
    return JSONResponse(container.openid4vci.authorization_server_metadata(slug), headers=_PUBLIC)


@router.get(OPENID4VCI_OFFER_PATH)
def credential_offer(slug: str, offer_id: str, container: ContainerDep) -> JSONResponse:
    """The Credential Offer behind a ``credential_offer_uri`` (section 4.1.3), while it is
    open; 404 once it is used, closed or expired."""
    return JSONResponse(container.openid4vci.credential_offer(slug, offer_id), headers=_NO_STORE)


@router.post(OPENID4VCI_TOKEN_PATH, responses=_OAUTH_ERRORS)
async def token(slug: str, request: Request, container: ContainerDep) -> JSONResponse:
    """The token endpoint (section 6): ``application/x-www-form-urlencoded`` with
    ``grant_type`` ``urn:ietf:params:oauth:grant-type:pre-authorized_code``,
    ``pre-authorized_code`` and, when the offer has one, ``tx_code``."""
    try:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/x-www-form-urlencoded":
            raise OAuthError(
                "invalid_request", "send the token request as application/x-www-form-urlencoded"
            )
        raw = await _body(request)
        try:
            form = dict(
                parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise OAuthError("invalid_request", "the form cannot be read") from exc
    except OAuthError as exc:
        return _oauth_error(exc)
    return await _answer(lambda: container.openid4vci.token(slug, form))


@router.post(OPENID4VCI_NONCE_PATH, responses=_OAUTH_ERRORS)
async def nonce(slug: str, container: ContainerDep) -> JSONResponse:
    """The nonce endpoint (section 7): a fresh ``c_nonce`` for key proofs."""
    return await _answer(lambda: container.openid4vci.nonce(slug))


@router.post(OPENID4VCI_CREDENTIAL_PATH, responses=_OAUTH_ERRORS)
async def credential(slug: str, request: Request, container: ContainerDep) -> JSONResponse:
    """The credential endpoint (section 8): the access token as a Bearer token, a JSON body
    with ``credential_configuration_id`` and ``proofs.jwt``."""
    authorization = request.headers.get("authorization")
    try:
        raw = await _body(request)
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise OAuthError(
                "invalid_credential_request", "the credential request is not JSON"
            ) from exc
        if not isinstance(body, dict):
            raise OAuthError("invalid_credential_request", "the request must be a JSON object")
    except OAuthError as exc:
        return _oauth_error(exc)
    return await _answer(lambda: container.openid4vci.credential(slug, authorization, body))
