"""Bitstring Status List v1.0, both sides: the spec's example list, a list encoded by Digital
Bazaar's JavaScript implementation, bit order, the limits of the expansion algorithm, the
index permutation, and every way the validate algorithm can refuse an entry or a list."""

from __future__ import annotations

import base64
import gzip
import random
import zlib
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest

import issuer
import verifier
from issuer import bitstring_status_list_credential, permuted_index
from verifier import (
    MIN_LIST_SIZE,
    PURPOSES,
    STATUS_ERROR_TYPES,
    StatusCheck,
    StatusListError,
    VerifierError,
    check_status_entry,
    decode_bitstring,
    encode_bitstring,
    get_bit,
    set_bit,
    status_entry,
)

LIST_BYTES = MIN_LIST_SIZE // 8
LIST_URL = "https://uni.example/status/demo/abc"
ISSUER = "did:web:uni.example"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
KEY = bytes(range(32))

# Bitstring Status List v1.0, section 2.2, example "BitstringStatusListCredential":
# 131,072 entries, none set.
SPEC_ENCODED_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
# Produced by @digitalbazaar/vc-bitstring-status-list 2.0.1 (tests/interop/package-lock.json):
#   const list = await createList({length: 131072});
#   list.setStatus(3, true); list.setStatus(9, true);
#   await list.encode();
# Its decodeList read our encode_bitstring of bits {0, 5, 131071} back as exactly those.
JS_ENCODED_BITS_3_9 = "uH4sIAAAAAAAAA-3BMQEAAAwCoEUw0vqnMoYPkD8AAAAAAAAAAAAAAAAAAABgrKAZ9MkAQAAA"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _bits(*indexes: int, size: int = LIST_BYTES) -> bytearray:
    bits = bytearray(size)
    for index in indexes:
        set_bit(bits, index, True)
    return bits


def _set_indexes(bits: bytes) -> list[int]:
    nonzero = (at for at, byte in enumerate(bits) if byte)
    return [i for at in nonzero for i in range(at * 8, at * 8 + 8) if get_bit(bits, i)]


def _code(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(StatusListError) as info:
        call(*args, **kwargs)
    return info.value.code


# -- the bitstring --------------------------------------------------------------------------


def test_the_spec_example_is_16_kib_of_zeros() -> None:
    bits = decode_bitstring(SPEC_ENCODED_LIST)
    assert len(bits) == 16384
    assert not any(bits)


def test_a_list_encoded_by_digital_bazaar_has_bits_3_and_9() -> None:
    bits = decode_bitstring(JS_ENCODED_BITS_3_9)
    assert len(bits) == LIST_BYTES
    assert _set_indexes(bits) == [3, 9]
    assert bits[:2] == bytes([0x10, 0x40])


def test_round_trip_and_deterministic_encoding() -> None:
    rng = random.Random(7)
    indexes = sorted(rng.sample(range(MIN_LIST_SIZE), 50))
    bits = _bits(*indexes)
    encoded = encode_bitstring(bytes(bits))
    assert encoded == encode_bitstring(bits)  # GZIP mtime 0: same bits, same string
    assert encoded.startswith("u")
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    assert decode_bitstring(encoded) == bits
    assert _set_indexes(decode_bitstring(encoded)) == indexes


def test_padding_is_tolerated_when_it_is_right() -> None:
    encoded = encode_bitstring(_bits(1))
    padded = encoded + "=" * (-(len(encoded) - 1) % 4)
    assert decode_bitstring(padded) == _bits(1)
    if padded != encoded:
        assert _code(decode_bitstring, padded + "=") == "status_list_encoding"


def test_bit_order_is_most_significant_first() -> None:
    assert _bits(0)[0] == 0x80
    assert _bits(7)[0] == 0x01
    assert _bits(8)[:2] == bytes([0x00, 0x80])
    assert _bits(MIN_LIST_SIZE - 1)[-1] == 0x01
    bits = bytearray([0x80, 0x01])
    assert get_bit(bits, 0) and get_bit(bits, 15)
    assert not any(get_bit(bits, i) for i in range(1, 15))


def test_set_bit_clears_and_get_bit_checks_the_range() -> None:
    bits = _bits(5, 6)
    set_bit(bits, 5, False)
    assert bits[0] == 0x02
    assert _code(get_bit, bits, MIN_LIST_SIZE) == "status_index_out_of_range"
    assert _code(get_bit, bits, -1) == "status_index_out_of_range"
    assert _code(set_bit, bits, MIN_LIST_SIZE, True) == "status_index_out_of_range"


@pytest.mark.parametrize(
    "encoded",
    [
        "z" + SPEC_ENCODED_LIST[1:],  # base58btc prefix
        "m" + base64.b64encode(gzip.compress(bytes(LIST_BYTES))).decode(),  # base64, not url
        SPEC_ENCODED_LIST[1:],  # no prefix at all
        "",
    ],
)
def test_only_multibase_base64url_is_accepted(encoded: str) -> None:
    assert _code(decode_bitstring, encoded) == "status_list_encoding"


def test_a_non_string_is_refused() -> None:
    assert _code(decode_bitstring, b"uAAAA") == "status_list_encoding"


@pytest.mark.parametrize(
    "encoded",
    [
        "u" + base64.b64encode(gzip.compress(bytes(LIST_BYTES) + b"\xff" * 3)).decode() + "+/",
        "uA",  # one character is no byte
        "u" + _b64url(zlib.compress(bytes(LIST_BYTES))),  # zlib wrapper, not GZIP
        "u" + _b64url(gzip.compress(bytes(LIST_BYTES))[:-9]),  # truncated
        "u" + _b64url(gzip.compress(bytes(LIST_BYTES)) + b"junk"),  # trailing data
        "u" + _b64url(b"not gzip at all"),
    ],
)
def test_what_is_not_one_gzip_member_in_base64url_is_refused(encoded: str) -> None:
    assert _code(decode_bitstring, encoded) == "status_list_encoding"


def test_short_lists_are_refused_both_ways() -> None:
    short = "u" + _b64url(gzip.compress(bytes(LIST_BYTES - 1)))
    assert _code(decode_bitstring, short) == "status_list_too_short"
    assert _code(encode_bitstring, bytes(LIST_BYTES - 1)) == "status_list_too_short"


@cache
def _gzip_bomb() -> str:
    # 17 MiB of zeros in ~17 KB: past the default 16 MiB cap.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1024 * 1024)
    data = b"".join(compressor.compress(chunk) for _ in range(17)) + compressor.flush()
    return "u" + _b64url(data)


def test_a_gzip_bomb_is_refused_at_the_cap() -> None:
    bomb = _gzip_bomb()
    assert len(bomb) < 40_000
    assert _code(decode_bitstring, bomb) == "status_list_too_large"
    assert len(decode_bitstring(bomb, max_bytes=18 * 1024 * 1024)) == 17 * 1024 * 1024


def test_the_cap_is_a_parameter() -> None:
    encoded = encode_bitstring(bytes(4 * LIST_BYTES))
    assert _code(decode_bitstring, encoded, max_bytes=2 * LIST_BYTES) == "status_list_too_large"
    assert len(decode_bitstring(encoded, max_bytes=4 * LIST_BYTES)) == 4 * LIST_BYTES
    # An encodedList that could not be the GZIP of max_bytes is refused before decoding.
    huge = "u" + "A" * (3 * LIST_BYTES)
    assert _code(decode_bitstring, huge, max_bytes=LIST_BYTES) == "status_list_too_large"


def test_status_list_error_is_a_verifier_error() -> None:
    error = StatusListError("status_list_too_short", "12 bytes")
    assert isinstance(error, VerifierError)
    assert error.title and error.detail == "12 bytes"
    with pytest.raises(ValueError):
        StatusListError("no_such_code", "")


# -- allocation -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 3, 5, 17, 1000, 4096])
def test_the_allocation_is_a_permutation(size: int) -> None:
    indexes = [permuted_index(KEY, counter, size) for counter in range(size)]
    assert sorted(indexes) == list(range(size))


def test_a_whole_default_list_is_a_permutation() -> None:
    indexes = [permuted_index(KEY, counter) for counter in range(MIN_LIST_SIZE)]
    assert len(set(indexes)) == MIN_LIST_SIZE
    assert min(indexes) == 0 and max(indexes) == MIN_LIST_SIZE - 1


def test_indexes_are_not_in_issuance_order() -> None:
    first = [permuted_index(KEY, counter) for counter in range(100)]
    assert first != sorted(first)
    other = [permuted_index(bytes(32), counter) for counter in range(100)]
    assert other != first
    assert len(set(first) & set(other)) < 5  # two keys: unrelated orders
    assert first == [permuted_index(KEY, counter) for counter in range(100)]  # deterministic
    assert max(first) > MIN_LIST_SIZE // 2  # spread over the list, not the first slots


def test_a_larger_list_uses_the_same_permutation_construction() -> None:
    size = 1 << 22  # halves of 11 bits: the round function is not tabulated
    indexes = {permuted_index(KEY, counter, size) for counter in range(2000)}
    assert len(indexes) == 2000 and all(0 <= index < size for index in indexes)


def test_allocation_refuses_a_full_list_and_a_short_key() -> None:
    with pytest.raises(ValueError, match="full"):
        permuted_index(KEY, MIN_LIST_SIZE)
    with pytest.raises(ValueError):
        permuted_index(KEY, -1)
    with pytest.raises(ValueError, match="key"):
        permuted_index(b"short", 0)


# -- entries and list credentials -----------------------------------------------------------


def test_status_entry() -> None:
    assert status_entry(LIST_URL, 94567, "revocation") == {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    assert PURPOSES == ("revocation", "suspension")
    assert _code(status_entry, LIST_URL, 1, "message") == "status_purpose_unsupported"
    with pytest.raises(ValueError):
        status_entry(LIST_URL, -1, "revocation")


def test_bitstring_status_list_credential() -> None:
    until = NOW + timedelta(days=1)
    document = bitstring_status_list_credential(
        list_url=LIST_URL,
        issuer=ISSUER,
        purpose="suspension",
        bits=bytes(_bits(3)),
        valid_from=NOW,
        valid_until=until,
    )
    encoded = document["credentialSubject"]["encodedList"]
    assert document == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER,
        "validFrom": "2025-06-01T12:00:00Z",
        "validUntil": "2025-06-02T12:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "suspension",
            "encodedList": encoded,
        },
    }
    assert _set_indexes(decode_bitstring(encoded)) == [3]


def test_list_credential_refusals() -> None:
    args: dict[str, Any] = {"list_url": LIST_URL, "issuer": ISSUER, "valid_from": NOW}
    assert "validUntil" not in bitstring_status_list_credential(
        purpose="revocation", bits=bytes(LIST_BYTES), **args
    )
    assert (
        _code(bitstring_status_list_credential, purpose="refresh", bits=bytes(LIST_BYTES), **args)
        == "status_purpose_unsupported"
    )
    assert (
        _code(bitstring_status_list_credential, purpose="revocation", bits=bytes(16), **args)
        == "status_list_too_short"
    )
    with pytest.raises(ValueError):
        bitstring_status_list_credential(
            purpose="revocation", bits=bytes(LIST_BYTES), **args, valid_until=NOW
        )
    with pytest.raises(ValueError):
        bitstring_status_list_credential(
            list_url=LIST_URL,
            issuer=ISSUER,
            purpose="revocation",
            bits=bytes(LIST_BYTES),
            valid_from=NOW.replace(tzinfo=None),
        )


# -- the validate algorithm -----------------------------------------------------------------

SET_INDEX = permuted_index(KEY, 0)
UNSET_INDEX = permuted_index(KEY, 1)


@cache
def _list_credential(purpose: str = "revocation") -> dict[str, Any]:
    return bitstring_status_list_credential(
        list_url=LIST_URL,
        issuer=ISSUER,
        purpose=purpose,
        bits=bytes(_bits(SET_INDEX)),
        valid_from=NOW - timedelta(hours=1),
        valid_until=NOW + timedelta(hours=1),
    )


def _list(**changes: Any) -> dict[str, Any]:
    document = {
        **_list_credential(),
        "credentialSubject": dict(_list_credential()["credentialSubject"]),
    }
    for key, value in changes.items():
        target = document["credentialSubject"] if key.startswith("subject_") else document
        name = key.removeprefix("subject_")
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value
    return document


def _entry(index: int = SET_INDEX, purpose: str = "revocation", **changes: Any) -> dict[str, Any]:
    entry = status_entry(LIST_URL, index, purpose)
    for key, value in changes.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    return entry


def test_a_set_bit_is_a_status() -> None:
    check = check_status_entry(_entry(SET_INDEX), _list(), now=NOW)
    assert check == StatusCheck("revocation", SET_INDEX, True)
    assert not check.valid and check.error_type is None and check.problem_type is None


def test_an_unset_bit_is_valid() -> None:
    check = check_status_entry(_entry(UNSET_INDEX), _list(), now=NOW)
    assert check == StatusCheck("revocation", UNSET_INDEX, False)
    assert check.valid


def test_a_list_with_several_purposes() -> None:
    both = _list(subject_statusPurpose=["revocation", "suspension"])
    assert check_status_entry(_entry(purpose="suspension"), both, now=NOW).status


def test_any_purpose_is_checked_with_one_bit_entries() -> None:
    refresh = _list(subject_statusPurpose="refresh")
    check = check_status_entry(
        _entry(purpose="revocation", statusPurpose="refresh"), refresh, now=NOW
    )
    assert check.code is None and check.status


def test_the_list_of_digital_bazaar_is_read() -> None:
    js_list = _list(subject_encodedList=JS_ENCODED_BITS_3_9)
    assert check_status_entry(_entry(9), js_list, now=NOW).status
    assert check_status_entry(_entry(8), js_list, now=NOW).valid


@pytest.mark.parametrize(
    ("entry", "document", "code", "error_type"),
    [
        ("not an object", _list(), "status_entry_malformed", "MALFORMED_VALUE_ERROR"),
        (
            _entry(type="StatusList2021Entry"),
            _list(),
            "status_type_unsupported",
            "MALFORMED_VALUE_ERROR",
        ),
        (_entry(statusPurpose=None), _list(), "status_entry_malformed", "MALFORMED_VALUE_ERROR"),
        (_entry(statusListIndex=5), _list(), "status_entry_malformed", "MALFORMED_VALUE_ERROR"),
        (_entry(statusListIndex="-1"), _list(), "status_entry_malformed", "MALFORMED_VALUE_ERROR"),
        (_entry(statusListIndex="1e3"), _list(), "status_entry_malformed", "MALFORMED_VALUE_ERROR"),
        (_entry(statusListIndex=" 7"), _list(), "status_entry_malformed", "MALFORMED_VALUE_ERROR"),
        (_entry(statusListIndex="7\n"), _list(), "status_entry_malformed", "MALFORMED_VALUE_ERROR"),
        (
            _entry(statusListCredential=None),
            _list(),
            "status_entry_malformed",
            "MALFORMED_VALUE_ERROR",
        ),
        (_entry(statusSize=0), _list(), "status_entry_malformed", "MALFORMED_VALUE_ERROR"),
        (_entry(statusSize=2), _list(), "status_size_unsupported", "STATUS_VERIFICATION_ERROR"),
        (_entry(), "not an object", "status_list_malformed", "MALFORMED_VALUE_ERROR"),
        (
            _entry(),
            _list(type=["VerifiableCredential"]),
            "status_list_malformed",
            "MALFORMED_VALUE_ERROR",
        ),
        (
            _entry(),
            _list(subject_type="StatusList2021"),
            "status_list_malformed",
            "MALFORMED_VALUE_ERROR",
        ),
        (
            _entry(),
            _list(id="https://uni.example/status/demo/other"),
            "status_list_id_mismatch",
            "STATUS_VERIFICATION_ERROR",
        ),
        (
            _entry(purpose="suspension"),
            _list(),
            "status_purpose_mismatch",
            "STATUS_VERIFICATION_ERROR",
        ),
        (
            _entry(),
            _list(validFrom="2025-06-01T12:30:00Z"),
            "status_list_not_yet_valid",
            "STATUS_VERIFICATION_ERROR",
        ),
        (
            _entry(),
            _list(validUntil="2025-06-01T11:59:59Z"),
            "status_list_expired",
            "STATUS_VERIFICATION_ERROR",
        ),
        (
            _entry(),
            _list(validUntil="2025-06-01T13:00:00"),  # no time zone: not a dateTimeStamp
            "status_list_malformed",
            "MALFORMED_VALUE_ERROR",
        ),
        (
            _entry(),
            _list(subject_encodedList=None),
            "status_list_malformed",
            "MALFORMED_VALUE_ERROR",
        ),
        (
            _entry(),
            _list(subject_encodedList="z" + SPEC_ENCODED_LIST[1:]),
            "status_list_encoding",
            "MALFORMED_VALUE_ERROR",
        ),
        (
            _entry(),
            _list(subject_encodedList="u" + _b64url(gzip.compress(bytes(1024)))),
            "status_list_too_short",
            "STATUS_LIST_LENGTH_ERROR",
        ),
        (
            _entry(MIN_LIST_SIZE),
            _list(),
            "status_index_out_of_range",
            "RANGE_ERROR",
        ),
        (
            _entry(statusListIndex="9" * 40),
            _list(),
            "status_index_out_of_range",
            "RANGE_ERROR",
        ),
    ],
)
def test_each_refusal_has_a_code(entry: Any, document: Any, code: str, error_type: str) -> None:
    check = check_status_entry(entry, document, now=NOW)
    assert check.code == code
    assert check.error_type == error_type
    assert check.detail
    assert not check.status and not check.valid


def test_a_gzip_bomb_list_is_a_retrieval_error() -> None:
    check = check_status_entry(_entry(), _list(subject_encodedList=_gzip_bomb()), now=NOW)
    assert check.code == "status_list_too_large"
    assert (
        check.problem_type == "https://www.w3.org/ns/credentials/status-list#STATUS_RETRIEVAL_ERROR"
    )


def test_problem_types_follow_the_specs() -> None:
    range_error = StatusCheck("revocation", 1, False, "status_index_out_of_range", "x")
    assert range_error.problem_type == "https://www.w3.org/TR/vc-data-model#RANGE_ERROR"
    assert set(STATUS_ERROR_TYPES.values()) == {
        "STATUS_RETRIEVAL_ERROR",
        "STATUS_VERIFICATION_ERROR",
        "STATUS_LIST_LENGTH_ERROR",
        "RANGE_ERROR",
        "MALFORMED_VALUE_ERROR",
    }
    # Every error the bitstring functions raise inside the check has a spec type.
    raised_in_check = set(StatusListError.titles) - {"status_purpose_unsupported"}
    assert raised_in_check <= set(STATUS_ERROR_TYPES)


def test_a_list_without_validity_period_is_read_at_any_time() -> None:
    timeless = _list(validFrom=None, validUntil=None)
    assert check_status_entry(_entry(), timeless, now=NOW + timedelta(days=3650)).status


def test_the_clock_must_be_aware() -> None:
    with pytest.raises(ValueError):
        check_status_entry(_entry(), _list(), now=NOW.replace(tzinfo=None))


def test_exports() -> None:
    assert {"bitstring_status_list_credential", "permuted_index"} <= set(issuer.__all__)
    for name in (
        "MIN_LIST_SIZE",
        "PURPOSES",
        "STATUS_ERROR_TYPES",
        "StatusCheck",
        "StatusListError",
        "check_status_entry",
        "decode_bitstring",
        "encode_bitstring",
        "get_bit",
        "set_bit",
        "status_entry",
    ):
        assert name in verifier.__all__
        assert hasattr(verifier, name)
