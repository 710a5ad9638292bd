"""The JCS cryptosuites, P-384 and proof sets and chains, driven by the W3C specifications'
own test vectors (vc-di-eddsa and vc-di-ecdsa, TestVectors/), then every way a set or chain
can be wrong."""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import keys
from issuer import add_proof
from verifier import bundled_document_loader, canonicalize, hash_data, verify_proof
from verifier.data_integrity import previous_proofs, proof_configuration, proofs_of
from verifier.errors import JsonLdError, ProofError
from verifier.jsonld import DocumentLoader

V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
CREATED = "2023-02-24T23:36:38Z"
ED25519_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
ED25519_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"  # 0x8026 + seed
P384_PUBLIC = "z82LkuBieyGShVBhvtE2zoiD6Kma4tJGFtkAhxR5pfkp5QPw4LutoYWhvQCnGjdVn14kujQ"

# The unsigned credential of both specifications' vectors (appendix A).
ALUMNI: dict[str, Any] = {
    "@context": [V2, EXAMPLES_V2],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}

# Data Integrity EdDSA Cryptosuites v1.0, eddsa-jcs-2022 (TestVectors/eddsa-jcs-2022/).
EDDSA_JCS_PROOF: dict[str, Any] = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-jcs-2022",
    "created": CREATED,
    "verificationMethod": f"https://vc.example/issuers/5678#{ED25519_PUBLIC}",
    "proofPurpose": "assertionMethod",
    "@context": [V2, EXAMPLES_V2],
    "proofValue": (
        "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4"
    ),
}
# The document half of the vector's combined hash (SHA-256 of the JCS document); its proof
# half predates the proof's @context (the signature above is made over the proof with it, as
# the specification's algorithm now says, and is what the check below reproduces).
EDDSA_JCS_DOCUMENT_HASH = "59b7cb6251b8991add1ce0bc83107e3db9dbbab5bd2c28f687db1a03abc92f19"
# Data Integrity ECDSA Cryptosuites v1.0, ecdsa-jcs-2019 with P-384
# (TestVectors/ecdsa-jcs-2019-p384/): a proof without @context.
ECDSA_JCS_P384_PROOF: dict[str, Any] = {
    "type": "DataIntegrityProof",
    "cryptosuite": "ecdsa-jcs-2019",
    "created": CREATED,
    "verificationMethod": f"did:key:{P384_PUBLIC}#{P384_PUBLIC}",
    "proofPurpose": "assertionMethod",
    "proofValue": (
        "zR3krc7pt9Dpn1PY2u8HWPePggtzAG2SuH2ZGNrzw8Ku3QrFLWgDTjS5mCWy65ShixJEtpMwfviAFfh5xTgd5F"
        "GN1sSbpPJ5djqSZQLqQkY8KLBPNswuqKtq3bS8f9vEHm8w"
    ),
}
# ecdsa-rdfc-2019 with P-384 (TestVectors/ecdsa-rdfc-2019-p384/): the second half of the
# combined hash, SHA-384 of the canonical document. (The vector's first half was made with
# the VC 2.0 context before `cryptosuite` got its cryptosuiteString type, so it no longer
# matches the context the specification publishes; Digital Bazaar's P-384 credentials in
# tests/fixtures/verify/digital-bazaar-di.json check the whole proof instead.)
P384_RDFC_DOCUMENT_HASH = (
    "8bf6e01df72c5b62f91b685231915ac4b8c58ea95f002c6b8f6bfafa1b251df4"
    "76b56b8e01518e317dab099d3ecbff96"
)

# Data Integrity EdDSA Cryptosuites v1.0, the proof set and chain vectors
# (TestVectors/proof-set-chain/signedProofChain2.json): two proofs as a set, a third that
# chains both (previousProof a list), a fourth that chains the third (a string).
CHAIN_KEYS = {
    "56781": "z6MktgKTsu1QhX6QPbyqG6geXdw6FQCZBPq7uQpieWbiQiG7",
    "56782": "z6MkhWqdDBPojHA7cprTGTt5yHv5yUi1B8cnXn8ReLumkw6E",
    "56783": "z6MkmEq87wkHCYnWnNZkigeDMGTN7oUw1upkhzd77KuXERS1",
    "56784": "z6MkmEq87wkHCYnWnNZkigeDMGTN7oUw1upkhzd77KuXERS1",
}


def _chain_proof(issuer: str, created: str, value: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "DataIntegrityProof",
        **({"id": extra.pop("id")} if "id" in extra else {}),
        "cryptosuite": "eddsa-rdfc-2022",
        "created": created,
        "verificationMethod": f"https://vc.example/issuers/{issuer}#{CHAIN_KEYS[issuer]}",
        "proofPurpose": "assertionMethod",
        **extra,
        "proofValue": value,
    }


P1 = "urn:uuid:26329423-bec9-4b2e-88cb-a7c7d9dc4544"
P2 = "urn:uuid:8cc9022b-6b14-4cf3-8571-74972c5feb54"
P3 = "urn:uuid:d94f792a-c546-4d06-b38a-da070ab56c23"
SPEC_CHAIN: dict[str, Any] = {
    **ALUMNI,
    "proof": [
        _chain_proof(
            "56781", CREATED, id=P1,
            value="z5KTX5yikM4eUukZW9qh66LGT3KZEUCACGpWcT2t4Yd54NMoFRchGmH4778omyNFAD3weSt6sNk5fuaMQmhhzNmEC",
        ),
        _chain_proof(
            "56782", CREATED, id=P2,
            value="z5KXNyXDcm822dHS37tmS6Xc7FFNo8c73AfeqmfHoywPxnXWNjWKYK3VQzt3CMUoK9uAqsboVHKJXxuYwbdnfxZeA",
        ),
        _chain_proof(
            "56783", "2023-02-26T22:06:38Z", id=P3, previousProof=[P1, P2],
            value="z2hcFbMaj3BJufikuLZQ36gAXVT9J3ZiwB9rqN3j7VdqyT1GaQPbMTaF1Q2gn7h75ZcJ6JpV9pvNoDumvcjtmSRAV",
        ),
        _chain_proof(
            "56784", "2023-02-26T22:16:38Z", previousProof=P3,
            value="z6f4Lx4xiwWq8sucv6pg2vVvD5R4bxr58q2TagpwDXCxPVVS28S1iFwhor4ikhG6u4RKrNx7uSkYrCHdiiw5Js3d",
        ),
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_document_loader()  # the examples context is bundled


def _key(multibase: str) -> keys.PublicKey:
    return keys.public_key_from_multibase(multibase)


def _chain_key(proof: dict[str, Any]) -> keys.PublicKey:
    return _key(CHAIN_KEYS[proof["verificationMethod"].split("/")[-1].split("#")[0]])


def ed25519_signer(vm: str) -> keys.LocalSigner:
    seed = keys.decode_base58btc(ED25519_SECRET)[2:]
    private = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    return keys.LocalSigner(vm, private, _key(ED25519_PUBLIC))


def ec_signer(vm: str, curve: ec.EllipticCurve, key_type: str) -> keys.LocalSigner:
    private = ec.generate_private_key(curve)
    raw = private.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    return keys.LocalSigner(vm, private, keys.PublicKey(key_type, raw))


# --- the specifications' vectors ------------------------------------------------------------


def test_eddsa_jcs_2022_spec_vector(loader: DocumentLoader) -> None:
    signed = {**ALUMNI, "proof": EDDSA_JCS_PROOF}
    config = proof_configuration(EDDSA_JCS_PROOF, None)
    assert config["@context"] == [V2, EXAMPLES_V2]  # the proof's own, not replaced
    assert "proofValue" not in config
    data = hash_data(signed, config, loader)
    assert data[32:].hex() == EDDSA_JCS_DOCUMENT_HASH
    assert data[:32] == hashlib.sha256(rfc8785.dumps(config)).digest()
    check = verify_proof(signed, _key(ED25519_PUBLIC), loader)
    assert check.verified, check
    # ... and we make the very same proof (Ed25519 is deterministic).
    ours = add_proof(
        ALUMNI, ed25519_signer(EDDSA_JCS_PROOF["verificationMethod"]),
        created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC), loader=loader, jcs=True,
    )  # fmt: skip
    assert ours["proof"]["proofValue"] == EDDSA_JCS_PROOF["proofValue"]
    assert {k: v for k, v in ours["proof"].items()} == EDDSA_JCS_PROOF


def test_ecdsa_jcs_2019_p384_spec_vector(loader: DocumentLoader) -> None:
    signed = {**ALUMNI, "proof": ECDSA_JCS_P384_PROOF}
    check = verify_proof(signed, _key(P384_PUBLIC), loader)
    assert check.verified, check
    assert check.cryptosuite == "ecdsa-jcs-2019"
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["alumniOf"] = "Another School"
    assert verify_proof(tampered, _key(P384_PUBLIC), loader).code == "signature_invalid"


def test_ecdsa_rdfc_2019_p384_hashes_with_sha384(loader: DocumentLoader) -> None:
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-rdfc-2019",
        "created": CREATED,
        "verificationMethod": f"https://vc.example/issuers/5678#{P384_PUBLIC}",
        "proofPurpose": "assertionMethod",
    }
    config = proof_configuration(proof, ALUMNI["@context"])
    data = hash_data(ALUMNI, config, loader, key_type=keys.P384)
    assert len(data) == 96
    assert data[48:].hex() == P384_RDFC_DOCUMENT_HASH
    assert data[:48] == hashlib.sha384(canonicalize(config, loader).encode()).digest()


@pytest.mark.parametrize("jcs", [False, True])
def test_p384_proofs_round_trip(loader: DocumentLoader, jcs: bool) -> None:
    signer = ec_signer(f"did:key:{P384_PUBLIC}#k", ec.SECP384R1(), keys.P384)
    signed = add_proof(
        ALUMNI, signer, created=datetime(2026, 1, 1, tzinfo=UTC), loader=loader, jcs=jcs
    )
    assert signed["proof"]["cryptosuite"] == ("ecdsa-jcs-2019" if jcs else "ecdsa-rdfc-2019")
    assert len(keys.decode_base58btc(signed["proof"]["proofValue"])) == 96
    assert verify_proof(signed, signer.public_key, loader).verified
    short = copy.deepcopy(signed)
    short["proof"]["proofValue"] = keys.encode_base58btc(b"\0" * 64)
    assert verify_proof(short, signer.public_key, loader).code == "proof_value_invalid"
    # a P-384 proof checked with a P-256 key: the signature has the wrong length for it
    p256 = ec_signer("did:x#k", ec.SECP256R1(), keys.P256).public_key
    assert verify_proof(signed, p256, loader).code == "proof_value_invalid"


def test_the_spec_proof_chain_verifies_proof_by_proof(loader: DocumentLoader) -> None:
    all_proofs = proofs_of(SPEC_CHAIN)
    assert len(all_proofs) == 4
    for proof in all_proofs:
        check = verify_proof(SPEC_CHAIN, _chain_key(proof), loader, proof=proof)
        assert check.verified, (proof.get("id"), check)
    assert previous_proofs(all_proofs[2], all_proofs) == all_proofs[:2]
    assert previous_proofs(all_proofs[3], all_proofs) == [all_proofs[2]]
    assert previous_proofs(all_proofs[0], all_proofs) == []
    # A chained proof secures the proofs it names: change one, and it no longer verifies.
    altered = copy.deepcopy(SPEC_CHAIN)
    altered["proof"][0]["created"] = "2023-02-24T23:36:39Z"
    third = altered["proof"][2]
    assert verify_proof(altered, _chain_key(third), loader, proof=third).code == (
        "signature_invalid"
    )
    # ... while the fourth, which names only the third, still does.
    fourth = altered["proof"][3]
    assert verify_proof(altered, _chain_key(fourth), loader, proof=fourth).verified


# --- what a set or chain can get wrong ------------------------------------------------------


def test_a_missing_previous_proof_fails(loader: DocumentLoader) -> None:
    document = copy.deepcopy(SPEC_CHAIN)
    del document["proof"][2]  # the fourth names it
    fourth = document["proof"][2]
    check = verify_proof(document, _chain_key(fourth), loader, proof=fourth)
    assert (check.verified, check.code) == (False, "previous_proof_missing")
    assert P3 in check.detail


@pytest.mark.parametrize(
    ("previous", "code"),
    [(42, "previous_proof_invalid"), ([], "previous_proof_invalid"),
     ([P1, 7], "previous_proof_invalid"), ("urn:uuid:self", "previous_proof_invalid"),
     ("urn:uuid:nobody", "previous_proof_missing")],
)  # fmt: skip
def test_previous_proof_must_name_other_proofs(
    loader: DocumentLoader, previous: Any, code: str
) -> None:
    document = copy.deepcopy(SPEC_CHAIN)
    proof = document["proof"][3]
    proof["id"] = "urn:uuid:self"
    proof["previousProof"] = previous
    check = verify_proof(document, _chain_key(proof), loader, proof=proof)
    assert check.code == code
    with pytest.raises(ProofError) as info:
        previous_proofs(proof, document["proof"])
    assert info.value.code == code


def test_a_proof_must_be_chosen_from_the_documents_proofs(loader: DocumentLoader) -> None:
    first = SPEC_CHAIN["proof"][0]
    assert verify_proof(SPEC_CHAIN, _chain_key(first), loader).code == "proof_malformed"
    stranger = {**first, "created": "2020-01-01T00:00:00Z"}
    check = verify_proof(SPEC_CHAIN, _chain_key(first), loader, proof=stranger)
    assert check.code == "proof_malformed"
    broken = {**SPEC_CHAIN, "proof": [*SPEC_CHAIN["proof"], "not a proof"]}
    check = verify_proof(broken, _chain_key(first), loader, proof="not a proof")  # type: ignore[arg-type]
    assert check.code == "proof_malformed"
    assert verify_proof({**ALUMNI, "proof": []}, _chain_key(first), loader).code == (
        "proof_missing"
    )
    numbered = copy.deepcopy(SPEC_CHAIN)
    numbered["proof"][0]["id"] = 1
    check = verify_proof(numbered, _chain_key(first), loader, proof=numbered["proof"][0])
    assert check.code == "proof_malformed"


def test_jcs_refuses_what_json_ld_cannot_read_and_numbers_it_cannot_serialize(
    loader: DocumentLoader,
) -> None:
    signer = ed25519_signer(f"did:key:{ED25519_PUBLIC}#{ED25519_PUBLIC}")
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(JsonLdError) as info:
        add_proof({**ALUMNI, "@context": [V2]}, signer, created=moment, loader=loader, jcs=True)
    assert info.value.code == "undefined_term"  # alumniOf needs the examples context
    signed = add_proof(ALUMNI, signer, created=moment, loader=loader, jcs=True)
    odd = copy.deepcopy(signed)
    odd["@context"] = [V2, EXAMPLES_V2, "https://example.org/unknown/v1"]
    odd["proof"]["@context"] = odd["@context"]
    assert verify_proof(odd, signer.public_key, loader).code == "unknown_context"
    huge = copy.deepcopy(signed)
    huge["credentialSubject"]["alumniOf"] = 2**64
    assert verify_proof(huge, signer.public_key, loader).code == "canonicalization_failed"
