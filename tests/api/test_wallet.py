"""The learner's wallet over HTTP: the private page in two languages, its three files (exact
bytes, media types, file names for Latin and Cyrillic names), replacing the link, tenant
isolation, and the same files for the institution."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from tests.support.api import institution, issue_to, wallet_path
from tests.support.data import BASE_URL as BASE
from tests.support.data import CYRILLIC, HTML, LATIN

pytestmark = pytest.mark.anyio

SAFE_ASCII = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")
NEVER_ISSUED = "Zm9vYmFyYmF6cXV4cXV1eFpZWFdWVVRT"  # 32 characters, like a real token


async def issue(
    client: httpx.AsyncClient, admin: dict[str, str], learner: dict[str, Any] = LATIN
) -> tuple[dict[str, str], dict[str, Any]]:
    _, headers = await institution(client, admin)
    return headers, await issue_to(client, headers, learner)


def without_nonce(html: str) -> str:
    return re.sub(r'nonce(?:-|=")[A-Za-z0-9_-]{16,}', "nonce", html)


def headers_but_nonces(r: httpx.Response) -> dict[str, str]:
    """The headers, less the two that differ on every response (CSP nonce, request id), and
    a compressed body's length, which the random nonce moves by a byte or two."""
    varying = {"content-security-policy", "x-request-id"}
    if r.headers.get("content-encoding") == "gzip":
        varying.add("content-length")
    return {k: v for k, v in r.headers.items() if k not in varying}


def assert_private(r: httpx.Response) -> None:
    """What every wallet answer sends: the URL is a secret."""
    assert r.headers["cache-control"] == "no-store"
    assert "noindex" in r.headers["x-robots-tag"]
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff"


def disposition(r: httpx.Response) -> tuple[str, str]:
    """The (ASCII, UTF-8) file names of an attachment."""
    header = r.headers["content-disposition"]
    found = re.fullmatch(r"attachment; filename=\"([^\"]+)\"; filename\*=UTF-8''(\S+)", header)
    assert found, header
    ascii_name, encoded = found.groups()
    assert SAFE_ASCII.match(ascii_name), ascii_name
    assert re.fullmatch(r"[A-Za-z0-9%._~-]+", encoded), encoded  # RFC 8187 attr-chars only
    return ascii_name, unquote(encoded, errors="strict")


async def test_the_wallet_page_in_english_and_slovenian(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers)
    path = wallet_path(issued)
    en = await client.get(path, headers=HTML)
    assert en.status_code == 200, en.text
    assert_private(en)
    assert en.headers["content-type"] == "text/html; charset=utf-8"
    assert en.headers["content-language"] == "en"
    assert "default-src 'none'" in en.headers["content-security-policy"]
    assert "<script" not in en.text
    assert "Your micro-credential" in en.text
    assert "Đurđica Šćepanović" in en.text and "3D printing: FDM basics" in en.text
    assert 'data-verdict="valid"' in en.text and ">Valid</h2>" in en.text
    assert "Checked on 5 March 2026 at 14:02 UTC" in en.text
    assert "Tehniški šolski center" in en.text and "Prepares a model for printing" in en.text
    assert "50 hours" in en.text and "EQF level" in en.text
    for name in ("certificate.pdf", "credential.json", "credential.jwt"):
        assert f'href="{path}/{name}?lang=en" download' in en.text
    assert "Certificate to print (PDF)" in en.text
    verification_path = issued["verification_url"].removeprefix(BASE)
    assert f'src="{verification_path}/qr.svg"' in en.text
    assert f'href="{issued["verification_url"]}"' in en.text
    assert "Share with an employer" in en.text

    sl = await client.get(path, headers={**HTML, "Accept-Language": "sl-SI,sl;q=0.9,en;q=0.5"})
    assert sl.status_code == 200
    assert_private(sl)
    assert sl.headers["content-language"] == "sl" and '<html lang="sl">' in sl.text
    assert "Vaše mikrodokazilo" in sl.text and "Prenesite svoje mikrodokazilo" in sl.text
    assert ">Veljavno</h2>" in sl.text and "3D tisk: osnove FDM" in sl.text
    assert "Potrdilo za tiskanje (PDF)" in sl.text and "Delite z delodajalcem" in sl.text
    assert "Pripravi model za tisk" in sl.text and "50 ur" in sl.text
    assert f'href="{path}/certificate.pdf?lang=sl"' in sl.text

    hr = await client.get(path, headers=HTML, params={"lang": "hr"})
    assert "Vaša mikrokvalifikacija" in hr.text and "Preuzmite svoju mikrokvalifikaciju" in hr.text


async def test_the_status_on_the_page_follows_the_issuer(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers, issued = await issue(client, admin_headers)
    r = await client.post(f"/api/v1/credentials/{issued['id']}/revoke", headers=headers)
    assert r.status_code == 200, r.text
    page = await client.get(wallet_path(issued), headers=HTML, params={"lang": "sl"})
    assert page.status_code == 200
    assert 'data-verdict="revoked"' in page.text and ">Preklicano</h2>" in page.text
    # The files stay available: the learner still has what was issued.
    assert (await client.get(wallet_path(issued) + "/credential.json")).status_code == 200


async def test_the_three_files_are_the_stored_credential(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers)
    path = wallet_path(issued)

    ld = await client.get(f"{path}/credential.json")
    assert ld.status_code == 200, ld.text
    assert_private(ld)
    assert ld.headers["content-type"] == "application/vc"
    assert ld.content == issued["stored"]  # byte for byte
    assert disposition(ld) == (
        "Djurdjica-Scepanovic_3D-printing-FDM-basics.json",
        "Đurđica-Šćepanović_3D-printing-FDM-basics.json",
    )
    checked = await client.post(
        "/credentials/verify", json={"verifiableCredential": json.loads(ld.content)}
    )
    assert checked.status_code == 200 and checked.json()["verified"] is True, checked.text

    jwt = await client.get(f"{path}/credential.jwt", params={"lang": "sl"})
    assert jwt.status_code == 200
    assert_private(jwt)
    assert jwt.headers["content-type"] == "application/vc+jwt"
    assert jwt.text == issued["jwt"]
    assert disposition(jwt) == (
        "Djurdjica-Scepanovic_3D-tisk-osnove-FDM.jwt",
        "Đurđica-Šćepanović_3D-tisk-osnove-FDM.jwt",
    )
    checked = await client.post("/credentials/verify", json={"verifiableCredential": jwt.text})
    assert checked.status_code == 200 and checked.json()["verified"] is True, checked.text

    pdf = await client.get(f"{path}/certificate.pdf", params={"lang": "hr"})
    assert pdf.status_code == 200
    assert_private(pdf)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and pdf.content.rstrip().endswith(b"%%EOF")
    assert disposition(pdf)[0] == "Djurdjica-Scepanovic_3D-printing-FDM-basics.pdf"
    # The certificate depends only on the credential and the language: the same bytes again.
    assert (await client.get(f"{path}/certificate.pdf", params={"lang": "hr"})).content == (
        pdf.content
    )


async def test_a_cyrillic_name_gets_a_safe_ascii_file_name(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers, CYRILLIC)
    path = wallet_path(issued)
    for name, extension in (("credential.json", "json"), ("certificate.pdf", "pdf")):
        r = await client.get(f"{path}/{name}", params={"lang": "sr"})
        assert r.status_code == 200
        assert disposition(r) == (
            f"Ljubica-Jovanovic_3D-printing-FDM-basics.{extension}",
            f"Љубица-Јовановић_3D-printing-FDM-basics.{extension}",
        )
        assert "%D0%89%D1%83%D0%B1%D0%B8%D1%86%D0%B0" in r.headers["content-disposition"]


async def test_unknown_and_replaced_links_are_the_same_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers, issued = await issue(client, admin_headers)
    old = wallet_path(issued)
    before = (await client.get(f"/api/v1/credentials/{issued['id']}", headers=headers)).json()
    assert before["wallet_url"] == issued["wallet_url"]

    r = await client.post(f"/api/v1/credentials/{issued['id']}/wallet-link", headers=headers)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"id", "wallet_url"} and r.json()["id"] == issued["id"]
    new = wallet_path(r.json())
    assert new != old

    never = f"/wallet/{NEVER_ISSUED}"
    for suffix in ("", "/credential.json", "/credential.jwt", "/certificate.pdf"):
        replaced = await client.get(old + suffix, headers=HTML, params={"lang": "hr"})
        unknown = await client.get(never + suffix, headers=HTML, params={"lang": "hr"})
        assert replaced.status_code == unknown.status_code == 404
        assert_private(replaced)
        assert without_nonce(replaced.text) == without_nonce(unknown.text)
        assert headers_but_nonces(replaced) == headers_but_nonces(unknown)
        assert "Nije pronađeno" in replaced.text
        assert "Đurđica" not in replaced.text and old.rsplit("/", 1)[1] not in replaced.text
    for malformed in ("/wallet/short", "/wallet/%3Cscript%3E", f"/wallet/{'a' * 65}"):
        bad = await client.get(malformed, headers=HTML, params={"lang": "hr"})
        assert bad.status_code == 404 and without_nonce(bad.text) == without_nonce(unknown.text)

    page = await client.get(new, headers=HTML)
    assert page.status_code == 200 and "Đurđica Šćepanović" in page.text
    assert (await client.get(f"{new}/credential.json")).content == issued["stored"]
    # The issuance record and the event log say what happened, without the secret.
    record = (await client.get(f"/api/v1/credentials/{issued['id']}", headers=headers)).json()
    assert record["wallet_url"] == r.json()["wallet_url"]
    assert [e["kind"] for e in record["events"]] == [
        "credential.issued",
        "credential.wallet_link_regenerated",
    ]
    events = (await client.get("/api/v1/institutions/ts-lj/events", headers=headers)).text
    assert "credential.wallet_link_regenerated" in events
    assert new.rsplit("/", 1)[1] not in events and old.rsplit("/", 1)[1] not in events


async def test_another_institution_cannot_reach_the_wallet(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers, issued = await issue(client, admin_headers)
    _, other = await institution(client, admin_headers, "ts-mb", "Srednja šola Maribor")
    target = f"/api/v1/credentials/{issued['id']}"
    r = await client.post(f"{target}/wallet-link", headers=other)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    for fmt in ("json", "jwt", "pdf"):
        r = await client.get(f"{target}/download", params={"format": fmt}, headers=other)
        assert r.status_code == 404, r.text
        assert issued["stored"] not in r.content
    # Nothing changed: the learner's link still works.
    assert (await client.get(wallet_path(issued), headers=HTML)).status_code == 200
    record = (await client.get(target, headers=headers)).json()
    assert record["wallet_url"] == issued["wallet_url"]
    # The operator's token is not an institution's key, and no key is no access.
    r = await client.post(f"{target}/wallet-link", headers=admin_headers)
    assert r.status_code == 403
    assert (await client.get(f"{target}/download", params={"format": "json"})).status_code == 401


async def test_the_institution_downloads_the_same_files(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers, issued = await issue(client, admin_headers)
    target = f"/api/v1/credentials/{issued['id']}/download"
    for fmt, name, media_type in (
        ("json", "credential.json", "application/vc"),
        ("jwt", "credential.jwt", "application/vc+jwt"),
        ("pdf", "certificate.pdf", "application/pdf"),
    ):
        mine = await client.get(target, params={"format": fmt, "lang": "sl"}, headers=headers)
        assert mine.status_code == 200, mine.text
        theirs = await client.get(f"{wallet_path(issued)}/{name}", params={"lang": "sl"})
        assert mine.headers["content-type"] == theirs.headers["content-type"] == media_type
        assert mine.content == theirs.content
        assert mine.headers["content-disposition"] == theirs.headers["content-disposition"]
        assert mine.headers["cache-control"] == "no-store"
    by_header = await client.get(
        target, params={"format": "json"}, headers={**headers, "Accept-Language": "sl"}
    )
    assert disposition(by_header)[0] == "Djurdjica-Scepanovic_3D-tisk-osnove-FDM.json"
    assert by_header.content == issued["stored"]

    for params in ({}, {"format": "docx"}):
        r = await client.get(target, params=params, headers=headers)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.format"
    missing = await client.get(
        "/api/v1/credentials/00000000-0000-0000-0000-000000000000/download",
        params={"format": "pdf"},
        headers=headers,
    )
    assert missing.status_code == 404


async def test_a_credential_without_a_jwt_offers_no_jwt(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """Credentials secured through the VC API have no JWT form: no link, and a 404."""
    _, headers = await institution(client, admin_headers)
    did = (await client.get("/api/v1/institutions/ts-lj", headers=headers)).json()["did"]
    body = {
        "credential": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": did,
            "validFrom": "2026-03-05T14:02:07Z",
            "credentialSubject": {"id": "did:example:learner", "name": "Ana Horvat"},
        }
    }
    r = await client.post("/credentials/issue", json=body, headers=headers)
    assert r.status_code == 201, r.text
    listed = (await client.get("/api/v1/credentials", headers=headers)).json()["items"]
    path = wallet_path(listed[0])
    page = await client.get(path, headers=HTML)
    assert page.status_code == 200, page.text
    assert "credential.jwt" not in page.text and "credential.json" in page.text
    assert (await client.get(f"{path}/credential.jwt")).status_code == 404
    ld = await client.get(f"{path}/credential.json")
    assert r.content == b'{"verifiableCredential":' + ld.content + b"}"  # the stored bytes
    assert disposition(ld)[0] == "Ana-Horvat.json"
    pdf = await client.get(f"{path}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
