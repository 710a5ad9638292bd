"""The HTML pages over HTTP: the verification page behind the QR code in six languages, its QR
code, the paste-or-upload page, and what the pages send besides HTML."""

from __future__ import annotations

import copy
import io
import json
import re
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from tests.support.api import achievement, institution
from tests.support.data import BASE_URL as BASE
from tests.support.data import HTML

pytestmark = pytest.mark.anyio

# č, ć, đ, š, ž in both names: they must reach the page intact.
LEARNER = {"given_name": "Đurđica", "family_name": "Šćepanović Žunič", "email": "d@example.org",
           "date_of_birth": "2004-03-01"}  # fmt: skip
FULL_NAME = "Đurđica Šćepanović Žunič"


async def issue(
    client: httpx.AsyncClient, admin: dict[str, str], learner: dict[str, Any] | None = None
) -> tuple[dict[str, str], dict[str, Any]]:
    _, headers = await institution(client, admin)
    ach = await achievement(client, headers)
    r = await client.post(
        "/api/v1/credentials",
        json={"achievement_id": ach["id"], "learner": learner or LEARNER, "grade": "odlično"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return headers, r.json()


def path_of(issued: dict[str, Any]) -> str:
    url = issued["verification_url"]
    assert url.startswith(f"{BASE}/v/")
    return url.removeprefix(BASE)


def verdict(html: str) -> str:
    found = re.search(r'data-verdict="([a-z_]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def headline(html: str) -> str:
    found = re.search(r'<h1 id="verdict">([^<]*)</h1>', html)
    assert found, html[:2000]
    return found.group(1)


def explain(html: str) -> str:
    """The verdict and the verifier's own words for each check (for failure messages)."""
    found = re.search(r'data-verdict="([a-z_]+)"', html)
    checks = re.findall(r"<li><code>([a-z_]+)</code>(.*?)</li>", html, re.S)
    tags = re.compile(r"<[^>]+>|\s+")
    lines = [f"{name}: {tags.sub(' ', rest).strip()}" for name, rest in checks]
    return "\n".join([f"verdict {found.group(1) if found else None}", *lines])


def assert_page_headers(r: httpx.Response, lang: str) -> None:
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-language"] == lang
    assert f'<html lang="{lang}">' in r.text
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce and f'<style nonce="{nonce.group(1)}">' in r.text
    assert "<script" not in r.text and " style=" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store"


async def test_the_page_in_english_and_slovenian(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers)
    en = await client.get(path_of(issued), headers=HTML)
    assert en.status_code == 200, en.text
    assert_page_headers(en, "en")
    assert verdict(en.text) == "valid" and headline(en.text) == "Valid", explain(en.text)
    assert "This micro-credential is genuine and valid." in en.text
    assert FULL_NAME in en.text
    assert "3D printing: FDM basics" in en.text
    assert "Tehniški šolski center" in en.text and "Slovenia" in en.text
    assert (
        "Prepares a model for printing" in en.text and "Operates an FDM printer safely" in en.text
    )
    assert "1 March 2004" not in en.text  # the date of birth stays off the public page
    assert "Checked on 5 March 2026 at 14:02 UTC" in en.text and "5 March 2026</dd>" in en.text
    assert "50 hours" in en.text and "EQF level" in en.text
    assert issued["credential"]["issuer"]["id"] in en.text
    assert f'src="{path_of(issued)}/qr.svg"' in en.text

    sl = await client.get(path_of(issued) + "?lang=sl", headers=HTML)
    assert_page_headers(sl, "sl")
    assert headline(sl.text) == "Veljavno"
    assert "To mikrodokazilo je pristno in veljavno." in sl.text
    assert FULL_NAME in sl.text
    assert "3D tisk: osnove FDM" in sl.text and "3D printing" not in sl.text.split("<details")[0]
    # An outcome with a Slovenian title shows it; one with only English falls back to English.
    assert "Pripravi model za tisk" in sl.text and "Operates an FDM printer safely" in sl.text
    assert "Slovenija" in sl.text and "50 ur" in sl.text and "Raven EOK" in sl.text
    assert "Preverjeno 5. marca 2026 ob 14:02 UTC" in sl.text
    assert "Digitalni podpis" in sl.text and "Uspešno" in sl.text
    # The switcher links to the same page in every language.
    for tag in ("en", "sl", "hr", "sr-Latn", "bs", "cnr"):
        assert f'href="?lang={tag}" hreflang="{tag}"' in sl.text
    assert 'lang="sl" aria-current="page"' in sl.text


@pytest.mark.parametrize(
    ("accept_language", "query", "lang", "word"),
    [
        ("sl-SI,sl;q=0.9,en;q=0.8", None, "sl", "Veljavno"),
        ("de-DE, en;q=0.1, hr;q=0.5", None, "hr", "Valjano"),
        ("hr;q=0.4, sl;q=0.8, *;q=0.1", None, "sl", "Veljavno"),
        ("sr", None, "sr-Latn", "Važeće"),
        ("sr-Cyrl-RS", None, "sr-Cyrl", "Важеће"),
        ("sl", "sr-Cyrl", "sr-Cyrl", "Важеће"),
        ("bs-BA", None, "bs", "Važeće"),
        ("sr-ME", None, "cnr", "Važeće"),
        ("me", None, "cnr", "Važeće"),
        ("sl;q=0, de", None, "en", "Valid"),
        (None, None, "en", "Valid"),
        ("sl", "hr", "hr", "Valjano"),  # ?lang= wins over the header
        ("sl", "sr", "sr-Latn", "Važeće"),
        ("sl", "sr_ME", "cnr", "Važeće"),
        ("sl", "xx", "sl", "Veljavno"),  # an unknown ?lang= is ignored
    ],
)
async def test_language_by_accept_language_and_query(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    accept_language: str | None,
    query: str | None,
    lang: str,
    word: str,
) -> None:
    _, issued = await issue(client, admin_headers)
    headers = dict(HTML)
    if accept_language is not None:
        headers["Accept-Language"] = accept_language
    params = {"lang": query} if query else {}
    r = await client.get(path_of(issued), headers=headers, params=params)
    assert r.status_code == 200
    assert r.headers["content-language"] == lang and f'<html lang="{lang}">' in r.text
    assert headline(r.text) == word, explain(r.text)
    assert "Accept-Language" in r.headers["vary"]


async def test_every_language_renders_the_whole_page(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers)
    expected = {
        "hr": ("Valjano", "Ishodi učenja", "Razina EKO-a", "50 sati", "Hrvatska"),
        "sr-Latn": ("Važeće", "Ishodi učenja", "Nivo EOK", "50 sati", "Slovenija"),
        "bs": ("Važeće", "Ishodi učenja", "Nivo EKO", "50 sati", "Slovenija"),
        "cnr": ("Važeće", "Ishodi učenja", "Nivo EOK", "50 sati", "Slovenija"),
    }
    for lang, words in expected.items():
        r = await client.get(path_of(issued), headers=HTML, params={"lang": lang})
        assert r.status_code == 200
        for word in words[:-1]:
            assert word in r.text, (lang, word, explain(r.text))
        assert FULL_NAME in r.text


async def test_revocation_and_suspension_show_at_once(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers, issued = await issue(client, admin_headers)
    page = path_of(issued)
    r = await client.post(
        f"/api/v1/credentials/{issued['id']}/suspend", json={"reason": "review"}, headers=headers
    )
    assert r.status_code == 200, r.text
    suspended = await client.get(page, headers=HTML, params={"lang": "hr"})
    assert verdict(suspended.text) == "suspended"
    assert headline(suspended.text) == "Privremeno suspendirano"
    await client.post(f"/api/v1/credentials/{issued['id']}/reinstate", headers=headers)
    assert verdict((await client.get(page, headers=HTML)).text) == "valid"

    r = await client.post(
        f"/api/v1/credentials/{issued['id']}/revoke", json={"reason": "error"}, headers=headers
    )
    assert r.status_code == 200, r.text
    en = await client.get(page, headers=HTML)
    assert verdict(en.text) == "revoked" and headline(en.text) == "Revoked"
    assert "The issuer has revoked it." in en.text
    assert FULL_NAME in en.text  # still whose it is: the employer sees what was revoked
    sl = await client.get(page, headers={**HTML, "Accept-Language": "sl"})
    assert headline(sl.text) == "Preklicano"
    assert "Izdajatelj je to mikrodokazilo preklical. Ni več veljavno." in sl.text


async def test_unknown_address_is_a_translated_404_page_that_leaks_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await issue(client, admin_headers)
    unknown = "Zm9vYmFyYmF6cXV4cXV1eA"
    for path in (f"/v/{unknown}", "/v/short", "/v/%3Cscript%3E"):
        r = await client.get(path, headers=HTML, params={"lang": "hr"})
        assert r.status_code == 404
        assert_page_headers(r, "hr")
        assert headline(r.text) == "Nije pronađeno"
        assert "Na ovoj adresi nema mikrokvalifikacije." in r.text
        assert unknown not in r.text and "<script>" not in r.text
        assert FULL_NAME not in r.text and "did:" not in r.text
    en = await client.get(f"/v/{unknown}", headers=HTML)
    assert en.status_code == 404 and headline(en.text) == "Not found"


async def test_machine_forms_still_answer_on_the_same_address(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers)
    r = await client.get(path_of(issued), headers={"Accept": "application/json"})
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["verdict"] == "valid"
    vc = await client.get(path_of(issued), headers={"Accept": "application/vc+ld+json"})
    assert vc.json() == issued["credential"]
    plain = await client.get(path_of(issued))  # httpx sends */*: a person's tool gets HTML
    assert plain.headers["content-type"].startswith("text/html")


def decode_qr(png: bytes) -> list[str]:
    image = Image.open(io.BytesIO(png))
    return [code.text for code in zxingcpp.read_barcodes(image)]


async def test_qr_codes_encode_the_verification_url(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers)
    png = await client.get(path_of(issued) + "/qr.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.headers["cache-control"] == "public, max-age=86400"
    assert decode_qr(png.content) == [issued["verification_url"]]
    width, height = Image.open(io.BytesIO(png.content)).size
    assert width == height and width % 10 == 0 and width >= 250  # 10 px a module
    svg = await client.get(path_of(issued) + "/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.headers["cache-control"] == "public, max-age=86400"
    assert svg.text.startswith("<svg") and "viewBox" in svg.text and "<script" not in svg.text
    missing = await client.get("/v/Zm9vYmFyYmF6cXV4cXV1eA/qr.png")
    assert missing.status_code == 404


async def test_the_paste_page_works_without_javascript(client: httpx.AsyncClient) -> None:
    r = await client.get("/verify", headers={**HTML, "Accept-Language": "sl"})
    assert r.status_code == 200
    assert_page_headers(r, "sl")
    assert '<form method="post" action="/verify?lang=sl" enctype="multipart/form-data">' in r.text
    assert 'name="credential"' in r.text and 'type="file"' in r.text
    assert "Preverite mikrodokazilo" in r.text


async def test_pasted_json_ld_jwt_url_and_uploaded_file_verify(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers)
    pasted = [json.dumps(issued["credential"]), issued["jwt"], issued["verification_url"]]
    for text in pasted:
        r = await client.post("/verify?lang=sl", data={"credential": text}, headers=HTML)
        assert r.status_code == 200, r.text
        assert_page_headers(r, "sl")
        assert verdict(r.text) == "valid" and FULL_NAME in r.text
        assert "/qr.svg" not in r.text  # no record header for pasted input
    upload = json.dumps(issued["credential"], ensure_ascii=False).encode()
    r = await client.post(
        "/verify",
        data={"credential": ""},
        files={"file": ("credential.json", upload, "application/json")},
        headers=HTML,
    )
    assert r.status_code == 200 and verdict(r.text) == "valid"
    assert "3D printing: FDM basics" in r.text


async def test_tampered_input_is_not_genuine_and_garbage_is_not_a_credential(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers)
    tampered = copy.deepcopy(issued["credential"])
    tampered["credentialSubject"]["fullName"] = {"en": "Impostor <b>Name</b>"}
    r = await client.post("/verify", data={"credential": json.dumps(tampered)}, headers=HTML)
    assert verdict(r.text) == "not_genuine" and headline(r.text) == "Not genuine"
    assert "None of it could be confirmed" in r.text
    assert "Impostor &lt;b&gt;Name&lt;/b&gt;" in r.text and "<b>Name" not in r.text

    for garbage in ("hello", "{not json", "eyJhbGciOi.broken.jwt", "\x00\x01"):
        r = await client.post("/verify?lang=bs", data={"credential": garbage}, headers=HTML)
        assert r.status_code == 200
        assert verdict(r.text) == "unreadable" and headline(r.text) == "Nije isprava"
    binary = await client.post(
        "/verify", files={"file": ("x.bin", b"\xff\xfe\x00garbage", "application/octet-stream")}
    )
    assert binary.status_code == 200 and verdict(binary.text) == "unreadable"


async def test_an_empty_submission_asks_again(client: httpx.AsyncClient) -> None:
    r = await client.post("/verify?lang=hr", data={"credential": "   "}, headers=HTML)
    assert r.status_code == 422
    assert_page_headers(r, "hr")
    assert "Najprije zalijepite mikrokvalifikaciju ili odaberite datoteku." in r.text
    empty_file = await client.post(
        "/verify", data={"credential": ""}, files={"file": ("", b"", "application/octet-stream")}
    )
    assert empty_file.status_code == 422


async def test_a_body_over_the_limit_is_refused(client: httpx.AsyncClient) -> None:
    big = b"x" * (10 * 1024 * 1024 + 1)
    r = await client.post("/verify", files={"file": ("big.json", big, "application/json")})
    assert r.status_code == 413


async def test_learner_names_are_escaped(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    learner = {**LEARNER, "given_name": "<script>alert(1)</script>", "family_name": 'Ž & "Q"'}
    _, issued = await issue(client, admin_headers, learner)
    r = await client.get(path_of(issued), headers=HTML)
    assert "<script>alert" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ž &amp; &#34;Q&#34;" in r.text
