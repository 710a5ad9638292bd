"""Issuing SD-JWTs (RFC 9901, Selective Disclosure for JWTs) and SD-JWT VCs
(draft-ietf-oauth-sd-jwt-vc).

- :func:`make_disclosure` (section 4.2.1): ``[salt, name, value]`` as base64url JSON, with a
  salt of 128 random bits (section 9.3) from an injected source, and its SHA-256 digest.
- :func:`issue_sd_jwt` (sections 4.1-4.2): the selectively disclosable top-level claims are
  replaced by their digests in ``_sd``, sorted (section 4.2.4.1 "the Issuer MUST hide the
  original order of the claims": sorting does), with optional decoy digests (section
  4.2.5); ``_sd_alg`` is ``sha-256``. The result is the compact SD-JWT with every disclosure
  and a closing ``~`` (no key binding: the holder adds that).
- :func:`sd_jwt_vc_claims` / :func:`issue_sd_jwt_vc`: the SD-JWT VC layer (draft section 3.2):
  header ``typ`` ``dc+sd-jwt`` and ``kid``; claims ``iss``, ``vct``, ``iat``, ``nbf``,
  ``exp``, ``cnf`` (``{"jwk": ...}``, RFC 7800) and ``status`` (Token Status List). Those
  claims are never selectively disclosable (draft section 3.2.2.2).

Reading and checking are the verifier's (:mod:`verifier.sd_jwt`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from issuer.vc_jose import sign_compact_jws
from keys import Signer
from verifier.base64url import b64url_encode, compact_json
from verifier.sd_jwt import SD_ALG, disclosure_digest

__all__ = [
    "NEVER_DISCLOSABLE",
    "SD_JWT_VC_MEDIA_TYPE",
    "SD_JWT_VC_TYP",
    "SaltSource",
    "issue_sd_jwt",
    "issue_sd_jwt_vc",
    "make_disclosure",
    "random_salt",
    "sd_jwt_vc_claims",
]

SD_JWT_VC_TYP = "dc+sd-jwt"
SD_JWT_VC_MEDIA_TYPE = "application/dc+sd-jwt"
#: Claims an SD-JWT VC never makes selectively disclosable (draft section 3.2.2.2).
NEVER_DISCLOSABLE = frozenset({"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"})

SaltSource = Callable[[], str]


def random_salt() -> str:
    """128 random bits, base64url (RFC 9901 section 9.3)."""
    return b64url_encode(secrets.token_bytes(16))


def make_disclosure(salt: str, name: str, value: Any) -> tuple[str, str]:
    """``(disclosure, digest)`` of an object property (section 4.2.1)."""
    if name in ("_sd", "..."):
        raise ValueError(f"{name!r} cannot be disclosed")
    encoded = b64url_encode(compact_json([salt, name, value]))
    return encoded, disclosure_digest(encoded)


def issue_sd_jwt(
    claims: Mapping[str, Any],
    disclosable: Collection[str],
    signer: Signer,
    *,
    header: Mapping[str, Any],
    salt: SaltSource = random_salt,
    decoys: int = 0,
) -> str:
    """The compact SD-JWT of ``claims`` (sections 4-5): the top-level claims named in
    ``disclosable`` (when present) become disclosures, the rest stay in the clear;
    ``decoys`` extra digests of random values hide how many there are (section 4.2.5).
    ``header`` is the JWS header without ``alg`` (the signer's). Ends with ``~``."""
    payload: dict[str, Any] = {}
    disclosures: list[str] = []
    digests: list[str] = []
    for name, value in claims.items():
        if name in disclosable:
            encoded, digest = make_disclosure(salt(), name, value)
            disclosures.append(encoded)
            digests.append(digest)
        else:
            payload[name] = value
    digests += [disclosure_digest(salt()) for _ in range(decoys)]
    if digests:
        payload["_sd"] = sorted(digests)
        payload["_sd_alg"] = SD_ALG
    jwt = sign_compact_jws(header, payload, signer)
    return "~".join([jwt, *disclosures]) + "~"


def sd_jwt_vc_claims(
    *,
    issuer: str,
    vct: str,
    issued_at: datetime,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    holder_jwk: Mapping[str, Any] | None = None,
    status_uri: str | None = None,
    status_index: int | None = None,
) -> dict[str, Any]:
    """The registered claims of an SD-JWT VC (draft section 3.2.2): ``iss``, ``vct``, ``iat``,
    ``nbf`` (``valid_from``), ``exp`` (``valid_until``), ``cnf.jwk`` (the holder key, RFC 7800
    section 3.2) and ``status.status_list`` (``{idx, uri}``, Token Status List section 6.2)."""
    moments = [m for m in (issued_at, valid_from, valid_until) if m is not None]
    if any(m.tzinfo is None for m in moments):
        raise ValueError("datetimes must be timezone-aware")
    claims: dict[str, Any] = {"iss": issuer, "vct": vct, "iat": int(issued_at.timestamp())}
    if valid_from is not None:
        claims["nbf"] = int(valid_from.timestamp())
    if valid_until is not None:
        claims["exp"] = int(valid_until.timestamp())
    if holder_jwk is not None:
        if "d" in holder_jwk:
            raise ValueError("the holder JWK must be public")
        claims["cnf"] = {"jwk": dict(holder_jwk)}
    if status_uri is not None and status_index is not None:
        claims["status"] = {"status_list": {"idx": status_index, "uri": status_uri}}
    return claims


def issue_sd_jwt_vc(
    registered: Mapping[str, Any],
    claims: Mapping[str, Any],
    disclosable: Collection[str],
    signer: Signer,
    *,
    salt: SaltSource = random_salt,
    decoys: int = 0,
) -> str:
    """An SD-JWT VC (draft section 3): header ``typ`` ``dc+sd-jwt`` and ``kid`` (the signer's
    key id), the ``registered`` claims of :func:`sd_jwt_vc_claims` in the clear and the
    credential's ``claims``, those named in ``disclosable`` selectively disclosable. Raises
    ``ValueError`` when a registered claim would be disclosable or is given twice."""
    clash = (set(disclosable) & NEVER_DISCLOSABLE) | (set(registered) & set(claims))
    if clash:
        raise ValueError(f"claims {sorted(clash)} are registered: never disclosable or repeated")
    header = {"typ": SD_JWT_VC_TYP, "kid": signer.id}
    return issue_sd_jwt(
        {**registered, **claims}, disclosable, signer, header=header, salt=salt, decoys=decoys
    )
