"""The application's errors: what a use case refuses, with the HTTP status it stands for.

Exception tree::

    AppError                 status, code, title, detail (and ``errors`` for field problems)
    ├── BadRequest           400
    ├── Unauthorized         401 (answered with WWW-Authenticate: Bearer)
    ├── Forbidden            403
    ├── NotFound             404
    ├── NotAcceptable        406
    ├── Conflict             409
    ├── PayloadTooLarge      413
    ├── Unprocessable        422, names the field(s) and reason(s)
    ├── TooManyRequests      429 (answered with Retry-After)
    └── ServiceUnavailable   503 (the database does not answer)

The services raise them; :mod:`app.http.problems` turns them (and the errors of the core
packages, validation errors and unexpected errors) into RFC 9457 problem details.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "AppError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NotAcceptable",
    "NotFound",
    "PayloadTooLarge",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "Unprocessable",
]


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
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors or [])
        self.headers = dict(headers or {})
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


class NotAcceptable(AppError):
    status, code, title = 406, "not_acceptable", "Not Acceptable"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload_too_large", "Payload Too Large"


class TooManyRequests(AppError):
    status, code, title = 429, "too_many_requests", "Too Many Requests"


class ServiceUnavailable(AppError):
    status, code, title = 503, "service_unavailable", "Service Unavailable"


class Unprocessable(AppError):
    status, code, title = 422, "unprocessable", "Unprocessable Content"

    @classmethod
    def field(cls, field: str, reason: str, *, code: str | None = None) -> Unprocessable:
        return cls(f"{field}: {reason}", errors=[{"field": field, "reason": reason}], code=code)

    @classmethod
    def fields(
        cls, problems: Sequence[tuple[str, str]], *, code: str | None = None
    ) -> Unprocessable:
        """One error naming every (field, reason) in ``problems``."""
        return cls(
            "; ".join(f"{f}: {r}" for f, r in problems),
            errors=[{"field": f, "reason": r} for f, r in problems],
            code=code,
        )
