"""Key generation and sealing of private keys (and other secrets) at rest.

A private key never leaves this module in clear: it is generated here, serialised as PKCS#8
and sealed with AES-256-GCM (NIST SP 800-38D) under the service's 32-byte master key, with
the key record's id as associated data, so a sealed blob copied to another record does not
open. The blob is ``version (1 byte) || nonce (12 bytes) || ciphertext+tag``.
Callers get back the public key and the sealed blob, and later a :class:`~keys.signer.Signer`.

:func:`seal` and :func:`unseal` are the same AES-256-GCM for the other secrets the service
keeps at rest but must show again (a learner's wallet token): the caller names the record in
the associated data, as for keys.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_der_private_key,
)

from keys.errors import SealError, UnsupportedKeyType
from keys.multikey import ED25519, P256, P384, PublicKey
from keys.signer import LocalSigner, PrivateKey

MASTER_KEY_BYTES = 32
_EC_KEY_TYPES = {ec.SECP256R1.name: P256, ec.SECP384R1.name: P384}
_VERSION = b"\x01"


@dataclass(frozen=True, repr=False)
class SealedKey:
    """A freshly generated key: its public half and the sealed private half."""

    public_key: PublicKey
    sealed: bytes

    def __repr__(self) -> str:
        return f"SealedKey(public_key={self.public_key!r})"


def _check_master_key(master_key: bytes) -> AESGCM:
    if len(master_key) != MASTER_KEY_BYTES:
        raise SealError(f"master key must be {MASTER_KEY_BYTES} bytes")
    return AESGCM(master_key)


def _public_of(private: PrivateKey) -> PublicKey:
    if isinstance(private, ed25519.Ed25519PrivateKey):
        raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return PublicKey(ED25519, raw)
    key_type = _EC_KEY_TYPES.get(private.curve.name)
    if key_type is None:
        raise UnsupportedKeyType(f"unsupported curve {private.curve.name!r}")
    raw = private.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    return PublicKey(key_type, raw)


def seal(plaintext: bytes, master_key: bytes, associated_data: bytes) -> bytes:
    """``plaintext`` sealed with AES-256-GCM under ``master_key``, bound to
    ``associated_data`` (SP 800-38D; a fresh random 96-bit nonce per blob)."""
    aead = _check_master_key(master_key)
    nonce = os.urandom(12)
    return _VERSION + nonce + aead.encrypt(nonce, plaintext, associated_data)


def unseal(sealed: bytes, master_key: bytes, associated_data: bytes) -> bytes:
    """The plaintext of a :func:`seal` blob; :class:`SealError` when it does not open with
    this master key and associated data, or is not such a blob."""
    aead = _check_master_key(master_key)
    if len(sealed) < 1 + 12 + 16 or sealed[:1] != _VERSION:
        raise SealError("sealed data has an unknown format")
    try:
        return aead.decrypt(sealed[1:13], sealed[13:], associated_data)
    except InvalidTag as exc:
        raise SealError("sealed data does not open with this master key and record") from exc


def key_opens(sealed: bytes, master_key: bytes, associated_data: bytes) -> bool:
    """Whether a sealed private key opens with ``master_key`` (its plaintext is dropped at
    once: a check at start and by the health endpoint, never a way out for the key)."""
    try:
        unseal(sealed, master_key, associated_data)
    except SealError:
        return False
    return True


def generate_sealed_key(key_type: str, master_key: bytes, associated_data: bytes) -> SealedKey:
    """Generate an Ed25519, P-256 or P-384 key and seal its private half."""
    private: PrivateKey
    if key_type == ED25519:
        private = ed25519.Ed25519PrivateKey.generate()
    elif key_type == P256:
        private = ec.generate_private_key(ec.SECP256R1())
    elif key_type == P384:
        private = ec.generate_private_key(ec.SECP384R1())
    else:
        raise UnsupportedKeyType(f"unsupported key type {key_type!r}")
    der = private.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    return SealedKey(_public_of(private), seal(der, master_key, associated_data))


def open_signer(
    sealed: bytes, master_key: bytes, associated_data: bytes, verification_method: str
) -> LocalSigner:
    """Open a sealed private key and return a signer for ``verification_method``."""
    try:
        der = unseal(sealed, master_key, associated_data)
    except SealError as exc:
        raise SealError(f"sealed key {exc.detail.removeprefix('sealed data ')}") from exc
    private = load_der_private_key(der, password=None)
    if not isinstance(private, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
        raise SealError("sealed key is of an unsupported type")
    return LocalSigner(verification_method, private, _public_of(private))
