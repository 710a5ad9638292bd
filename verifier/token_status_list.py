"""The IETF Token Status List (draft-ietf-oauth-status-list): reading a status list token and
looking up a referenced token's status.

Facts used (section numbers of the draft):

- Section 4.1 "Status List in JSON Format": ``{"bits": 1|2|4|8, "lst": <base64url of the
  ZLIB (RFC 1950) DEFLATE-compressed byte array>}``; the status of index ``i`` is the
  ``bits``-wide field of byte ``i * bits // 8`` counted from its least significant bit.
- Section 5.1 "Status List Token in JWT Format": header ``typ`` ``statuslist+jwt``; claims
  ``sub`` (the URI of the list, which must equal the ``uri`` of the referencing token),
  ``iat``, ``exp`` (optional), ``ttl`` (optional), ``status_list``.
- Section 6.2 "Referenced Token in JOSE": ``"status": {"status_list": {"idx", "uri"}}``.
- Section 7.1 "Status Types": 0 ``VALID``, 1 ``INVALID``, 2 ``SUSPENDED``.
- Section 8.3 "Validation Rules": the token is checked (signature, ``sub`` = ``uri``, not
  expired), then the status is read at ``idx``.

The signature is the caller's: :func:`parse_status_list_token` only reads; the verifier
(:mod:`verifier.sd_jwt_vc`) resolves the issuer's key and checks the JWS.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from verifier.base64url import b64url_decode
from verifier.errors import TokenStatusListError

__all__ = [
    "MEDIA_TYPE",
    "STATUS_NAMES",
    "TOKEN_TYP",
    "StatusListToken",
    "StatusReference",
    "decode_status_list",
    "parse_status_list_token",
    "status_reference",
    "status_value",
]

MEDIA_TYPE = "application/statuslist+jwt"
TOKEN_TYP = "statuslist+jwt"  # noqa: S105 - a JOSE typ, not a secret
ALLOWED_BITS = (1, 2, 4, 8)
#: Section 7.1: the registered status types.
STATUS_NAMES = {0: "valid", 1: "invalid", 2: "suspended"}
#: The largest decompressed list we read (bytes): 8 bits x 2**20 entries.
MAX_LIST_BYTES = 1 << 20


@dataclass(frozen=True)
class StatusReference:
    """``status.status_list`` of a referenced token (section 6.2)."""

    idx: int
    uri: str


@dataclass(frozen=True)
class StatusListToken:
    """A parsed (not signature-checked) status list token."""

    token: str
    header: Mapping[str, Any]
    claims: Mapping[str, Any]
    bits: int
    data: bytes

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None

    @property
    def alg(self) -> str | None:
        alg = self.header.get("alg")
        return alg if isinstance(alg, str) else None

    def status(self, idx: int) -> int:
        """The status at ``idx`` (:func:`status_value`)."""
        return status_value(self.data, idx, self.bits)


def _error(detail: str, code: str = "status_list_token_malformed") -> TokenStatusListError:
    return TokenStatusListError(code, detail)


def status_reference(status: Any) -> StatusReference | None:
    """The ``status_list`` reference in a token's ``status`` claim (section 6.2), None when
    there is none; ``status_list_token_malformed`` when it is not ``{idx: int, uri: str}``."""
    if status is None:
        return None
    if not isinstance(status, Mapping):
        raise _error("status must be a JSON object")
    ref = status.get("status_list")
    if ref is None:
        return None
    idx, uri = (ref.get("idx"), ref.get("uri")) if isinstance(ref, Mapping) else (None, None)
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0 or not isinstance(uri, str):
        raise _error("status.status_list must be {idx: non-negative integer, uri: string}")
    return StatusReference(idx, uri)


def decode_status_list(lst: str, bits: int) -> bytes:
    """The byte array of a ``status_list`` (section 4.1): base64url, then ZLIB inflate,
    refused beyond :data:`MAX_LIST_BYTES`."""
    if bits not in ALLOWED_BITS:
        raise _error(f"bits must be one of {ALLOWED_BITS}")
    try:
        compressed = b64url_decode(lst)
        inflater = zlib.decompressobj()
        data = inflater.decompress(compressed, MAX_LIST_BYTES + 1)
    except (ValueError, zlib.error) as exc:
        raise _error(f"lst is not base64url ZLIB data: {exc}") from exc
    if len(data) > MAX_LIST_BYTES:
        raise _error(f"the list expands beyond {MAX_LIST_BYTES} bytes")
    if not inflater.eof:
        raise _error("lst is truncated ZLIB data")
    return data


def status_value(data: bytes, idx: int, bits: int) -> int:
    """The ``bits``-wide status of index ``idx``: byte ``idx * bits // 8``, from its least
    significant bit (section 4.1). ``status_index_out_of_range`` beyond the list."""
    position = idx * bits
    byte = position // 8
    if idx < 0 or byte >= len(data):
        raise _error(f"index {idx} is outside the list", "status_index_out_of_range")
    return (data[byte] >> (position % 8)) & ((1 << bits) - 1)


def _numeric(claims: Mapping[str, Any], name: str, *, required: bool) -> int | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _error(f"{name} must be a non-negative integer")
    return value


def parse_status_list_token(
    token: str,
    *,
    uri: str | None = None,
    now: datetime | None = None,
    clock_skew: timedelta = timedelta(minutes=5),
) -> StatusListToken:
    """Read a status list token in JWT format (section 5.1) without checking its signature.

    ``typ`` must be ``statuslist+jwt``; ``sub`` must equal ``uri`` (when given; section 8.3
    step 3 ``status_list_token_mismatch``); ``iat`` is required; ``exp`` (when present) must
    not have passed at ``now`` (``status_list_token_expired``); ``status_list`` is decoded
    with :func:`decode_status_list`. Raises :class:`TokenStatusListError`.
    """
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise _error("not a compact JWS")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _error("the header or payload is not base64url JSON") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise _error("the header and payload must be JSON objects")
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower().removeprefix("application/") != TOKEN_TYP:
        raise _error(f"typ must be {TOKEN_TYP}, not {typ!r}")
    sub = claims.get("sub")
    if not isinstance(sub, str):
        raise _error("sub must be the status list's URI")
    if uri is not None and sub != uri:
        raise _error(f"the token is for {sub}, not {uri}", "status_list_token_mismatch")
    _numeric(claims, "iat", required=True)
    _numeric(claims, "ttl", required=False)
    exp = _numeric(claims, "exp", required=False)
    if exp is not None and now is not None and now - clock_skew > datetime.fromtimestamp(exp, UTC):
        raise _error("the status list token has expired", "status_list_token_expired")
    status_list = claims.get("status_list")
    if not isinstance(status_list, Mapping):
        raise _error("status_list must be a JSON object")
    bits, lst = status_list.get("bits"), status_list.get("lst")
    if isinstance(bits, bool) or not isinstance(bits, int) or not isinstance(lst, str):
        raise _error("status_list needs bits (integer) and lst (string)")
    data = decode_status_list(lst, bits)
    return StatusListToken(token.strip(), header, claims, bits, data)
