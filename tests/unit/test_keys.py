"""keys: Multikey/JWK encodings against published vectors, sealing, signing, DIDs."""

from __future__ import annotations

import base64
import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_der_private_key,
)

import keys

# did:key test vectors (W3C CCG did:key spec, "Test Vectors": Ed25519 and P-256 keys).
ED25519_VECTOR = "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
P256_VECTOR = "zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"
# P-384: the key of the W3C ECDSA cryptosuite vectors (vc-di-ecdsa, TestVectors/, did:key z82L…).
P384_VECTOR = "z82LkuBieyGShVBhvtE2zoiD6Kma4tJGFtkAhxR5pfkp5QPw4LutoYWhvQCnGjdVn14kujQ"


def test_multikey_round_trip_of_published_vectors() -> None:
    for value, key_type in (
        (ED25519_VECTOR, keys.ED25519), (P256_VECTOR, keys.P256), (P384_VECTOR, keys.P384)
    ):  # fmt: skip
        key = keys.public_key_from_multibase(value)
        assert key.key_type == key_type
        assert key.multibase == value


def test_p384_multikey_is_multicodec_0x1201_and_its_jwk_and_did_key() -> None:
    # p384-pub is 0x1201 in the multicodec table: the varint 0x81 0x24, then the 49-byte
    # compressed point; ES384 is its JOSE algorithm (RFC 7518, section 3.4).
    key = keys.public_key_from_multibase(P384_VECTOR)
    assert keys.decode_base58btc(P384_VECTOR)[:2] == b"\x81\x24"
    assert len(key.raw) == 49 and key.jws_algorithm == "ES384"
    jwk = keys.public_jwk(key)
    assert (jwk["kty"], jwk["crv"]) == ("EC", "P-384")
    assert len(base64.urlsafe_b64decode(jwk["x"] + "==")) == 48
    assert keys.public_key_from_jwk(jwk) == key
    did = keys.did_key(key)
    assert did.startswith("did:key:z82L")
    assert keys.did_key_document(did)["verificationMethod"][0]["publicKeyMultibase"] == P384_VECTOR
    with pytest.raises(keys.InvalidKeyEncoding, match="P-384 JWK is not a point"):
        keys.public_key_from_jwk({**jwk, "y": jwk["x"]})


def test_a_sealed_key_of_another_curve_does_not_open_as_a_signer() -> None:
    master = os.urandom(32)
    private = ec.generate_private_key(ec.SECP521R1())
    der = private.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    with pytest.raises(keys.UnsupportedKeyType, match="secp521r1"):
        keys.open_signer(keys.seal(der, master, b"row-9"), master, b"row-9", "did:x#k")


def test_jwk_round_trip_for_every_key_type() -> None:
    for value in (ED25519_VECTOR, P256_VECTOR, P384_VECTOR):
        key = keys.public_key_from_multibase(value)
        jwk = keys.public_jwk(key, kid="did:example:1#k")
        assert jwk["kid"] == "did:example:1#k"
        assert "d" not in jwk
        assert keys.public_key_from_jwk(jwk) == key


def test_rfc8037_ed25519_public_jwk() -> None:
    # RFC 8037, appendix A.2: the public key of the example.
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    key = keys.public_key_from_jwk(jwk)
    assert keys.public_jwk(key) == jwk


def test_private_jwk_and_bad_multibase_are_refused() -> None:
    with pytest.raises(keys.InvalidKeyEncoding):
        keys.public_key_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"})
    with pytest.raises(keys.InvalidKeyEncoding):
        keys.public_key_from_multibase("uABC")
    with pytest.raises(keys.UnsupportedKeyType):
        keys.public_key_from_multibase(keys.encode_base58btc(b"\x12\x00" + b"\x00" * 32))


@pytest.mark.parametrize("key_type", keys.KEY_TYPES)
def test_sealed_key_signs_and_verifies(key_type: str) -> None:
    master = os.urandom(32)
    sealed = keys.generate_sealed_key(key_type, master, b"row-1")
    signer = keys.open_signer(sealed.sealed, master, b"row-1", "did:example:1#key-1")
    assert signer.public_key == sealed.public_key
    assert signer.algorithm == key_type
    signature = signer.sign(b"message")
    assert (
        len(signature) == keys.signature_length(key_type) == (96 if key_type == keys.P384 else 64)
    )
    assert keys.verify_signature(sealed.public_key, signature, b"message")
    assert not keys.verify_signature(sealed.public_key, signature, b"messagE")
    assert "did:example:1#key-1" in repr(signer)
    assert "private" not in repr(signer).lower() and "private" not in repr(sealed).lower()


def test_seal_is_aes_gcm_bound_to_the_record_id() -> None:
    master = os.urandom(32)
    sealed = keys.generate_sealed_key(keys.ED25519, master, b"row-1")
    # The blob is AES-256-GCM with the record id as associated data, as documented.
    der = AESGCM(master).decrypt(sealed.sealed[1:13], sealed.sealed[13:], b"row-1")
    private = load_der_private_key(der, password=None)
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    assert der not in sealed.sealed
    with pytest.raises(keys.SealError):
        keys.open_signer(sealed.sealed, master, b"row-2", "did:example:1#key-1")
    with pytest.raises(keys.SealError):
        keys.open_signer(sealed.sealed, os.urandom(32), b"row-1", "did:example:1#key-1")
    tampered = sealed.sealed[:-1] + bytes([sealed.sealed[-1] ^ 1])
    with pytest.raises(keys.SealError):
        keys.open_signer(tampered, master, b"row-1", "did:example:1#key-1")


def test_did_web_encodes_port_and_path() -> None:
    assert (
        keys.did_web("http://127.0.0.1:8000", "institutions", "ts-lj")
        == "did:web:127.0.0.1%3A8000:institutions:ts-lj"
    )
    assert keys.did_web("https://example.org") == "did:web:example.org"
    assert (
        keys.did_web("https://example.org/mc/", "institutions", "a")
        == "did:web:example.org:mc:institutions:a"
    )


def test_did_web_url_follows_the_method_rules() -> None:
    assert keys.did_web_url("did:web:example.org") == "https://example.org/.well-known/did.json"
    assert (
        keys.did_web_url("did:web:example.org%3A8443:institutions:a#key-1")
        == "https://example.org:8443/institutions/a/did.json"
    )
    assert (
        keys.did_web_url("did:web:127.0.0.1%3A8000:institutions:a")
        == "http://127.0.0.1:8000/institutions/a/did.json"
    )
    with pytest.raises(keys.InvalidKeyEncoding):
        keys.did_web_url("did:key:z6Mk")


def test_did_key_document_is_derived_from_the_key() -> None:
    did = f"did:key:{ED25519_VECTOR}"
    doc = keys.did_key_document(did)
    vm = doc["verificationMethod"][0]
    assert vm["id"] == f"{did}#{ED25519_VECTOR}"
    assert vm["type"] == "Multikey" and vm["controller"] == did
    assert doc["assertionMethod"] == [vm["id"]]
    assert keys.did_key(keys.did_key_public_key(did)) == did


def test_seal_and_unseal_a_secret_bound_to_its_record() -> None:
    master = os.urandom(32)
    sealed = keys.seal(b"wallet-token", master, b"credential-1")
    assert b"wallet-token" not in sealed and sealed != keys.seal(b"wallet-token", master, b"c")
    assert keys.unseal(sealed, master, b"credential-1") == b"wallet-token"
    for other_master, record in ((master, b"credential-2"), (os.urandom(32), b"credential-1")):
        with pytest.raises(keys.SealError, match="does not open"):
            keys.unseal(sealed, other_master, record)
    with pytest.raises(keys.SealError, match="unknown format"):
        keys.unseal(b"\x02" + sealed[1:], master, b"credential-1")
    key = keys.generate_sealed_key(keys.ED25519, master, b"row-1")
    assert keys.key_opens(key.sealed, master, b"row-1")
    assert not keys.key_opens(key.sealed, os.urandom(32), b"row-1")


def test_public_api_is_pinned() -> None:
    assert set(keys.__all__) == {
        "ED25519", "KEY_TYPES", "MASTER_KEY_BYTES", "P256", "P384", "InvalidKeyEncoding",
        "KeysError", "signature_length",
        "LocalSigner", "PublicKey", "SealError", "SealedKey", "Signer", "UnsupportedKeyType",
        "decode_base58btc", "did_document", "did_jwk", "did_jwk_document", "did_key",
        "did_key_document", "did_key_public_key",
        "did_web", "did_web_url", "encode_base58btc", "generate_sealed_key", "key_opens",
        "multikey_method", "open_signer", "public_jwk", "public_key_from_jwk",
        "public_key_from_multibase", "seal", "unseal", "verify_signature",
    }  # fmt: skip
    for name in keys.__all__:
        assert getattr(keys, name) is not None


def test_did_jwk_is_the_jwk_as_given_and_resolves_offline() -> None:
    """did:jwk section 2.1: the JWK's JSON as the wallet wrote it; section 2.2: the document."""
    key = keys.PublicKey(keys.ED25519, bytes(range(32)))
    jwk = {"crv": "Ed25519", "x": keys.public_jwk(key)["x"], "kty": "OKP"}  # jose's member order
    did = keys.did_jwk(jwk)
    assert (
        did
        == "did:jwk:"
        + base64.urlsafe_b64encode(json.dumps(jwk, separators=(",", ":")).encode())
        .rstrip(b"=")
        .decode()
    )
    document = keys.did_jwk_document(did)
    [method] = document["verificationMethod"]
    assert method["id"] == f"{did}#0" and method["controller"] == did
    assert keys.public_key_from_jwk(method["publicKeyJwk"]) == key
    assert document["assertionMethod"] == document["authentication"] == [f"{did}#0"]
    assert "keyAgreement" not in document
    for bad in ("did:jwk:%%%", "did:jwk:" + base64.urlsafe_b64encode(b'{"kty":"oct"}').decode()):
        with pytest.raises(keys.KeysError):
            keys.did_jwk_document(bad)
    with pytest.raises(keys.InvalidKeyEncoding):
        keys.did_jwk({**jwk, "d": "secret"})
