"""W3C Bitstring Status List v1.0: the bitstring format and the verifier's validate algorithm.

- Entries (section 2.1): ``{"type": "BitstringStatusListEntry", "statusPurpose",
  "statusListIndex": "<decimal>", "statusListCredential": <url>}``; :func:`status_entry`.
- The bitstring (sections 2.2, 3.3 "Bitstring Generation Algorithm", 3.4 "Bitstring Expansion
  Algorithm"): ``encodedList`` is ``u`` (multibase base64url, no padding) + the GZIP of the
  bits; index 0 is the left-most, most significant bit of the first byte, as in Digital
  Bazaar's ``@digitalbazaar/bitstring``. A list holds at least 131,072 entries (16 KiB).
- Validation (section 3.2 "Validate Algorithm"): :func:`check_status_entry` without the
  dereferencing and proof checking, which are the caller's (it fetches with a size limit and
  verifies the list credential's proof first). Like :func:`verifier.verify_proof` it returns a
  result and never raises for a bad entry or list.

The issuer builds entries and lists with this module (:mod:`issuer.status_list`), so both
sides agree on one format. microcred issues ``revocation`` and ``suspension`` entries only
(:data:`PURPOSES`); decoding and checking work for any purpose with one-bit entries.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from verifier.errors import StatusListError
from verifier.vc_model import parse_datetime

__all__ = [
    "ENTRY_TYPE",
    "LIST_CREDENTIAL_TYPE",
    "LIST_TYPE",
    "MAX_LIST_BYTES",
    "MIN_LIST_SIZE",
    "PURPOSES",
    "STATUS_ERROR_TYPES",
    "StatusCheck",
    "check_status_entry",
    "decode_bitstring",
    "encode_bitstring",
    "get_bit",
    "set_bit",
    "status_entry",
]

#: The minimum number of entries of a list (section 3.2 step 2; 6.1 "Revocation Bitstring
#: Length"): 131,072 one-bit entries, 16 KiB uncompressed.
MIN_LIST_SIZE = 131072
#: The status purposes microcred issues (section 2.1); the spec also has ``refresh`` and
#: ``message``, which we decode but never issue.
PURPOSES: tuple[str, ...] = ("revocation", "suspension")
#: The most an ``encodedList`` may expand to (a GZIP bomb is a few KiB that expand to GiB).
MAX_LIST_BYTES = 16 * 1024 * 1024

ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"

_MIN_LIST_BYTES = MIN_LIST_SIZE // 8
_MULTIBASE_BASE64URL = "u"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
_DECIMAL = re.compile(r"[0-9]+")
_MAX_INDEX_DIGITS = 30  # far beyond any list; keeps int() away from huge strings
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # a GZIP wrapper (RFC 1952), not zlib or raw deflate
_GZIP_OVERHEAD = 1024  # GZIP header and trailer; stored deflate blocks add 5 bytes per 64 KiB

_STATUS_LIST_PROBLEMS = "https://www.w3.org/ns/credentials/status-list#"
_VC_DATA_MODEL_PROBLEMS = "https://www.w3.org/TR/vc-data-model#"

#: Our ``StatusCheck.code`` -> the error type the specs name (Bitstring Status List v1.0,
#: section 3.5 "Processing Errors", for the ``STATUS_*`` types; VC Data Model 2.0 for
#: ``MALFORMED_VALUE_ERROR`` and ``RANGE_ERROR``, which section 3 and 3.2 step 10 raise).
#: ``status_list_unavailable``, ``status_unavailable`` (no fetcher was given),
#: ``status_list_proof_invalid`` and ``status_list_issuer_mismatch`` (the list is not the
#: credential issuer's, section 3.2 step 4 "validate the proof") are for the caller that
#: fetches and verifies the list (:mod:`verifier.verify`); a list that expands past the size
#: limit is treated as one that could not be retrieved.
STATUS_ERROR_TYPES: Mapping[str, str] = {
    "status_list_unavailable": "STATUS_RETRIEVAL_ERROR",
    "status_unavailable": "STATUS_RETRIEVAL_ERROR",
    "status_list_issuer_mismatch": "STATUS_VERIFICATION_ERROR",
    "status_list_too_large": "STATUS_RETRIEVAL_ERROR",
    "status_list_proof_invalid": "STATUS_VERIFICATION_ERROR",
    "status_purpose_mismatch": "STATUS_VERIFICATION_ERROR",
    "status_list_id_mismatch": "STATUS_VERIFICATION_ERROR",
    "status_list_not_yet_valid": "STATUS_VERIFICATION_ERROR",
    "status_list_expired": "STATUS_VERIFICATION_ERROR",
    "status_size_unsupported": "STATUS_VERIFICATION_ERROR",
    "status_list_too_short": "STATUS_LIST_LENGTH_ERROR",
    "status_index_out_of_range": "RANGE_ERROR",
    "status_type_unsupported": "MALFORMED_VALUE_ERROR",
    "status_entry_malformed": "MALFORMED_VALUE_ERROR",
    "status_list_malformed": "MALFORMED_VALUE_ERROR",
    "status_list_encoding": "MALFORMED_VALUE_ERROR",
}


@dataclass(frozen=True)
class StatusCheck:
    """The outcome of :func:`check_status_entry` (section 3.2, steps 11-13).

    ``status`` is the bit (True: revoked, suspended, ... as ``purpose`` says) and is only
    meaningful when ``code`` is None; otherwise ``code`` (a key of :data:`STATUS_ERROR_TYPES`)
    says why the status could not be read and ``status`` is False. A caller that must fail
    closed tests :attr:`valid`, which is True only for a status that was read and is unset.
    """

    purpose: str | None
    index: int | None
    status: bool
    code: str | None = None
    detail: str = ""

    @property
    def valid(self) -> bool:
        """The spec's ``valid`` (section 3.2 step 13): read, and the bit is 0."""
        return self.code is None and not self.status

    @property
    def error_type(self) -> str | None:
        """The spec's error type name for ``code`` (``STATUS_VERIFICATION_ERROR``, ...)."""
        return None if self.code is None else STATUS_ERROR_TYPES.get(self.code)

    @property
    def problem_type(self) -> str | None:
        """The RFC 9457 ``type`` URL of :attr:`error_type` (section 3.5; VC 2.0 for the rest)."""
        name = self.error_type
        if name is None:
            return None
        base = _STATUS_LIST_PROBLEMS if name.startswith("STATUS_") else _VC_DATA_MODEL_PROBLEMS
        return base + name


def encode_bitstring(bits: bytes) -> str:
    """``encodedList`` for ``bits`` (section 3.3 "Bitstring Generation Algorithm", step 3).

    ``u`` + base64url without padding of the GZIP of ``bits``. The GZIP header carries
    ``mtime`` 0, so the same bits always give the same string (and the same signature input).
    Raises :class:`StatusListError` ``status_list_too_short`` below 16 KiB (step 1).
    """
    if len(bits) < _MIN_LIST_BYTES:
        raise StatusListError(
            "status_list_too_short", f"{len(bits)} bytes; a list has at least {_MIN_LIST_BYTES}"
        )
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return _MULTIBASE_BASE64URL + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def decode_bitstring(encoded: str, *, max_bytes: int = MAX_LIST_BYTES) -> bytes:
    """The bits of an ``encodedList`` (section 3.4 "Bitstring Expansion Algorithm").

    Multibase-decodes (only ``u``, base64url; padding is tolerated) and GUNZIPs, refusing
    with :class:`StatusListError`: ``status_list_encoding`` for another multibase prefix,
    characters outside base64url, data that is not one complete GZIP member;
    ``status_list_too_large`` when the bits would exceed ``max_bytes`` (decompression stops
    there, so a GZIP bomb costs at most ``max_bytes``); ``status_list_too_short`` below
    131,072 bits (section 3.2 step 9).
    """
    if not isinstance(encoded, str) or not encoded.startswith(_MULTIBASE_BASE64URL):
        prefix = encoded[:1] if isinstance(encoded, str) else type(encoded).__name__
        raise StatusListError(
            "status_list_encoding", f"multibase prefix {prefix!r} is not 'u' (base64url)"
        )
    body = encoded[1:]
    if not _BASE64URL.fullmatch(body):
        raise StatusListError("status_list_encoding", "encodedList is not base64url")
    data = body.rstrip("=")
    if len(data) != len(body) and len(body) % 4:
        raise StatusListError("status_list_encoding", "encodedList has wrong base64 padding")
    if len(data) * 3 // 4 > max_bytes + max_bytes // 1000 + _GZIP_OVERHEAD:
        raise StatusListError("status_list_too_large", f"encodedList is {len(data)} characters")
    try:
        compressed = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError) as exc:
        raise StatusListError("status_list_encoding", f"encodedList: {exc}") from exc
    inflater = zlib.decompressobj(wbits=_GZIP_WBITS)
    try:
        bits = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise StatusListError("status_list_encoding", f"not GZIP data: {exc}") from exc
    if len(bits) > max_bytes:
        raise StatusListError("status_list_too_large", f"expands beyond {max_bytes} bytes")
    if not inflater.eof:
        raise StatusListError("status_list_encoding", "the GZIP data is truncated")
    if inflater.unused_data:
        raise StatusListError("status_list_encoding", "data after the GZIP member")
    if len(bits) < _MIN_LIST_BYTES:
        raise StatusListError(
            "status_list_too_short",
            f"{len(bits) * 8} entries; a list has at least {MIN_LIST_SIZE}",
        )
    return bits


def _position(bits: bytes | bytearray, index: int) -> tuple[int, int]:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(
            "status_index_out_of_range", f"index {index} is outside 0..{len(bits) * 8 - 1}"
        )
    return index >> 3, 0x80 >> (index & 7)


def get_bit(bits: bytes | bytearray, index: int) -> bool:
    """The bit at ``index``; index 0 is the most significant bit of the first byte (section
    2.2, ``encodedList``). Raises :class:`StatusListError` ``status_index_out_of_range``."""
    byte, mask = _position(bits, index)
    return bool(bits[byte] & mask)


def set_bit(bits: bytearray, index: int, value: bool) -> None:
    """Set or clear the bit at ``index`` in place (section 3.3 step 2, same order as
    :func:`get_bit`). Raises :class:`StatusListError` ``status_index_out_of_range``."""
    byte, mask = _position(bits, index)
    if value:
        bits[byte] |= mask
    else:
        bits[byte] &= ~mask & 0xFF


def status_entry(list_url: str, index: int, purpose: str) -> dict[str, Any]:
    """The ``credentialStatus`` entry for ``index`` of the list at ``list_url`` (section 2.1).

    Raises :class:`StatusListError` ``status_purpose_unsupported`` for a purpose outside
    :data:`PURPOSES` and ``ValueError`` for a negative index.
    """
    if purpose not in PURPOSES:
        raise StatusListError(
            "status_purpose_unsupported", f"{purpose!r} is not one of {', '.join(PURPOSES)}"
        )
    if index < 0:
        raise ValueError("a status list index is not negative")
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


class _Failure(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _entry_fields(entry: Any) -> tuple[str, int, str]:
    if not isinstance(entry, Mapping):
        raise _Failure("status_entry_malformed", "the status entry is not an object")
    if entry.get("type") != ENTRY_TYPE:
        raise _Failure("status_type_unsupported", f"entry type {entry.get('type')!r}")
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise _Failure("status_entry_malformed", "statusPurpose must be a string")
    raw_index = entry.get("statusListIndex")
    if not isinstance(raw_index, str) or not _DECIMAL.fullmatch(raw_index):
        raise _Failure("status_entry_malformed", "statusListIndex must be a decimal string")
    if not isinstance(entry.get("statusListCredential"), str):
        raise _Failure("status_entry_malformed", "statusListCredential must be a URL")
    size = entry.get("statusSize", 1)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise _Failure("status_entry_malformed", "statusSize must be a positive integer")
    if size != 1:
        # Section 1.3: a conforming processor may support one-bit entries only.
        raise _Failure("status_size_unsupported", f"statusSize {size}; only 1 is supported")
    if len(raw_index) > _MAX_INDEX_DIGITS:
        raise _Failure("status_index_out_of_range", f"statusListIndex has {len(raw_index)} digits")
    return purpose, int(raw_index), entry["statusListCredential"]


def _list_subject(
    entry_purpose: str, list_url: str, credential: Any, now: datetime, skew: timedelta
) -> Mapping[str, Any]:
    if not isinstance(credential, Mapping):
        raise _Failure("status_list_malformed", "the status list credential is not an object")
    if LIST_CREDENTIAL_TYPE not in _types(credential.get("type")):
        raise _Failure("status_list_malformed", f"type does not include {LIST_CREDENTIAL_TYPE}")
    if "id" in credential and credential["id"] != list_url:
        raise _Failure(
            "status_list_id_mismatch", f"the list is {credential['id']!r}, not {list_url!r}"
        )
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("type") != LIST_TYPE:
        raise _Failure("status_list_malformed", f"credentialSubject must be a {LIST_TYPE}")
    list_purposes = _types(subject.get("statusPurpose"))
    if not all(isinstance(purpose, str) for purpose in list_purposes):
        raise _Failure("status_list_malformed", "statusPurpose must be one or more strings")
    if entry_purpose not in list_purposes:
        raise _Failure(
            "status_purpose_mismatch",
            f"the entry is for {entry_purpose!r}, the list for {', '.join(list_purposes)}",
        )
    for term in ("validFrom", "validUntil"):
        if term in credential and parse_datetime(credential[term]) is None:
            raise _Failure("status_list_malformed", f"{term} is not an XML dateTimeStamp")
    valid_from = parse_datetime(credential.get("validFrom"))
    valid_until = parse_datetime(credential.get("validUntil"))
    if valid_from is not None and now + skew < valid_from:
        raise _Failure("status_list_not_yet_valid", f"the list is valid from {valid_from}")
    if valid_until is not None and now - skew > valid_until:
        raise _Failure("status_list_expired", f"the list expired at {valid_until}")
    if not isinstance(subject.get("encodedList"), str):
        raise _Failure("status_list_malformed", "encodedList must be a string")
    return subject


def check_status_entry(
    entry: Mapping[str, Any],
    status_list_credential: Mapping[str, Any],
    *,
    now: datetime,
    clock_skew: timedelta = timedelta(0),
    max_bytes: int = MAX_LIST_BYTES,
) -> StatusCheck:
    """The status of one ``BitstringStatusListEntry`` in its (already verified) list
    credential: section 3.2 "Validate Algorithm", steps 3 and 5-13.

    Checks the entry (type, purpose, a decimal ``statusListIndex``, one-bit ``statusSize``),
    the list credential (``type`` includes ``BitstringStatusListCredential``, an ``id`` if
    present is the entry's ``statusListCredential``, the subject is a ``BitstringStatusList``
    whose ``statusPurpose`` includes the entry's, ``validFrom <= now <= validUntil``), then
    expands ``encodedList`` (at most ``max_bytes``), checks its length and the index range and
    reads the bit. Steps 1, 2 and 4 (finding the entry, dereferencing the list, verifying its
    proofs) are the caller's. Never raises for a bad entry or list: the result's ``code`` says
    why (:data:`STATUS_ERROR_TYPES` maps it to the spec's error types). ``now`` must be aware;
    ``clock_skew`` widens the list's own validity window either way (a list signed a moment
    after the verifier read its clock is not "not yet valid").
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    purpose: str | None = None
    index: int | None = None
    try:
        purpose, index, list_url = _entry_fields(entry)
        subject = _list_subject(purpose, list_url, status_list_credential, now, clock_skew)
        bits = decode_bitstring(subject["encodedList"], max_bytes=max_bytes)
        status = get_bit(bits, index)
    except _Failure as failure:
        return StatusCheck(purpose, index, False, failure.code, failure.detail)
    except StatusListError as exc:
        return StatusCheck(purpose, index, False, exc.code, exc.detail)
    return StatusCheck(purpose, index, status)
