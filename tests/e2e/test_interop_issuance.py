"""Cross-implementation: what microcred issues verifies in Digital Bazaar's @digitalbazaar/vc
stack (JSON-LD + Data Integrity) and in `jose` (vc+jwt), resolving did:web over HTTP from the
live service and loading the microcred context from it."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.interop import harness
from tests.support.data import INTEROP_ACHIEVEMENT as ACHIEVEMENT
from tests.support.data import MONTENEGRIN as LEARNER
from tests.support.live import Live

pytestmark = pytest.mark.e2e

#: A concept of the EU Qualification Dataset Register (the EDC profile's NQF level).
QDR_LEVEL = "http://data.europa.eu/snb/qdr/c_c392e7a2"


def issue(live: Live, admin: dict[str, str], slug: str, **extra: str) -> dict[str, Any]:
    key = live.institution(slug, "Srednja stručna škola", "ME", **extra)
    return live.credential(key, live.achievement(key, ACHIEVEMENT), LEARNER, "odličan (5)")


def test_issued_credentials_verify_in_independent_verifiers(live: Live) -> None:
    harness.ensure_installed()
    live.prepare_database()
    live.start()
    admin = live.admin()
    issued = [
        issue(live, admin, "ed-web"),
        issue(live, admin, "p256-web", key_type="p256"),
        issue(live, admin, "ed-key", did_method="key"),
        issue(live, admin, "p256-key", did_method="key", key_type="p256"),
    ]
    inputs: list[dict[str, Any] | str] = []
    for item in issued:
        inputs += [item["credential"], item["jwt"]]
    tampered = copy.deepcopy(issued[0]["credential"])
    tampered["credentialSubject"]["familyName"] = {"en": "Someone Else"}
    inputs.append(tampered)
    results = harness.node_verify_many(inputs, allow_hosts=[f"127.0.0.1:{live.port}"])
    for result, item in zip(results[:-1], inputs[:-1], strict=True):
        assert result["verified"], (result, item if isinstance(item, str) else item["issuer"])
    assert [r["format"] for r in results[:2]] == ["di", "jwt"]
    assert not results[-1]["verified"] and results[-1]["code"] == "signature"

    # Rotation keeps old credentials valid; withdrawing the key makes them fail everywhere.
    rotated = httpx.post(f"{live.url}/api/v1/institutions/ed-web/keys/rotate", headers=admin)
    assert rotated.status_code == 200
    old = [issued[0]["credential"], issued[0]["jwt"]]
    after_rotation = harness.node_verify_many(old, allow_hosts=[f"127.0.0.1:{live.port}"])
    assert all(r["verified"] for r in after_rotation), after_rotation
    withdrawn = httpx.post(
        f"{live.url}/api/v1/institutions/ed-web/keys/key-1/withdraw", headers=admin
    )
    assert withdrawn.status_code == 200
    after_withdrawal = harness.node_verify_many(old, allow_hosts=[f"127.0.0.1:{live.port}"])
    assert not any(r["verified"] for r in after_withdrawal), after_withdrawal


def test_edc_profile_credentials_verify_and_read_revoked_in_independent_verifiers(
    live: Live,
) -> None:
    """Digital Bazaar's verifier and jose verify EDC-profile credentials (Ed25519 and P-256,
    the EDC context loaded from the bundled copy) and read them as revoked after a
    revocation through their one BitstringStatusListEntry."""
    harness.ensure_installed()
    live.prepare_database()
    live.start()
    made = []
    for slug, key_type in (("edc-ed", "ed25519"), ("edc-p256", "p256")):
        key = live.institution(
            slug, "Srednja stručna škola", "ME", key_type=key_type, profile="edc", language="cnr"
        )
        course = live.achievement(key, {**ACHIEVEMENT, "nqf_level": QDR_LEVEL})
        made.append((key, live.credential(key, course, LEARNER, "odličan (5)")))
    hosts = [f"127.0.0.1:{live.port}"]
    inputs: list[dict[str, Any] | str] = []
    for _, item in made:
        assert isinstance(item["credential"]["credentialStatus"], dict)
        assert "displayParameter" in item["credential"]
        inputs += [item["credential"], item["jwt"]]
    results = harness.node_verify_many(inputs, allow_hosts=hosts)
    assert all(r["verified"] for r in results), results

    for key, item in made:
        revoked = httpx.post(
            f"{live.url}/api/v1/credentials/{item['id']}/revoke",
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        )
        assert revoked.status_code == 200, revoked.text
    after = harness.node_verify_many(inputs, allow_hosts=hosts)
    assert [(r["verified"], r["code"]) for r in after] == [(False, "revoked")] * 4, after
