"""The Signer port and signature verification for our two key types.

A signer is just ``{id, algorithm, sign()}`` (the shape Digital Bazaar's Data Integrity
libraries use): ``id`` is the verification method (a DID URL), ``algorithm`` is the key type,
and ``sign`` returns the raw signature. Ed25519 signatures are 64 bytes (RFC 8032); P-256
signatures are the 64-byte ``r || s`` form (IEEE P1363), which both ecdsa-rdfc-2019
(Data Integrity ECDSA, section 3.3) and JWS ES256 (RFC 7518, section 3.4) use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from keys.multikey import ED25519, P256, PublicKey


class Signer(Protocol):
    """What the rest of microcred sees of a private key."""

    @property
    def id(self) -> str: ...

    @property
    def algorithm(self) -> str: ...

    @property
    def public_key(self) -> PublicKey: ...

    def sign(self, data: bytes) -> bytes: ...


PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True, repr=False)
class LocalSigner:
    """A :class:`Signer` over an in-memory private key. Its ``repr`` never shows the key."""

    id: str
    _private: PrivateKey
    public_key: PublicKey

    @property
    def algorithm(self) -> str:
        return self.public_key.key_type

    def sign(self, data: bytes) -> bytes:
        if isinstance(self._private, ed25519.Ed25519PrivateKey):
            return self._private.sign(data)
        der = self._private.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def __repr__(self) -> str:
        return f"LocalSigner(id={self.id!r}, algorithm={self.algorithm!r})"


def verify_signature(key: PublicKey, signature: bytes, data: bytes) -> bool:
    """True when ``signature`` (raw Ed25519, or P-256 ``r || s``) signs ``data`` under ``key``."""
    try:
        if key.key_type == ED25519:
            ed25519.Ed25519PublicKey.from_public_bytes(key.raw).verify(signature, data)
            return True
        if key.key_type == P256:
            if len(signature) != 64:
                return False
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key.raw)
            point.verify(der, data, ec.ECDSA(hashes.SHA256()))
            return True
    except (InvalidSignature, ValueError):
        return False
    return False
