"""Issuing IETF Token Status Lists (draft-ietf-oauth-status-list): the packed list and its
signed token.

The format is the verifier's (:mod:`verifier.token_status_list`); this module builds it:

- :func:`pack_statuses` lays the statuses out as section 4.1 says (index ``i``'s ``bits`` at
  the least significant end of byte ``i * bits // 8``);
- :func:`encode_status_list` compresses them with ZLIB (RFC 1950, DEFLATE; the highest level,
  as section 4.1 recommends) into ``{"bits", "lst"}``;
- :func:`status_list_token` signs the token (section 5.1): header ``typ``
  ``statuslist+jwt`` and ``kid``; claims ``sub`` (the list's URI), ``iat``, ``exp`` and
  ``ttl`` (section 13.7: how long a relying party may cache it), and ``iss`` (the issuer of
  the referenced tokens, so a verifier finds the key the same way).

microcred's lists have ``bits`` 2: 0 valid, 1 invalid (revoked), 2 suspended (section 7.1).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from issuer.vc_jose import sign_compact_jws
from keys import Signer
from verifier.base64url import b64url_encode
from verifier.token_status_list import ALLOWED_BITS, TOKEN_TYP

__all__ = [
    "STATUS_INVALID",
    "STATUS_SUSPENDED",
    "STATUS_VALID",
    "encode_status_list",
    "pack_statuses",
    "status_list_token",
]

STATUS_VALID = 0
STATUS_INVALID = 1
STATUS_SUSPENDED = 2


def pack_statuses(size: int, statuses: Mapping[int, int], bits: int = 2) -> bytes:
    """A list of ``size`` entries, all 0 but those of ``statuses`` (index -> value), packed
    ``bits`` per entry (section 4.1). ``ValueError`` for an index outside the list or a value
    that does not fit."""
    if bits not in ALLOWED_BITS:
        raise ValueError(f"bits must be one of {ALLOWED_BITS}")
    data = bytearray((size * bits + 7) // 8)
    for idx, value in statuses.items():
        if not 0 <= idx < size:
            raise ValueError(f"index {idx} is outside 0..{size - 1}")
        if not 0 <= value < (1 << bits):
            raise ValueError(f"status {value} does not fit in {bits} bits")
        position = idx * bits
        byte, shift = divmod(position, 8)
        data[byte] = (data[byte] & ~(((1 << bits) - 1) << shift)) | (value << shift)
    return bytes(data)


def encode_status_list(data: bytes, bits: int = 2) -> dict[str, Any]:
    """The JSON ``status_list`` of a packed list (section 4.1): ``lst`` = base64url of the
    ZLIB-compressed bytes, at the highest compression level."""
    if bits not in ALLOWED_BITS:
        raise ValueError(f"bits must be one of {ALLOWED_BITS}")
    return {"bits": bits, "lst": b64url_encode(zlib.compress(data, 9))}


def status_list_token(
    *,
    uri: str,
    data: bytes,
    signer: Signer,
    issued_at: datetime,
    bits: int = 2,
    issuer: str | None = None,
    valid_for: timedelta | None = None,
    ttl: timedelta | None = None,
) -> str:
    """The signed status list token in JWT format (section 5.1): ``typ`` ``statuslist+jwt``,
    ``kid`` the signer's key; ``sub`` = ``uri``, ``iat`` = ``issued_at``, ``exp`` =
    ``issued_at + valid_for`` and ``ttl`` (seconds) when given, ``iss`` when given."""
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    iat = int(issued_at.timestamp())
    claims: dict[str, Any] = {"sub": uri, "iat": iat}
    if issuer is not None:
        claims["iss"] = issuer
    if valid_for is not None:
        claims["exp"] = iat + int(valid_for.total_seconds())
    if ttl is not None:
        claims["ttl"] = int(ttl.total_seconds())
    claims["status_list"] = encode_status_list(data, bits)
    return sign_compact_jws({"typ": TOKEN_TYP, "kid": signer.id}, claims, signer)
