"""Data Integrity proofs, both sides: the W3C cryptosuite vectors, credentials signed by Digital
Bazaar's JavaScript stack (tests/fixtures/generate_fixtures.mjs), credentials we sign for it,
and every way a proof can be wrong."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

import issuer
import keys
import verifier
from issuer import ProofCreationError, add_proof
from verifier import (
    CRYPTOSUITES,
    JsonLdError,
    ProofError,
    bundled_document_loader,
    canonicalize,
    cryptosuite_for,
    hash_data,
    proof_configuration,
    verify_proof,
)
from verifier.jsonld import DocumentLoader

FIXTURES = Path(__file__).parent.parent / "fixtures" / "data_integrity"
V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
DI_V2 = "https://w3id.org/security/data-integrity/v2"
EXAMPLES = {EXAMPLES_V2: {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}}

# The key pairs of the W3C test vectors (vc-di-eddsa and vc-di-ecdsa, TestVectors/).
ED25519_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
ED25519_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"  # 0x8026 + seed
P256_PUBLIC = "zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP"
P256_SECRET = "z42twTcNeSYcnqg1FLuSFs2bsGH3ZqbRHFmvS9XMsYhjxvHN"  # 0x8626 + scalar

# Data Integrity EdDSA Cryptosuites v1.0, appendix A.1 (eddsa-rdfc-2022).
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
SPEC_CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
SPEC_EDDSA_PROOF_CANON = (
    '_:c14n0 <http://purl.org/dc/terms/created> "2023-02-24T23:36:38Z"'
    "^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n"
    "_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<https://w3id.org/security#DataIntegrityProof> .\n"
    '_:c14n0 <https://w3id.org/security#cryptosuite> "eddsa-rdfc-2022"'
    "^^<https://w3id.org/security#cryptosuiteString> .\n"
    "_:c14n0 <https://w3id.org/security#proofPurpose> "
    "<https://w3id.org/security#assertionMethod> .\n"
    "_:c14n0 <https://w3id.org/security#verificationMethod> "
    "<https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2> .\n"
)
SPEC_EDDSA_HASH = (
    "4c4d3890a157f8d611b13c265c2c22f39aa0a567c7c7dd9ba3e45cd579784eeb"
    "517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017"
)
SPEC_EDDSA_PROOF_VALUE = (
    "z21EVs3eXERqTn4acNHT9viboqgzUaQ3kTmhPT3eA8qrVPE7CrQq78WkzctnMX5W4CrzcKnHw8V6dvy5pgWYCU5e9"
)


def ed25519_signer(vm: str) -> keys.LocalSigner:
    seed = keys.decode_base58btc(ED25519_SECRET)[2:]
    private = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    return keys.LocalSigner(vm, private, keys.public_key_from_multibase(ED25519_PUBLIC))


def p256_signer(vm: str) -> keys.LocalSigner:
    scalar = int.from_bytes(keys.decode_base58btc(P256_SECRET)[2:], "big")
    private = ec.derive_private_key(scalar, ec.SECP256R1())
    return keys.LocalSigner(vm, private, keys.public_key_from_multibase(P256_PUBLIC))


def did_key_vm(public_multibase: str) -> str:
    return f"did:key:{public_multibase}#{public_multibase}"


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_document_loader(EXAMPLES)


def fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / name).read_text("utf-8"))
    return document


def unsigned(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "proof"}


# --- the W3C vectors ------------------------------------------------------------------------


def test_eddsa_rdfc_2022_spec_vector_byte_for_byte(loader: DocumentLoader) -> None:
    signer = ed25519_signer(f"https://vc.example/issuers/5678#{ED25519_PUBLIC}")
    signed = add_proof(ALUMNI, signer, created=SPEC_CREATED, loader=loader)
    assert signed["proof"] == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": f"https://vc.example/issuers/5678#{ED25519_PUBLIC}",
        "proofPurpose": "assertionMethod",
        "proofValue": SPEC_EDDSA_PROOF_VALUE,
    }
    config = proof_configuration(signed["proof"], ALUMNI["@context"])
    assert "proofValue" not in config
    assert config["@context"] == ALUMNI["@context"]
    assert canonicalize(config, loader) == SPEC_EDDSA_PROOF_CANON
    assert hash_data(signed, config, loader).hex() == SPEC_EDDSA_HASH
    check = verify_proof(signed, signer.public_key, loader)
    assert check.verified, check
    assert check.cryptosuite == "eddsa-rdfc-2022"
    assert check.created == SPEC_CREATED
    assert check.verification_method == signer.id


def test_ecdsa_rdfc_2019_p256_spec_vector(loader: DocumentLoader) -> None:
    # Data Integrity ECDSA Cryptosuites v1.0, appendix (ecdsa-rdfc-2019, P-256). The published
    # proof hash predates the cryptosuiteString datatype of the current VC 2.0 context, so the
    # vector is checked where it still applies: our document hash, and its signature over
    # proofHash || documentHash with the r || s encoding and SHA-256.
    key = keys.public_key_from_multibase(P256_PUBLIC)
    document_hash = hashlib.sha256(canonicalize(ALUMNI, loader).encode()).digest()
    assert document_hash.hex() == SPEC_EDDSA_HASH[64:]
    proof_hash = bytes.fromhex("fd3a373a9e58c9e8ba14d5cdc0d8eb73447da529ff412943623af9a309994698")
    signature = keys.decode_base58btc(
        "z2dQ4WQiprJY22UexKSS9JBAwerKBrdmP2ZbBGAbFDa4GMuXLqEDcBYWhgt281y7vb2KdHD9mV6CPTggUQsJoFB7x"
    )
    assert keys.verify_signature(key, signature, proof_hash + document_hash)
    assert p256_signer("x").public_key == key  # the vector's secret key is the pair's


# --- Digital Bazaar's JavaScript stack, both ways ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "public"),
    [("js-eddsa-rdfc-2022.json", ED25519_PUBLIC), ("js-ecdsa-rdfc-2019.json", P256_PUBLIC)],
)
def test_credentials_signed_by_jsonld_signatures_verify(
    name: str, public: str, loader: DocumentLoader
) -> None:
    signed = fixture(name)
    key = keys.did_key_public_key(signed["proof"]["verificationMethod"])
    assert key.multibase == public
    check = verify_proof(signed, key, loader)
    assert check.verified, check
    assert check.cryptosuite == cryptosuite_for(key.key_type)


def test_we_sign_exactly_what_jsonld_signatures_signs(loader: DocumentLoader) -> None:
    # Ed25519 is deterministic: same key, document and created -> the same proofValue.
    js_signed = fixture("js-eddsa-rdfc-2022.json")
    ours = add_proof(
        unsigned(js_signed),
        ed25519_signer(did_key_vm(ED25519_PUBLIC)),
        created=datetime(2025, 3, 1, 12, tzinfo=UTC),
        loader=loader,
    )
    assert ours["proof"] == js_signed["proof"]
    assert ours == fixture("python-eddsa-rdfc-2022.json")


def test_our_p256_fixture_is_a_valid_proof(loader: DocumentLoader) -> None:
    # Also verified by jsonld-signatures: node generate_fixtures.mjs <repo> verify <file>.
    signed = fixture("python-ecdsa-rdfc-2019.json")
    check = verify_proof(signed, keys.public_key_from_multibase(P256_PUBLIC), loader)
    assert check.verified, check
    assert signed["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"


@pytest.mark.parametrize("make_signer", [ed25519_signer, p256_signer])
def test_round_trip_for_both_key_types(make_signer: Any, loader: DocumentLoader) -> None:
    signer = make_signer(did_key_vm("zExample"))
    document = unsigned(fixture("js-eddsa-rdfc-2022.json"))
    signed = add_proof(
        document, signer, created=datetime(2025, 5, 5, 10, 0, 0, 999, tzinfo=UTC), loader=loader
    )
    assert signed["proof"]["cryptosuite"] == CRYPTOSUITES_BY_KEY[signer.algorithm]
    assert signed["proof"]["created"] == "2025-05-05T10:00:00Z"
    assert len(keys.decode_base58btc(signed["proof"]["proofValue"])) == 64
    assert verify_proof(signed, signer.public_key, loader).verified


CRYPTOSUITES_BY_KEY = {keys.ED25519: "eddsa-rdfc-2022", keys.P256: "ecdsa-rdfc-2019"}


# --- tampering: every way to be wrong has its own code --------------------------------------


def signed_ed25519(loader: DocumentLoader) -> dict[str, Any]:
    return fixture("python-eddsa-rdfc-2022.json")


def tampered(loader: DocumentLoader, change: Any) -> str | None:
    document = copy.deepcopy(signed_ed25519(loader))
    change(document)
    check = verify_proof(document, keys.public_key_from_multibase(ED25519_PUBLIC), loader)
    assert not check.verified
    return check.code


def _set(path: tuple[str, ...], value: Any) -> Any:
    def change(document: dict[str, Any]) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop(key: str) -> Any:
    return lambda document: document["proof"].pop(key)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (_set(("credentialSubject", "name"), "Mallory"), "signature_invalid"),
        (_set(("validFrom",), "2020-01-01T00:00:00Z"), "signature_invalid"),
        (_set(("proof", "created"), "2025-03-01T12:00:01Z"), "signature_invalid"),
        (_set(("proof", "cryptosuite"), "ecdsa-rdfc-2019"), "cryptosuite_key_mismatch"),
        (_set(("proof", "cryptosuite"), "bbs-2023"), "cryptosuite_unsupported"),
        (_set(("proof", "cryptosuite"), "eddsa-jcs-2022"), "signature_invalid"),
        (_set(("proof", "type"), "Ed25519Signature2020"), "proof_type_unsupported"),
        (_set(("proof", "proofPurpose"), "authentication"), "proof_purpose_mismatch"),
        (_set(("proof", "proofValue"), "uAAAA"), "proof_value_invalid"),
        (_set(("proof", "proofValue"), "z0OIl"), "proof_value_invalid"),
        (_set(("proof", "proofValue"), "z3yNC"), "proof_value_invalid"),
        (_set(("proof", "created"), "2025-03-01 12:00:00"), "created_invalid"),
        (_set(("proof", "created"), "2025-03-01T12:00:00"), "created_invalid"),
        (_set(("proof", "expires"), "yesterday"), "expires_invalid"),
        (_set(("proof", "extra"), "x"), "proof_malformed"),
        (_set(("proof", "verificationMethod"), {"id": "did:x"}), "proof_malformed"),
        (_drop("proofPurpose"), "proof_malformed"),
        (_drop("proofValue"), "proof_malformed"),
        (_set(("proof", "@context"), [DI_V2]), "proof_context_mismatch"),
        (_set(("unknownTerm",), "x"), "undefined_term"),
        (_set(("@context",), [V2, "https://example.org/evil/v1"]), "unknown_context"),
        (lambda d: d.update(proof=[d["proof"]]), "proof_malformed"),  # which one? proof=
        (lambda d: d.update(proof=[]), "proof_missing"),
        (lambda d: d.update(proof="z123"), "proof_malformed"),
        (lambda d: d.pop("proof"), "proof_missing"),
    ],
)
def test_tampered_credentials_fail_with_their_own_code(
    change: Any, code: str, loader: DocumentLoader
) -> None:
    assert tampered(loader, change) == code


def test_a_proof_context_that_starts_the_document_context_verifies(
    loader: DocumentLoader,
) -> None:
    document = copy.deepcopy(signed_ed25519(loader))
    document["proof"]["@context"] = [V2]
    assert verify_proof(document, keys.public_key_from_multibase(ED25519_PUBLIC), loader).verified


def test_wrong_key_and_expired_proof(loader: DocumentLoader) -> None:
    signed = signed_ed25519(loader)
    other_key = keys.PublicKey(
        keys.ED25519, ed25519.Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    )
    assert verify_proof(signed, other_key, loader).code == "signature_invalid"

    expiring = add_proof(
        unsigned(signed), ed25519_signer("did:x#k"), created=SPEC_CREATED, loader=loader
    )
    expiring["proof"]["expires"] = "2024-01-01T00:00:00Z"  # not signed over: checked first
    late = datetime(2024, 1, 2, tzinfo=UTC)
    key = keys.public_key_from_multibase(ED25519_PUBLIC)
    assert verify_proof(expiring, key, loader, now=late).code == "proof_expired"
    assert verify_proof(expiring, key, loader).code == "signature_invalid"


def test_expected_purpose_is_a_parameter(loader: DocumentLoader) -> None:
    signed = add_proof(
        unsigned(signed_ed25519(loader)),
        ed25519_signer("did:x#k"),
        created=SPEC_CREATED,
        loader=loader,
        proof_purpose="authentication",
    )
    key = keys.public_key_from_multibase(ED25519_PUBLIC)
    assert verify_proof(signed, key, loader).code == "proof_purpose_mismatch"
    assert verify_proof(signed, key, loader, expected_purpose="authentication").verified


# --- the issuer side ------------------------------------------------------------------------


def test_add_proof_returns_a_new_document(loader: DocumentLoader) -> None:
    document = unsigned(signed_ed25519(loader))
    before = copy.deepcopy(document)
    local = datetime(2025, 3, 1, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    signed = add_proof(document, ed25519_signer("did:x#k"), created=local, loader=loader)
    assert document == before
    assert "proof" not in document
    assert signed["proof"]["created"] == "2025-03-01T12:00:00Z"
    assert list(signed["proof"]) == [
        "type",
        "cryptosuite",
        "created",
        "verificationMethod",
        "proofPurpose",
        "proofValue",
    ]


def test_add_proof_refusals(loader: DocumentLoader) -> None:
    signer = ed25519_signer("did:x#k")
    document = unsigned(signed_ed25519(loader))
    with pytest.raises(ProofCreationError) as info:
        add_proof(document, signer, created=datetime(2025, 1, 1), loader=loader)
    assert info.value.code == "naive_datetime"
    with pytest.raises(ProofCreationError) as info:
        add_proof(signed_ed25519(loader), signer, created=SPEC_CREATED, loader=loader)
    assert info.value.code == "proof_exists"
    with pytest.raises(JsonLdError) as error:
        add_proof({**document, "grade": "A"}, signer, created=SPEC_CREATED, loader=loader)
    assert error.value.code == "undefined_term"
    assert isinstance(info.value, issuer.IssuerError)


def test_cryptosuites_and_key_types() -> None:
    assert dict(CRYPTOSUITES) == {
        "eddsa-rdfc-2022": (keys.ED25519,),
        "ecdsa-rdfc-2019": (keys.P256, keys.P384),
        "eddsa-jcs-2022": (keys.ED25519,),
        "ecdsa-jcs-2019": (keys.P256, keys.P384),
    }
    assert cryptosuite_for(keys.ED25519) == "eddsa-rdfc-2022"
    assert cryptosuite_for(keys.P256) == "ecdsa-rdfc-2019"
    assert cryptosuite_for(keys.P384) == "ecdsa-rdfc-2019"
    assert cryptosuite_for(keys.ED25519, jcs=True) == "eddsa-jcs-2022"
    assert cryptosuite_for(keys.P384, jcs=True) == "ecdsa-jcs-2019"
    with pytest.raises(ProofError) as info:
        cryptosuite_for("RSA")
    assert info.value.code == "unsupported_key_type"
    with pytest.raises(ProofError):
        proof_configuration({"type": "DataIntegrityProof", "cryptosuite": "x"}, [V2])


def test_public_api() -> None:
    assert {"add_proof", "IssuerError", "ProofCreationError"} <= set(issuer.__all__)
    for name in (
        "bundled_document_loader",
        "canonicalize",
        "expand",
        "verify_proof",
        "hash_data",
        "proof_configuration",
        "ProofCheck",
        "VerifierError",
        "JsonLdError",
    ):
        assert name in verifier.__all__
        assert hasattr(verifier, name)
