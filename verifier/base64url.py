"""base64url without padding (RFC 4648 section 5; RFC 7515 section 2 "Base64url Encoding") and
the compact JSON that JOSE objects, SD-JWT disclosures and status list tokens are made of."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

__all__ = ["B64URL", "b64url_decode", "b64url_encode", "compact_json"]

#: The base64url alphabet without padding.
B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def b64url_encode(data: bytes) -> str:
    """``data`` as base64url without ``=`` padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """The bytes of unpadded base64url ``text``; ``ValueError`` for anything else (padding,
    characters outside the alphabet, an impossible length)."""
    if not isinstance(text, str) or not B64URL.match(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not base64url: {exc}") from exc


def compact_json(value: Any) -> bytes:
    """UTF-8 JSON without insignificant whitespace (what we sign and hash)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
