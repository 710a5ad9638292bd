"""gzip for clients that accept it: Starlette's :class:`GZipMiddleware`, with two rules of ours.

- ``Accept-Encoding`` is read with its quality values (``gzip;q=0`` refuses gzip; Starlette
  looks for the substring ``gzip``).
- A response that carries an ``ETag`` is sent as it is. Our ETags (the status lists') are strong
  validators of the bytes the service made; the gzip bytes are another representation, which a
  strong ETag must not name (RFC 9110, 8.8.3), and ``If-None-Match`` keeps answering 304 for
  the tag the client was given. Those responses are small and read by programs anyway.

Images and archives (PNG QR codes, PDFs) are already compressed and are not compressed again;
responses under :data:`MINIMUM_SIZE` bytes neither. Compression happens after the security
headers and before the access log, and ``Vary: Accept-Encoding`` is added to what may be
compressed, so a shared cache keeps the two forms apart.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.gzip import (
    DEFAULT_EXCLUDED_CONTENT_TYPES,
    GZipResponder,
    IdentityResponder,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.negotiation import accepts_coding

__all__ = ["MINIMUM_SIZE", "CompressionMiddleware"]

#: Below this many bytes a response is sent as it is: gzip's header and trailer would eat the
#: gain.
MINIMUM_SIZE = 500
#: Already compressed: sent as they are.
EXCLUDED_TYPES = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf")


class _GZipUnlessValidated(GZipResponder):
    """Starlette's gzip responder, passing through a response with an ``ETag`` untouched."""

    _validated = False

    async def send_with_compression(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._validated = "etag" in Headers(raw=message.get("headers") or [])
        if self._validated:
            await self.send(message)
            return
        await super().send_with_compression(message)


class CompressionMiddleware:
    """gzip (level 6) for a client whose ``Accept-Encoding`` takes it; see the module."""

    def __init__(self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        responder: IdentityResponder
        if accepts_coding(Headers(scope=scope).get("accept-encoding"), "gzip"):
            # Level 6 (zlib's default): nearly level 9's size at a fraction of its time.
            responder = _GZipUnlessValidated(
                self.app, self.minimum_size, compresslevel=6, exclude_content_types=EXCLUDED_TYPES
            )
        else:
            responder = IdentityResponder(
                self.app, self.minimum_size, exclude_content_types=EXCLUDED_TYPES
            )
        await responder(scope, receive, send)
