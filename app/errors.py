"""One error mapping: every error leaves the service as RFC 9457 ``application/problem+json``.

Exception tree of the application layer::

    AppError                 status, code, title, detail (and ``errors`` for field problems)
    ├── BadRequest           400
    ├── Unauthorized         401 (with WWW-Authenticate: Bearer)
    ├── Forbidden            403
    ├── NotFound             404
    ├── Conflict             409
    ├── PayloadTooLarge      413
    ├── Unprocessable        422, names the field(s) and reason(s)
    └── ServiceUnavailable   503 (the database does not answer)

Errors of the core packages (``keys.KeysError``, ``verifier.VerifierError``,
``issuer.IssuerError``: documents the core cannot represent, 422) carry ``code`` and
``title`` and are mapped here too; validation errors, unknown routes and methods, and
unexpected errors likewise (an opaque 500 whose request id is in the log next to the
traceback).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from issuer.errors import IssuerError
from keys import KeysError
from verifier.errors import VerifierError

PROBLEM_JSON = "application/problem+json"
_TYPE_BASE = "urn:microcred:problem:"
log = logging.getLogger("microcred.errors")


class AppError(Exception):
    status = 500
    code = "internal_error"
    title = "Internal Server Error"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[dict[str, Any]] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors or [])
        if code is not None:
            self.code = code


class BadRequest(AppError):
    status, code, title = 400, "bad_request", "Bad Request"


class Unauthorized(AppError):
    status, code, title = 401, "unauthorized", "Unauthorized"


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(AppError):
    status, code, title = 404, "not_found", "Not Found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload_too_large", "Payload Too Large"


class ServiceUnavailable(AppError):
    status, code, title = 503, "service_unavailable", "Service Unavailable"


class Unprocessable(AppError):
    status, code, title = 422, "unprocessable", "Unprocessable Content"

    @classmethod
    def field(cls, field: str, reason: str) -> Unprocessable:
        return cls(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


def problem(
    request: Request | None,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: Sequence[dict[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": _TYPE_BASE + code.replace("_", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if request is not None:
        body["instance"] = request.url.path
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            body["request_id"] = request_id
    if errors:
        body["errors"] = list(errors)
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {})
    )


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] if parts[0] == "body" else parts
    return ".".join(parts) or "body"


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return problem(request, exc.status, exc.code, exc.title, exc.detail, exc.errors, headers)


async def _keys_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KeysError)
    return problem(request, 422, exc.code, exc.title, exc.detail)


async def _core_error(request: Request, exc: Exception) -> JSONResponse:
    """A document the core cannot process faithfully (undefined term, unknown context...)."""
    assert isinstance(exc, VerifierError | IssuerError)
    return problem(request, 422, exc.code, exc.title, exc.detail)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field_name(e.get("loc", ())), "reason": str(e.get("msg", "invalid"))}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors) or "invalid request"
    return problem(request, 422, "validation_error", "Unprocessable Content", detail, errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {
        400: "Bad Request",
        404: "Not Found",
        405: "Method Not Allowed",
        413: "Payload Too Large",
    }
    title = titles.get(exc.status_code, "Error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    code = title.lower().replace(" ", "_")
    return problem(request, exc.status_code, code, title, detail, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", "-")
    log.error("unhandled error request_id=%s", request_id, exc_info=exc)
    return problem(
        request,
        500,
        "internal_error",
        "Internal Server Error",
        f"an unexpected error occurred; quote request id {request_id} to the operator",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(KeysError, _keys_error)
    app.add_exception_handler(VerifierError, _core_error)
    app.add_exception_handler(IssuerError, _core_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
