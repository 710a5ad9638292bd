"""RFC 9457 problem details: the one shape of every error response, and the handlers that map
the application's and the core packages' errors onto it.

A problem is ``{"type", "title", "status", "detail", "code", "instance", "request_id"}``, plus
``errors: [{field, reason}]`` for invalid input and whatever a caller adds (the VC API's
verification result). Types are URNs (``urn:microcred:problem:<code>``): we own no domain to
publish them under.

A browser gets a page instead: when a client prefers ``text/html`` to JSON (content
negotiation, :func:`prefers_html`), the handlers answer with the HTML renderer that
:func:`install_error_handlers` is given (the pages' error page, from ``app.web``: this layer
renders no HTML itself). Programs, and any client that does not ask for HTML first, keep
problem+json.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import AppError
from app.http.negotiation import preferred_media_type
from issuer.errors import IssuerError
from keys import KeysError
from verifier.errors import VerifierError

__all__ = [
    "ERROR_STATUSES",
    "PROBLEM_JSON",
    "HtmlErrorRenderer",
    "document_problems",
    "install_error_handlers",
    "prefers_html",
    "problem",
    "problem_body",
]

PROBLEM_JSON = "application/problem+json"
_TYPE_BASE = "urn:microcred:problem:"
#: Sent with every problem: its body is JSON, never to be sniffed as anything else.
_HEADERS = {"X-Content-Type-Options": "nosniff"}
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
#: The error statuses any operation may answer with, as problem details.
ERROR_STATUSES = (400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429, 500, 503)
log = logging.getLogger("microcred.errors")

#: Renders an error as an HTML page: (request, status, headers to keep) -> response.
HtmlErrorRenderer = Callable[[Request, int, Mapping[str, str]], Response]
# What an error can be sent as; ties go to problem+json (``*/*`` and no Accept get JSON).
_ERROR_TYPES = (PROBLEM_JSON, "application/json", "text/html", "application/xhtml+xml")
# Headers of a problem that mean something to a browser too.
_KEPT_FOR_HTML = ("allow", "retry-after")


def prefers_html(accept: str | None) -> bool:
    """Whether a client with this ``Accept`` header wants an error as a page (it prefers
    ``text/html`` to ``application/json`` and ``application/problem+json``)."""
    return preferred_media_type(accept, _ERROR_TYPES) in ("text/html", "application/xhtml+xml")


class _FieldError(BaseModel):
    field: str
    reason: str


class _Problem(BaseModel):
    """RFC 9457 problem details, as every error of this service is sent."""

    type: str = Field(description="urn:microcred:problem:<code>")
    title: str
    status: int
    detail: str = Field(description="what went wrong, for a person")
    code: str = Field(description="what went wrong, for a program")
    instance: str | None = Field(default=None, description="the path of the request")
    request_id: str | None = Field(default=None, description="also the X-Request-ID header")
    errors: list[_FieldError] | None = Field(
        default=None, description="invalid input: each field and its reason"
    )


def problem_body(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    instance: str | None = None,
    request_id: str | None = None,
    errors: Sequence[Mapping[str, Any]] = (),
    extra: Mapping[str, Any] | None = None,
    problem_type: str | None = None,
) -> dict[str, Any]:
    """The problem details object (RFC 9457, section 3); its ``type`` is named after
    ``problem_type`` (default: ``code``)."""
    body: dict[str, Any] = {
        "type": _TYPE_BASE + (problem_type or code).replace("_", "-"),
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance is not None:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = [dict(e) for e in errors]
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    return body


def problem(
    request: Request | None,
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    errors: Sequence[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
    problem_type: str | None = None,
) -> JSONResponse:
    """A problem details response for ``request`` (its path and request id)."""
    body = problem_body(
        status,
        code,
        detail,
        title=title,
        instance=request.url.path if request is not None else None,
        request_id=getattr(request.state, "request_id", None) if request is not None else None,
        errors=errors,
        extra=extra,
        problem_type=problem_type,
    )
    return JSONResponse(
        body,
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={**_HEADERS, **dict(headers or {})},
    )


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] if parts[0] == "body" else parts
    return ".".join(parts) or "body"


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    headers = dict(exc.headers)
    if exc.status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return problem(
        request, exc.status, exc.code, exc.detail, title=exc.title, errors=exc.errors,
        headers=headers,
    )  # fmt: skip


async def _core_error(request: Request, exc: Exception) -> JSONResponse:
    """A document or key the core cannot process faithfully (undefined term, unknown
    context, a key that does not decode...)."""
    assert isinstance(exc, VerifierError | IssuerError | KeysError)
    return problem(request, 422, exc.code, exc.detail, title=exc.title)


# What a JSON body that is not an object is, in words.
_JSON_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "true or false"),
    ((int, float), "a number"),
    (str, "a string"),
    (list, "an array"),
)
_SEND_JSON = "send the body as application/json (header Content-Type: application/json)"


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    return next((words for kind, words in _JSON_KINDS if isinstance(value, kind)), "not an object")


def _json_position(doc: Any, pos: Any) -> str:
    """Where in ``doc`` (the body's text) offset ``pos`` is, as an editor shows it."""
    if not isinstance(doc, str) or not isinstance(pos, int):
        return ""
    line = doc.count("\n", 0, pos) + 1
    column = pos - doc.rfind("\n", 0, pos)
    return f" at line {line}, column {column}"


def _body_error(request: Request, exc: RequestValidationError) -> JSONResponse | None:
    """The problem for a body that cannot be read at all (not JSON, not an object, missing,
    or sent with another Content-Type), said as what to send instead of pydantic's words;
    None when the body was read and its fields are what failed."""
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        if not loc or loc[0] != "body":
            continue
        kind = error.get("type")
        if kind == "json_invalid":
            # FastAPI's parser: the offset in loc, the reason in ctx; ours (read_body) gives a
            # message that already says where.
            reason = str((error.get("ctx") or {}).get("error") or error.get("msg", ""))
            reason = reason.removeprefix("is not JSON: ")
            where = _json_position(exc.body, loc[1] if len(loc) > 1 else None)
            reason = f"is not valid JSON: {reason}{where}"
        elif len(loc) > 1:
            continue
        elif kind == "missing":
            reason = "is empty: send a JSON object, as application/json"
        elif isinstance(error.get("input"), bytes):
            sent = request.headers.get("content-type")
            said = f"Content-Type {sent}" if sent else "no Content-Type"
            detail = f"the body was sent with {said}: {_SEND_JSON}"
            return problem(
                request, 415, "unsupported_media_type", detail,
                errors=[{"field": "body", "reason": detail}],
            )  # fmt: skip
        elif kind in ("model_attributes_type", "dict_type", "model_type"):
            value = error.get("input")
            reason = f"must be a JSON object ({{...}}), not {_json_kind(value)}"
        else:
            continue
        return problem(
            request, 422, "validation_error", f"the body {reason}",
            errors=[{"field": "body", "reason": reason}],
        )  # fmt: skip
    return None


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    body_error = _body_error(request, exc)
    if body_error is not None:
        return body_error
    errors = [
        {"field": _field_name(e.get("loc", ())), "reason": str(e.get("msg", "invalid"))}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors) or "invalid request"
    return problem(request, 422, "validation_error", detail, errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _TITLES.get(exc.status_code, "Error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    code = title.lower().replace(" ", "_")
    return problem(request, exc.status_code, code, detail, title=title, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", "-")
    log.error("unhandled error request_id=%s", request_id, exc_info=exc)
    return problem(
        request,
        500,
        "internal_error",
        f"an unexpected error occurred; quote request id {request_id} to the operator",
    )


_Handler = Callable[[Request, Exception], Awaitable[JSONResponse]]


def _negotiated(handler: _Handler, html: HtmlErrorRenderer | None) -> Callable[..., Any]:
    """``handler``'s problem, or the same error as a page for a client that wants HTML."""

    async def respond(request: Request, exc: Exception) -> Response:
        response = await handler(request, exc)
        if html is None or not prefers_html(request.headers.get("accept")):
            return response
        kept = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_FOR_HTML}
        return html(request, response.status_code, kept)

    return respond


def install_error_handlers(app: FastAPI, html: HtmlErrorRenderer | None = None) -> None:
    """Map every error onto problem details (or, with ``html``, a page for browsers)."""
    handlers: tuple[tuple[type[Exception], _Handler], ...] = (
        (AppError, _app_error),
        (KeysError, _core_error),
        (VerifierError, _core_error),
        (IssuerError, _core_error),
        (RequestValidationError, _validation_error),
        (StarletteHTTPException, _http_error),
        (Exception, _unexpected),
    )
    for kind, handler in handlers:
        app.add_exception_handler(kind, _negotiated(handler, html))


def document_problems(app: FastAPI) -> None:
    """Describe the problem details in ``app``'s OpenAPI document: a ``Problem`` schema, and
    every status of :data:`ERROR_STATUSES` on every operation as ``application/problem+json``
    (in place of FastAPI's own 422 shape, which this service never sends)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        problem_schema = _Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem_schema.pop("$defs", {}))
        schemas["Problem"] = problem_schema
        reference = {"$ref": "#/components/schemas/Problem"}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for status in ERROR_STATUSES:
                    # An error a route documents itself (OAuth's, for wallets) stays beside.
                    declared = responses.get(str(status), {}) if status != 422 else {}
                    responses[str(status)] = {
                        "description": declared.get("description", _TITLES[status]),
                        "content": {
                            **declared.get("content", {}),
                            PROBLEM_JSON: {"schema": reference},
                        },
                    }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
