"""verify_credential on proof sets and chains (Data Integrity 1.0, sections 4.1-4.2 and 4.5):
every proof must verify; at least one must be the issuer's; a proof by someone else (a
witness) is checked with its own controller's key; the ``proof`` check lists every proof.
Digital Bazaar's sets and chains are in the corpus (tests/fixtures/verify/digital-bazaar-di.json);
the ones here are made with our own issuer code, one proof at a time."""

from __future__ import annotations

from typing import Any

import pytest

import keys
from tests.support.corpus import (
    DID_ED,
    FailingFetcher,
    World,
    signed,
    unsigned,
    world,
)
from verifier.did_resolution import DidResolver
from verifier.errors import FetchError


@pytest.fixture(scope="module")
def w() -> World:
    return world()


def proof_set(document: dict[str, Any], *signers: keys.Signer) -> dict[str, Any]:
    """``document`` with one proof by each signer, each made over the document alone."""
    return {**document, "proof": [signed(document, by)["proof"] for by in signers]}


def test_digital_bazaars_proof_set_reports_every_proof(w: World) -> None:
    result = w.verify(w.valid["digital-bazaar-proof-set"])
    assert result.verified, result.checks
    proof = result.check("proof")
    assert proof is not None and proof.detail.startswith("all 3 proofs verify")
    entries = proof.data["proofs"]
    assert [(e["position"], e["byIssuer"], e["status"]) for e in entries] == [
        (1, True, "passed"), (2, True, "passed"), (3, False, "passed"),
    ]  # fmt: skip
    assert [e["cryptosuite"] for e in entries] == [
        "eddsa-rdfc-2022", "ecdsa-jcs-2019", "eddsa-rdfc-2022"
    ]  # fmt: skip
    assert entries[0]["id"] == "urn:uuid:proof-1"
    assert result.verification_method == "did:web:issuer.example#key-1"


def test_digital_bazaars_proof_chain_names_its_previous_proofs(w: World) -> None:
    result = w.verify(w.valid["digital-bazaar-proof-chain"])
    assert result.verified, result.checks
    entries = result.check("proof").data["proofs"]  # type: ignore[union-attr]
    assert entries[1]["previousProof"] == "urn:uuid:chain-1"
    assert entries[2]["previousProof"] == ["urn:uuid:chain-1", "urn:uuid:chain-2"]


def test_a_set_of_ours_with_a_witness_of_another_did_verifies(w: World) -> None:
    result = w.verify(proof_set(unsigned(), w.ed, w.other))
    assert result.verified, result.checks
    entries = result.check("proof").data["proofs"]  # type: ignore[union-attr]
    assert [e["byIssuer"] for e in entries] == [True, False]


def test_a_witness_whose_did_cannot_be_fetched_makes_it_status_unknown(w: World) -> None:
    credential = proof_set(unsigned(status=()), w.ed, w.other)
    other_did_url = keys.did_web_url(w.other.id.partition("#")[0])
    down = FailingFetcher(
        w.fetcher, {other_did_url: FetchError("fetch_failed", "HTTP 503", transient=True)}
    )
    result = w.verify(credential, resolver=DidResolver(down), fetcher=down)
    proof = result.check("proof")
    assert proof is not None and (proof.status, proof.code) == ("failed", "did_unreachable")
    assert proof.detail.startswith("proof 2 of 2: ")
    assert result.verdict == "status_unknown"


def test_a_proof_by_a_withdrawn_key_of_the_issuer_fails_the_set(w: World) -> None:
    result = w.verify(proof_set(unsigned(), w.ed, w.withdrawn))
    issuer_key = result.check("issuer_key")
    assert issuer_key is not None
    assert (issuer_key.status, issuer_key.code) == ("failed", "verification_method_not_found")
    assert result.verdict == "not_genuine"


def test_a_forged_proof_of_the_issuer_fails_the_set(w: World) -> None:
    result = w.verify(proof_set(unsigned(), w.ed, w.impostor))  # impostor: same id, other key
    proof = result.check("proof")
    assert proof is not None and (proof.code, proof.detail[:12]) == (
        "signature_invalid",
        "proof 2 of 2",
    )
    assert [e["status"] for e in proof.data["proofs"]] == ["passed", "failed"]
    assert result.verdict == "not_genuine"


@pytest.mark.parametrize("member", ["z123", {"type": "DataIntegrityProof"}])
def test_a_set_member_that_is_no_proof_fails(w: World, member: Any) -> None:
    credential = proof_set(unsigned(), w.ed)
    credential["proof"].append(member)
    proof = w.verify(credential).check("proof")
    assert proof is not None and (proof.status, proof.code) == ("failed", "proof_malformed")


def test_an_empty_set_is_no_proof(w: World) -> None:
    proof = w.verify({**unsigned(), "proof": []}).check("proof")
    assert proof is not None and proof.code == "proof_missing"


def test_the_single_proof_is_reported_the_same_way(w: World) -> None:
    proof = w.verify(w.valid["ed25519-di"]).check("proof")
    assert proof is not None
    assert proof.data["proofs"] == [{
        "id": None, "cryptosuite": "eddsa-rdfc-2022", "verificationMethod": f"{DID_ED}#key-1",
        "byIssuer": True, "status": "passed",
    }]  # fmt: skip
