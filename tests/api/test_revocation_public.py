"""What the public sees of a revocation or suspension, and of the learner: the date, the public
reason and note (never the institution's internal reason), whom to ask; the wallet shows the
state first and offers no sharing; a PDF made afterwards says REVOKED; the date of birth stays
off the public page unless the institution shows it."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from tests.api.test_pages import LEARNER, path_of, verdict
from tests.support.api import achievement, institution, wallet_path
from tests.support.data import HTML

pytestmark = pytest.mark.anyio


async def issue_at(
    client: httpx.AsyncClient, admin: dict[str, str], **extra: Any
) -> tuple[dict[str, str], dict[str, Any]]:
    _, headers = await institution(client, admin, **extra)
    made = await achievement(client, headers)
    r = await client.post(
        "/api/v1/credentials",
        json={"achievement_id": made["id"], "learner": LEARNER, "grade": "odlično"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return headers, r.json()


async def test_a_revoked_credential_says_when_why_and_whom_to_ask(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers, issued = await issue_at(client, admin_headers, contact="referat@tsc.example.si")
    r = await client.post(
        f"/api/v1/credentials/{issued['id']}/revoke",
        json={"reason": "Internal: complaint no. 17 about Đurđica",
              "public_reason": "issued_in_error", "public_note": "A new one was sent."},
        headers=headers,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    page = await client.get(path_of(issued), params={"lang": "en"}, headers=HTML)
    assert verdict(page.text) == "revoked"
    assert re.search(r"Revoked on \d+ \w+ \d{4}\.", page.text)
    assert "It was issued in error." in page.text and "A new one was sent." in page.text
    assert 'href="mailto:referat@tsc.example.si"' in page.text
    assert "complaint no. 17" not in page.text  # the internal reason stays internal
    sl = await client.get(path_of(issued), params={"lang": "sl"}, headers=HTML)
    assert "Preklicano " in sl.text and "Izdano je bilo pomotoma." in sl.text


async def test_an_internal_reason_marked_public_is_shown_and_a_bad_reason_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers, issued = await issue_at(client, admin_headers)
    bad = await client.post(
        f"/api/v1/credentials/{issued['id']}/suspend",
        json={"public_reason": "because"},
        headers=headers,
    )
    assert bad.status_code == 422 and "public_reason" in bad.text
    r = await client.post(
        f"/api/v1/credentials/{issued['id']}/suspend",
        json={"reason": "Assessment records are being checked.", "reason_public": True,
              "public_reason": "under_review"},
        headers=headers,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    page = await client.get(path_of(issued), headers=HTML)
    assert verdict(page.text) == "suspended" and "Suspended since " in page.text
    assert "It is under review." in page.text
    assert "Assessment records are being checked." in page.text


async def test_the_wallet_of_a_revoked_credential_shows_it_first_and_offers_no_sharing(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers, issued = await issue_at(client, admin_headers)
    wallet = await client.get(wallet_path(issued), headers=HTML)
    assert "Share with an employer" in wallet.text and "job application" in wallet.text
    assert wallet.text.index('id="wallet-title"') < wallet.text.index('data-verdict="valid"')
    before = await client.get(f"{wallet_path(issued)}/certificate.pdf")
    assert "REVOKED" not in PdfReader(io.BytesIO(before.content)).pages[0].extract_text()

    await client.post(f"/api/v1/credentials/{issued['id']}/revoke", headers=headers)
    wallet = await client.get(wallet_path(issued), headers=HTML)
    assert wallet.text.index('data-verdict="revoked"') < wallet.text.index('id="wallet-title"')
    assert "Share with an employer" not in wallet.text and "job application" not in wallet.text
    assert "Revoked on " in wallet.text
    after = await client.get(f"{wallet_path(issued)}/certificate.pdf")
    text = PdfReader(io.BytesIO(after.content)).pages[0].extract_text()
    assert "REVOKED" in text and "no longer valid" in text


async def test_the_date_of_birth_stays_off_the_public_page_unless_the_institution_shows_it(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await issue_at(client, admin_headers)
    page = await client.get(path_of(issued), params={"lang": "en"}, headers=HTML)
    assert "Date of birth" not in page.text and "2004-03-01" not in page.text
    assert "dateOfBirth" not in page.text
    assert "date of birth is left out of this public page." in page.text
    wallet = await client.get(wallet_path(issued), params={"lang": "en"}, headers=HTML)
    assert "Date of birth" in wallet.text  # the learner's own page keeps it

    r = await client.patch(
        "/api/v1/institutions/ts-lj", json={"show_date_of_birth": True}, headers=admin_headers
    )
    assert r.status_code == 200 and r.json()["show_date_of_birth"] is True
    page = await client.get(path_of(issued), params={"lang": "en"}, headers=HTML)
    assert "Date of birth" in page.text and "dateOfBirth" in page.text


async def test_the_contact_must_be_an_address_or_a_url(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await institution(client, admin_headers)
    for contact in ("not a contact", "javascript:alert(1)", "ftp://x.example"):
        r = await client.patch(
            "/api/v1/institutions/ts-lj", json={"contact": contact}, headers=admin_headers
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "contact", r.text
    ok = await client.patch(
        "/api/v1/institutions/ts-lj",
        json={"contact": "https://tsc.example.si/contact"},
        headers=admin_headers,
    )
    assert ok.status_code == 200 and ok.json()["contact"] == "https://tsc.example.si/contact"
    cleared = await client.patch(
        "/api/v1/institutions/ts-lj", json={"contact": ""}, headers=admin_headers
    )
    assert cleared.json()["contact"] is None


async def test_the_certificate_carries_quality_assurance_and_the_other_annex_i_notes(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    from tests.support.data import ACHIEVEMENT

    _, issued = await issue_at(client, admin_headers)
    pdf = await client.get(f"{wallet_path(issued)}/certificate.pdf", params={"lang": "en"})
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "Quality assurance" in text
    assert " ".join(str(ACHIEVEMENT["quality_assurance"]).split()) in text
