"""app.http.json_input: anonymous JSON bounded before it is parsed."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from app.errors import PayloadTooLarge
from app.http.json_input import JsonInputError, load_json, read_body, too_deep


@pytest.mark.parametrize(
    ("text", "limit", "member"),
    [
        ('{"a": [1, {"b": []}]}', 4, None),
        ('{"a": [1, {"b": []}]}', 3, "a"),
        ('{"ok": 1, "deep": [[[[1]]]], "after": 2}', 4, "deep"),
        ('{"x": "[[[[[[[[[[{{{{{{{{"}', 1, None),  # brackets in strings do not count
        ('{"x": "\\"[[[[", "y": "\\\\"}', 1, None),  # nor after escaped quotes
        ('{"a\\"b": [[1]]}', 2, 'a\\"b'),
        ("[[[]]]", 2, ""),  # the top level is not an object
        ('{"a": 1', 1, None),  # not JSON: not the scanner's business
        ('"unterminated [[[[', 1, None),
    ],
)
def test_too_deep(text: str, limit: int, member: str | None) -> None:
    assert too_deep(text, limit) == member


def test_the_scanner_is_linear_on_hostile_input() -> None:
    # An unterminated string full of escaped quotes: a backtracking scanner goes quadratic.
    hostile = '{"a": "' + '\\"' * 200_000
    started = time.monotonic()
    assert too_deep(hostile, 64) is None
    assert too_deep("[" * 300_000, 64) == ""
    assert too_deep("[]," * 100_000, 64) is None
    assert time.monotonic() - started < 1.0


def test_load_json() -> None:
    assert load_json(b'\xef\xbb\xbf{"a": [1]}', max_depth=2) == {"a": [1]}
    with pytest.raises(JsonInputError) as deep:
        load_json('{"verifiableCredential": ' + "[" * 900 + "]" * 900 + "}", max_depth=65)
    assert (deep.value.code, deep.value.field) == ("input_too_deep", "verifiableCredential")
    assert "65 levels" in deep.value.reason
    for bad in (b"\xff{}", b"{nope}"):
        with pytest.raises(JsonInputError) as caught:
            load_json(bad, max_depth=8)
        assert (caught.value.code, caught.value.field) == ("invalid_json", "body")


@pytest.mark.anyio
async def test_read_body_stops_at_the_limit() -> None:
    chunks_read = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal chunks_read
        for _ in range(100):
            chunks_read += 1
            yield b"x" * 1000

    assert len(await read_body(chunks(), max_bytes=100_000)) == 100_000
    chunks_read = 0
    with pytest.raises(PayloadTooLarge):
        await read_body(chunks(), max_bytes=4_500)
    assert chunks_read == 5
