"""Securing a credential as a VC-JOSE-COSE JWT (W3C Securing Verifiable Credentials using JOSE
and COSE, section 3.1.1 "JOSE Header", 3.1.2 "JWT Claims").

The JWS payload IS the credential (no ``vc`` claim); the protected header is
``{"alg", "typ": "vc+jwt", "cty": "vc", "kid": <verification method>}``. Section 3.1.3: the
``iat`` and ``exp`` claims, when present, are the issuance and expiry of the *signature*, and
``nbf`` is NOT RECOMMENDED. So the payload gets ``iat`` (the moment of signing) when the caller
says when that is, and ``exp`` = ``validUntil`` when the credential has one (a signature need
not outlive the data it secures); never ``nbf``, so ``validFrom`` stays the only start of
validity. The signature comes
from a :class:`keys.Signer`: raw Ed25519 for ``EdDSA`` (RFC 8037) and ``r || s`` for ``ES256``
and ``ES384`` (RFC 7518, section 3.4), which is exactly what the JWS signature must be.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from keys import ED25519, P256, P384, Signer
from verifier.base64url import b64url_encode, compact_json
from verifier.vc_model import parse_datetime

JWS_ALGORITHMS: dict[str, str] = {ED25519: "EdDSA", P256: "ES256", P384: "ES384"}
MEDIA_TYPE = "application/vc+jwt"


def sign_compact_jws(header: Mapping[str, Any], payload: Mapping[str, Any], signer: Signer) -> str:
    """The compact JWS (RFC 7515 section 7.1) of ``payload`` under ``header``, signed by
    ``signer``; ``header`` gets ``alg`` from the signer's key type (:data:`JWS_ALGORITHMS`)."""
    protected = {"alg": JWS_ALGORITHMS[signer.algorithm], **header}
    signing_input = (
        f"{b64url_encode(compact_json(protected))}.{b64url_encode(compact_json(payload))}"
    )
    signature = signer.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def jwt_claims(
    credential: Mapping[str, Any], *, issued_at: datetime | None = None
) -> dict[str, Any]:
    """The payload of ``credential``'s vc+jwt: the credential with ``iat`` = ``issued_at``
    (when given) and ``exp`` = ``validUntil`` (when set), as NumericDates (RFC 7519 section
    2), each unless the credential has that member already (VC-JOSE-COSE section 3.1.3)."""
    claims = dict(credential)
    if issued_at is not None:
        if issued_at.tzinfo is None:
            raise ValueError("issued_at must be timezone-aware")
        claims.setdefault("iat", int(issued_at.timestamp()))
    valid_until = parse_datetime(credential.get("validUntil"))
    if valid_until is not None:
        claims.setdefault("exp", int(valid_until.timestamp()))
    return claims


def encode_vc_jwt(
    credential: Mapping[str, Any], signer: Signer, *, issued_at: datetime | None = None
) -> str:
    """The compact JWS of ``credential`` (a VC 2.0 document without ``proof``), with the
    claims of :func:`jwt_claims`."""
    if "proof" in credential:
        raise ValueError("a vc+jwt secures the unsecured credential: remove 'proof' first")
    credential = jwt_claims(credential, issued_at=issued_at)
    return sign_compact_jws({"typ": "vc+jwt", "cty": "vc", "kid": signer.id}, credential, signer)


def enveloped_credential(jwt: str) -> dict[str, Any]:
    """The VC 2.0 ``EnvelopedVerifiableCredential`` wrapping of a vc+jwt (VC-JOSE-COSE 3.1.3)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": f"data:{MEDIA_TYPE},{jwt}",
        "type": "EnvelopedVerifiableCredential",
    }
