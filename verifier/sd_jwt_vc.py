"""Verifying an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc) and a presentation of it with a key
binding JWT, into the same :class:`VerificationResult` as the other formats.

The checks (:data:`verifier.result.CHECK_NAMES`) and what each means here:

``format``
    The input is an SD-JWT (RFC 9901 section 4; readable disclosures, none given twice)
    whose issuer-signed JWT has ``typ`` ``dc+sd-jwt`` (``vc+sd-jwt``, the draft's earlier
    value, is read too) and whose registered claims have their types (``iss`` and ``vct``
    strings; ``iat``/``nbf``/``exp`` NumericDates; ``cnf`` an object with a ``jwk``;
    ``status`` per the Token Status List). Its data lists the ``disclosed`` claim paths and
    how many digests were ``withheld`` (or decoys).
``issuer_key``
    The key comes from ``iss`` (draft section 3.5 "Issuer Key Resolution"): an https ``iss``
    has JWT VC Issuer Metadata at ``/.well-known/jwt-vc-issuer<path>`` whose ``issuer`` is
    ``iss`` and whose JWK Set has the header's ``kid``
    (:meth:`DidResolver.jwt_issuer_key`); a DID ``iss`` has the ``kid`` as a verification
    method of its DID document, listed for ``assertionMethod``.
``proof``
    The issuer's JWS signature (allow-listed ``alg`` matching the key); then the disclosures
    must match the signed digests (:func:`verifier.sd_jwt.process_disclosures`: none
    unreferenced, no digest twice, ``_sd_alg`` ``sha-256``, no reserved or present name) and
    disclose none of the claims the draft keeps in the clear (section 3.2.2.2: ``iss``,
    ``nbf``, ``exp``, ``cnf``, ``vct``, ``vct#integrity``, ``status``); then the key binding:
    with a KB-JWT (or when ``require_key_binding``), ``cnf.jwk`` must be present
    (``cnf_missing``) and the KB-JWT must verify (:func:`verifier.sd_jwt.verify_key_binding`:
    ``typ`` ``kb+jwt``, the holder's signature, recent ``iat``, ``aud`` and ``nonce`` equal to
    the expected ones when given, ``sd_hash``).
``validity``
    ``nbf``/``exp`` against ``now`` with the clock skew.
``revocation`` / ``suspension``
    The Token Status List of ``status.status_list`` (draft-ietf-oauth-status-list section 8):
    fetched with ``Accept: application/statuslist+jwt`` through the fetcher, ``sub`` equal to
    the ``uri``, not expired, signed by a key of the credential's issuer (its ``iss``, if
    present, must be the credential's); status 1 (invalid) fails ``revocation`` with
    ``revoked``, 2 fails ``suspension`` with ``suspended``. A list that cannot be fetched or
    read fails both with ``status_list_unavailable`` / ``status_list_malformed`` /
    ``status_list_proof_invalid`` (status unknown). Only a credential whose issuer signature
    verified reaches the network.
``completeness``
    For the micro-credential's claims (:data:`ANNEX_I_CLAIMS`): the Annex I elements; the
    learner counts as present when disclosed or withheld by the holder.
``trust``
    As for the other formats, with ``iss`` as the issuer.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from keys import public_key_from_jwk
from keys.errors import KeysError
from verifier.did_resolution import DidResolver, ResolvedKey, is_url_identifier, split_method_url
from verifier.errors import (
    CredentialFormatError,
    DidResolutionError,
    FetchError,
    SdJwtError,
    TokenStatusListError,
    VerifierError,
)
from verifier.fetch import Fetcher
from verifier.nesting import nested_deeper
from verifier.result import CHECK_NAMES, Check, VerificationResult
from verifier.sd_jwt import (
    ProcessedClaims,
    SdJwt,
    parse_jws,
    process_disclosures,
    split_sd_jwt,
    verify_jws_signature,
    verify_key_binding,
)
from verifier.token_status_list import (
    MEDIA_TYPE as STATUS_LIST_TOKEN_TYPE,
)
from verifier.token_status_list import (
    parse_status_list_token,
    status_reference,
)

__all__ = ["ANNEX_I_CLAIMS", "FORMAT_SD_JWT_VC", "SD_JWT_VC_TYPS", "verify_sd_jwt_vc"]

FORMAT_SD_JWT_VC = "dc+sd-jwt"
SD_JWT_VC_TYPS = ("dc+sd-jwt", "vc+sd-jwt")
_NEVER_DISCLOSED = frozenset({"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"})
#: Annex I elements -> the claims of our micro-credential SD-JWT VC that carry them.
ANNEX_I_CLAIMS: dict[str, tuple[str, ...]] = {
    "learner": ("given_name", "family_name"),
    "title": ("title",),
    "issuer_country": ("awarding_body.country",),
    "awarding_body": ("awarding_body.name",),
    "date_of_issuing": ("awarding_date",),
    "learning_outcomes": ("learning_outcomes",),
    "workload": ("ects", "workload"),
    "eqf_level": ("eqf_level",),
    "assessment_type": ("assessment_type",),
    "participation_form": ("participation_form",),
    "quality_assurance": ("quality_assurance",),
}


def _skipped(name: str, detail: str) -> Check:
    return Check(name, "skipped", detail=detail)


def _failed(name: str, exc: VerifierError, data: Mapping[str, Any] | None = None) -> Check:
    return Check(name, "failed", exc.code, exc.detail, dict(data or {}))


def _numeric(claims: Mapping[str, Any], name: str) -> datetime | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SdJwtError("claims_invalid", f"{name} must be a NumericDate")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise SdJwtError("claims_invalid", f"{name} is out of range") from exc


def _check_registered(payload: Mapping[str, Any]) -> None:
    """The registered claims' types (draft section 3.2.2)."""
    for name in ("iss", "vct"):
        if not isinstance(payload.get(name), str):
            raise SdJwtError("claims_invalid", f"{name} must be a string")
    for name in ("iat", "nbf", "exp"):
        _numeric(payload, name)
    cnf = payload.get("cnf")
    if cnf is not None and not (isinstance(cnf, Mapping) and isinstance(cnf.get("jwk"), Mapping)):
        raise SdJwtError("claims_invalid", "cnf must be an object with a jwk")
    try:
        status_reference(payload.get("status"))
    except TokenStatusListError as exc:
        raise SdJwtError("claims_invalid", exc.detail) from exc


def _issuer_key(resolver: DidResolver, iss: str, kid: str | None) -> ResolvedKey:
    """Draft section 3.5: the key of ``kid`` from the issuer's JWT VC Issuer Metadata (an
    https ``iss``) or DID document (a DID ``iss``)."""
    if is_url_identifier(iss):
        return resolver.jwt_issuer_key(iss, kid)
    if kid is None:
        raise DidResolutionError("verification_method_not_found", "the JWS header has no kid")
    method = iss + kid if kid.startswith("#") else kid
    controller, _ = split_method_url(method)
    if controller != iss:
        raise DidResolutionError("controller_mismatch", f"{method} is not a key of {iss}")
    return resolver.verification_method(method, purpose="assertionMethod")


def _present(claims: Mapping[str, Any], path: str) -> bool:
    node: Any = claims
    for part in path.split("."):
        if not isinstance(node, Mapping) or node.get(part) in (None, "", [], {}):
            return False
        node = node[part]
    return True


def _completeness(claims: Mapping[str, Any], withheld: int) -> Check:
    if "learning_outcomes" not in claims and "eqf_level" not in claims:
        return _skipped("completeness", "not an EU micro-credential (no Annex I claims)")
    missing = [
        element
        for element, paths in ANNEX_I_CLAIMS.items()
        if not any(_present(claims, p) for p in paths)
        and not (element == "learner" and withheld > 0)
    ]
    if missing:
        return Check(
            "completeness", "failed", "annex_i_incomplete",
            f"missing Annex I elements: {', '.join(missing)}", {"missing": missing},
        )  # fmt: skip
    return Check("completeness", "passed", detail="all 11 mandatory Annex I elements are present",
                 data={"elements": list(ANNEX_I_CLAIMS)})  # fmt: skip


def _validity(payload: Mapping[str, Any], now: datetime, skew: timedelta) -> Check:
    start, end = _numeric(payload, "nbf"), _numeric(payload, "exp")
    data = {
        "validFrom": start.isoformat() if start else None,
        "validUntil": end.isoformat() if end else None,
    }
    if start is not None and now + skew < start:
        return Check("validity", "failed", "not_yet_valid", f"valid only from {start}", data)
    if end is not None and now - skew > end:
        return Check("validity", "failed", "expired", f"expired at {end}", data)
    detail = "within its validity period" if start or end else "no validity period is set"
    return Check("validity", "passed", None, detail, data)


def _status_checks(
    payload: Mapping[str, Any],
    resolver: DidResolver,
    fetcher: Fetcher | None,
    now: datetime,
    skew: timedelta,
    algorithms: Collection[str],
) -> tuple[Check, Check]:
    reference = status_reference(payload.get("status"))  # checked by format already
    if reference is None:
        return (_skipped("revocation", "the credential has no status"),
                _skipped("suspension", "the credential has no status"))  # fmt: skip
    data = {"index": reference.idx, "statusList": reference.uri}

    def both(code: str, detail: str) -> tuple[Check, Check]:
        return (Check("revocation", "failed", code, detail, data),
                Check("suspension", "failed", code, detail, data))  # fmt: skip

    if fetcher is None:
        return both("status_unavailable", "the status cannot be checked: no fetcher (offline)")
    try:
        fetched = fetcher.fetch(reference.uri, accept=STATUS_LIST_TOKEN_TYPE)
    except FetchError as exc:
        return both("status_list_unavailable", f"{reference.uri}: {exc.detail}")
    try:
        token = parse_status_list_token(
            fetched.body.decode("ascii", "replace"), uri=reference.uri, now=now, clock_skew=skew
        )
        value = token.status(reference.idx)
    except TokenStatusListError as exc:
        return both("status_list_malformed", f"{reference.uri}: {exc.detail}")
    iss = payload["iss"]
    if token.claims.get("iss", iss) != iss:
        other = token.claims.get("iss")
        return both("status_list_issuer_mismatch", f"the list is issued by {other}, not {iss}")
    try:
        key = _issuer_key(resolver, iss, token.kid)
        verify_jws_signature(parse_jws(token.token, "the status list token"), key.public_key,
                             algorithms, "the status list token")  # fmt: skip
    except DidResolutionError as exc:
        code = (
            "status_list_unavailable"
            if exc.code == "did_unreachable"
            else "status_list_proof_invalid"
        )
        return both(code, f"the status list at {reference.uri}: {exc.detail}")
    except VerifierError as exc:
        return both(
            "status_list_proof_invalid", f"the status list at {reference.uri}: {exc.detail}"
        )
    data = {**data, "status": value}
    revocation = Check("revocation", "passed", None, "not revoked", data)
    suspension = Check("suspension", "passed", None, "not suspended", data)
    if value == 1:
        revocation = Check("revocation", "failed", "revoked", "the credential is revoked", data)
    elif value == 2:
        suspension = Check("suspension", "failed", "suspended", "the credential is suspended", data)
    elif value != 0:
        return both("status_list_malformed", f"status {value} is not one microcred knows")
    return revocation, suspension


def _unreadable(format_check: Check) -> VerificationResult:
    rest = tuple(_skipped(n, "not checked: the input is not a readable SD-JWT VC")
                 for n in CHECK_NAMES[1:])  # fmt: skip
    return VerificationResult(checks=(format_check, *rest), format=FORMAT_SD_JWT_VC)


def verify_sd_jwt_vc(
    text: str,
    *,
    resolver: DidResolver,
    fetcher: Fetcher | None,
    now: datetime,
    clock_skew: timedelta,
    algorithms: Collection[str],
    trusted_issuers: Collection[str] | None = None,
    audience: str | None = None,
    nonce: str | None = None,
    require_key_binding: bool = False,
    max_depth: int | None = 64,
) -> VerificationResult:
    """Verify an SD-JWT VC or a presentation of it (SD-JWT+KB), with the checks of the
    module docstring. ``audience`` and ``nonce`` are what the KB-JWT must carry (None: any
    string); ``require_key_binding`` refuses a presentation without one; the payload and
    each disclosed value may nest arrays and objects ``max_depth`` levels at most
    (``nesting_too_deep``). Never raises for bad input."""
    try:
        sd_jwt: SdJwt = split_sd_jwt(text)
        if max_depth is not None and any(
            nested_deeper(value, max_depth)
            for value in (sd_jwt.jws.payload, *(d.value for d in sd_jwt.disclosures))
        ):
            raise CredentialFormatError(
                "nesting_too_deep", f"arrays and objects nested deeper than {max_depth} levels"
            )
        typ = sd_jwt.jws.typ
        if typ not in SD_JWT_VC_TYPS:
            raise SdJwtError("typ_unsupported", f"typ {typ!r} is not dc+sd-jwt")
        payload = sd_jwt.jws.payload
        _check_registered(payload)
    except VerifierError as exc:
        return _unreadable(_failed("format", exc, {"format": FORMAT_SD_JWT_VC}))
    # Disclosures that do not match the signed digests are a forgery, not a format problem:
    # they fail ``proof`` (after the signature), and the claims shown are the signed ones.
    disclosure_problem: SdJwtError | None = None
    try:
        processed = process_disclosures(payload, sd_jwt.disclosures)
        forbidden = sorted({p.split(".")[0].split("[")[0] for p in processed.disclosed}
                           & _NEVER_DISCLOSED)  # fmt: skip
        if forbidden:
            raise SdJwtError("claim_conflict", f"{forbidden[0]} must not be selectively disclosed")
    except SdJwtError as exc:
        disclosure_problem = exc
        try:  # the signed claims alone
            processed = process_disclosures(payload, ())
        except SdJwtError:  # not even the signed digests can be read
            signed = {k: v for k, v in payload.items() if k not in ("_sd", "_sd_alg")}
            processed = ProcessedClaims(signed, (), 0)
    iss: str = payload["iss"]
    claims = processed.claims
    format_check = Check("format", "passed", None, FORMAT_SD_JWT_VC, {
        "format": FORMAT_SD_JWT_VC, "vct": payload["vct"],
        "disclosed": list(processed.disclosed), "withheld": processed.withheld,
        "keyBinding": sd_jwt.kb_jwt is not None,
    })  # fmt: skip
    key: ResolvedKey | None = None
    try:
        key = _issuer_key(resolver, iss, sd_jwt.jws.kid)
    except DidResolutionError as exc:
        issuer_key = _failed("issuer_key", exc)
        proof = _skipped("proof", "not checked: the issuer's key could not be established")
    else:
        key_data = {"verificationMethod": key.id, "keyType": key.public_key.key_type}
        issuer_key = Check("issuer_key", "passed", None, f"{key.id} is a key of {iss}", key_data)
        proof = _proof(
            sd_jwt, key, now=now, skew=clock_skew, algorithms=algorithms,
            audience=audience, nonce=nonce, require_key_binding=require_key_binding,
            disclosure_problem=disclosure_problem,
        )  # fmt: skip
    if proof.passed and issuer_key.passed:
        revocation, suspension = _status_checks(
            payload, resolver, fetcher, now, clock_skew, algorithms
        )
    else:
        revocation, suspension = (_skipped(p, "not checked: the credential is not authenticated")
                                  for p in ("revocation", "suspension"))  # fmt: skip
    trust = (
        _skipped("trust", "no list of trusted issuers is configured")
        if trusted_issuers is None
        else Check("trust", "passed", None, f"{iss} is a trusted issuer")
        if iss in trusted_issuers
        else Check("trust", "warning", "untrusted_issuer", f"{iss} is not on the trusted list")
    )
    checks = (
        format_check, proof, issuer_key, _validity(payload, now, clock_skew),
        revocation, suspension, _completeness(claims, processed.withheld), trust,
    )  # fmt: skip
    return VerificationResult(
        checks=checks,
        format=FORMAT_SD_JWT_VC,
        credential=claims,
        issuer=iss,
        verification_method=key.id if key is not None else sd_jwt.jws.kid,
    )


def _proof(
    sd_jwt: SdJwt,
    key: ResolvedKey,
    *,
    now: datetime,
    skew: timedelta,
    algorithms: Collection[str],
    audience: str | None,
    nonce: str | None,
    require_key_binding: bool,
    disclosure_problem: SdJwtError | None,
) -> Check:
    data: dict[str, Any] = {"alg": sd_jwt.jws.alg}
    try:
        verify_jws_signature(sd_jwt.jws, key.public_key, algorithms, "the issuer-signed JWT")
        if disclosure_problem is not None:
            raise disclosure_problem
        if sd_jwt.kb_jwt is None and not require_key_binding:
            return Check("proof", "passed", None, f"{sd_jwt.jws.alg} signature verifies", data)
        cnf = sd_jwt.jws.payload.get("cnf")
        if not isinstance(cnf, Mapping) or not isinstance(cnf.get("jwk"), Mapping):
            raise SdJwtError("cnf_missing", "a key binding needs the holder key in cnf.jwk")
        try:
            holder = public_key_from_jwk(dict(cnf["jwk"]))
        except KeysError as exc:
            raise SdJwtError("key_binding_invalid", f"cnf.jwk: {exc.detail}") from exc
        kb = verify_key_binding(sd_jwt, holder, now=now, algorithms=algorithms,
                                audience=audience, nonce=nonce, clock_skew=skew)  # fmt: skip
    except VerifierError as exc:
        return Check("proof", "failed", exc.code, exc.detail, data)
    data["keyBinding"] = {"aud": kb.get("aud"), "nonce": kb.get("nonce"), "iat": kb.get("iat")}
    detail = f"{sd_jwt.jws.alg} signature and the holder's key binding verify"
    return Check("proof", "passed", None, detail, data)
