"""Key material for microcred: Ed25519, P-256 and P-384 keys, Multikey and JWK encodings,
did:key and did:web identifiers, the Signer port, and sealing of private keys (and other
secrets) at rest.

Private keys never leave this package: callers receive a public key, a sealed blob to store,
and a :class:`Signer` to sign with.
"""

from keys.did import (
    did_document,
    did_jwk,
    did_jwk_document,
    did_key,
    did_key_document,
    did_key_public_key,
    did_web,
    did_web_url,
    multikey_method,
)
from keys.errors import InvalidKeyEncoding, KeysError, SealError, UnsupportedKeyType
from keys.jwk import public_jwk, public_key_from_jwk
from keys.multikey import (
    ED25519,
    KEY_TYPES,
    P256,
    P384,
    PublicKey,
    decode_base58btc,
    encode_base58btc,
    public_key_from_multibase,
)
from keys.sealing import (
    MASTER_KEY_BYTES,
    SealedKey,
    generate_sealed_key,
    key_opens,
    open_signer,
    seal,
    unseal,
)
from keys.signer import LocalSigner, Signer, signature_length, verify_signature

__all__ = [
    "ED25519",
    "KEY_TYPES",
    "MASTER_KEY_BYTES",
    "P256",
    "P384",
    "InvalidKeyEncoding",
    "KeysError",
    "LocalSigner",
    "PublicKey",
    "SealError",
    "SealedKey",
    "Signer",
    "UnsupportedKeyType",
    "decode_base58btc",
    "did_document",
    "did_jwk",
    "did_jwk_document",
    "did_key",
    "did_key_document",
    "did_key_public_key",
    "did_web",
    "did_web_url",
    "encode_base58btc",
    "generate_sealed_key",
    "key_opens",
    "multikey_method",
    "open_signer",
    "public_jwk",
    "public_key_from_jwk",
    "public_key_from_multibase",
    "seal",
    "signature_length",
    "unseal",
    "verify_signature",
]
