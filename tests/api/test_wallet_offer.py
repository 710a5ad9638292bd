"""The wallet page's "Add to a wallet app": the learner makes an OpenID4VCI offer, sees it as
a QR code and a deep link, and the page then says whether it was used."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

from tests.api.test_openid4vci import GRANT, ISSUER, nonce, path, request_credential, token
from tests.api.test_wallet import assert_private
from tests.support.api import issue_some, wallet_path
from tests.support.clock import FixedClock
from tests.support.holder import Holder

pytestmark = pytest.mark.anyio

OFFER_LINK = re.compile(r'data-offer="([^"]+)"')


async def test_the_learner_adds_the_credential_to_a_wallet_app(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    page = wallet_path(issued)
    r = await client.get(page, params={"lang": "sl"})
    assert r.status_code == 200
    assert "Dodajte v aplikacijo za digitalno denarnico" in r.text
    assert f'action="{page}/offer?lang=sl#add-to-wallet"' in r.text
    assert "data-offer=" not in r.text
    r = await client.post(f"{page}/offer", params={"lang": "sl"})
    assert r.status_code == 200, r.text
    assert_private(r)
    assert "<svg" in r.text and "Odpri v moji aplikaciji za denarnico" in r.text
    [link] = OFFER_LINK.findall(r.text)
    link = html.unescape(link)
    assert link.startswith("openid-credential-offer://?credential_offer_uri=")
    [uri] = parse_qs(urlsplit(link).query)["credential_offer_uri"]
    offer = (await client.get(path(unquote(uri)))).json()
    assert offer["credential_issuer"] == ISSUER
    # The institution sees who made the offer; the learner's page, that one is open.
    r = await client.get(f"/api/v1/credentials/{issued['id']}", headers=headers)
    assert r.json()["offer"]["source"] == "wallet"
    r = await client.get(page, params={"lang": "en"})
    assert 'data-offer-state="open"' in r.text
    # A wallet takes it; the page says so.
    code = offer["grants"][GRANT]["pre-authorized_code"]
    access_token = (await token(client, code)).json()["access_token"]
    proof = Holder().proof(ISSUER, await nonce(client), clock())
    r = await request_credential(
        client,
        access_token,
        {"credential_configuration_id": "MicroCredential_ldp_vc", "proofs": {"jwt": [proof]}},
    )
    assert r.status_code == 200, r.text
    r = await client.get(page, params={"lang": "en"})
    assert 'data-offer-state="delivered"' in r.text and "Added to a wallet app on" in r.text


async def test_no_offer_for_a_revoked_credential_or_an_unknown_token(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    page = wallet_path(issued)
    r = await client.post(f"/api/v1/credentials/{issued['id']}/revoke", headers=headers)
    assert r.status_code == 200
    r = await client.get(page)
    assert "Add to a wallet app" not in r.text
    r = await client.post(f"{page}/offer")
    assert r.status_code == 200
    assert "data-offer=" not in r.text and "Add to a wallet app" not in r.text
    r = await client.post("/wallet/Zm9vYmFyYmF6cXV4cXV1eFpZWFdWVVRT/offer")
    assert r.status_code == 404
