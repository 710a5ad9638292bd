"""File downloads: the learner's files (credential, JWT, certificate) as attachments.

The wallet's files are personal data behind a secret URL, so whoever serves them (the wallet
pages, the institution's API) sends them ``no-store``, ``noindex`` and ``no-referrer``.
"""

from __future__ import annotations

from typing import Protocol

from fastapi.responses import Response

__all__ = ["DOWNLOAD_HEADERS", "Download", "download_response"]

DOWNLOAD_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
    "Vary": "Accept-Language",
}


class Download(Protocol):
    """A file to send: its bytes, media type and ``Content-Disposition`` value."""

    @property
    def body(self) -> bytes: ...

    @property
    def media_type(self) -> str: ...

    @property
    def content_disposition(self) -> str: ...


def download_response(found: Download) -> Response:
    """``found`` as an attachment with :data:`DOWNLOAD_HEADERS`."""
    headers = {**DOWNLOAD_HEADERS, "Content-Disposition": found.content_disposition}
    return Response(found.body, media_type=found.media_type, headers=headers)
