"""The holder's key proof of an OpenID4VCI credential request (OpenID for Verifiable Credential
Issuance 1.0, section 8.2.1 "Proof Types", appendix F.1 "jwt Proof Type").

A wallet proves that it holds the key the credential is to be bound to with a JWT whose header
has ``typ`` ``openid4vci-proof+jwt``, an asymmetric ``alg``, and the key as a ``jwk`` or as a
``kid`` that is a DID URL (did:key, or did:jwk ``#0``); its claims are ``aud`` (the credential
issuer identifier), ``iat`` and ``nonce`` (a ``c_nonce`` of the issuer's nonce endpoint).
:func:`verify_key_proof` checks all of it and answers the holder's key and DID: the DID of a
``kid`` (both resolve offline), or for a bare ``jwk`` the did:jwk of the JWK as the wallet sent
it (:func:`keys.did_jwk`; a wallet that wants its own did:jwk sends it as ``kid``).

A proof that fails raises :class:`KeyProofError` with the OpenID4VCI error code
``invalid_proof``, or ``invalid_nonce`` when only the nonce is wrong or stale (section 8.3.1.2):
the wallet then fetches a fresh nonce and tries again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

import jwt

from keys import (
    KeysError,
    PublicKey,
    did_jwk,
    did_jwk_document,
    did_key,
    did_key_public_key,
    public_jwk,
    public_key_from_jwk,
)
from verifier.errors import VerifierError
from verifier.vc_jwt import JWS_COMPACT, check_algorithm

__all__ = [
    "KEY_PROOF_ALGORITHMS",
    "KEY_PROOF_TYP",
    "HolderKey",
    "KeyProofError",
    "verify_key_proof",
]

KEY_PROOF_TYP = "openid4vci-proof+jwt"
#: What a holder may sign its proof with: the algorithms of the key types microcred reads.
KEY_PROOF_ALGORITHMS = ("EdDSA", "ES256", "ES384")
#: How far ``iat`` may lie in the past; and in the future, for clocks that run ahead.
MAX_AGE = timedelta(minutes=5)
CLOCK_SKEW = timedelta(seconds=60)


class KeyProofError(VerifierError):
    """A key proof an issuer refuses (OpenID4VCI 1.0 section 8.3.1.2)."""

    titles: ClassVar[Mapping[str, str]] = {
        "invalid_proof": "The key proof is invalid",
        "invalid_nonce": "The key proof's nonce is not a current c_nonce",
    }


@dataclass(frozen=True)
class HolderKey:
    """The key a credential gets bound to: as a key, a public JWK and a DID."""

    public_key: PublicKey
    jwk: dict[str, Any]
    did: str


def _invalid(detail: str) -> KeyProofError:
    return KeyProofError("invalid_proof", detail)


def _holder(header: Mapping[str, Any]) -> HolderKey:
    """The holder's key from the header: exactly one of ``jwk`` and a DID URL ``kid``."""
    jwk, kid = header.get("jwk"), header.get("kid")
    if (jwk is None) == (kid is None):
        raise _invalid("the header must carry the key as exactly one of jwk and kid")
    if "x5c" in header or "trust_chain" in header:
        raise _invalid("keys in x5c or a trust_chain are not accepted; send jwk or a did:key kid")
    try:
        if jwk is not None:
            if not isinstance(jwk, dict):
                raise _invalid("jwk must be a JSON object")
            key = public_key_from_jwk(jwk)
            # The DID of the JWK as the wallet sent it: the one it computes of its own key.
            return HolderKey(key, public_jwk(key), did_jwk(jwk))
        if not isinstance(kid, str) or "#" not in kid:
            raise _invalid("kid must be a did:key or did:jwk DID URL; or send jwk")
        did, fragment = kid.split("#", 1)
        if did.startswith("did:jwk:"):
            if fragment != "0":
                raise _invalid("the key of a did:jwk is its verification method #0")
            [method] = did_jwk_document(did)["verificationMethod"]
            key = public_key_from_jwk(method["publicKeyJwk"])
        elif did.startswith("did:key:"):
            key = did_key_public_key(did)
            if did_key(key) != did or fragment != did.removeprefix("did:key:"):
                raise _invalid("kid is not a did:key DID URL in its canonical form")
        else:
            raise _invalid("kid must be a did:key or did:jwk DID URL; or send jwk")
    except KeysError as exc:
        raise _invalid(f"the holder key cannot be read: {exc}") from exc
    return HolderKey(key, public_jwk(key), did)


def verify_key_proof(
    token: str,
    *,
    audience: str,
    nonce_valid: Callable[[str], bool],
    now: datetime,
    algorithms: Collection[str] = KEY_PROOF_ALGORITHMS,
) -> HolderKey:
    """Check a ``jwt`` key proof (OpenID4VCI 1.0 appendix F.1) and return the holder's key.

    ``audience`` is the credential issuer identifier the proof must name in ``aud``;
    ``nonce_valid`` says whether a ``nonce`` is a current ``c_nonce`` of this issuer. Checks, in
    order: the compact form, ``typ``, ``alg`` (allow-listed, and the key's own), the key, the
    signature, ``aud``, ``iat`` (within :data:`MAX_AGE`, no more than :data:`CLOCK_SKEW` ahead)
    and the nonce. Raises :class:`KeyProofError`.
    """
    if not isinstance(token, str) or not JWS_COMPACT.match(token.strip()):
        raise _invalid("the proof is not a compact JWS")
    token = token.strip()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise _invalid(f"the proof's header cannot be read: {exc}") from exc
    if header.get("typ") != KEY_PROOF_TYP:
        raise _invalid(f"typ must be {KEY_PROOF_TYP}")
    if "crit" in header:
        raise _invalid("crit header parameters are not supported")
    alg = header.get("alg")
    try:
        check_algorithm(alg if isinstance(alg, str) else None, algorithms)
    except VerifierError as exc:
        raise _invalid(exc.detail) from exc
    holder = _holder(header)
    if holder.public_key.jws_algorithm != alg:
        raise _invalid(f"alg {alg} does not go with the holder's {holder.public_key.key_type} key")
    key = jwt.PyJWK(holder.jwk, algorithm=alg).key
    try:
        claims = jwt.PyJWT().decode(
            token,
            key=key,
            algorithms=[alg],
            audience=audience,
            options={"require": ["aud", "iat"], "verify_iat": False},
        )
    except jwt.InvalidAudienceError as exc:
        raise _invalid(f"aud must be the credential issuer {audience}") from exc
    except jwt.InvalidSignatureError as exc:
        raise _invalid("the proof's signature does not verify with the holder's key") from exc
    except jwt.PyJWTError as exc:
        raise _invalid(f"the proof does not verify: {exc}") from exc
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise _invalid("iat must be a NumericDate")
    age = now.timestamp() - float(iat)
    if age > MAX_AGE.total_seconds() or -age > CLOCK_SKEW.total_seconds():
        raise _invalid("iat is too far from the issuer's time; sign a new proof")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce_valid(nonce):
        raise KeyProofError("invalid_nonce", "nonce must be a current c_nonce of this issuer")
    return holder
