"""Issuing W3C Bitstring Status Lists v1.0: index allocation and the list credential.

The format (entries, ``encodedList``, bit order) is the verifier's, :mod:`verifier.status_list`;
this module adds what only an issuer does:

- :func:`permuted_index` allocates indexes "randomly, such that inferences - such as the recency
  of the assignment or the size of the group - cannot be easily drawn from that position"
  (section 2.1, ``statusListIndex``; section 6 "Privacy Considerations", 6.1 "Revocation
  Bitstring Length"): a list only gives herd privacy if a holder's index says nothing about
  when the credential was issued or how many came before it. Sequential indexes would leak
  both, and correlate credentials issued together. Random draws would need a retry loop and a
  record of used indexes; a keyed pseudorandom permutation gives the n-th allocation of a list
  a random-looking index that never repeats, from the list's key and a counter alone.
- :func:`bitstring_status_list_credential` builds the unsecured list credential (section 2.2;
  section 3.1 "Generate Algorithm" steps 2-4); securing it is :mod:`issuer.data_integrity` or
  :mod:`issuer.vc_jose`.

Errors: :class:`verifier.StatusListError` (``status_list_too_short``,
``status_purpose_unsupported``), from the format the verifier defines; ``ValueError`` for
programming errors (a full list, a short key, naive datetimes).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from functools import lru_cache
from typing import Any

from issuer.credential import VC_V2_CONTEXT, xsd_datetime
from verifier.errors import StatusListError
from verifier.status_list import (
    LIST_CREDENTIAL_TYPE,
    LIST_TYPE,
    MIN_LIST_SIZE,
    PURPOSES,
    encode_bitstring,
)

__all__ = ["FEISTEL_ROUNDS", "bitstring_status_list_credential", "permuted_index"]

#: Rounds of the Feistel network; 4 make a pseudorandom permutation (Luby-Rackoff), more
#: make up for the small halves (9 bits for a 131,072-entry list).
FEISTEL_ROUNDS = 8
MIN_KEY_BYTES = 16

_DOMAIN = b"microcred/bitstring-status-list/feistel/v1"
_TABLE_MAX_HALF_BITS = 10  # lists up to 2**20: tabulate (8 x 1024 HMACs, ~10 ms)


def _domain_bits(size: int) -> int:
    """The even exponent of the smallest power of two >= size (at least 2: two 1-bit halves)."""
    bits = max(2, (size - 1).bit_length())
    return bits + (bits & 1)


def _round_value(key: bytes, domain_bits: int, round_no: int, value: int) -> int:
    message = _DOMAIN + bytes((domain_bits, round_no)) + value.to_bytes(8, "big")
    digest = hmac.digest(key, message, hashlib.sha256)
    return int.from_bytes(digest[:8], "big") & ((1 << (domain_bits // 2)) - 1)


@lru_cache(maxsize=64)
def _round_tables(key: bytes, domain_bits: int) -> tuple[tuple[int, ...], ...]:
    """The round function of every round for every half value: with small halves, building
    it once costs less than the HMACs of walking a whole list, and then a step is a lookup."""
    half_values = range(1 << (domain_bits // 2))
    return tuple(
        tuple(_round_value(key, domain_bits, round_no, value) for value in half_values)
        for round_no in range(FEISTEL_ROUNDS)
    )


def _feistel(key: bytes, domain_bits: int, value: int) -> int:
    half = domain_bits // 2
    mask = (1 << half) - 1
    left, right = value >> half, value & mask
    if half <= _TABLE_MAX_HALF_BITS:
        for table in _round_tables(key, domain_bits):
            left, right = right, left ^ table[right]
    else:
        for round_no in range(FEISTEL_ROUNDS):
            left, right = right, left ^ _round_value(key, domain_bits, round_no, right)
    return (left << half) | right


def permuted_index(key: bytes, counter: int, size: int = MIN_LIST_SIZE) -> int:
    """The index of the ``counter``-th allocation in a list of ``size`` entries: a keyed
    pseudorandom permutation of ``range(size)`` (section 2.1 ``statusListIndex``: "SHOULD
    assign indexes randomly"; section 6 "Privacy Considerations").

    A balanced Feistel network of :data:`FEISTEL_ROUNDS` rounds, HMAC-SHA256 keyed with
    ``key`` as the round function, permutes the smallest ``4**n >= size``; cycle-walking
    (applying it again while the result is ``>= size``) restricts it to ``range(size)`` and
    keeps it a permutation. Distinct counters therefore never share an index, and without the
    key the order of allocation cannot be read from the indexes. Raises ``ValueError`` when
    ``counter`` is outside ``range(size)`` (the list is full) or ``key`` is shorter than 16
    bytes.
    """
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the permutation key must have at least {MIN_KEY_BYTES} bytes")
    if size < 1:
        raise ValueError("a list has at least one entry")
    if not 0 <= counter < size:
        raise ValueError(f"counter {counter} is outside 0..{size - 1}: the list is full")
    domain_bits = _domain_bits(size)
    value = _feistel(key, domain_bits, counter)
    while value >= size:
        value = _feistel(key, domain_bits, value)
    return value


def bitstring_status_list_credential(
    *,
    list_url: str,
    issuer: str,
    purpose: str,
    bits: bytes,
    valid_from: datetime,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """The unsecured ``BitstringStatusListCredential`` for ``bits`` (section 2.2; section 3.1
    "Generate Algorithm", steps 2-4), in the VC 2.0 context only (it defines the terms).

    The subject is ``{list_url}#list``; ``encodedList`` is
    :func:`verifier.status_list.encode_bitstring` of ``bits``. Raises
    :class:`verifier.StatusListError` for a purpose outside :data:`verifier.PURPOSES`
    (``status_purpose_unsupported``) or fewer than 131,072 bits (``status_list_too_short``),
    ``ValueError`` for naive datetimes or ``valid_until`` not after ``valid_from``.
    """
    if purpose not in PURPOSES:
        raise StatusListError(
            "status_purpose_unsupported", f"{purpose!r} is not one of {', '.join(PURPOSES)}"
        )
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": xsd_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = xsd_datetime(valid_until)  # refuses a naive datetime
        if valid_until <= valid_from:
            raise ValueError("valid_until must be after valid_from")
    credential["credentialSubject"] = {
        "id": f"{list_url}#list",
        "type": LIST_TYPE,
        "statusPurpose": purpose,
        "encodedList": encode_bitstring(bits),
    }
    return credential
