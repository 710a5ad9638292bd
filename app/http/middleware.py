"""ASGI middleware: request ids, the access log, the request body size limit (413), and the
security headers every response carries."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.problems import PROBLEM_JSON, HtmlErrorRenderer, prefers_html, problem_body
from app.observability.logs import bind
from app.observability.metrics import Metrics

access_log = logging.getLogger("microcred.access")

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Takes a sane ``X-Request-ID`` from the client or makes one; echoes it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        with bind(request_id=request_id):
            await self.app(scope, receive, send_with_id)


class AccessLogMiddleware:
    """One line per request: the method, the route template (never the raw path: a wallet URL
    holds its token), the status and the duration; the request id comes from the context.
    Counts the request in ``metrics``."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            method = str(scope.get("method", ""))
            duration_ms = round((time.perf_counter() - start) * 1000, 1)
            access_log.info(
                "%s %s %s",
                method,
                route,
                status,
                extra={"method": method, "route": route, "status": status,
                       "duration_ms": duration_ms},
            )  # fmt: skip
            self.metrics.http_requests.labels(method, route, str(status)).inc()


class SecurityHeadersMiddleware:
    """``X-Content-Type-Options: nosniff`` on every response that does not say it already,
    and ``Cache-Control: no-store`` on every response under ``no_store`` (the authenticated
    API: its answers carry wallet URLs and learners' personal data), errors included."""

    def __init__(self, app: ASGIApp, no_store: Sequence[str]) -> None:
        self.app = app
        self.no_store = tuple(no_store)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        root = str(scope.get("root_path", ""))
        if root and path.startswith(root):
            path = path[len(root) :]
        private = path.startswith(self.no_store)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with a 413 problem, declared or streamed (a
    page, through ``html``, for a client that prefers HTML)."""

    def __init__(self, app: ASGIApp, max_bytes: int, html: HtmlErrorRenderer | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.html = html

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
        if self.html is not None and prefers_html(accept):
            response = self.html(Request(scope), 413, {"Connection": "close"})
            await response(scope, receive, send)
            return
        body = problem_body(
            413,
            "payload_too_large",
            f"the request body exceeds {self.max_bytes} bytes",
            instance=scope.get("path", ""),
            request_id=scope.get("state", {}).get("request_id"),
        )
        data = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"content-length", str(len(data)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException passes through FastAPI's body parsing unchanged and
                    # reaches the problem+json handler.
                    raise _TooLarge(413, f"the request body exceeds {self.max_bytes} bytes")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(scope, receive, send)


class _TooLarge(HTTPException):
    pass
