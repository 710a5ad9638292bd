"""Presentations across implementations: Digital Bazaar's ``@digitalbazaar/vc`` signs
presentations (a did:key holder, an ``authentication`` proof with challenge and domain,
Ed25519 and P-256) holding one of microcred's credentials and one Digital Bazaar signed, and
``jose`` signs a ``vp+jwt``; microcred's verifier (the library and ``python -m verifier``)
verifies them, and gives the same verdict as Digital Bazaar's ``vc.verify`` on broken ones: a
wrong challenge or domain, a presentation changed after signing, a credential inside changed
after signing."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import keys
from issuer.data_integrity import add_proof
from tests.interop import harness
from verifier import DidResolver, verify_presentation
from verifier.jsonld import bundled_document_loader

pytestmark = pytest.mark.e2e

V2 = "https://www.w3.org/ns/credentials/v2"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
CHALLENGE = "8d6f1c2e-challenge"
DOMAIN = "employer.example"
SEEDS = {"ed25519": bytes(range(7, 39)).hex(), "p256": bytes(range(40, 72)).hex()}


def unsigned(name: str) -> dict[str, Any]:
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:replaced",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": name},
    }


def our_credential() -> dict[str, Any]:
    master = os.urandom(32)
    sealed = keys.generate_sealed_key(keys.ED25519, master, b"row")
    multibase = sealed.public_key.multibase
    signer = keys.open_signer(sealed.sealed, master, b"row", f"did:key:{multibase}#{multibase}")
    document = {**unsigned("Ana Horvat"), "issuer": f"did:key:{multibase}"}
    created = datetime(2026, 1, 1, tzinfo=UTC)
    return add_proof(document, signer, created=created, loader=bundled_document_loader())


def their_credential() -> Any:
    job = {
        "credential": unsigned("Marko Petrović"),
        "keys": {"issuer": {"type": "p256", "seed": bytes(range(80, 112)).hex()}},
        "issuer": "issuer",
        "proofs": [{"key": "issuer", "cryptosuite": "ecdsa-rdfc-2019",
                    "created": "2026-01-02T00:00:00Z"}],
    }  # fmt: skip
    return harness.node_sign_di(job)["credential"]


def signed_by_them(credentials: list[Any], holder: str, **extra: Any) -> Any:
    job = {
        "presentation": {"@context": [V2], "type": ["VerifiablePresentation"],
                         "verifiableCredential": credentials},
        "holder": {"type": holder, "seed": SEEDS[holder]},
        "challenge": CHALLENGE,
        "domain": DOMAIN,
        "created": "2026-05-01T00:00:00Z",
        **extra,
    }  # fmt: skip
    return harness.node_sign_vp(job)["presentation"]


def ours_verifies(presentation: Any, challenge: str = CHALLENGE, domain: str = DOMAIN) -> Any:
    return verify_presentation(
        presentation,
        resolver=DidResolver(),
        options={"challenge": challenge, "domain": domain},
        now=NOW,
    )


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    harness.ensure_installed()


@pytest.fixture(scope="module")
def credentials() -> list[Any]:
    return [our_credential(), their_credential()]


def test_digital_bazaar_signs_presentations_and_both_verify_them(credentials: list[Any]) -> None:
    presentations = [signed_by_them(credentials, holder) for holder in ("ed25519", "p256")]
    assert [p["proof"]["cryptosuite"] for p in presentations] == [
        "eddsa-rdfc-2022",
        "ecdsa-rdfc-2019",
    ]
    for presentation in presentations:
        result = ours_verifies(presentation)
        assert result.verified, result.to_json()
        assert len(result.credential_results) == 2
        assert all(r.verified for r in result.credential_results)
    theirs = harness.node_verify_vp(presentations, challenge=CHALLENGE, domain=DOMAIN)
    assert [r["verified"] for r in theirs] == [True, True], theirs


def test_broken_presentations_are_refused_by_both(credentials: list[Any]) -> None:
    good = signed_by_them(credentials, "ed25519")
    changed = copy.deepcopy(good)
    changed["id"] = "urn:uuid:0d7c9a44-5b0e-4b69-9f0e-2f4f0b8e1a11"  # added after signing
    credential_changed = copy.deepcopy(good)
    credential_changed["verifiableCredential"][0]["credentialSubject"]["name"] = "Someone Else"
    # Signed over a credential that was changed before the holder signed: the holder's proof
    # holds, the credential's does not.
    tampered = copy.deepcopy(credentials)
    tampered[1]["credentialSubject"]["name"] = "Someone Else"
    holder_signed_tampered = signed_by_them(tampered, "p256")
    cases = {
        "changed": (changed, CHALLENGE, DOMAIN),
        "credential changed": (credential_changed, CHALLENGE, DOMAIN),
        "tampered credential inside": (holder_signed_tampered, CHALLENGE, DOMAIN),
        "wrong challenge": (good, "another-challenge", DOMAIN),
        "wrong domain": (good, CHALLENGE, "attacker.example"),
    }
    for name, (presentation, challenge, domain) in cases.items():
        ours = ours_verifies(presentation, challenge, domain)
        [theirs] = harness.node_verify_vp([presentation], challenge=challenge, domain=domain)
        assert (ours.verified, theirs["verified"]) == (False, False), (name, theirs)
    # What went wrong, in our words.
    assert ours_verifies(changed).check("proof").code == "signature_invalid"  # type: ignore[union-attr]
    inside = ours_verifies(holder_signed_tampered)
    assert inside.presentation_verified
    assert [r.verified for r in inside.credential_results] == [True, False]
    assert ours_verifies(good, "another-challenge").check("challenge").failed  # type: ignore[union-attr]
    assert ours_verifies(good, CHALLENGE, "attacker.example").check("domain").failed  # type: ignore[union-attr]


def test_jose_signs_a_vp_jwt_and_we_verify_it(credentials: list[Any]) -> None:
    token = signed_by_them(credentials, "ed25519", jwt=True)
    assert isinstance(token, str) and token.count(".") == 2
    assert ours_verifies(token).verified
    assert not ours_verifies(token, "another-challenge").verified
    enveloped = {
        "@context": [V2],
        "type": "EnvelopedVerifiablePresentation",
        "id": f"data:application/vp+jwt,{token}",
    }
    assert ours_verifies(enveloped).verified


def test_the_command_line_verifies_a_presentation_file(
    credentials: list[Any], tmp_path: Path
) -> None:
    path = tmp_path / "presentation.json"
    path.write_text(json.dumps(signed_by_them(credentials, "p256")), encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "verifier", *args, str(path)]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    assert run("--challenge", CHALLENGE, "--domain", DOMAIN).returncode == 0
    refused = run("--challenge", "another-challenge", "--domain", DOMAIN)
    assert refused.returncode == 1, refused.stdout + refused.stderr
