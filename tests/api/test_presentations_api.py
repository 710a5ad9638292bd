"""POST /presentations/verify (VC API): a holder's signed presentation of one of our
credentials and a foreign one, challenge and domain from the options, the VC API's response
(verified, presentationResult, credentialResults, problemDetails), and malformed input as 400
problem details naming the field."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.api import issue_some
from tests.support.corpus import FIXTURES
from tests.support.presentations import (
    CHALLENGE,
    DOMAIN,
    did_of,
    holder,
    presentation,
    sign_presentation,
    vp_jwt,
)

pytestmark = pytest.mark.anyio

INDEPENDENT = json.loads((FIXTURES / "digital-bazaar.json").read_text(encoding="utf-8"))
HOLDER = holder()
OPTIONS = {"challenge": CHALLENGE, "domain": DOMAIN}


async def verify(
    client: httpx.AsyncClient, vp: Any, options: dict[str, Any] | None = None
) -> httpx.Response:
    body = {"verifiablePresentation": vp, "options": OPTIONS if options is None else options}
    return await client.post("/presentations/verify", json=body)


async def test_a_signed_presentation_of_ours_and_a_foreign_credential_verifies(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, _, [issued] = await issue_some(client, admin_headers)
    credentials = [issued["credential"], INDEPENDENT["p256-jwt"]]
    vp = sign_presentation(presentation(credentials, did_of(HOLDER)), HOLDER)
    r = await verify(client, vp, {**OPTIONS, "returnPresentation": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verified"] is True and body["problemDetails"] == []
    assert body["presentationResult"]["verified"] is True
    assert body["presentationResult"]["holder"] == did_of(HOLDER)
    assert set(body["presentationResult"]["checks"]) == {
        "format", "proof", "holder_key", "challenge", "domain"
    }  # fmt: skip
    assert [c["verdict"] for c in body["credentialResults"]] == ["valid", "untrusted"]
    assert [c["trusted"] for c in body["credentialResults"]] == [True, False]
    assert body["verifiablePresentation"] == vp
    token = vp_jwt(presentation(credentials, did_of(HOLDER)), HOLDER, nonce=CHALLENGE, aud=DOMAIN)
    jwt_result = await verify(client, token)
    assert jwt_result.status_code == 200, jwt_result.text
    assert jwt_result.json()["presentationResult"]["format"] == "vp+jwt"


async def test_a_wrong_challenge_or_a_revoked_credential_is_a_422_with_the_result(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    vp = sign_presentation(presentation([issued["credential"]], did_of(HOLDER)), HOLDER)
    r = await verify(client, vp, {"challenge": "another"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["verified"] is False
    assert r.json()["presentationResult"]["errors"][0]["code"] == "challenge_mismatch"
    await client.post(f"/api/v1/credentials/{issued['id']}/revoke", headers=headers)
    revoked = await verify(client, vp)
    assert revoked.status_code == 422
    body = revoked.json()
    assert body["presentationResult"]["verified"] is True
    assert body["credentialResults"][0]["verdict"] == "revoked"
    assert body["problemDetails"][0]["title"] == "revoked"


@pytest.mark.parametrize(
    ("vp", "field"),
    [({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiableCredential"},
      "verifiablePresentation.type"),
     ({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiablePresentation",
       "holder": "no url"}, "verifiablePresentation.holder"),
     ('{"type": "VerifiablePresentation"}', "verifiablePresentation")],
)  # fmt: skip
async def test_a_malformed_presentation_is_a_400_naming_the_field(
    client: httpx.AsyncClient, vp: Any, field: str
) -> None:
    r = await verify(client, vp, {})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json()["errors"]]
