"""Who issued a credential, on our pages: for the platform's own institutions, the name and
country come from our records, never from what a caller wrote into the credential; and the VC
API refuses an issuer object that says more than who the issuer is."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from app.container import Container
from tests.support.api import institution
from tests.support.data import BASE_URL, HTML
from tests.support.services import store_signed

pytestmark = pytest.mark.anyio

FORGED = "Institution inst-b (official)"
CREDENTIAL: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2", f"{BASE_URL}/contexts/microcred/v1"],
    "type": ["VerifiableCredential"],
    "name": "3D printing: FDM basics",
    "credentialSubject": {"id": "did:example:learner", "name": "Ana Horvat"},
}


@pytest.mark.parametrize(
    ("issuer_extra", "field"),
    [
        ({"name": FORGED}, "credential.issuer.name"),
        ({"legalName": {"en": FORGED}}, "credential.issuer.legalName"),
        ({"registration": {"notation": "123"}}, "credential.issuer.registration"),
    ],
)
async def test_the_vc_api_refuses_what_a_caller_says_of_the_issuer(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    issuer_extra: dict[str, Any],
    field: str,
) -> None:
    inst, headers = await institution(client, admin_headers, slug="inst-a", name="School A")
    credential = {**CREDENTIAL, "issuer": {"id": inst["did"], **issuer_extra}}
    r = await client.post("/credentials/issue", json={"credential": credential}, headers=headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json()["errors"]]
    # Who the issuer is, as an object with its id and type, is still taken.
    credential["issuer"] = {"id": inst["did"], "type": "Organisation"}
    r = await client.post("/credentials/issue", json={"credential": credential}, headers=headers)
    assert r.status_code == 201, r.text


async def test_our_pages_show_our_record_of_the_issuer_not_the_credential_s_claim(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    """A credential whose issuer object names another institution, signed with institution
    A's own key (through the service layer, past the VC API's check, as one issued before it
    would be): it is genuine, and our pages name A as our records do."""
    inst, _ = await institution(client, admin_headers, slug="inst-a", name="Šola A Ljubljana")
    await institution(client, admin_headers, slug="inst-b", name="School B")
    forged_issuer = {
        "id": inst["did"],
        "type": "Organisation",
        "legalName": {"en": FORGED},
        "location": {
            "type": "Location",
            "address": {
                "type": "Address",
                "countryCode": "http://publications.europa.eu/resource/authority/country/HRV",
            },
        },
    }
    issued = store_signed(container, "inst-a", {**CREDENTIAL, "issuer": forged_issuer})

    page = await client.get(issued.verification_url.removeprefix(BASE_URL), headers=HTML)
    assert page.status_code == 200
    assert 'data-verdict="valid"' in page.text
    shown = page.text.split("<details", 1)[0]  # the page, not its technical details view
    assert "Šola A Ljubljana" in shown
    assert FORGED not in shown
    assert "Croatia" not in shown and "Slovenia" in shown

    wallet = await client.get(issued.wallet_url.removeprefix(BASE_URL), headers=HTML)
    assert wallet.status_code == 200
    assert "Šola A Ljubljana" in wallet.text and FORGED not in wallet.text

    pdf = await client.get(issued.wallet_url.removeprefix(BASE_URL) + "/certificate.pdf")
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Šola A Ljubljana" in text and FORGED not in text
