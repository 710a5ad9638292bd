"""gzip for clients that accept it: pages and JSON come compressed and decode to the bytes an
uncompressed response carries; status lists (ETag, 304) and images come as they are."""

from __future__ import annotations

import gzip
import re
from typing import Any

import httpx
import pytest

from tests.support.api import achievement, credential, institution
from tests.support.data import BASE_URL, HTML

pytestmark = pytest.mark.anyio

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


async def _get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str]
) -> tuple[httpx.Response, bytes]:
    """The response and its body as sent (not decoded)."""
    async with client.stream("GET", url, headers=headers) as r:
        raw = b"".join([chunk async for chunk in r.aiter_raw()])
    return r, raw


def _without_nonce(response: httpx.Response, body: bytes) -> bytes:
    """A page's body with its per-response CSP nonce taken out."""
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"])
    assert nonce is not None
    return body.replace(nonce.group(1).encode(), b"NONCE")


async def _issued(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    _, headers = await institution(client, admin)
    ach = await achievement(client, headers)
    return await credential(client, headers, ach["id"]), headers


async def test_a_page_comes_gzipped_and_decodes_to_the_same_page(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    issued, _ = await _issued(client, admin_headers)
    path = issued["verification_url"].removeprefix(BASE_URL)
    zipped, raw = await _get(client, path, {**HTML, **GZIP})
    plain, plain_raw = await _get(client, path, {**HTML, **IDENTITY})
    assert zipped.status_code == plain.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["vary"].lower()
    assert int(zipped.headers["content-length"]) == len(raw)
    assert "content-encoding" not in plain.headers
    assert int(plain.headers["content-length"]) == len(plain_raw)
    assert len(raw) < len(plain_raw) / 2
    assert _without_nonce(zipped, gzip.decompress(raw)) == _without_nonce(plain, plain_raw)
    # The security headers are those of the uncompressed page.
    for name in ("content-security-policy", "x-content-type-options", "referrer-policy"):
        assert (name in zipped.headers) == (name in plain.headers)


async def test_json_comes_gzipped_and_decodes_to_the_same_bytes(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    issued, headers = await _issued(client, admin_headers)
    url = f"/api/v1/credentials/{issued['id']}"
    zipped, raw = await _get(client, url, {**headers, **GZIP})
    plain, plain_raw = await _get(client, url, {**headers, **IDENTITY})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["content-type"] == plain.headers["content-type"]
    assert gzip.decompress(raw) == plain_raw
    assert "content-encoding" not in plain.headers


@pytest.mark.parametrize("accept_encoding", ["identity", "gzip;q=0", "br", "gzip;q=0, *", ""])
async def test_without_gzip_in_accept_encoding_nothing_is_compressed(
    client: httpx.AsyncClient, admin_headers: dict[str, str], accept_encoding: str
) -> None:
    issued, _ = await _issued(client, admin_headers)
    path = issued["verification_url"].removeprefix(BASE_URL)
    r, raw = await _get(client, path, {**HTML, "Accept-Encoding": accept_encoding})
    assert "content-encoding" not in r.headers
    assert raw.startswith(b"<!DOCTYPE html>") or raw.lstrip().lower().startswith(b"<!doctype")


async def test_wildcard_accepts_gzip(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    issued, _ = await _issued(client, admin_headers)
    path = issued["verification_url"].removeprefix(BASE_URL)
    r, _ = await _get(client, path, {**HTML, "Accept-Encoding": "br;q=0.5, *;q=0.1"})
    assert r.headers["content-encoding"] == "gzip"


async def test_status_lists_and_images_are_sent_as_they_are(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    issued, _ = await _issued(client, admin_headers)
    url = issued["credential"]["credentialStatus"][0]["statusListCredential"]
    first, raw = await _get(client, url, GZIP)
    assert first.status_code == 200 and "content-encoding" not in first.headers
    assert int(first.headers["content-length"]) == len(raw) and raw.startswith(b"{")
    etag = first.headers["etag"]
    assert not etag.startswith("W/")
    again, body = await _get(client, url, {**GZIP, "If-None-Match": etag})
    assert again.status_code == 304 and body == b"" and again.headers["etag"] == etag
    path = issued["verification_url"].removeprefix(BASE_URL)
    png, png_raw = await _get(client, path + "/qr.png", GZIP)
    assert png.status_code == 200 and "content-encoding" not in png.headers
    assert png_raw.startswith(b"\x89PNG")
