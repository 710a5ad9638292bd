"""JSON Web Key (RFC 7517) encodings of our public keys.

Ed25519 as an OKP key (RFC 8037, section 2); P-256 and P-384 as EC keys with ``x`` and ``y``
(RFC 7518, section 6.2.1).
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from keys.errors import InvalidKeyEncoding, UnsupportedKeyType
from keys.multikey import ED25519, P256, P384, PublicKey

#: The EC curves: key type -> (the JWK ``crv``, the curve, the coordinate size in bytes).
_CURVES: dict[str, tuple[str, ec.EllipticCurve, int]] = {
    P256: ("P-256", ec.SECP256R1(), 32),
    P384: ("P-384", ec.SECP384R1(), 48),
}


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
    elif key.key_type in _CURVES:
        crv, curve, size = _CURVES[key.key_type]
        point = ec.EllipticCurvePublicKey.from_encoded_point(curve, key.raw)
        numbers = point.public_numbers()
        jwk = {
            "kty": "EC",
            "crv": crv,
            "x": _b64url(numbers.x.to_bytes(size, "big")),
            "y": _b64url(numbers.y.to_bytes(size, "big")),
        }
    else:  # pragma: no cover - PublicKey refuses other types
        raise UnsupportedKeyType(key.key_type)
    if kid is not None:
        jwk["kid"] = kid
    return jwk


def public_key_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    """Read an Ed25519 (OKP) or P-256 / P-384 (EC) public JWK; private members are refused."""
    if "d" in jwk:
        raise InvalidKeyEncoding("a public JWK must not contain the private member 'd'")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        return PublicKey(ED25519, _b64url_decode(str(jwk.get("x", ""))))
    for key_type, (name, curve, _) in _CURVES.items():
        if kty == "EC" and crv == name:
            x = int.from_bytes(_b64url_decode(str(jwk.get("x", ""))), "big")
            y = int.from_bytes(_b64url_decode(str(jwk.get("y", ""))), "big")
            try:
                point = ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
            except ValueError as exc:
                raise InvalidKeyEncoding(f"{name} JWK is not a point on the curve: {exc}") from exc
            compressed = point.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
            return PublicKey(key_type, compressed)
    raise UnsupportedKeyType(f"unsupported JWK kty={kty!r} crv={crv!r}")
