"""Reading and verifying JOSE-secured credentials.

Three forms:

- **vc+jwt** (W3C Securing Verifiable Credentials using JOSE and COSE, section 3.1): a compact
  JWS whose payload IS the credential; ``typ`` ``vc+jwt`` (``vc+ld+jwt``, from drafts, is
  tolerated; so is no ``typ``), ``cty`` ``vc``; ``kid`` names the verification method and an
  ``iss``, when present, must be the credential's ``issuer`` (section 4.1.2). The JWT claim
  names ``vc`` and ``vp`` MUST NOT be present (section 3.1.3): a payload with ``@context``
  and a ``vc`` claim is refused (``claims_invalid``), not read either way. The registered
  JWT claims (:data:`JWT_REGISTERED_CLAIMS`: ``iat``, ``exp`` ...) are the signature's, not
  the credential's: :func:`credential_document` leaves them out of what is processed as
  JSON-LD.
- **legacy VC-JWT** (VC Data Model 1.1, section 6.3.1 "JSON Web Token"): the credential sits
  in a ``vc`` claim and the registered claims stand for its properties; JWT decoding maps
  them back: ``iss`` -> ``issuer`` (or ``issuer.id``), ``nbf`` -> ``issuanceDate`` (``validFrom``
  for a VC 2.0 ``@context``), ``exp`` -> ``expirationDate`` (``validUntil``), ``jti`` -> ``id``,
  ``sub`` -> ``credentialSubject.id``.
- **enveloped** (VC Data Model 2.0, section 4.13; VC-JOSE-COSE section 3.1.3): an
  ``EnvelopedVerifiableCredential`` whose ``id`` is ``data:application/vc+jwt,<jws>``.

Verification (RFC 7515 section 5.2, with VC-JOSE-COSE section 4 key discovery): the
``alg`` must be in an allow-list (``EdDSA``, ``ES256``, ``ES384``; ``none`` never) and match
the key type of the resolved verification method (EdDSA: Ed25519, ES256: P-256, ES384:
P-384); ``crit`` and unencoded payloads (``b64: false``, RFC 7797) are refused. PyJWT checks
the signature (:class:`jwt.PyJWS`, the JWS layer only: it validates no claim, so
``exp``/``nbf`` are left to the caller's clock). Errors are :class:`JoseError` with a code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt

from keys import PublicKey, public_jwk
from verifier.errors import JoseError
from verifier.vc_model import VC_V2

__all__ = [
    "DEFAULT_ALGORITHMS",
    "ENVELOPED_TYPE",
    "FORM_LEGACY",
    "FORM_VC_JWT",
    "JWS_COMPACT",
    "JWT_REGISTERED_CLAIMS",
    "JoseCredential",
    "JoseError",
    "check_algorithm",
    "credential_document",
    "is_enveloped",
    "map_legacy_claims",
    "parse_jws_credential",
    "unwrap_enveloped",
    "verify_jws",
]

DEFAULT_ALGORITHMS: tuple[str, ...] = ("EdDSA", "ES256", "ES384")
ENVELOPED_TYPE = "EnvelopedVerifiableCredential"
FORM_VC_JWT = "vc+jwt"
FORM_LEGACY = "vc-jwt-1.1"
#: A compact JWS: three base64url segments (the signature may be empty, as with ``none``).
JWS_COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")

#: JWT claims registered by RFC 7519 section 4.1 and RFC 7800 (``cnf``): in a vc+jwt they
#: describe the JWS, and VC-JOSE-COSE section 3.1.3 says to interpret them as registered.
JWT_REGISTERED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf"})
#: Claims a vc+jwt must not carry (VC-JOSE-COSE section 3.1.3).
_FORBIDDEN_CLAIMS = ("vc", "vp")

_VC_JWT_TYPS = ("vc+jwt", "vc+ld+jwt")
_LEGACY_TYPS = ("jwt",)
_ENVELOPE_MEDIA_TYPES = ("application/vc+jwt", "application/vc+ld+jwt")


@dataclass(frozen=True)
class JoseCredential:
    """A parsed (not yet verified) JOSE-secured credential.

    ``form`` is :data:`FORM_VC_JWT` or :data:`FORM_LEGACY`; ``credential`` the payload (or
    the mapped ``vc`` claim); ``claims`` the whole JWT payload; ``kid`` and ``alg`` from the
    protected header.
    """

    token: str
    form: str
    header: Mapping[str, Any]
    claims: Mapping[str, Any]
    credential: dict[str, Any]
    kid: str | None
    alg: str | None
    issuer: str | None = field(default=None)


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _numeric_date(claims: Mapping[str, Any], name: str) -> datetime | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise JoseError("claims_invalid", f"{name} must be a NumericDate (RFC 7519 section 2)")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise JoseError("claims_invalid", f"{name} is out of range") from exc


def _xsd(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def map_legacy_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The credential of a VC-JWT 1.1 payload (VC Data Model 1.1, section 6.3.1, "JWT
    decoding"): a copy of the ``vc`` claim with ``iss``, ``nbf``, ``exp``, ``jti`` and
    ``sub`` written back. Raises ``claims_invalid`` when ``vc`` is not an object or a date
    claim is not a NumericDate, ``iss_mismatch`` when ``iss`` contradicts ``vc.issuer``.
    """
    vc = claims.get("vc")
    if not isinstance(vc, Mapping):
        raise JoseError("claims_invalid", "the vc claim must be a JSON object")
    credential = json.loads(json.dumps(vc))  # a deep copy of plain JSON
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    v2 = first == VC_V2
    iss = claims.get("iss")
    if iss is not None:
        if not isinstance(iss, str):
            raise JoseError("claims_invalid", "iss must be a string")
        current = _issuer_id(credential)
        if current is not None and current != iss:
            raise JoseError("iss_mismatch", f"iss is {iss!r}, vc.issuer {current!r}")
        if isinstance(credential.get("issuer"), dict):
            credential["issuer"]["id"] = iss
        else:
            credential["issuer"] = iss
    for claim, (v1_term, v2_term) in {
        "nbf": ("issuanceDate", "validFrom"),
        "exp": ("expirationDate", "validUntil"),
    }.items():
        moment = _numeric_date(claims, claim)
        if moment is not None:
            credential[v2_term if v2 else v1_term] = _xsd(moment)
    if "jti" in claims:
        if not isinstance(claims["jti"], str):
            raise JoseError("claims_invalid", "jti must be a string")
        credential["id"] = claims["jti"]
    sub = claims.get("sub")
    if sub is not None:
        subject = credential.get("credentialSubject")
        if not isinstance(sub, str) or not isinstance(subject, dict):
            raise JoseError("claims_invalid", "sub needs a string and one credentialSubject")
        subject["id"] = sub
    return dict(credential)


def _normalized_typ(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise JoseError("jws_malformed", "typ must be a string")
    typ = value.lower()
    # RFC 7515 section 4.1.9: "application/" may be omitted, and is compared without it.
    return typ[len("application/") :] if typ.startswith("application/") else typ


def parse_jws_credential(token: str) -> JoseCredential:
    """Parse a compact JWS holding a credential, without verifying it.

    Decides the form (a payload with ``@context`` is a vc+jwt; one with a ``vc`` claim a
    legacy VC-JWT), checks ``typ`` for the form, refuses ``crit`` and ``b64: false``, maps
    legacy claims and checks ``iss`` against the issuer. Raises :class:`JoseError`:
    ``jws_malformed``, ``typ_unsupported``, ``payload_invalid``, ``claims_invalid``,
    ``iss_mismatch``.
    """
    token = token.strip()
    if not JWS_COMPACT.match(token):
        raise JoseError("jws_malformed", "not a compact JWS (three base64url segments)")
    try:
        parts = jwt.PyJWS().decode_complete(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise JoseError("jws_malformed", str(exc)) from exc
    header: dict[str, Any] = parts["header"]
    if "crit" in header:
        raise JoseError("jws_malformed", "crit header parameters are not supported")
    if "b64" in header:
        raise JoseError("jws_malformed", "unencoded payloads (b64) are not supported")
    alg = header.get("alg")
    kid = header.get("kid")
    if not isinstance(alg, str) or (kid is not None and not isinstance(kid, str)):
        raise JoseError("jws_malformed", "alg must be a string, and kid a string if present")
    try:
        claims = json.loads(parts["payload"])
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise JoseError("payload_invalid", "the JWS payload is not JSON") from exc
    if not isinstance(claims, dict):
        raise JoseError("payload_invalid", "the JWS payload is not a JSON object")
    typ = _normalized_typ(header.get("typ"))
    if "@context" in claims:
        form = FORM_VC_JWT
        if typ is not None and typ not in _VC_JWT_TYPS:
            raise JoseError("typ_unsupported", f"typ {header['typ']!r} is not vc+jwt")
        forbidden = [name for name in _FORBIDDEN_CLAIMS if name in claims]
        if forbidden:
            raise JoseError(
                "claims_invalid",
                f"a vc+jwt must not carry the {forbidden[0]} claim (VC-JOSE-COSE section 3.1.3)",
            )
        credential = dict(claims)
        for name in ("nbf", "exp", "iat"):
            _numeric_date(claims, name)
    elif "vc" in claims:
        form = FORM_LEGACY
        if typ is not None and typ not in _LEGACY_TYPS:
            raise JoseError("typ_unsupported", f"typ {header['typ']!r} for a VC-JWT 1.1")
        credential = map_legacy_claims(claims)
    else:
        raise JoseError("payload_invalid", "the payload is neither a credential nor has a vc claim")
    issuer = _issuer_id(credential)
    iss = claims.get("iss")
    if iss is not None and iss != issuer:
        raise JoseError("iss_mismatch", f"iss is {iss!r}, the issuer {issuer!r}")
    return JoseCredential(token, form, header, claims, credential, kid, alg, issuer)


def credential_document(jose: JoseCredential) -> dict[str, Any]:
    """What of a vc+jwt's payload is the credential as JSON-LD: the payload without the
    registered JWT claims (:data:`JWT_REGISTERED_CLAIMS`), which no VC context defines and
    which VC-JOSE-COSE section 3.1.3 reads as claims about the JWS."""
    return {k: v for k, v in jose.credential.items() if k not in JWT_REGISTERED_CLAIMS}


def unwrap_enveloped(
    document: Mapping[str, Any],
    media_types: tuple[str, ...] = _ENVELOPE_MEDIA_TYPES,
    what: str = "credential",
) -> str:
    """The compact JWS inside an ``EnvelopedVerifiableCredential`` (VC Data Model 2.0,
    section 4.13; VC-JOSE-COSE section 3.1.3): ``id`` is the ``data:`` URL (RFC 2397)
    ``data:application/vc+jwt,<jws>``; an enveloped presentation passes its ``media_types``
    (``application/vp+jwt``) and ``what``. Raises ``envelope_unsupported`` for another media
    type (SD-JWT, COSE) or encoding, ``jws_malformed`` for a bad ``id``."""
    data_url = document.get("id")
    if not isinstance(data_url, str) or not data_url.startswith("data:"):
        raise JoseError("jws_malformed", f"an enveloped {what}'s id must be a data: URL")
    media_type, sep, payload = data_url[len("data:") :].partition(",")
    if not sep:
        raise JoseError("jws_malformed", "the data: URL has no ','")
    media_type = media_type.strip().lower()
    if media_type not in media_types:
        raise JoseError(
            "envelope_unsupported", f"{media_type or 'text/plain'!r} is not {media_types[0]}"
        )
    return payload


def is_enveloped(document: Mapping[str, Any]) -> bool:
    """True when ``document``'s ``type`` includes ``EnvelopedVerifiableCredential``."""
    types = document.get("type")
    return ENVELOPED_TYPE in (types if isinstance(types, list) else [types])


def verify_jws(
    parsed: JoseCredential,
    public_key: PublicKey,
    *,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
) -> None:
    """Check the JWS signature of ``parsed`` with ``public_key`` (RFC 7515 section 5.2).

    ``alg`` must be in ``algorithms`` (``none`` never is) and be the algorithm of the key
    type (EdDSA for Ed25519, ES256 for P-256, ES384 for P-384; VC-JOSE-COSE section 3.2). Raises
    :class:`JoseError` ``alg_not_allowed``, ``alg_key_mismatch`` or ``signature_invalid``.
    """
    check_algorithm(parsed.alg, algorithms)
    expected = public_key.jws_algorithm
    if parsed.alg != expected:
        raise JoseError(
            "alg_key_mismatch", f"alg {parsed.alg} does not go with a {public_key.key_type} key"
        )
    # The cryptography key object, not the PyJWK: PyJWS takes a PyJWK only from 2.10 on.
    key = jwt.PyJWK(public_jwk(public_key), algorithm=expected).key
    try:
        jwt.PyJWS(algorithms=[expected]).decode_complete(
            parsed.token, key=key, algorithms=[expected]
        )
    except jwt.InvalidSignatureError as exc:
        raise JoseError("signature_invalid", "the JWS signature does not verify") from exc
    except jwt.PyJWTError as exc:
        raise JoseError("signature_invalid", f"the JWS does not verify: {exc}") from exc


def check_algorithm(alg: str | None, algorithms: Collection[str]) -> None:
    """Raise ``alg_not_allowed`` unless ``alg`` is in ``algorithms`` (``none`` never is)."""
    if not alg or alg.lower() == "none" or alg not in algorithms:
        raise JoseError(
            "alg_not_allowed", f"alg {alg!r} is not one of {', '.join(sorted(algorithms))}"
        )
