"""The VC data model rules and the vc+jwt form (checked with PyJWT, an independent decoder)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import keys
from issuer.vc_jose import encode_vc_jwt, enveloped_credential
from verifier.vc_model import data_model_problems, parse_datetime

GOOD: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:1",
    "type": ["VerifiableCredential"],
    "issuer": "did:example:issuer",
    "validFrom": "2026-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:learner"},
}


def problems_of(**change: Any) -> list[str]:
    doc = {**GOOD, **change}
    return [field for field, _ in data_model_problems({k: v for k, v in doc.items() if v != ...})]


def test_a_good_credential_has_no_problems() -> None:
    assert data_model_problems(GOOD) == []
    assert data_model_problems({**GOOD, "issuer": {"id": "did:example:i", "name": "X"}}) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"@context": ...}, "@context"),
        ({"@context": ["https://example.org/ctx"]}, "@context"),
        ({"type": ...}, "type"),
        ({"type": ["Credential"]}, "type"),
        ({"id": "not a url"}, "id"),
        ({"issuer": ...}, "issuer"),
        ({"issuer": {"name": "no id"}}, "issuer.id"),
        ({"issuer": 42}, "issuer"),
        ({"credentialSubject": ...}, "credentialSubject"),
        ({"credentialSubject": {}}, "credentialSubject"),
        ({"validFrom": "2026-01-01"}, "validFrom"),
        ({"validFrom": "2026-01-01T00:00:00"}, "validFrom"),  # no time zone
        ({"validUntil": "2025-01-01T00:00:00Z"}, "validUntil"),  # before validFrom
        ({"name": {"value": "x"}}, "name"),
        ({"credentialStatus": {"id": "https://e.org/s#1"}}, "credentialStatus.type"),
        ({"credentialSchema": {"type": "JsonSchema"}}, "credentialSchema.id"),
        ({"evidence": [{"type": "X"}, "nope"]}, "evidence[1]"),
    ],
)
def test_each_rule_names_its_field(change: dict[str, Any], field: str) -> None:
    assert field in problems_of(**change)


def test_vc_1_1_needs_an_issuance_date() -> None:
    v1 = {**GOOD, "@context": ["https://www.w3.org/2018/credentials/v1"]}
    del v1["validFrom"]
    assert [f for f, _ in data_model_problems(v1)] == ["issuanceDate"]
    assert data_model_problems({**v1, "issuanceDate": "2020-01-01T00:00:00Z"}) == []
    assert next(f for f, _ in data_model_problems(v1, allow_v1=False)) == "@context"


def test_parse_datetime() -> None:
    assert parse_datetime("2026-01-01T10:00:00+02:00") is not None
    assert parse_datetime("2026-01-01T10:00:00.5Z") is not None
    assert parse_datetime("2026-13-01T10:00:00Z") is None
    assert parse_datetime(20260101) is None


def signer_for(private: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> keys.LocalSigner:
    if isinstance(private, ed25519.Ed25519PrivateKey):
        raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        public = keys.PublicKey(keys.ED25519, raw)
    else:
        raw = private.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
        public = keys.PublicKey(keys.P256, raw)
    return keys.LocalSigner("did:example:issuer#key-1", private, public)


@pytest.mark.parametrize("make", [ed25519.Ed25519PrivateKey.generate,
                                  lambda: ec.generate_private_key(ec.SECP256R1())])  # fmt: skip
def test_vc_jwt_verifies_with_pyjwt(make: Any) -> None:
    private = make()
    signer = signer_for(private)
    token = encode_vc_jwt(GOOD, signer)
    header = pyjwt.get_unverified_header(token)
    alg = "EdDSA" if signer.algorithm == keys.ED25519 else "ES256"
    assert header == {"alg": alg, "typ": "vc+jwt", "cty": "vc", "kid": "did:example:issuer#key-1"}
    payload = pyjwt.decode(token, private.public_key(), algorithms=[alg])
    assert payload == GOOD
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(tampered, private.public_key(), algorithms=[alg])


def test_a_secured_document_is_not_wrapped_again() -> None:
    signer = signer_for(ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(ValueError, match="proof"):
        encode_vc_jwt({**GOOD, "proof": {}}, signer)
    token = encode_vc_jwt(GOOD, signer)
    envelope = enveloped_credential(token)
    assert envelope["id"] == f"data:application/vc+jwt,{token}"
    assert envelope["type"] == "EnvelopedVerifiableCredential"


def test_the_jwt_carries_iat_and_exp_and_no_nbf() -> None:
    """VC-JOSE-COSE 3.1.3: iat and exp are the signature's issuance and expiry; nbf is NOT
    RECOMMENDED. exp = validUntil; iat = the moment of signing, when the issuer says it."""
    private = ed25519.Ed25519PrivateKey.generate()
    signer = signer_for(private)
    signed_at = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    credential = {**GOOD, "validUntil": "2027-01-01T00:00:00Z"}
    token = encode_vc_jwt(credential, signer, issued_at=signed_at)
    # PyJWT checks exp and iat itself (an independent reading of the claims)
    payload = pyjwt.decode(token, private.public_key(), algorithms=["EdDSA"])
    assert payload["iat"] == int(signed_at.timestamp())
    assert payload["exp"] == int(datetime(2027, 1, 1, tzinfo=UTC).timestamp())
    assert "nbf" not in payload
    assert {k: v for k, v in payload.items() if k not in ("iat", "exp")} == credential
    # no validUntil, no issuance time: neither claim
    assert set(
        pyjwt.decode(encode_vc_jwt(GOOD, signer), options={"verify_signature": False})
    ) == set(GOOD)
    with pytest.raises(ValueError, match="aware"):
        encode_vc_jwt(GOOD, signer, issued_at=datetime(2026, 3, 1))
