"""JSON Web Key (RFC 7517) encodings of our public keys.

Ed25519 as an OKP key (RFC 8037, section 2); P-256 as an EC key with ``x`` and ``y``
(RFC 7518, section 6.2.1).
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from keys.errors import InvalidKeyEncoding, UnsupportedKeyType
from keys.multikey import ED25519, P256, PublicKey


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise InvalidKeyEncoding(f"not base64url: {exc}") from exc


def public_jwk(key: PublicKey, kid: str | None = None) -> dict[str, Any]:
    """The public JWK of ``key``; ``kid`` is set when given (a DID URL for us)."""
    jwk: dict[str, Any]
    if key.key_type == ED25519:
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64url(key.raw)}
    elif key.key_type == P256:
        point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key.raw)
        numbers = point.public_numbers()
        jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64url(numbers.x.to_bytes(32, "big")),
            "y": _b64url(numbers.y.to_bytes(32, "big")),
        }
    else:  # pragma: no cover - PublicKey refuses other types
        raise UnsupportedKeyType(key.key_type)
    if kid is not None:
        jwk["kid"] = kid
    return jwk


def public_key_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    """Read an Ed25519 (OKP) or P-256 (EC) public JWK; private members are refused."""
    if "d" in jwk:
        raise InvalidKeyEncoding("a public JWK must not contain the private member 'd'")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        return PublicKey(ED25519, _b64url_decode(str(jwk.get("x", ""))))
    if kty == "EC" and crv == "P-256":
        x = int.from_bytes(_b64url_decode(str(jwk.get("x", ""))), "big")
        y = int.from_bytes(_b64url_decode(str(jwk.get("y", ""))), "big")
        try:
            point = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        except ValueError as exc:
            raise InvalidKeyEncoding(f"P-256 JWK is not a point on the curve: {exc}") from exc
        return PublicKey(P256, point.public_bytes(Encoding.X962, PublicFormat.CompressedPoint))
    raise UnsupportedKeyType(f"unsupported JWK kty={kty!r} crv={crv!r}")
