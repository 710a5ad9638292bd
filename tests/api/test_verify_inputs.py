"""What an employer pastes or uploads at ``/verify`` gets the verdict that fits it, in the
page's language: the learner's certificate PDF is verified by the credential it carries; a PDF
without one, a mistyped verification address, an unreachable address and plain text each get
their own answer; only a credential whose proof fails is called "not genuine"."""

from __future__ import annotations

import json
import random
import re

import httpx
import pytest

from tests.api.test_pages import LEARNER, headline, issue, path_of, verdict
from tests.support.api import wallet_path
from tests.support.data import BASE_URL as BASE
from tests.support.data import HTML
from tests.unit.test_verify_pdf import credential_bytes, pdf_with

pytestmark = pytest.mark.anyio


def source(html: str) -> str | None:
    found = re.search(r'data-source="([a-z]+)"', html)
    return found.group(1) if found else None


async def test_the_learners_certificate_pdf_is_verified_by_the_credential_it_carries(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers)
    pdf = await client.get(f"{wallet_path(issued)}/certificate.pdf", params={"lang": "hr"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    r = await client.post(
        "/verify?lang=hr",
        files={"file": ("certifikat.pdf", pdf.content, "application/pdf")},
        headers=HTML,
    )
    assert r.status_code == 200
    assert verdict(r.text) == "valid" and source(r.text) == "pdf"
    assert "Provjereno: isprava unutar PDF-a (priložena datoteka credential.json)." in r.text
    assert "Đurđica" in r.text


async def test_a_pdf_that_carries_no_credential_gets_its_own_answer(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post(
        "/verify",
        files={"file": ("letter.pdf", pdf_with(), "application/pdf")},
        headers=HTML,
    )
    assert r.status_code == 200
    assert verdict(r.text) == "pdf_without_credential"
    assert headline(r.text) == "No credential in this PDF"
    assert "forged" not in r.text and "What was checked" not in r.text


async def test_a_pdf_with_a_tampered_credential_is_not_genuine(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers)
    tampered = json.loads(json.dumps(issued["credential"]))
    tampered["credentialSubject"]["familyName"] = "Impostor"
    pdf = pdf_with(("credential.json", credential_bytes(tampered), "application/vc"))
    r = await client.post("/verify", files={"file": ("c.pdf", pdf, "application/pdf")})
    assert verdict(r.text) == "not_genuine" and source(r.text) == "pdf"
    assert "altered or forged" in r.text


async def test_a_mistyped_verification_address_is_not_found_as_a_page(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers)
    good = f"{BASE}{path_of(issued)}"
    mistyped = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    r = await client.post("/verify?lang=sl", data={"credential": mistyped}, headers=HTML)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert verdict(r.text) == "not_found" and headline(r.text) == "Naslova ni"
    assert "forged" not in r.text and "ponarejeno" not in r.text


async def test_a_wallet_address_pasted_by_mistake_shows_the_credential_and_its_public_address(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers)
    r = await client.post("/verify", data={"credential": issued["wallet_url"]}, headers=HTML)
    assert verdict(r.text) == "valid" and source(r.text) == "wallet"
    assert issued["verification_url"] in r.text
    unknown = f"{BASE}/wallet/{'A' * 32}"
    r = await client.post("/verify", data={"credential": unknown}, headers=HTML)
    assert verdict(r.text) == "not_found"


async def test_an_unreachable_address_could_not_be_checked(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/verify", data={"credential": "https://credentials.example.invalid/c/1"}, headers=HTML
    )
    assert verdict(r.text) == "unreachable" and headline(r.text) == "Could not check"
    assert "forged" not in r.text


@pytest.mark.parametrize("garbage", ["hello", "{not json", "eyJhbGciOi.broken.jwt", "\x00\x01"])
async def test_plain_text_is_not_a_credential_in_every_language(
    client: httpx.AsyncClient, garbage: str
) -> None:
    for lang, words in (
        ("en", "Not a credential"),
        ("bs", "Nije isprava"),
        ("sl", "To ni dokazilo"),
    ):
        r = await client.post(f"/verify?lang={lang}", data={"credential": garbage}, headers=HTML)
        assert r.status_code == 200
        assert verdict(r.text) == "unreadable" and headline(r.text) == words
        assert "forged" not in r.text


async def test_the_result_offers_another_check_first_and_claims_no_recheck(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers, LEARNER)
    r = await client.post(
        "/verify?lang=en", data={"credential": json.dumps(issued["credential"])}, headers=HTML
    )
    assert verdict(r.text) == "valid"
    again = r.text.index('class="again"')
    assert again < r.text.index('data-verdict="valid"')
    assert "Each time this page opens" not in r.text
    assert "Nothing you sent is kept." in r.text
    page = await client.get(path_of(issued), headers=HTML)
    assert "Each time this page opens" in page.text and 'class="again"' not in page.text


def listed_checks(html: str) -> list[tuple[str, str]]:
    """(check, tone) in the order the page lists them."""
    return re.findall(r'<li data-check="([a-z_]+)" data-tone="([a-z]+)">', html)


async def test_the_checks_follow_the_verdict(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers, issued = await issue(client, admin_headers)
    page = await client.get(path_of(issued), headers=HTML)
    assert verdict(page.text) == "valid"
    assert {tone for _, tone in listed_checks(page.text)} <= {"good", "none"}
    assert listed_checks(page.text)[0][0] == "format"

    base = f"/api/v1/credentials/{issued['id']}"
    assert (await client.post(f"{base}/suspend", headers=headers)).status_code == 200
    page = await client.get(path_of(issued), headers=HTML)
    assert verdict(page.text) == "suspended"
    checks = listed_checks(page.text)
    assert checks[0] == ("suspension", "caution")  # amber like the verdict, not red
    assert "good" not in {tone for _, tone in checks} and ("proof", "held") in checks

    assert (await client.post(f"{base}/revoke", headers=headers)).status_code == 200
    page = await client.get(path_of(issued), headers=HTML)
    assert verdict(page.text) == "revoked"
    checks = listed_checks(page.text)
    assert checks[0] == ("revocation", "bad")
    assert "good" not in {tone for _, tone in checks}


def resubmit_fields(html: str) -> dict[str, str]:
    """The hidden fields of the language buttons' form, unescaped."""
    import html as html_module

    fields = dict(
        re.findall(r'<input type="hidden" name="(credential|upload)" value="([^"]*)">', html)
    )
    return {name: html_module.unescape(value) for name, value in fields.items()}


async def test_switching_the_language_keeps_the_result(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers)
    pasted = json.dumps(issued["credential"], indent=1)
    r = await client.post("/verify?lang=en", data={"credential": pasted}, headers=HTML)
    assert verdict(r.text) == "valid"
    assert 'formaction="/verify?lang=sl"' in r.text
    fields = resubmit_fields(r.text)
    assert json.loads(fields["credential"]) == issued["credential"] and fields["upload"] == ""
    again = await client.post("/verify?lang=sl", data=fields, headers=HTML)
    assert again.status_code == 200 and verdict(again.text) == "valid"
    assert headline(again.text) == "Veljavno" and '<html lang="sl">' in again.text

    pdf = await client.get(f"{wallet_path(issued)}/certificate.pdf")
    r = await client.post("/verify", files={"file": ("c.pdf", pdf.content, "application/pdf")})
    fields = resubmit_fields(r.text)
    assert fields["credential"] == "" and fields["upload"]
    again = await client.post("/verify?lang=hr", data=fields, headers=HTML)
    assert verdict(again.text) == "valid" and source(again.text) == "pdf"
    assert headline(again.text) == "Valjano"
    broken = await client.post("/verify", data={"upload": "not base64!"}, headers=HTML)
    assert broken.status_code == 422  # nothing readable was sent: the form asks again


async def test_a_pdf_may_be_larger_than_a_credential(client: httpx.AsyncClient) -> None:
    from tests.unit.test_verify_pdf import INDEPENDENT

    padding = random.Random(15).randbytes(400_000)  # 400 KB that does not compress
    pdf = pdf_with(
        ("photo.bin", padding, "application/octet-stream"),
        ("credential.json", credential_bytes(INDEPENDENT["ed25519-di"]), "application/vc"),
    )
    assert 262_144 < len(pdf) < 2_097_152
    r = await client.post(
        "/verify", files={"file": ("c.pdf", pdf, "application/pdf")}, headers=HTML
    )
    assert r.status_code == 200 and source(r.text) == "pdf"
    too_big = await client.post(
        "/verify", files={"file": ("c.json", b" " * 300_000 + b"{}", "application/json")}
    )
    assert too_big.status_code == 413


async def test_the_technical_details_can_be_scrolled_by_keyboard(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue(client, admin_headers)
    page = await client.get(path_of(issued), headers=HTML)
    assert '<pre tabindex="0" aria-label="The credential (JSON-LD)">' in page.text
    assert '<pre class="wrap-all" tabindex="0" aria-label="The credential (JWT)">' in page.text
