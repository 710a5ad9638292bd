"""Multibase (base58btc) and Multikey encodings of public keys.

Implements the Multikey format of W3C Controlled Identifiers 1.0, section 2.2.2
("Multikey"), with the multicodec headers of the Data Integrity EdDSA and ECDSA
cryptosuites and the multicodec table: Ed25519 public keys are ``0xed 0x01`` + 32 bytes
(``z6Mk...``; ``ed25519-pub``, 0xed), P-256 public keys are ``0x80 0x24`` + the 33-byte
compressed point (``zDn...``; ``p256-pub``, 0x1200), P-384 public keys are ``0x81 0x24`` + the
49-byte compressed point (``z82L...``; ``p384-pub``, 0x1201). The headers are the unsigned
varints of the codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import base58

from keys.errors import InvalidKeyEncoding, UnsupportedKeyType

ED25519 = "Ed25519"
P256 = "P-256"
P384 = "P-384"
KEY_TYPES = (ED25519, P256, P384)

_HEADERS: dict[str, bytes] = {ED25519: b"\xed\x01", P256: b"\x80\x24", P384: b"\x81\x24"}
_LENGTHS: dict[str, int] = {ED25519: 32, P256: 33, P384: 49}
#: The JOSE ``alg`` of each key type (RFC 8037 EdDSA; RFC 7518 section 3.4 ES256, ES384).
_JWS_ALGORITHMS: dict[str, str] = {ED25519: "EdDSA", P256: "ES256", P384: "ES384"}


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: ``z`` + base58 (Bitcoin alphabet). Multibase draft, section 2."""
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(text: str) -> bytes:
    """Decode a multibase base58btc string (``z`` prefix); raise on any other base."""
    if not text.startswith("z"):
        raise InvalidKeyEncoding("multibase value must use base58btc (prefix 'z')")
    try:
        return bytes(base58.b58decode(text[1:].encode("ascii")))
    except (ValueError, UnicodeEncodeError) as exc:
        raise InvalidKeyEncoding(f"not valid base58btc: {exc}") from exc


@dataclass(frozen=True)
class PublicKey:
    """A public key as raw bytes: 32 bytes for Ed25519, the compressed point for P-256 (33
    bytes) and P-384 (49 bytes)."""

    key_type: str
    raw: bytes

    def __post_init__(self) -> None:
        if self.key_type not in _LENGTHS:
            raise UnsupportedKeyType(f"unsupported key type {self.key_type!r}")
        if len(self.raw) != _LENGTHS[self.key_type]:
            raise InvalidKeyEncoding(
                f"{self.key_type} public key must be {_LENGTHS[self.key_type]} bytes"
            )

    @property
    def multibase(self) -> str:
        """The Multikey ``publicKeyMultibase`` value."""
        return encode_base58btc(_HEADERS[self.key_type] + self.raw)

    @property
    def jws_algorithm(self) -> str:
        """The JOSE ``alg`` that goes with this key (RFC 8037 EdDSA, RFC 7518 ES256/ES384)."""
        return _JWS_ALGORITHMS[self.key_type]


def public_key_from_multibase(value: str) -> PublicKey:
    """Decode a Multikey ``publicKeyMultibase`` into a :class:`PublicKey`."""
    data = decode_base58btc(value)
    for key_type, header in _HEADERS.items():
        if data.startswith(header):
            return PublicKey(key_type, data[len(header) :])
    raise UnsupportedKeyType(
        "Multikey header is not Ed25519 (0xed01), P-256 (0x8024) or P-384 (0x8124)"
    )
