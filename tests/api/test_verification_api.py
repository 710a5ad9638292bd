"""Verification for programs: POST /credentials/verify (VC API) and the machine forms of the
verification URL, running the verifier through the service's own documents."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

from tests.support.api import issue_some
from tests.support.corpus import FIXTURES

pytestmark = pytest.mark.anyio


async def verify(client: httpx.AsyncClient, vc: dict[str, Any] | str) -> httpx.Response:
    return await client.post("/credentials/verify", json={"verifiableCredential": vc})


async def test_vc_api_verify_accepts_ours_in_both_forms(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inst, _, [issued] = await issue_some(client, admin_headers)
    for vc in (issued["credential"], issued["jwt"]):
        r = await verify(client, vc)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["verified"] is True and body["verdict"] == "valid"
        assert body["issuer"] == inst["did"]
        assert {"proof", "issuer_key", "validity", "revocation", "suspension"} <= set(
            body["checks"]
        )
        results = {c["name"]: c["status"] for c in body["results"]}
        assert results["completeness"] == "passed" and results["trust"] == "passed"


async def test_vc_api_verify_refuses_a_tampered_or_revoked_credential(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    tampered = copy.deepcopy(issued["credential"])
    tampered["credentialSubject"]["familyName"] = {"en": "Impostor"}
    r = await verify(client, tampered)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["verified"] is False and r.json()["code"] == "not_genuine"
    assert r.json()["errors"][0]["check"] == "proof"

    await client.post(f"/api/v1/credentials/{issued['id']}/revoke", headers=headers)
    r = await verify(client, issued["credential"])
    assert r.status_code == 422 and r.json()["code"] == "revoked"


async def test_verification_url_machine_forms(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    path = issued["verification_url"].removeprefix("http://127.0.0.1:8000")
    result = await client.get(path, headers={"Accept": "application/json"})
    assert result.status_code == 200 and result.json()["verdict"] == "valid"
    assert result.json()["verificationUrl"] == issued["verification_url"]
    for asked in ("application/vc", "application/vc+ld+json", "application/ld+json"):
        vc = await client.get(path, headers={"Accept": asked})
        assert vc.json() == issued["credential"]
        assert vc.headers["content-type"] == "application/vc"  # VC 2.0 section 6.3
    jwt = await client.get(path, headers={"Accept": "application/vc+jwt"})
    assert jwt.text == issued["jwt"]
    await client.post(f"/api/v1/credentials/{issued['id']}/suspend", headers=headers)
    again = await client.get(path, headers={"Accept": "application/json"})
    assert again.json()["verdict"] == "suspended"  # at once: no cache on our own page
    missing = await client.get("/v/" + "A" * 22, headers={"Accept": "application/json"})
    assert missing.status_code == 404


# A credential signed by Digital Bazaar's libraries with a did:key no deployment configures.
INDEPENDENT = json.loads((FIXTURES / "digital-bazaar.json").read_text(encoding="utf-8"))


async def test_an_issuer_not_configured_in_advance_is_verified_and_reported_untrusted(
    client: httpx.AsyncClient,
) -> None:
    for vc in (INDEPENDENT["ed25519-di"], INDEPENDENT["p256-jwt"]):
        r = await verify(client, vc)
        assert r.status_code == 200, r.text
        body = r.json()
        # VC API: verified is proofs, status and validity period; trust is reported beside it.
        assert body["verified"] is True and body["trusted"] is False
        assert body["verdict"] == "untrusted" and body["errors"] == []
        assert [w["code"] for w in body["warnings"]] == ["untrusted_issuer"]
        assert "trust" not in body["checks"]
    # The page for people keeps its verdict: the issuer is not one it recognises.
    pasted = json.dumps(INDEPENDENT["ed25519-di"])
    r = await client.post("/verify", data={"credential": pasted}, headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "Issuer not trusted" in r.text


async def test_a_credential_sent_as_json_text_in_a_string_is_a_parsing_error(
    client: httpx.AsyncClient,
) -> None:
    as_text = json.dumps(INDEPENDENT["ed25519-di"])
    for value in (as_text, json.dumps(as_text), "not a JWS"):
        r = await verify(client, value)
        assert r.status_code == 400, r.text
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert body["code"] == "parsing_error"
        assert body["errors"] == [
            {
                "field": "verifiableCredential",
                "reason": "a string must be a compact JWS; send a JSON-LD document as a JSON "
                "object",
            }
        ]
    # A string that is a compact JWS is still a credential.
    assert (await verify(client, INDEPENDENT["ed25519-jwt"])).status_code == 200


def _vocab_null(credential: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(credential)
    contexts = changed["@context"]
    changed["@context"] = [*(contexts if isinstance(contexts, list) else [contexts]),
                           {"@vocab": None}]  # fmt: skip
    return changed


async def test_a_null_vocab_is_not_genuine_never_a_500(client: httpx.AsyncClient) -> None:
    hostile = _vocab_null(INDEPENDENT["ed25519-di"])
    r = await verify(client, hostile)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "not_genuine"
    assert body["errors"][0]["code"] == "invalid_jsonld"
    page = await client.post(
        "/verify", data={"credential": json.dumps(hostile)}, headers={"Accept": "text/html"}
    )
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
