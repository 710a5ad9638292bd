"""Verification for programs: the VC API ``POST /credentials/verify`` and
``POST /presentations/verify``. (The machine forms of a
verification URL, ``GET /v/<id>`` with a JSON or VC media type, are served beside its page in
:mod:`app.web.routes`.)

Anyone may call it, so its input is bounded before it is parsed: the body is read up to
``MICROCRED_VERIFY_MAX_BYTES`` (413 past it) and its nesting counted up to
``MICROCRED_VERIFY_MAX_DEPTH`` (422 naming the member) before ``json.loads`` runs; then it
takes a slot of the anonymous verification limit on the event loop (429 with ``Retry-After``
at once when none is free), and only then a worker thread.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from app.dependencies import ContainerDep
from app.errors import BadRequest, Unprocessable
from app.http.json_input import JsonInputError, load_json, read_body
from app.http.problems import problem
from verifier.sd_jwt import is_sd_jwt
from verifier.vc_jwt import JWS_COMPACT

router = APIRouter(tags=["verification"])


class VerifyCredentialRequest(BaseModel):
    verifiableCredential: dict[str, Any] | str
    options: dict[str, Any] = Field(default_factory=dict)


class VerifyPresentationRequest(BaseModel):
    verifiablePresentation: dict[str, Any] | str
    options: dict[str, Any] = Field(default_factory=dict)


def _request(raw: bytes, max_depth: int) -> VerifyCredentialRequest:
    """The body, parsed within the depth limit and validated (422 problems otherwise)."""
    body = VerifyCredentialRequest.model_validate(_load(raw, max_depth, VerifyCredentialRequest))
    parsing_error(body.verifiableCredential, "verifiableCredential")
    return body


def _load(raw: bytes, max_depth: int, model: type[BaseModel]) -> BaseModel:
    """``raw`` parsed within the depth limit and validated as ``model`` (422 problems
    otherwise)."""
    try:
        # The credential is one level down in the body: the limit applies to it.
        data = load_json(raw, max_depth=max_depth + 1)
    except JsonInputError as exc:
        if exc.code == "input_too_deep":
            reason = f"is nested deeper than {max_depth} levels"
            raise Unprocessable.field(exc.field, reason, code=exc.code) from exc
        # As FastAPI answers a body that is not JSON: a validation error of the body.
        error = {"type": "json_invalid", "loc": ("body",), "msg": exc.reason, "input": None}
        raise RequestValidationError([error]) from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from exc


def _key_binding(options: dict[str, Any]) -> dict[str, str]:
    """What an SD-JWT VC presentation's key binding JWT must carry: ``options.challenge`` is
    its ``nonce`` and ``options.domain`` its ``aud``, as for a presentation's proof."""
    found = {"nonce": options.get("challenge"), "audience": options.get("domain")}
    return {k: v for k, v in found.items() if isinstance(v, str)}


def parsing_error(value: object, field: str) -> None:
    """Refuse a string that is not a compact JWS: in a JSON API a secured credential or
    presentation is a JSON object, and a string is only ever a compact JWS (VC Data Integrity
    1.0, section 4.4: a document that is not a map is a ``PARSING_ERROR``; VC-JOSE-COSE). JSON
    text inside a string is not read: 400 ``parsing_error`` naming the field."""
    if isinstance(value, str) and not (JWS_COMPACT.match(value.strip()) or is_sd_jwt(value)):
        # (an SD-JWT VC, a compact JWS followed by "~", is a string too)
        reason = "a string must be a compact JWS; send a JSON-LD document as a JSON object"
        raise BadRequest(
            f"{field}: {reason}",
            errors=[{"field": field, "reason": reason}],
            code="parsing_error",
        )


@router.post(
    "/credentials/verify",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": VerifyCredentialRequest.model_json_schema()}
            },
        }
    },
)
async def verify(request: Request, container: ContainerDep) -> Response:
    """VC API verify: 200 with the result when it verifies; 422 problem details with the
    result when it does not. 413 for a body over the size limit, 422 for one nested too
    deep, 429 (``Retry-After``) while too many verifications are running."""
    service = container.verification
    raw = await read_body(request.stream(), max_bytes=service.limits.max_bytes)
    body = _request(raw, service.limits.max_depth)
    with service.admit() as ticket:
        result = await run_in_threadpool(
            partial(service.verify, ticket=ticket, **_key_binding(body.options)),
            body.verifiableCredential,
        )
    payload = result.to_json()
    if result.verified:
        return JSONResponse(payload)
    return problem(
        request,
        422,
        result.verdict,
        "; ".join(f"{e['check']}: {e['detail']}" for e in payload["errors"]),
        title="Verification failed",
        extra=payload,
        problem_type="verification_failed",
    )


@router.post(
    "/presentations/verify",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": VerifyPresentationRequest.model_json_schema()}
            },
        }
    },
)
async def verify_presentation(request: Request, container: ContainerDep) -> Response:
    """VC API verify presentation: 200 ``{verified, presentationResult, credentialResults,
    problemDetails, ...}`` when the presentation and every credential in it verify; 422
    problem details with the same result when not; 400 naming the field and reason for a
    body that is not a presentation. ``options``: ``challenge``, ``domain``,
    ``returnPresentation``. Limits as for ``/credentials/verify``."""
    service = container.verification
    raw = await read_body(request.stream(), max_bytes=service.limits.max_bytes)
    loaded = _load(raw, service.limits.max_depth, VerifyPresentationRequest)
    assert isinstance(loaded, VerifyPresentationRequest)
    parsing_error(loaded.verifiablePresentation, "verifiablePresentation")
    with service.admit() as ticket:
        result = await run_in_threadpool(
            service.verify_presentation, loaded.verifiablePresentation, loaded.options,
            ticket=ticket,
        )  # fmt: skip
    payload = result.to_json(include_presentation=loaded.options.get("returnPresentation") is True)
    if result.malformed:
        failed = result.checks[0]
        problems = failed.data.get("problems") or [{"field": "", "reason": failed.detail}]
        raise BadRequest(
            f"verifiablePresentation: {failed.detail}",
            errors=[
                {"field": "verifiablePresentation" + (f".{p['field']}" if p["field"] else ""),
                 "reason": p["reason"]}
                for p in problems
            ],
            code=failed.code or "presentation_invalid",
        )  # fmt: skip
    if result.verified:
        return JSONResponse(payload)
    return problem(
        request,
        422,
        "presentation_not_verified",
        "; ".join(
            (f"verifiableCredential[{e['credential']}] " if "credential" in e else "")
            + f"{e['check']}: {e['detail']}"
            for e in payload["errors"]
        ),
        title="Verification failed",
        extra=payload,
        problem_type="verification_failed",
    )
