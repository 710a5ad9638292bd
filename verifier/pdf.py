"""Credentials carried in a PDF: a certificate (microcred's, or any other) with the credential
as an embedded file (ISO 32000-2, section 7.11.4, "Embedded file streams", listed in the
document's ``EmbeddedFiles`` name tree).

:func:`credential_in_pdf` opens the PDF with pypdf (pure Python; its decoders keep their
output limits: a flate stream decodes to at most ``pypdf.filters.ZLIB_MAX_OUTPUT_LENGTH``),
looks at no more than :data:`MAX_ATTACHMENTS` embedded files, and takes the first that holds a
credential: a JSON object with ``@context`` (a Data Integrity credential, named ``*.json`` or
of type ``application/vc``, ``application/vc+ld+json`` or ``application/ld+json``, tried first)
or a compact JWS (``*.jwt``, ``application/vc+jwt``). An attachment larger than ``max_bytes``
is not read. A PDF pypdf cannot open raises :class:`~verifier.errors.CredentialFormatError`
``pdf_unreadable``.
"""

from __future__ import annotations

import io
import json
import logging
import re
from dataclasses import dataclass

from verifier.errors import CredentialFormatError
from verifier.result import Check

__all__ = [
    "MAX_ATTACHMENTS",
    "PDF_WITHOUT_CREDENTIAL",
    "PdfCredential",
    "Unwrapped",
    "credential_in_pdf",
    "is_pdf",
    "unwrap_pdf",
]

#: The ``format`` check's code for a PDF that carries no credential.
PDF_WITHOUT_CREDENTIAL = "pdf_without_credential"
#: How many embedded files are looked at.
MAX_ATTACHMENTS = 16
#: A PDF may start with up to 1024 bytes of other data before its header (ISO 32000-2, 7.5.2).
_HEADER = b"%PDF-"
_HEADER_WINDOW = 1024
_JSON_TYPES = frozenset({"application/vc", "application/vc+ld+json", "application/ld+json",
                         "application/json"})  # fmt: skip
_JWT_TYPES = frozenset({"application/vc+jwt", "application/jwt"})
_COMPACT_JWS = re.compile(rb"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class PdfCredential:
    """The credential found in a PDF: the embedded file's name and its bytes."""

    name: str
    data: bytes


def is_pdf(data: bytes) -> bool:
    """Whether ``data`` starts like a PDF (its header within the first 1024 bytes)."""
    return _HEADER in data[: _HEADER_WINDOW + len(_HEADER)]


def credential_in_pdf(data: bytes, *, max_bytes: int) -> PdfCredential | None:
    """The credential embedded in the PDF ``data`` (a JSON-LD credential before a JWT), or
    None when it carries none. Raises :class:`CredentialFormatError` ``pdf_unreadable`` for a
    PDF that cannot be read."""
    from pypdf import PdfReader  # a PDF library only for those who verify PDFs
    from pypdf.errors import PyPdfError

    # pypdf logs what it finds malformed in a PDF; an anonymous upload is not worth a log line
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        found: list[tuple[int, PdfCredential]] = []
        for number, attachment in enumerate(reader.attachment_list):
            if number >= MAX_ATTACHMENTS:
                break
            declared = attachment.size
            if declared is not None and declared > max_bytes:
                continue
            content = attachment.content
            if len(content) > max_bytes:
                continue
            rank = _rank(attachment.name or "", attachment.subtype, content)
            if rank is not None:
                found.append((rank, PdfCredential(attachment.name or "", content)))
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError) as exc:  # fmt: skip
        raise CredentialFormatError(
            "pdf_unreadable", f"the PDF cannot be read: {type(exc).__name__}"
        ) from exc
    return min(found, key=lambda item: item[0])[1] if found else None


@dataclass(frozen=True)
class Unwrapped:
    """Input with a PDF taken off: the credential's bytes and the name of the embedded file
    they came from (None: the input was not a PDF), or the failed ``format`` check of a PDF
    that carries no credential or cannot be read."""

    data: bytes
    attachment: str | None = None
    failed: Check | None = None


def unwrap_pdf(data: bytes, *, max_bytes: int) -> Unwrapped:
    """The credential a PDF carries, or why there is none; other input as it is."""
    if not is_pdf(data):
        return Unwrapped(data)
    try:
        carried = credential_in_pdf(data, max_bytes=max_bytes)
    except CredentialFormatError as exc:
        return Unwrapped(data, failed=Check("format", "failed", exc.code, exc.detail))
    if carried is None:
        detail = "the PDF carries no credential: no embedded file is a JSON-LD credential or a JWT"
        return Unwrapped(data, failed=Check("format", "failed", PDF_WITHOUT_CREDENTIAL, detail))
    return Unwrapped(carried.data, attachment=carried.name)


def _rank(name: str, subtype: object, content: bytes) -> int | None:
    """0 for a JSON-LD credential, 1 for a compact JWS, None for anything else."""
    media_type = str(subtype or "").lstrip("/").replace("#2F", "/").lower()
    text = content.strip()
    if text.startswith(b"{") and (name.lower().endswith(".json") or media_type in _JSON_TYPES):
        try:
            document = json.loads(text)
        except ValueError:
            return None
        return 0 if isinstance(document, dict) and "@context" in document else None
    if name.lower().endswith(".jwt") or media_type in _JWT_TYPES:
        return 1 if _COMPACT_JWS.match(text) else None
    return None
