"""OpenID4VCI 1.0 over HTTP: metadata, an offer made through the API, the pre-authorized code
flow with a transaction code, key proofs, the holder-bound credentials (verified by our own
verifier, with the record's status entries), and the OAuth errors a wallet acts on."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from keys import did_jwk
from tests.api.test_edc_profile import edc_credential
from tests.api.test_observability import metric
from tests.support.api import b64url_json, institution, issue_some
from tests.support.clock import FixedClock
from tests.support.data import BASE_URL
from tests.support.holder import Holder

pytestmark = pytest.mark.anyio

GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
ISSUER = f"{BASE_URL}/institutions/ts-lj"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def path(url: str) -> str:
    assert url.startswith(BASE_URL), url
    return url.removeprefix(BASE_URL)


async def make_offer(
    client: httpx.AsyncClient, headers: dict[str, str], credential_id: str, **body: Any
) -> dict[str, Any]:
    r = await client.post(f"/api/v1/credentials/{credential_id}/offer", json=body, headers=headers)
    assert r.status_code == 201, r.text
    offer: dict[str, Any] = r.json()
    return offer


async def read_offer(client: httpx.AsyncClient, offer: dict[str, Any]) -> dict[str, Any]:
    link = urlsplit(offer["offer_uri"])
    assert link.scheme == "openid-credential-offer"
    [uri] = parse_qs(link.query)["credential_offer_uri"]
    assert uri == offer["credential_offer_uri"]
    r = await client.get(path(uri))
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    document: dict[str, Any] = r.json()
    return document


async def token(client: httpx.AsyncClient, code: str, **extra: str) -> httpx.Response:
    form = {"grant_type": GRANT, "pre-authorized_code": code, **extra}
    return await client.post("/institutions/ts-lj/openid4vci/token", data=form, headers=FORM)


async def nonce(client: httpx.AsyncClient) -> str:
    r = await client.post("/institutions/ts-lj/openid4vci/nonce")
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    value: str = r.json()["c_nonce"]
    return value


async def request_credential(
    client: httpx.AsyncClient, access_token: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        "/institutions/ts-lj/openid4vci/credential",
        json=body,
        headers={"Authorization": f"Bearer {access_token}"},
    )


async def redeemed(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> tuple[dict[str, str], dict[str, Any], str]:
    """An institution, one credential, and an access token for it."""
    _, headers, [issued] = await issue_some(client, admin)
    offer = await make_offer(client, headers, issued["id"])
    document = await read_offer(client, offer)
    code = document["grants"][GRANT]["pre-authorized_code"]
    r = await token(client, code)
    assert r.status_code == 200, r.text
    return headers, issued, r.json()["access_token"]


async def test_metadata_names_the_endpoints_and_three_formats(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await institution(client, admin_headers)
    r = await client.get("/.well-known/openid-credential-issuer/institutions/ts-lj")
    assert r.status_code == 200, r.text
    meta = r.json()
    assert meta["credential_issuer"] == ISSUER
    assert meta["credential_endpoint"] == f"{ISSUER}/openid4vci/credential"
    assert meta["nonce_endpoint"] == f"{ISSUER}/openid4vci/nonce"
    configurations = meta["credential_configurations_supported"]
    formats = {c["format"] for c in configurations.values()}
    assert formats == {"ldp_vc", "jwt_vc_json", "dc+sd-jwt"}
    sd_jwt = configurations["MicroCredential_dc+sd-jwt"]
    assert sd_jwt["vct"] == f"{BASE_URL}/vct/micro-credential"
    assert sd_jwt["cryptographic_binding_methods_supported"] == ["jwk"]
    for configuration in configurations.values():
        assert configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"]
        display = configuration["credential_metadata"]["display"]
        names = {d["locale"]: d["name"] for d in display}
        assert names["en"] == "Micro-credential" and names["sl"] == "Mikrodokazilo"
        assert {"hr", "sr-Latn", "sr-Cyrl", "bs", "cnr"} <= set(names)
    r = await client.get("/.well-known/oauth-authorization-server/institutions/ts-lj")
    assert r.status_code == 200
    server = r.json()
    assert server["issuer"] == ISSUER
    assert server["token_endpoint"] == f"{ISSUER}/openid4vci/token"
    assert GRANT in server["grant_types_supported"]
    r = await client.get("/.well-known/openid-credential-issuer/institutions/nobody")
    assert r.status_code == 404


async def test_the_pre_authorized_flow_issues_a_holder_bound_ldp_vc_and_jwt(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    headers, issued, access_token = await redeemed(client, admin_headers)
    holder = Holder()
    delivered, proofs = [], []
    for configuration, as_kid in (
        ("MicroCredential_ldp_vc", False),
        ("MicroCredential_jwt_vc_json", True),
    ):
        proof = holder.proof(ISSUER, await nonce(client), clock(), as_kid=as_kid)
        proofs.append(proof)
        r = await request_credential(
            client,
            access_token,
            {"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}},
        )
        assert r.status_code == 200, r.text
        assert r.headers["cache-control"] == "no-store"
        [item] = r.json()["credentials"]
        delivered.append(item["credential"])
    ldp, jwt_vc = delivered
    original = json.loads(issued["stored"])
    # A proof with a jwk binds the credential to the key's did:jwk; one with a kid to its DID.
    # (the JWK as the wallet sent it: pyjwt writes its members sorted)
    assert ldp["credentialSubject"]["id"] == did_jwk(jwt.get_unverified_header(proofs[0])["jwk"])
    assert ldp["id"] == original["id"]
    assert ldp["credentialStatus"] == original["credentialStatus"]
    assert ldp["credentialSubject"]["givenName"] == original["credentialSubject"]["givenName"]
    payload = b64url_json(jwt_vc.split(".")[1])
    assert payload["credentialSubject"]["id"] == holder.did
    assert payload["credentialStatus"] == original["credentialStatus"]
    for vc in (ldp, jwt_vc):
        r = await client.post("/credentials/verify", json={"verifiableCredential": vc})
        assert r.status_code == 200, r.text
        assert r.json()["verdict"] == "valid", r.text
    metrics = (await client.get("/metrics")).text
    assert metric(metrics, "microcred_wallet_deliveries_total", format="ldp_vc") == 1
    assert metric(metrics, "microcred_wallet_deliveries_total", format="jwt_vc_json") == 1
    assert metric(metrics, "microcred_credential_offers_total", source="api") == 1
    # The record shows the offer; a revocation reaches every copy at once.
    r = await client.get(f"/api/v1/credentials/{issued['id']}", headers=headers)
    offer = r.json()["offer"]
    assert offer["state"] == "redeemed" and offer["delivered"] == 2
    assert offer["source"] == "api" and offer["tx_code_required"] is False
    r = await client.post(f"/api/v1/credentials/{issued['id']}/revoke", headers=headers)
    assert r.status_code == 200, r.text
    for vc in (ldp, jwt_vc):
        r = await client.post("/credentials/verify", json={"verifiableCredential": vc})
        assert r.json()["verdict"] == "revoked", r.text
    # ... and no further copy is issued.
    proof = holder.proof(ISSUER, await nonce(client), clock())
    r = await request_credential(
        client,
        access_token,
        {"credential_configuration_id": "MicroCredential_ldp_vc", "proofs": {"jwt": [proof]}},
    )
    assert r.status_code == 400
    assert r.json()["error"] == "credential_request_denied"


async def test_a_p256_holder_gets_a_credential_too(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    _, _, access_token = await redeemed(client, admin_headers)
    holder = Holder("P-256")
    proof = holder.proof(ISSUER, await nonce(client), clock(), as_kid=True)
    r = await request_credential(
        client,
        access_token,
        {"credential_configuration_id": "MicroCredential_ldp_vc", "proofs": {"jwt": [proof]}},
    )
    assert r.status_code == 200, r.text
    assert r.json()["credentials"][0]["credential"]["credentialSubject"]["id"] == holder.did


async def test_the_code_is_one_time_and_the_offer_closes(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    offer = await make_offer(client, headers, issued["id"])
    assert offer["qr_code"].startswith("data:image/svg+xml;base64,")
    assert offer["tx_code"] is None
    document = await read_offer(client, offer)
    assert document["credential_issuer"] == ISSUER
    assert "MicroCredential_ldp_vc" in document["credential_configuration_ids"]
    code = document["grants"][GRANT]["pre-authorized_code"]
    r = await token(client, code)
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "Bearer" and r.json()["expires_in"] > 0
    r = await token(client, code)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = await client.get(path(offer["credential_offer_uri"]))
    assert r.status_code == 404
    # A new offer closes the old one that was never used.
    first = await make_offer(client, headers, issued["id"])
    second = await make_offer(client, headers, issued["id"])
    r = await client.get(path(first["credential_offer_uri"]))
    assert r.status_code == 404
    await read_offer(client, second)


async def test_a_transaction_code_guards_the_offer(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    offer = await make_offer(client, headers, issued["id"], tx_code=True)
    pin = offer["tx_code"]
    assert pin is not None and pin.isdigit() and len(pin) == 6
    document = await read_offer(client, offer)
    grant = document["grants"][GRANT]
    assert grant["tx_code"]["length"] == 6 and grant["tx_code"]["input_mode"] == "numeric"
    assert pin not in json.dumps(document)
    r = await token(client, grant["pre-authorized_code"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    wrong = "000000" if pin != "000000" else "111111"
    r = await token(client, grant["pre-authorized_code"], tx_code=wrong)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = await token(client, grant["pre-authorized_code"], tx_code=pin)
    assert r.status_code == 200, r.text
    # Five wrong codes close an offer.
    clock.advance(timedelta(seconds=1))
    offer = await make_offer(client, headers, issued["id"], tx_code=True)
    code = (await read_offer(client, offer))["grants"][GRANT]["pre-authorized_code"]
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    for _ in range(5):
        r = await token(client, code, tx_code=wrong)
        assert r.json()["error"] == "invalid_grant"
    r = await token(client, code, tx_code=offer["tx_code"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = await client.get(f"/api/v1/credentials/{issued['id']}", headers=headers)
    assert r.json()["offer"]["state"] == "failed"


async def test_offers_expire(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    offer = await make_offer(client, headers, issued["id"])
    code = (await read_offer(client, offer))["grants"][GRANT]["pre-authorized_code"]
    clock.advance(timedelta(days=15))
    r = await client.get(path(offer["credential_offer_uri"]))
    assert r.status_code == 404
    r = await token(client, code)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = await client.get(f"/api/v1/credentials/{issued['id']}", headers=headers)
    assert r.json()["offer"]["state"] == "expired"


async def test_key_proof_errors_name_the_problem_and_bring_a_fresh_nonce(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    _, _, access_token = await redeemed(client, admin_headers)
    holder = Holder()
    good_nonce = await nonce(client)
    cases = [
        ({}, "invalid_proof"),
        ({"proofs": {"jwt": []}}, "invalid_proof"),
        ({"proofs": {"ldp_vp": ["x"]}}, "invalid_proof"),
        ({"proofs": {"jwt": ["not a jwt"]}}, "invalid_proof"),
        ({"proofs": {"jwt": [holder.proof(ISSUER, "made-up", clock())]}}, "invalid_nonce"),
        ({"proofs": {"jwt": [holder.proof(ISSUER, None, clock())]}}, "invalid_nonce"),
        ({"proofs": {"jwt": [holder.proof("https://elsewhere", good_nonce, clock())]}},
         "invalid_proof"),
        ({"proofs": {"jwt": [holder.proof(ISSUER, good_nonce, clock(), typ="JWT")]}},
         "invalid_proof"),
        ({"proofs": {"jwt": [holder.proof(ISSUER, good_nonce, clock() - timedelta(hours=1))]}},
         "invalid_proof"),
    ]  # fmt: skip
    for extra, error in cases:
        body = {"credential_configuration_id": "MicroCredential_ldp_vc", **extra}
        r = await request_credential(client, access_token, body)
        assert r.status_code == 400, (extra, r.text)
        answer = r.json()
        assert answer["error"] == error, (extra, answer)
        assert answer["error_description"]
        if error in ("invalid_proof", "invalid_nonce") and "proofs" in extra:
            assert answer["c_nonce"]
    # A stale nonce
    clock.advance(timedelta(minutes=6))
    r = await request_credential(
        client,
        access_token,
        {
            "credential_configuration_id": "MicroCredential_ldp_vc",
            "proofs": {"jwt": [holder.proof(ISSUER, good_nonce, clock())]},
        },
    )
    assert r.json()["error"] in ("invalid_nonce", "invalid_token")


async def test_request_errors(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    _, _, access_token = await redeemed(client, admin_headers)
    holder = Holder()
    proof = holder.proof(ISSUER, await nonce(client), clock())
    for body, error in (
        ({"credential_configuration_id": "Diploma", "proofs": {"jwt": [proof]}},
         "unknown_credential_configuration"),
        ({"format": "mso_mdoc", "proofs": {"jwt": [proof]}}, "unsupported_credential_format"),
        ({"proofs": {"jwt": [proof]}}, "invalid_credential_request"),
        ({"credential_identifier": "x", "proofs": {"jwt": [proof]}},
         "invalid_credential_request"),
    ):  # fmt: skip
        r = await request_credential(client, access_token, body)
        assert r.status_code == 400, r.text
        assert r.json()["error"] == error, r.text
    r = await client.post(
        "/institutions/ts-lj/openid4vci/credential",
        content=b"{not json",
        headers={"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_credential_request"
    r = await request_credential(client, "wrong", {"credential_configuration_id": "x"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = await client.post("/institutions/ts-lj/openid4vci/credential", json={})
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    r = await client.post(
        "/institutions/ts-lj/openid4vci/token", data={"grant_type": "password"}, headers=FORM
    )
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = await client.post(
        "/institutions/ts-lj/openid4vci/token",
        json={"grant_type": GRANT, "pre-authorized_code": "x"},
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = await token(client, "never-issued")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # The access token expires.
    clock.advance(timedelta(minutes=11))
    proof = holder.proof(ISSUER, await nonce(client), clock())
    r = await request_credential(
        client,
        access_token,
        {"credential_configuration_id": "MicroCredential_ldp_vc", "proofs": {"jwt": [proof]}},
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"


async def test_tenants_stay_apart(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    _, other_headers = await institution(client, admin_headers, slug="ss-zg", name="Other")
    r = await client.post(f"/api/v1/credentials/{issued['id']}/offer", headers=other_headers)
    assert r.status_code == 404
    offer = await make_offer(client, headers, issued["id"])
    document = await read_offer(client, offer)
    code = document["grants"][GRANT]["pre-authorized_code"]
    # Another institution's endpoints know neither the offer, the code nor the token.
    r = await client.get(path(offer["credential_offer_uri"]).replace("/ts-lj/", "/ss-zg/"))
    assert r.status_code == 404
    r = await client.post(
        "/institutions/ss-zg/openid4vci/token",
        data={"grant_type": GRANT, "pre-authorized_code": code},
        headers=FORM,
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    access_token = (await token(client, code)).json()["access_token"]
    r = await client.post(
        "/institutions/ss-zg/openid4vci/credential",
        json={"credential_configuration_id": "MicroCredential_ldp_vc"},
        headers={"Authorization": f"Bearer {access_token}"},
    )
    assert r.status_code == 401


async def test_only_an_active_credential_is_offered(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    r = await client.post(f"/api/v1/credentials/{issued['id']}/suspend", headers=headers)
    assert r.status_code == 200
    r = await client.post(f"/api/v1/credentials/{issued['id']}/offer", headers=headers)
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    r = await client.post(
        f"/api/v1/credentials/{issued['id']}/offer", json={"tx_code": "yes"}, headers=headers
    )
    assert r.status_code == 422


async def test_an_edc_credential_is_bound_to_its_holder_too(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    headers, issued = await edc_credential(client, admin_headers, slug="ts-lj")
    offer = await make_offer(client, headers, issued["id"])
    code = (await read_offer(client, offer))["grants"][GRANT]["pre-authorized_code"]
    access_token = (await token(client, code)).json()["access_token"]
    holder = Holder()
    proof = holder.proof(ISSUER, await nonce(client), clock(), as_kid=True)
    r = await request_credential(
        client,
        access_token,
        {"credential_configuration_id": "MicroCredential_ldp_vc", "proofs": {"jwt": [proof]}},
    )
    assert r.status_code == 200, r.text
    ldp = r.json()["credentials"][0]["credential"]
    original = json.loads(issued["stored"])
    old_subject = original["credentialSubject"]["id"]
    assert ldp["credentialSubject"]["id"] == holder.did
    assert old_subject not in json.dumps(ldp)  # every reference to the learner follows
    assert "EuropeanDigitalCredential" in ldp["type"]
    r = await client.post("/credentials/verify", json={"verifiableCredential": ldp})
    assert r.json()["verdict"] == "valid", r.text


async def test_the_sd_jwt_vc_is_bound_to_the_holders_key_and_shares_the_status(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    headers, issued, access_token = await redeemed(client, admin_headers)
    holder = Holder("P-256")
    proof = holder.proof(ISSUER, await nonce(client), clock())
    r = await request_credential(
        client,
        access_token,
        {"credential_configuration_id": "MicroCredential_dc+sd-jwt", "proofs": {"jwt": [proof]}},
    )
    assert r.status_code == 200, r.text
    sd_jwt = r.json()["credentials"][0]["credential"]
    issuer_jwt, *disclosures = sd_jwt.split("~")
    assert disclosures[-1] == ""  # no key binding yet: the holder adds it when presenting
    assert jwt.get_unverified_header(issuer_jwt)["typ"] == "dc+sd-jwt"
    payload = b64url_json(issuer_jwt.split(".")[1])
    assert payload["iss"] == ISSUER
    assert payload["cnf"]["jwk"] == holder.jwk
    assert "given_name" not in payload and "birthdate" not in payload  # only as disclosures
    r = await client.post("/credentials/verify", json={"verifiableCredential": sd_jwt})
    assert r.json()["verdict"] == "valid", r.text
    r = await client.post(f"/api/v1/credentials/{issued['id']}/suspend", headers=headers)
    assert r.status_code == 200
    r = await client.post("/credentials/verify", json={"verifiableCredential": sd_jwt})
    assert r.json()["verdict"] == "suspended", r.text
