"""Cross-implementation OpenID4VCI: OpenWallet Foundation's ``@openid4vc/openid4vci`` client,
as a wallet, takes an offer of a live ``microcred serve`` through the pre-authorized code flow
(with a transaction code) and receives the holder-bound credential in each of the three
formats; Digital Bazaar's verifier and ``jose`` verify the W3C ones, OWF's ``@sd-jwt/sd-jwt-vc``
the SD-JWT VC, and so does ours."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from keys import did_jwk
from tests.interop import harness
from tests.support.data import INTEROP_ACHIEVEMENT as ACHIEVEMENT
from tests.support.data import MONTENEGRIN as LEARNER
from tests.support.live import Live, bearer

pytestmark = pytest.mark.e2e


def offer(live: Live, api_key: str, credential_id: str, **body: Any) -> dict[str, Any]:
    r = httpx.post(
        f"{live.url}/api/v1/credentials/{credential_id}/offer",
        json=body,
        headers=bearer(api_key),
        timeout=30,
    )
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


def test_an_independent_wallet_receives_each_format(live: Live) -> None:
    harness.ensure_installed()
    live.prepare_database()
    live.start()
    hosts = [f"127.0.0.1:{live.port}"]
    for slug, key_type, alg in (("ed-web", "ed25519", "EdDSA"), ("p256-web", "p256", "ES256")):
        api_key = live.institution(slug, "Srednja stručna škola", "ME", key_type=key_type)
        issued = live.credential(api_key, live.achievement(api_key, ACHIEVEMENT), LEARNER, "5")
        if slug == "ed-web":
            made = offer(live, api_key, issued["id"], tx_code=True)
        else:  # the command line makes the same offer
            printed = live.cli(
                "offer", issued["id"], "--institution", slug, "--tx-code"
            ).stdout.splitlines()
            assert "▀" in "".join(printed[:-3]) or "█" in "".join(printed[:-3])  # the QR code
            link, until, code = printed[-3:]
            assert until.startswith("open until ")
            made = {"offer_uri": link, "tx_code": code.rsplit(" ", 1)[1]}
        meta = httpx.get(
            f"{live.url}/.well-known/openid-credential-issuer/institutions/{slug}", timeout=30
        ).json()
        configurations = list(meta["credential_configurations_supported"])
        wallet = harness.node_wallet(
            made["offer_uri"], configurations, tx_code=made["tx_code"], alg=alg
        )
        assert wallet["exit_code"] == 0, wallet
        assert wallet["version"] == "V1", wallet  # read as OpenID4VCI 1.0
        assert set(wallet["offered"]) == set(configurations)
        credentials = wallet["credentials"]
        ldp = credentials["MicroCredential_ldp_vc"]
        jwt_vc = credentials["MicroCredential_jwt_vc_json"]
        # Bound to the wallet's DID: the did:jwk it made of its own JWK.
        assert ldp["credentialSubject"]["id"] == wallet["holder_did"]
        assert wallet["holder_did"] == did_jwk(wallet["holder_jwk"])
        # The SD-JWT VC is bound to the wallet's key, and OWF's SD-JWT library verifies it
        # (the issuer's key from its metadata, the Token Status List, the type metadata).
        sd_jwt = credentials["MicroCredential_dc+sd-jwt"]
        checked = harness.node_sd_jwt({"action": "verify", "token": sd_jwt}, hosts)
        assert checked["verified"] and checked["status"] == 0, checked
        assert checked["claims"]["cnf"]["jwk"]["x"] == wallet["holder_jwk"]["x"]
        # Digital Bazaar's verifier (Data Integrity) and jose (vc+jwt) accept both.
        results = harness.node_verify_many([ldp, jwt_vc], allow_hosts=hosts)
        assert all(r["verified"] for r in results), results
        # ... and so does ours, with the record's status.
        for vc in (ldp, jwt_vc, sd_jwt):
            r = httpx.post(
                f"{live.url}/credentials/verify", json={"verifiableCredential": vc}, timeout=30
            )
            assert r.json()["verdict"] == "valid", r.text
        # The offer is used up: a second wallet gets nothing.
        again = harness.node_wallet(
            made["offer_uri"], configurations[:1], tx_code=made["tx_code"], alg=alg
        )
        assert again["exit_code"] != 0
        # A wrong transaction code is refused.
        other = offer(live, api_key, issued["id"], tx_code=True)
        wrong = "000000" if other["tx_code"] != "000000" else "111111"
        refused = harness.node_wallet(other["offer_uri"], configurations[:1], tx_code=wrong)
        assert refused["exit_code"] != 0 and "invalid_grant" in str(refused), refused
