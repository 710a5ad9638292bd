"""Securing a credential as a VC-JOSE-COSE JWT (W3C Securing Verifiable Credentials using JOSE
and COSE, section 3.1.1 "JOSE Header", 3.1.2 "JWT Claims").

The JWS payload IS the credential (no ``vc`` claim); the protected header is
``{"alg", "typ": "vc+jwt", "cty": "vc", "kid": <verification method>}``. The signature comes
from a :class:`keys.Signer`: raw Ed25519 for ``EdDSA`` (RFC 8037) and ``r || s`` for ``ES256``
and ``ES384`` (RFC 7518, section 3.4), which is exactly what the JWS signature must be.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from keys import ED25519, P256, P384, Signer

JWS_ALGORITHMS: dict[str, str] = {ED25519: "EdDSA", P256: "ES256", P384: "ES384"}
MEDIA_TYPE = "application/vc+jwt"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def encode_vc_jwt(credential: Mapping[str, Any], signer: Signer) -> str:
    """The compact JWS of ``credential`` (a VC 2.0 document without ``proof``)."""
    if "proof" in credential:
        raise ValueError("a vc+jwt secures the unsecured credential: remove 'proof' first")
    header = {
        "alg": JWS_ALGORITHMS[signer.algorithm],
        "typ": "vc+jwt",
        "cty": "vc",
        "kid": signer.id,
    }
    signing_input = f"{_b64url(_json(header))}.{_b64url(_json(credential))}"
    signature = signer.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{_b64url(signature)}"


def enveloped_credential(jwt: str) -> dict[str, Any]:
    """The VC 2.0 ``EnvelopedVerifiableCredential`` wrapping of a vc+jwt (VC-JOSE-COSE 3.1.3)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": f"data:{MEDIA_TYPE},{jwt}",
        "type": "EnvelopedVerifiableCredential",
    }
