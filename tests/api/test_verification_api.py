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
    vc = await client.get(path, headers={"Accept": "application/vc+ld+json"})
    assert vc.json() == issued["credential"]
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
