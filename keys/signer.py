"""The Signer port and signature verification for our two key types.

A signer is just ``{id, algorithm, sign()}`` (the shape Digital Bazaar's Data Integrity
libraries use): ``id`` is the verification method (a DID URL), ``algorithm`` is the key type,
and ``sign`` returns the raw signature. Ed25519 signatures are 64 bytes (RFC 8032); ECDSA
signatures are the ``r || s`` form (IEEE P1363): 64 bytes for P-256 with SHA-256, 96 bytes for
P-384 with SHA-384, which the ECDSA cryptosuites (Data Integrity ECDSA Cryptosuites v1.0,
sections 3.3-3.4) and JWS ES256/ES384 (RFC 7518, section 3.4) use alike.
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

from keys.multikey import ED25519, P256, P384, PublicKey

#: ECDSA per key type: the curve, its hash (the curve's own, as the ECDSA cryptosuites and
#: RFC 7518 pair them) and the size of ``r`` and ``s`` in bytes.
_ECDSA: dict[str, tuple[ec.EllipticCurve, type[hashes.HashAlgorithm], int]] = {
    P256: (ec.SECP256R1(), hashes.SHA256, 32),
    P384: (ec.SECP384R1(), hashes.SHA384, 48),
}


def signature_length(key_type: str) -> int:
    """The length of a raw signature by a ``key_type`` key: 64 bytes for Ed25519 and P-256,
    96 for P-384."""
    return 2 * _ECDSA[key_type][2] if key_type in _ECDSA else 64


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
        _, hash_type, size = _ECDSA[self.public_key.key_type]
        der = self._private.sign(data, ec.ECDSA(hash_type()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    def __repr__(self) -> str:
        return f"LocalSigner(id={self.id!r}, algorithm={self.algorithm!r})"


def verify_signature(key: PublicKey, signature: bytes, data: bytes) -> bool:
    """True when ``signature`` (raw Ed25519, or ECDSA ``r || s``) signs ``data`` under ``key``
    (P-256 with SHA-256, P-384 with SHA-384)."""
    try:
        if key.key_type == ED25519:
            ed25519.Ed25519PublicKey.from_public_bytes(key.raw).verify(signature, data)
            return True
        if key.key_type in _ECDSA:
            curve, hash_type, size = _ECDSA[key.key_type]
            if len(signature) != 2 * size:
                return False
            der = encode_dss_signature(
                int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            )
            point = ec.EllipticCurvePublicKey.from_encoded_point(curve, key.raw)
            point.verify(der, data, ec.ECDSA(hash_type()))
            return True
    except (InvalidSignature, ValueError):
        return False
    return False
