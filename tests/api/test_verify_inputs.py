"""What an employer pastes or uploads at ``/verify`` gets the verdict that fits it, in the
page's language: the learner's certificate PDF is verified by the credential it carries; a PDF
without one, a mistyped verification address, an unreachable address and plain text each get
their own answer; only a credential whose proof fails is called "not genuine"."""

from __future__ import annotations

import json
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
