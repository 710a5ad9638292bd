"""Verifying a verifiable presentation (VC Data Model 2.0, sections 4.13 and 7.1; VC Data
Integrity 1.0, section 4.5; VC-JOSE-COSE section 3.1.2) into one :class:`PresentationResult`.

Checks of the presentation itself (``name``), in order:

``format``
    A JSON object (Data Integrity, or an ``EnvelopedVerifiablePresentation`` whose ``id`` is
    ``data:application/vp+jwt,<jws>``), a compact JWS (``vp+jwt``; a JSON string holding one
    too), or JSON text or bytes of either. The presentation data model: ``@context`` starts
    with the VC 2.0 context, ``type`` includes ``VerifiablePresentation``, ``id`` and
    ``holder`` (a string or an object with an ``id``) are URLs when present, and
    ``verifiableCredential`` is one or more objects (a credential or an
    ``EnvelopedVerifiableCredential``; a compact JWS string is read as a JOSE credential).
    Codes ``format_unrecognized``, ``presentation_invalid`` and the :class:`verifier.JoseError`
    codes of a ``vp+jwt``. When it fails, every other check is skipped.
``proof`` and ``holder_key``
    Data Integrity: the proof (or each proof of a set) with ``proofPurpose``
    ``authentication`` (:func:`verifier.verify_proof`), by a key its controller's DID document
    lists for ``authentication``; when ``holder`` is given, the key must be the holder's
    (``controller_mismatch``). ``vp+jwt``: the JWS with the key of ``kid``, likewise listed for
    ``authentication`` and under the holder (or ``iss``). A presentation without any proof is
    an *unsecured* presentation (VC 2.0 section 4.13 allows one; the VC API verifies its
    credentials all the same): ``proof`` is a ``warning`` (``presentation_unsecured``) and
    ``holder_key`` is skipped, so nothing binds it to a holder, and any ``challenge`` or
    ``domain`` the options ask for fails (there is no proof to carry it).
``challenge`` and ``domain``
    When the options give one: the proof's ``challenge`` must equal it, and its ``domain``
    (a string or a list) must be or contain it (Data Integrity 1.0, section 4.5 steps 8-9); a
    ``vp+jwt`` carries them as ``nonce`` and ``aud``. Codes ``challenge_mismatch``,
    ``domain_mismatch``. Not asked for: ``skipped``.

Each credential of ``verifiableCredential`` is verified in full with
:func:`verifier.verify_credential` (its proof, issuer key, validity, status, trust), and all
of them draw on one fetch budget with the presentation's own DID resolution. ``verified``:
no check of the presentation failed and every credential verified.

Nothing here raises for a bad presentation; programming errors (a naive ``now``) raise.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from verifier.data_integrity import verify_proof
from verifier.did_resolution import DidResolver, ResolvedKey
from verifier.errors import CredentialFormatError, DidResolutionError, JoseError, VerifierError
from verifier.fetch import FetchBudget, Fetcher
from verifier.jsonld import DocumentLoader, bundled_document_loader
from verifier.nesting import nested_deeper
from verifier.result import Check, VerificationResult
from verifier.vc_jwt import (
    DEFAULT_ALGORITHMS,
    JWS_COMPACT,
    JoseCredential,
    unwrap_enveloped,
    verify_jws,
)
from verifier.vc_model import VC_V2, is_url
from verifier.verify import (
    FETCH_BUDGET_SECONDS,
    MAX_DEPTH,
    MAX_FETCHES,
    MAX_STATUS_ENTRIES,
    _budgeted,
    verify_credential,
)

__all__ = [
    "ENVELOPED_PRESENTATION_TYPE",
    "PRESENTATION_CHECK_NAMES",
    "PRESENTATION_TYPE",
    "ParsedPresentation",
    "PresentationResult",
    "is_presentation",
    "parse_presentation",
    "verify_presentation",
]

PRESENTATION_TYPE = "VerifiablePresentation"
ENVELOPED_PRESENTATION_TYPE = "EnvelopedVerifiablePresentation"
PRESENTATION_CHECK_NAMES = ("format", "proof", "holder_key", "challenge", "domain")
FORM_LDP_VP = "ldp_vp"
FORM_VP_JWT = "vp+jwt"
_VP_JWT_TYPS = ("vp+jwt", "vp+ld+jwt")
_ENVELOPE_MEDIA_TYPES = ("application/vp+jwt", "application/vp+ld+jwt")
_PURPOSE = "authentication"
_DEFAULT_LOADER: DocumentLoader = bundled_document_loader()


@dataclass(frozen=True)
class ParsedPresentation:
    """A presentation read from its secured form: ``format`` (``ldp_vp``, ``vp+jwt`` or
    ``enveloped:vp+jwt``), the presentation, its holder's id, and for a ``vp+jwt`` the JWS."""

    format: str
    presentation: dict[str, Any]
    holder: str | None
    jose: JoseCredential | None = None


@dataclass(frozen=True)
class PresentationResult:
    """What verifying a presentation found: the presentation's own ``checks`` and one
    :class:`VerificationResult` per credential, in the presentation's order."""

    checks: tuple[Check, ...]
    credential_results: tuple[VerificationResult, ...] = ()
    format: str | None = None
    presentation: Mapping[str, Any] | None = None
    holder: str | None = None
    verification_method: str | None = None

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    @property
    def presentation_verified(self) -> bool:
        """No check of the presentation itself failed."""
        return not any(c.failed for c in self.checks)

    @property
    def malformed(self) -> bool:
        """The input is not a presentation (the ``format`` check failed)."""
        first = self.check("format")
        return first is not None and first.failed

    @property
    def verified(self) -> bool:
        return self.presentation_verified and all(r.verified for r in self.credential_results)

    def to_json(self, *, include_presentation: bool = False) -> dict[str, Any]:
        """The VC API verify-presentation response: ``verified``, ``presentationResult``,
        ``credentialResults``, ``problemDetails`` (and ``errors``/``warnings`` flattened)."""
        errors = [
            {"check": c.name, "code": c.code, "detail": c.detail} for c in self.checks if c.failed
        ]
        warnings: list[dict[str, Any]] = [
            {"check": c.name, "code": c.code, "detail": c.detail}
            for c in self.checks
            if c.status == "warning"
        ]
        credential_results = [r.to_json() for r in self.credential_results]
        problems = [
            {"type": f"urn:microcred:problem:{e['code']}", "title": e["code"],
             "detail": f"presentation {e['check']}: {e['detail']}"}
            for e in errors
        ]  # fmt: skip
        for index, result in enumerate(credential_results):
            for e in result["errors"]:
                problems.append(
                    {"type": f"urn:microcred:problem:{e['code']}", "title": e["code"],
                     "detail": f"verifiableCredential[{index}] {e['check']}: {e['detail']}"}
                )  # fmt: skip
            warnings.extend({**w, "credential": index} for w in result["warnings"])
        body: dict[str, Any] = {
            "verified": self.verified,
            "presentationResult": {
                "verified": self.presentation_verified,
                "format": self.format,
                "holder": self.holder,
                "verificationMethod": self.verification_method,
                "checks": [c.name for c in self.checks if c.passed],
                "results": [c.to_json() for c in self.checks],
                "errors": errors,
                "warnings": [w for w in warnings if "credential" not in w],
            },
            "credentialResults": credential_results,
            "problemDetails": problems,
            "errors": [*errors, *(
                {**e, "credential": i}
                for i, r in enumerate(credential_results) for e in r["errors"]
            )],
            "warnings": warnings,
        }  # fmt: skip
        if include_presentation:
            body["verifiablePresentation"] = (
                dict(self.presentation) if self.presentation is not None else None
            )
        return body


def _types(document: Mapping[str, Any]) -> list[Any]:
    types = document.get("type")
    return types if isinstance(types, list) else [types]


def _holder_id(presentation: Mapping[str, Any]) -> str | None:
    holder = presentation.get("holder")
    if isinstance(holder, Mapping):
        holder = holder.get("id")
    return holder if isinstance(holder, str) else None


def _jws_parts(token: str) -> tuple[dict[str, Any], Any]:
    try:
        parts = jwt.PyJWS().decode_complete(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise JoseError("jws_malformed", str(exc)) from exc
    try:
        claims = json.loads(parts["payload"])
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise JoseError("payload_invalid", "the JWS payload is not JSON") from exc
    return parts["header"], claims


def _typ(header: Mapping[str, Any]) -> str | None:
    value = header.get("typ")
    if not isinstance(value, str):
        return None
    typ = value.lower()
    return typ[len("application/") :] if typ.startswith("application/") else typ


def _from_token(token: str, *, enveloped: bool = False) -> ParsedPresentation:
    """A ``vp+jwt`` (VC-JOSE-COSE section 3.1.2): the payload is the presentation."""
    token = token.strip()
    if not JWS_COMPACT.match(token):
        raise JoseError("jws_malformed", "not a compact JWS (three base64url segments)")
    header, claims = _jws_parts(token)
    if "crit" in header or "b64" in header:
        raise JoseError("jws_malformed", "crit and b64 header parameters are not supported")
    typ = _typ(header)
    if typ is not None and typ not in _VP_JWT_TYPS:
        raise JoseError("typ_unsupported", f"typ {header.get('typ')!r} is not vp+jwt")
    if not isinstance(claims, dict) or "@context" not in claims:
        raise JoseError("payload_invalid", "the payload of a vp+jwt is a presentation")
    if "vp" in claims:
        raise JoseError("claims_invalid", "a vp+jwt carries no vp claim: the payload is it")
    alg, kid = header.get("alg"), header.get("kid")
    if not isinstance(alg, str) or (kid is not None and not isinstance(kid, str)):
        raise JoseError("jws_malformed", "alg must be a string, and kid a string if present")
    holder = _holder_id(claims)
    iss = claims.get("iss")
    if iss is not None and holder is not None and iss != holder:
        raise JoseError("iss_mismatch", f"iss is {iss!r}, the holder {holder!r}")
    if holder is None and isinstance(iss, str):
        holder = iss
    jose = JoseCredential(token, FORM_VP_JWT, header, claims, dict(claims), kid, alg, holder)
    form = f"enveloped:{FORM_VP_JWT}" if enveloped else FORM_VP_JWT
    return ParsedPresentation(form, dict(claims), holder, jose)


def _unwrap(document: Mapping[str, Any]) -> str:
    return unwrap_enveloped(document, _ENVELOPE_MEDIA_TYPES, "presentation")


def is_presentation(value: Any) -> bool:
    """Whether ``value`` (a JSON object, JSON text, bytes or a compact JWS) is a presentation
    rather than a credential: its ``type`` includes ``VerifiablePresentation`` or
    ``EnvelopedVerifiablePresentation``, or it is a JWS of ``typ`` ``vp+jwt`` or with such a
    payload. Never raises."""
    try:
        if isinstance(value, bytes | bytearray):
            value = bytes(value).decode("utf-8-sig")
        if isinstance(value, str):
            text = value.strip().lstrip("\ufeff")
            if text.startswith(("{", '"')):
                value = json.loads(text)
                if isinstance(value, str):
                    text = value.strip()
            if isinstance(value, str):
                if not JWS_COMPACT.match(text):
                    return False
                header, claims = _jws_parts(text)
                if _typ(header) in _VP_JWT_TYPS:
                    return True
                value = claims
        if not isinstance(value, Mapping):
            return False
        types = _types(value)
        return PRESENTATION_TYPE in types or ENVELOPED_PRESENTATION_TYPE in types
    except (VerifierError, ValueError, RecursionError):
        return False


def parse_presentation(value: Mapping[str, Any] | str | bytes) -> ParsedPresentation:
    """Detect the form of ``value`` and read the presentation out of it (not verified).

    Raises :class:`CredentialFormatError` ``format_unrecognized`` or a :class:`JoseError`
    for a ``vp+jwt`` that cannot be read.
    """
    if isinstance(value, bytes | bytearray):
        try:
            value = bytes(value).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CredentialFormatError("format_unrecognized", "the input is not UTF-8") from exc
    if isinstance(value, str):
        text = value.strip().lstrip("\ufeff")
        if text.startswith(("{", '"')):
            try:
                decoded = json.loads(text)
            except (ValueError, RecursionError) as exc:
                raise CredentialFormatError("format_unrecognized", "the input is not JSON") from exc
            if isinstance(decoded, str):
                return _from_token(decoded)
            value = decoded
        elif JWS_COMPACT.match(text):
            return _from_token(text)
        else:
            raise CredentialFormatError(
                "format_unrecognized", "neither a JSON presentation nor a compact JWS"
            )
    if not isinstance(value, Mapping):
        kind = type(value).__name__
        raise CredentialFormatError(
            "format_unrecognized", f"a presentation is a JSON object or a JWS, not {kind}"
        )
    if ENVELOPED_PRESENTATION_TYPE in _types(value):
        return _from_token(_unwrap(value), enveloped=True)
    presentation = dict(value)
    return ParsedPresentation(FORM_LDP_VP, presentation, _holder_id(presentation))


def presentation_problems(presentation: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The presentation data model (VC 2.0 section 4.13) as (field path, reason) problems."""
    problems: list[tuple[str, str]] = []
    contexts = presentation.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    if contexts is None:
        problems.append(("@context", "is required"))
    elif first != VC_V2:
        problems.append(("@context", f"the first context must be {VC_V2}"))
    types = _types(presentation)
    if "type" not in presentation:
        problems.append(("type", "is required"))
    elif not all(isinstance(t, str) and t for t in types):
        problems.append(("type", "must be a string or a list of strings"))
    elif PRESENTATION_TYPE not in types:
        problems.append(("type", f"must include {PRESENTATION_TYPE}"))
    if "id" in presentation and not is_url(presentation["id"]):
        problems.append(("id", "must be a URL"))
    if "holder" in presentation:
        holder = presentation["holder"]
        holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
        if not is_url(holder_id):
            problems.append(("holder", "must be a URL or an object with an id URL"))
    if "verifiableCredential" in presentation:
        raw = presentation["verifiableCredential"]
        items = raw if isinstance(raw, list) else [raw]
        for index, item in enumerate(items):
            where = f"verifiableCredential[{index}]" if isinstance(raw, list) else (
                "verifiableCredential"
            )  # fmt: skip
            if isinstance(item, str) and JWS_COMPACT.match(item.strip()):
                continue  # a JOSE credential (as VC 1.1 presentations carry them)
            if not isinstance(item, Mapping):
                problems.append((where, "must be a credential object"))
    return problems


def _credentials(presentation: Mapping[str, Any]) -> list[Any]:
    raw = presentation.get("verifiableCredential")
    if raw is None:
        return []
    return raw if isinstance(raw, list) else [raw]


def _skipped(name: str, detail: str) -> Check:
    return Check(name, "skipped", detail=detail)


def _controller(method: str) -> str:
    return method.partition("#")[0]


@dataclass
class _Run:
    resolver: DidResolver
    loader: DocumentLoader
    now: datetime
    algorithms: Collection[str]
    options: Mapping[str, Any]
    keys: list[ResolvedKey] = field(default_factory=list)

    def holder_key(self, method: str, holder: str | None) -> ResolvedKey:
        """The key of ``method``, listed for ``authentication`` by its controller, who must
        be the holder when there is one. Raises :class:`DidResolutionError`."""
        if method.startswith("#") and holder is not None:
            method = holder + method
        if holder is not None and _controller(method) != holder:
            raise DidResolutionError(
                "controller_mismatch", f"{method} is not a key of the holder {holder}"
            )
        key = self.resolver.verification_method(method, purpose=_PURPOSE)
        self.keys.append(key)
        return key

    def data_integrity(self, parsed: ParsedPresentation) -> tuple[Check, Check, list[Any]]:
        """``proof`` and ``holder_key``, and the proofs (for challenge and domain)."""
        raw = parsed.presentation.get("proof")
        if raw is None or raw == []:
            return (
                Check("proof", "warning", "presentation_unsecured",
                      "the presentation has no proof: nothing binds it to a holder"),
                _skipped("holder_key", "not checked: the presentation has no proof"),
                [],
            )  # fmt: skip
        proofs = raw if isinstance(raw, list) else [raw]
        for position, proof in enumerate(proofs, start=1):
            where = f"proof {position} of {len(proofs)}: " if len(proofs) > 1 else ""
            method = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
            if not isinstance(method, str):
                detail = f"{where}a proof must be an object with a verificationMethod"
                return (
                    Check("proof", "failed", "proof_malformed", detail),
                    _skipped("holder_key", "not checked: the proof names no key"),
                    proofs,
                )
            try:
                key = self.holder_key(method, parsed.holder)
            except DidResolutionError as exc:
                return (
                    _skipped("proof", "not checked: the holder's key could not be established"),
                    Check("holder_key", "failed", exc.code, where + exc.detail),
                    proofs,
                )
            result = verify_proof(
                parsed.presentation, key.public_key, self.loader,
                proof=proof if isinstance(raw, list) else None,
                expected_purpose=_PURPOSE, now=self.now,
            )  # fmt: skip
            if not result.verified:
                return (
                    Check("proof", "failed", result.code, where + result.detail),
                    _key_passed(key),
                    proofs,
                )
        suites = ", ".join(sorted({str(p.get("cryptosuite")) for p in proofs}))
        return (
            Check("proof", "passed", None, f"{suites} authentication proof verifies"),
            _key_passed(self.keys[0]),
            proofs,
        )

    def jose(self, parsed: ParsedPresentation, jose: JoseCredential) -> tuple[Check, Check]:
        if jose.kid is None:
            return (
                _skipped("proof", "not checked: no key is named"),
                Check("holder_key", "failed", "kid_missing", "the JWS header has no kid"),
            )
        try:
            key = self.holder_key(jose.kid, parsed.holder)
        except DidResolutionError as exc:
            return (
                _skipped("proof", "not checked: the holder's key could not be established"),
                Check("holder_key", "failed", exc.code, exc.detail),
            )
        try:
            verify_jws(jose, key.public_key, algorithms=self.algorithms)
        except JoseError as exc:
            return Check("proof", "failed", exc.code, exc.detail), _key_passed(key)
        return Check("proof", "passed", None, f"{jose.alg} JWS verifies"), _key_passed(key)


def _key_passed(key: ResolvedKey) -> Check:
    return Check(
        "holder_key", "passed", None,
        f"{key.id} is a key of the holder, listed for authentication",
        {"verificationMethod": key.id, "keyType": key.public_key.key_type},
    )  # fmt: skip


def _bound(name: str, wanted: Any, carried: list[Any], *, secured: bool, carrier: str) -> Check:
    """``challenge``/``domain``: each proof must carry ``wanted`` (a list: contain it)."""
    if wanted is None:
        return _skipped(name, f"no {name} was asked for")
    code = f"{name}_mismatch"
    if not isinstance(wanted, str):
        return Check(name, "failed", code, f"the {name} asked for must be a string")
    if not secured:
        return Check(name, "failed", code, f"the presentation has no proof to carry the {name}")
    for value in carried:
        values = value if isinstance(value, list) else [value]
        if wanted not in values:
            shown = "none" if value is None else json.dumps(value)[:200]
            return Check(name, "failed", code, f"the {carrier} is {shown}, not {wanted!r}")
    return Check(name, "passed", None, f"the {carrier} is the one asked for")


def verify_presentation(
    presentation: Mapping[str, Any] | str | bytes,
    *,
    resolver: DidResolver,
    options: Mapping[str, Any] | None = None,
    fetcher: Fetcher | None = None,
    document_loader: DocumentLoader | None = None,
    now: datetime | None = None,
    clock_skew: timedelta = timedelta(minutes=5),
    trusted_issuers: Collection[str] | None = None,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
    max_fetches: int | None = MAX_FETCHES,
    budget_seconds: float | None = FETCH_BUDGET_SECONDS,
    max_status_entries: int | None = MAX_STATUS_ENTRIES,
    max_depth: int | None = MAX_DEPTH,
    max_credentials: int = 16,
) -> PresentationResult:
    """Verify ``presentation`` and every credential in it (see the module docstring).

    ``options`` are the VC API's: ``challenge`` and ``domain`` the proof must carry. The other
    parameters are :func:`verifier.verify_credential`'s, shared by the presentation and its
    credentials (one fetch budget for all); at most ``max_credentials`` credentials are
    verified (more: ``format`` fails, ``too_many_credentials``). Never raises for a bad
    presentation.
    """
    if now is None:
        now = datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    options = options or {}
    if max_fetches is not None or budget_seconds is not None:
        resolver, fetcher = _budgeted(resolver, fetcher, FetchBudget(max_fetches, budget_seconds))
    loader = document_loader or _DEFAULT_LOADER
    rest = ("proof", "holder_key", "challenge", "domain")
    try:
        parsed = parse_presentation(presentation)
    except VerifierError as exc:
        failed = Check("format", "failed", exc.code, exc.detail)
        return PresentationResult(
            (failed, *(_skipped(n, "not checked: not a readable presentation") for n in rest))
        )
    problems = presentation_problems(parsed.presentation)
    credentials = _credentials(parsed.presentation)
    if not problems and len(credentials) > max_credentials:
        problems = [("verifiableCredential", f"more than {max_credentials} credentials")]
    if not problems and max_depth is not None and nested_deeper(parsed.presentation, max_depth + 1):
        problems = [("verifiableCredential", f"nested deeper than {max_depth} levels")]
    if problems:
        reasons = "; ".join(f"{where} {reason}" for where, reason in problems)
        failed = Check(
            "format", "failed", "presentation_invalid", reasons,
            {"format": parsed.format,
             "problems": [{"field": f, "reason": r} for f, r in problems]},
        )  # fmt: skip
        skipped = (_skipped(n, "not checked: not a valid presentation") for n in rest)
        return PresentationResult((failed, *skipped), format=parsed.format, holder=parsed.holder)
    format_check = Check("format", "passed", None, parsed.format, {"format": parsed.format})
    run = _Run(resolver, loader, now, algorithms, options)
    if parsed.jose is not None:
        proof, holder_key = run.jose(parsed, parsed.jose)
        claims = parsed.jose.claims
        secured, challenges, domains = True, [claims.get("nonce")], [claims.get("aud")]
        carriers = ("nonce claim", "aud claim")
    else:
        proof, holder_key, proofs = run.data_integrity(parsed)
        secured = bool(proofs)
        challenges = [p.get("challenge") if isinstance(p, Mapping) else None for p in proofs]
        domains = [p.get("domain") if isinstance(p, Mapping) else None for p in proofs]
        carriers = ("proof's challenge", "proof's domain")
    checks = (
        format_check,
        proof,
        holder_key,
        _bound("challenge", options.get("challenge"), challenges, secured=secured,
               carrier=carriers[0]),
        _bound("domain", options.get("domain"), domains, secured=secured, carrier=carriers[1]),
    )  # fmt: skip
    credential_results = tuple(
        verify_credential(
            credential,
            resolver=resolver,
            fetcher=fetcher,
            document_loader=loader,
            now=now,
            clock_skew=clock_skew,
            trusted_issuers=trusted_issuers,
            algorithms=algorithms,
            max_fetches=None,  # the presentation's budget, shared
            budget_seconds=None,
            max_status_entries=max_status_entries,
            max_depth=max_depth,
        )
        for credential in credentials
    )
    return PresentationResult(
        checks,
        credential_results,
        format=parsed.format,
        presentation=parsed.presentation,
        holder=parsed.holder,
        verification_method=run.keys[0].id if run.keys else None,
    )
