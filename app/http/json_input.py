"""JSON from anonymous callers, bounded before it is parsed: the body read up to a size limit,
and the nesting depth counted before :func:`json.loads` runs.

A deeply nested document costs the parser, and everything after it that walks the document
(JSON-LD expansion, canonicalization), a stack frame per level: ~900 levels were enough to
raise :class:`RecursionError` where nothing expected it. The scanner here counts ``[`` and
``{`` outside strings with one regular expression (strings are matched whole, so their
brackets do not count), in linear time, and stops at the first level too deep.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterable
from typing import Any

from app.errors import PayloadTooLarge

__all__ = ["JsonInputError", "load_json", "read_body", "too_deep"]

# A JSON string (unterminated ones run to the end, so a match never fails and never
# backtracks), or a bracket.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)
_KEY_END = re.compile(r"\s*:")


class JsonInputError(ValueError):
    """JSON input that is refused: ``code`` (``input_too_deep``, ``invalid_json``), the
    ``field`` it concerns (the top-level member, or ``body``) and the ``reason``."""

    def __init__(self, code: str, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.code = code
        self.field = field
        self.reason = reason


def too_deep(text: str, max_depth: int) -> str | None:
    """None when no array or object in ``text`` is nested deeper than ``max_depth`` levels
    (the outermost is level 1); otherwise the top-level member where it happens (``""``
    when the top level is not an object, or the key is not known). Linear in ``text``; does
    not check that ``text`` is JSON."""
    depth = 0
    member = ""
    for match in _TOKENS.finditer(text):
        lexeme = match.group()
        if lexeme in "[{":
            depth += 1
            if depth > max_depth:
                return member
        elif lexeme in "]}":
            depth -= 1
        elif depth == 1 and _KEY_END.match(text, match.end()):
            member = lexeme[1:-1]
    return None


def load_json(data: bytes | str, *, max_depth: int) -> Any:
    """``json.loads(data)`` once :func:`too_deep` has passed it; raises
    :class:`JsonInputError` (``input_too_deep`` naming the top-level member, or
    ``invalid_json``)."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise JsonInputError("invalid_json", "body", "is not UTF-8") from exc
    member = too_deep(text, max_depth)
    if member is not None:
        raise JsonInputError(
            "input_too_deep", member or "body", f"is nested deeper than {max_depth} levels"
        )
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise JsonInputError("invalid_json", "body", f"is not JSON: {exc}") from exc


async def read_body(chunks: AsyncIterable[bytes], *, max_bytes: int) -> bytes:
    """The request body from ``chunks`` (``request.stream()``), refused with
    :class:`PayloadTooLarge` as soon as it passes ``max_bytes``."""
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"the request body exceeds {max_bytes} bytes")
    return bytes(body)
