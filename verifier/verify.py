"""Verifying a credential: every check, in order, into one :class:`VerificationResult`.

The verifier's algorithm (VC Data Model 2.0, section 7.1 "Verification"; the checks are those
of :mod:`verifier.result`):

``format``
    Detect the form: a JSON object with a ``proof`` is JSON-LD with Data Integrity
    (``ldp_vc``); a compact JWS (or a JSON string holding one) is a ``vc+jwt``
    (VC-JOSE-COSE) or a legacy ``vc-jwt-1.1`` (VC 1.1 section 6.3.1); an
    ``EnvelopedVerifiableCredential`` is unwrapped (``enveloped:vc+jwt``). The credential
    must then keep the VC data model rules (:func:`verifier.vc_model.data_model_problems`;
    a vc+jwt secures VC 2.0 only), a ``relatedResource`` the verifier holds (a bundled
    context) must match its digest (``related_resource_mismatch``, VC 2.0 section 5.3), and a
    vc+jwt's payload (without the registered JWT claims) must expand as JSON-LD in safe mode
    with the bundled contexts, as a Data Integrity credential must to be canonicalized
    (``undefined_term``, ``unknown_context`` on ``format``; VC-JOSE-COSE section 3.1.1). A
    legacy VC-JWT 1.1 is not processed as JSON-LD.
    A JSON object without ``proof`` is read as ``ldp_vc`` and fails ``proof``
    (``proof_missing``). A credential with arrays or objects nested deeper than
    ``max_depth`` levels fails (``nesting_too_deep``) before anything walks it. When
    ``format`` fails, every other check is skipped.
``proof`` and ``issuer_key``
    The verification method (the proof's ``verificationMethod``; the JWS ``kid``, relative
    ``#kid`` resolved against the issuer) must be a DID URL under the issuer's DID, listed
    for ``assertionMethod`` in the issuer's DID document (:class:`DidResolver`). An issuer
    identified by an https URL has a controlled identifier document at that URL (CID 1.0)
    and its methods are ``<url>#<id>``, checked the same way; a vc+jwt of such an issuer
    whose ``kid`` is not one of them (or that has no ``kid``) is checked with the key of
    that ``kid`` in the issuer's JWK Set from its JWT VC Issuer Metadata (VC-JOSE-COSE
    section 4.2.1, :meth:`DidResolver.jwt_issuer_key`). A did:key issuer's vc+jwt needs no
    ``kid``: the DID has one key. Otherwise
    ``issuer_key`` fails with the :class:`DidResolutionError` code (``controller_mismatch``
    for a key of another DID, ``verification_method_not_found`` for a withdrawn key, ...) or
    ``kid_missing``, and ``proof`` is skipped, having no key to check with. Then the proof
    (:func:`verifier.verify_proof`) or the JWS (:func:`verifier.vc_jwt.verify_jws`; the
    ``alg`` allow-list is checked first, before any resolution) is verified. A JSON-LD
    context the verifier does not bundle fails ``proof`` with ``unknown_context``: the
    proof cannot be checked without it (Data Integrity 1.0, section 4.4); a vc+jwt with
    one already failed ``format``. A proof set or chain (a
    ``proof`` list, Data Integrity 1.0 section 4.5) is genuine when at least one proof by
    the issuer verifies and no proof fails; proofs by others (witnesses) are checked with
    their own controllers' keys (:meth:`_Verification._verify_proof_set`). The ``proof``
    check's data lists every proof with its outcome.
``validity``
    ``validFrom``/``validUntil`` (VC 2.0 section 4.9), ``issuanceDate``/``expirationDate``
    (VC 1.1), and a JWT's ``nbf``/``exp`` (RFC 7519 sections 4.1.4-4.1.5) against ``now``
    with ``clock_skew`` either way; all that are present apply (the narrowest window
    wins). Codes ``expired``, ``not_yet_valid``.
``revocation`` and ``suspension``
    Bitstring Status List v1.0, section 3.2: each ``BitstringStatusListEntry`` of the purpose
    is checked against its list, fetched through the ``fetcher`` and verified as a
    credential itself (proof and issuer key as above, DI or JWT), whose issuer must be the
    credential's. A set bit fails with ``revoked`` / ``suspended``; a list that cannot be
    fetched, verified or read fails with the list's code (``status_list_unavailable``,
    ``status_list_proof_invalid``, ``status_list_issuer_mismatch``, the codes of
    :func:`verifier.check_status_entry`), and so does an entry of another type
    (``status_type_unsupported``): a status that cannot be established fails closed. So do
    entries when no ``fetcher`` was given (``status_unavailable``). No entry for a purpose:
    ``skipped``. These two checks reach the network, so they run only when ``proof`` and
    ``issuer_key`` passed (otherwise ``skipped``): URLs in a credential nobody signed are
    not fetched. A credential with more than ``max_status_entries`` entries fails both
    (``status_entries_exceed_limit``) before any list is fetched.
``completeness``
    :func:`verifier.completeness.completeness` (reported, not essential).
``trust``
    ``trusted_issuers`` None: ``skipped``; else ``passed`` when the issuer is in it and a
    ``warning`` (``untrusted_issuer``) when not: trust does not decide ``verified``
    (:attr:`VerificationResult.trusted` reports it, the verdict is ``untrusted``).

Fetching
    Everything one verification fetches (DID documents, status lists) goes through one
    :class:`verifier.fetch.BudgetedFetcher`: at most ``max_fetches`` distinct URLs and
    ``budget_seconds`` of fetching in all, each fetch within what is left. A document that
    cannot be fetched just now (network, timeout, 5xx, the budget spent) makes its check
    fail as undetermined (``did_unreachable``, ``status_list_unavailable``) and the verdict
    ``status_unknown``, never ``not_genuine``.

Nothing here raises for a bad credential: every :class:`VerifierError` becomes a failed check
with its ``code``. Programming errors (a naive ``now``) raise, and so does any exception other
than :class:`VerifierError` that an injected fetcher raises.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from verifier.completeness import completeness
from verifier.data_integrity import ProofCheck, verify_proof
from verifier.did_resolution import DidResolver, ResolvedKey, is_url_identifier, split_method_url
from verifier.errors import (
    CredentialFormatError,
    DidResolutionError,
    FetchError,
    JsonLdError,
    VerifierError,
)
from verifier.fetch import BudgetedFetcher, FetchBudget, Fetcher
from verifier.jsonld import DocumentLoader, bundled_document_loader, check_expands
from verifier.nesting import nested_deeper
from verifier.related_resource import related_resource_mismatches
from verifier.result import CHECK_NAMES, UNDETERMINED_CODES, Check, VerificationResult
from verifier.sd_jwt import is_sd_jwt
from verifier.sd_jwt_vc import verify_sd_jwt_vc
from verifier.status_list import ENTRY_TYPE, PURPOSES, StatusCheck, check_status_entry
from verifier.vc_jwt import (
    DEFAULT_ALGORITHMS,
    FORM_VC_JWT,
    JWS_COMPACT,
    JoseCredential,
    check_algorithm,
    credential_document,
    is_enveloped,
    parse_jws_credential,
    unwrap_enveloped,
    verify_jws,
)
from verifier.vc_model import data_model_problems, parse_datetime

__all__ = [
    "CREDENTIAL_ACCEPT",
    "FETCH_BUDGET_SECONDS",
    "FORMAT_LDP_VC",
    "MAX_DEPTH",
    "MAX_FETCHES",
    "MAX_STATUS_ENTRIES",
    "STATUS_LIST_ACCEPT",
    "ParsedCredential",
    "parse_credential",
    "verify_credential",
]

FORMAT_LDP_VC = "ldp_vc"
#: ``Accept`` for fetching a credential or a status list: JSON-LD first (``application/vc``,
#: VC 2.0 section 6.3, and its older name), then the JWT form.
CREDENTIAL_ACCEPT = (
    "application/vc, application/vc+ld+json, application/vc+jwt;q=0.9, application/json;q=0.8"
)
STATUS_LIST_ACCEPT = CREDENTIAL_ACCEPT
#: Defaults of :func:`verify_credential`'s limits: distinct documents fetched, seconds of
#: fetching, and ``credentialStatus`` entries per credential.
MAX_FETCHES = 8
FETCH_BUDGET_SECONDS = 10.0
MAX_STATUS_ENTRIES = 4
#: Levels of arrays and objects a credential may have (the credential itself is level 1).
MAX_DEPTH = 64
_DEFAULT_LOADER: DocumentLoader = bundled_document_loader()
_STATES = {"revocation": "revoked", "suspension": "suspended"}


@dataclass(frozen=True)
class ParsedCredential:
    """A credential read from its secured form: ``format`` (``ldp_vc``, ``vc+jwt``,
    ``vc-jwt-1.1``, ``enveloped:vc+jwt``), the credential itself, the issuer's id, and for
    the JOSE forms the parsed JWS."""

    format: str
    credential: dict[str, Any]
    issuer: str | None
    jose: JoseCredential | None = None


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _from_token(token: str, *, enveloped: bool = False) -> ParsedCredential:
    jose = parse_jws_credential(token)
    form = f"enveloped:{jose.form}" if enveloped else jose.form
    return ParsedCredential(form, jose.credential, jose.issuer, jose)


def parse_credential(value: Mapping[str, Any] | str | bytes) -> ParsedCredential:
    """Detect the form of ``value`` and read the credential out of it (not verified).

    Accepts a JSON object (Data Integrity, or an ``EnvelopedVerifiableCredential``), a
    compact JWS, or JSON text / UTF-8 bytes of either (a JSON string holding a JWS too).
    Raises :class:`CredentialFormatError` ``format_unrecognized`` or a
    :class:`verifier.JoseError` for a JWS that cannot be read.
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
                return _from_token(decoded.strip())
            value = decoded
        elif JWS_COMPACT.match(text):
            return _from_token(text)
        else:
            raise CredentialFormatError(
                "format_unrecognized", "neither a JSON credential nor a compact JWS"
            )
    if not isinstance(value, Mapping):
        kind = type(value).__name__
        raise CredentialFormatError(
            "format_unrecognized", f"a credential is a JSON object or a JWS, not {kind}"
        )
    if is_enveloped(value):
        return _from_token(unwrap_enveloped(value), enveloped=True)
    credential = dict(value)
    return ParsedCredential(FORMAT_LDP_VC, credential, _issuer_id(credential))


def _skipped(name: str, detail: str) -> Check:
    return Check(name, "skipped", detail=detail)


def _failed(name: str, exc: VerifierError, prefix: str = "") -> Check:
    return Check(name, "failed", exc.code, prefix + exc.detail)


@dataclass(frozen=True)
class _Authentication:
    proof: Check
    issuer_key: Check
    verification_method: str | None

    @property
    def genuine(self) -> bool:
        return self.proof.passed and self.issuer_key.passed

    def first_problem(self) -> Check:
        return next(c for c in (self.proof, self.issuer_key) if not c.passed)


@dataclass
class _Verification:
    resolver: DidResolver
    fetcher: Fetcher | None
    loader: DocumentLoader
    now: datetime
    skew: timedelta
    algorithms: Collection[str]
    max_status_entries: int | None = MAX_STATUS_ENTRIES
    status_lists: dict[str, Mapping[str, Any] | Check] = field(default_factory=dict)

    # --- proof and issuer key -----------------------------------------------------------

    def issuer_key(self, method: str, issuer: str | None) -> ResolvedKey:
        """The key of ``method``, which must be a DID URL under ``issuer`` (or, for an issuer
        identified by an https URL, ``<issuer>#<id>`` in its controlled identifier
        document), listed for ``assertionMethod``. Raises :class:`DidResolutionError`."""
        if method.startswith("#") and issuer is not None:
            method = issuer + method  # VC-JOSE-COSE 3.2: a kid relative to the issuer DID
        did, _ = split_method_url(method)
        if did != issuer:
            raise DidResolutionError(
                "controller_mismatch", f"{method} is not a key of the issuer {issuer}"
            )
        return self.resolver.verification_method(method, purpose="assertionMethod")

    def authenticate(self, parsed: ParsedCredential) -> _Authentication:
        if parsed.jose is not None:
            return self._authenticate_jws(parsed, parsed.jose)
        return self._authenticate_data_integrity(parsed)

    def _authenticate_data_integrity(self, parsed: ParsedCredential) -> _Authentication:
        """Data Integrity 1.0 sections 4.4-4.5: the proof, or every proof of a proof set or
        chain, verified with the key its verification method names (see
        :meth:`_verify_proof_set` for whose keys a set may use)."""
        no_key = _skipped("issuer_key", "not checked: the proof names no key")
        proof = parsed.credential.get("proof")
        if isinstance(proof, list) and proof:
            return self._verify_proof_set(parsed, proof)
        if not isinstance(proof, Mapping):
            if proof is None or proof == []:
                code, detail = "proof_missing", "the credential has no proof"
            else:
                code, detail = "proof_malformed", "proof must be an object or a list of them"
            return _Authentication(Check("proof", "failed", code, detail), no_key, None)
        method = proof.get("verificationMethod")
        if not isinstance(method, str):
            failed = Check("proof", "failed", "proof_malformed", "verificationMethod is missing")
            return _Authentication(failed, no_key, None)
        try:
            key = self.issuer_key(method, parsed.issuer)
        except DidResolutionError as exc:
            return _Authentication(
                _skipped("proof", "not checked: the issuer's key could not be established"),
                _failed("issuer_key", exc),
                method,
            )
        result = verify_proof(parsed.credential, key.public_key, self.loader, now=self.now)
        data = {
            "cryptosuite": result.cryptosuite,
            "created": proof.get("created"),
            "proofs": [_proof_entry(proof, result, by_issuer=True)],
        }
        if result.verified:
            detail = f"{result.cryptosuite} proof verifies"
            proof_check = Check("proof", "passed", None, detail, data)
        else:
            proof_check = Check("proof", "failed", result.code, result.detail, data)
        return _Authentication(proof_check, _key_passed(key), key.id)

    def _verify_proof_set(self, parsed: ParsedCredential, proofs: list[Any]) -> _Authentication:
        """A proof set or chain (Data Integrity 1.0 section 4.5): every proof must verify.

        A proof whose verification method is under the issuer's identifier is checked with
        the issuer's key (:meth:`issuer_key`); a proof by anyone else (a witness, an endorser)
        with the key its own controller lists for ``assertionMethod``. The credential is
        genuine when at least one proof by the issuer verifies and no proof fails: a proof
        that does not verify, or whose key cannot be established, anywhere in the set makes
        it not genuine. ``proof`` fails with the first failing proof's code; ``issuer_key``
        fails when no proof is by the issuer (``controller_mismatch``) or the key of one of
        the issuer's proofs cannot be established (the :class:`DidResolutionError` code).
        The ``proof`` check's data lists every proof with its outcome.
        """
        entries: list[dict[str, Any]] = []
        failures: list[tuple[int, str, str]] = []  # (position, code, detail)
        issuer_keys: list[ResolvedKey] = []
        issuer_key_errors: list[DidResolutionError] = []
        for position, proof in enumerate(proofs, start=1):
            method = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
            if not isinstance(proof, Mapping) or not isinstance(method, str):
                detail = "a proof must be an object with a verificationMethod"
                entries.append(
                    {"position": position, "status": "failed", "code": "proof_malformed"}
                )
                failures.append((position, "proof_malformed", detail))
                continue
            by_issuer = parsed.issuer is not None and _controller(method) == parsed.issuer
            try:
                key = (
                    self.issuer_key(method, parsed.issuer)
                    if by_issuer
                    else self.resolver.verification_method(method, purpose="assertionMethod")
                )
            except DidResolutionError as exc:
                entry = _proof_entry(proof, None, by_issuer=by_issuer)
                entries.append({**entry, "position": position, "status": "failed",
                                "code": exc.code, "detail": exc.detail})  # fmt: skip
                if by_issuer:
                    issuer_key_errors.append(exc)
                else:
                    failures.append((position, exc.code, exc.detail))
                continue
            if by_issuer:
                issuer_keys.append(key)
            result = verify_proof(
                parsed.credential, key.public_key, self.loader, proof=proof, now=self.now
            )
            entries.append(
                {**_proof_entry(proof, result, by_issuer=by_issuer), "position": position}
            )
            if not result.verified:
                failures.append((position, result.code or "signature_invalid", result.detail))
        data = {"proofs": entries}
        count = len(proofs)
        if issuer_key_errors:  # a key of the issuer's proofs withdrawn, unknown, unreachable
            issuer_key_check = _failed("issuer_key", issuer_key_errors[0])
        elif issuer_keys:
            issuer_key_check = _key_passed(issuer_keys[0])
        else:
            issuer_key_check = Check(
                "issuer_key", "failed", "controller_mismatch",
                f"none of the {count} proofs is by a key of the issuer {parsed.issuer}",
            )  # fmt: skip
        if failures:
            position, code, detail = failures[0]
            proof_check = Check(
                "proof", "failed", code, f"proof {position} of {count}: {detail}", data
            )
        elif not issuer_keys:
            proof_check = Check(
                "proof", "skipped",
                detail="not checked: the issuer's key could not be established", data=data,
            )  # fmt: skip
        else:
            suites = ", ".join(sorted({str(e.get("cryptosuite")) for e in entries}))
            detail = f"all {count} proofs verify ({suites})"
            proof_check = Check("proof", "passed", None, detail, data)
        method = issuer_keys[0].id if issuer_keys else None
        return _Authentication(proof_check, issuer_key_check, method)

    def _authenticate_jws(self, parsed: ParsedCredential, jose: JoseCredential) -> _Authentication:
        try:
            check_algorithm(jose.alg, self.algorithms)
        except VerifierError as exc:
            return _Authentication(
                _failed("proof", exc),
                _skipped("issuer_key", "not checked: the JWS algorithm is refused"),
                jose.kid,
            )
        kid = jose.kid
        if kid is None and parsed.issuer is not None and parsed.issuer.startswith("did:key:"):
            kid = self._sole_did_key_method(parsed.issuer)
        issuer = parsed.issuer
        by_jwk_set = is_url_identifier(issuer) and (
            kid is None or (not kid.startswith("#") and _controller(kid) != issuer)
        )
        if kid is None and not by_jwk_set:
            return _Authentication(
                _skipped("proof", "not checked: no key is named"),
                Check("issuer_key", "failed", "kid_missing", "the JWS header has no kid"),
                None,
            )
        try:
            if by_jwk_set:
                assert issuer is not None
                key = self.resolver.jwt_issuer_key(issuer, kid)
            else:
                assert kid is not None
                key = self.issuer_key(kid, issuer)
        except DidResolutionError as exc:
            return _Authentication(
                _skipped("proof", "not checked: the issuer's key could not be established"),
                _failed("issuer_key", exc),
                jose.kid,
            )
        data = {"alg": jose.alg}
        try:
            verify_jws(jose, key.public_key, algorithms=self.algorithms)
        except VerifierError as exc:
            proof_check = Check("proof", "failed", exc.code, exc.detail, data)
        else:
            proof_check = Check("proof", "passed", None, f"{jose.alg} JWS signature verifies", data)
        return _Authentication(proof_check, _key_passed(key), key.id)

    def _sole_did_key_method(self, did: str) -> str | None:
        """The one verification method of a ``did:key`` DID (did:key v0.7 section 3.1.2: the
        document is derived from the single key the DID encodes), so a JWT of a did:key issuer
        needs no ``kid`` (VC-JOSE-COSE section 4.1.1 asks for one with DID URLs; the key is
        not in doubt here). None when the DID does not resolve to exactly one."""
        try:
            document = self.resolver.resolve(did)
        except DidResolutionError:
            return None
        methods = document.get("verificationMethod")
        if not isinstance(methods, list) or len(methods) != 1:
            return None
        method = methods[0].get("id") if isinstance(methods[0], Mapping) else None
        if not isinstance(method, str):
            return None
        return did + method if method.startswith("#") else method

    # --- status -------------------------------------------------------------------------

    def status_checks(self, parsed: ParsedCredential) -> tuple[Check, Check]:
        raw = parsed.credential.get("credentialStatus")
        entries = [] if raw is None else raw if isinstance(raw, list) else [raw]
        limit = self.max_status_entries
        if limit is not None and len(entries) > limit:
            # Each entry may name another list to fetch: refuse before fetching any.
            detail = f"{len(entries)} status entries; at most {limit} are checked"
            data = {"entries": len(entries), "limit": limit}
            revocation, suspension = (
                Check(purpose, "failed", "status_entries_exceed_limit", detail, data)
                for purpose in PURPOSES
            )
            return revocation, suspension
        by_purpose: dict[str, list[Any]] = {purpose: [] for purpose in PURPOSES}
        for entry in entries:
            purpose = entry.get("statusPurpose") if isinstance(entry, Mapping) else None
            if purpose in by_purpose:
                by_purpose[purpose].append(entry)
            elif not isinstance(purpose, str):
                by_purpose["revocation"].append(entry)  # unreadable: fail closed
        revocation, suspension = (
            self._purpose_check(purpose, by_purpose[purpose], parsed.issuer) for purpose in PURPOSES
        )
        return revocation, suspension

    def _purpose_check(self, purpose: str, entries: list[Any], issuer: str | None) -> Check:
        if not entries:
            return _skipped(purpose, f"the credential has no {purpose} status entry")
        if self.fetcher is None:
            return Check(
                purpose, "failed", "status_unavailable",
                f"the {purpose} status cannot be checked: no fetcher (offline verification)",
            )  # fmt: skip
        results = [self._entry_status(entry, issuer) for entry in entries]
        for entry, result in zip(entries, results, strict=True):
            if isinstance(result, StatusCheck) and result.code is None and result.status:
                state = _STATES[purpose]
                return Check(
                    purpose, "failed", state, f"the credential is {state}",
                    {"index": result.index, "statusListCredential": _list_url(entry)},
                )  # fmt: skip
        for result in results:
            if isinstance(result, Check):
                return Check(purpose, "failed", result.code, result.detail, result.data)
            if result.code is not None:
                data = {"errorType": result.error_type, "problemType": result.problem_type}
                return Check(purpose, "failed", result.code, result.detail, data)
        first = results[0]
        index = first.index if isinstance(first, StatusCheck) else None
        return Check(
            purpose, "passed", None, f"not {_STATES[purpose]}",
            {"index": index, "statusListCredential": _list_url(entries[0])},
        )  # fmt: skip

    def _entry_status(self, entry: Any, issuer: str | None) -> StatusCheck | Check:
        if not isinstance(entry, Mapping) or entry.get("type") != ENTRY_TYPE:
            # check_status_entry names what is wrong with the entry before it reads the list
            return check_status_entry(entry, {}, now=self.now)
        url = entry.get("statusListCredential")
        if not isinstance(url, str):
            return check_status_entry(entry, {}, now=self.now)
        status_list = self.status_lists.get(url)
        if status_list is None:
            status_list = self.status_lists[url] = self._status_list(url, issuer)
        if isinstance(status_list, Check):
            return status_list
        return check_status_entry(entry, status_list, now=self.now, clock_skew=self.skew)

    def _status_list(self, url: str, issuer: str | None) -> Mapping[str, Any] | Check:
        """The status list credential at ``url``, fetched and verified (Bitstring Status List
        v1.0, section 3.2 step 4), or a failed check saying why not."""

        def problem(code: str, detail: str, cause: str | None = None) -> Check:
            data = {"statusListCredential": url, **({"cause": cause} if cause else {})}
            return Check("status", "failed", code, detail, data)

        assert self.fetcher is not None
        try:
            fetched = self.fetcher.fetch(url, accept=STATUS_LIST_ACCEPT)
        except FetchError as exc:
            return problem("status_list_unavailable", f"{url}: {exc.detail}", exc.code)
        try:
            parsed = parse_credential(fetched.body)
        except VerifierError as exc:
            return problem("status_list_malformed", f"{url}: {exc.detail}", exc.code)
        problems = _data_model_problems(parsed)
        if problems:
            reasons = "; ".join(f"{where} {reason}" for where, reason in problems)
            return problem("status_list_malformed", f"{url}: {reasons}", "data_model_invalid")
        try:
            _check_jose_payload(parsed, self.loader)
        except JsonLdError as exc:
            return problem("status_list_malformed", f"{url}: {exc.detail}", exc.code)
        if parsed.issuer != issuer:
            return problem(
                "status_list_issuer_mismatch",
                f"the list at {url} is issued by {parsed.issuer}, not by {issuer}",
            )
        authentication = self.authenticate(parsed)
        if not authentication.genuine:
            failing = authentication.first_problem()
            if failing.code in UNDETERMINED_CODES:
                return problem(
                    "status_list_unavailable",
                    f"the key of the status list at {url} could not be fetched: {failing.detail}",
                    failing.code,
                )
            return problem(
                "status_list_proof_invalid",
                f"the status list at {url} does not verify: {failing.detail}",
                failing.code,
            )
        return parsed.credential


def _data_model_problems(parsed: ParsedCredential) -> list[tuple[str, str]]:
    """The VC data model problems of ``parsed``: a vc+jwt secures a VC 2.0 credential only
    (VC-JOSE-COSE section 3.1.1); Data Integrity and legacy VC-JWT also read VC 1.1."""
    vc_jwt = parsed.jose is not None and parsed.jose.form == FORM_VC_JWT
    return data_model_problems(parsed.credential, allow_v1=not vc_jwt)


def _check_jose_payload(parsed: ParsedCredential, loader: DocumentLoader) -> None:
    """A vc+jwt's payload is JSON-LD like any VC 2.0 credential (VC-JOSE-COSE section 3.1.1,
    media type ``application/vc``): it is expanded in safe mode, offline with ``loader``
    (:func:`verifier.jsonld.expand`), without the registered JWT claims. Raises
    :class:`JsonLdError` (``unknown_context``, ``undefined_term``, ...). A Data Integrity
    credential gets the same processing from its proof; a legacy VC-JWT 1.1 is read as
    VC 1.1 section 6.3.1 maps it and is not processed as JSON-LD."""
    if parsed.jose is None or parsed.jose.form != FORM_VC_JWT:
        return
    check_expands(credential_document(parsed.jose), loader)


def _controller(method: str) -> str:
    """The identifier a verification method belongs to: its DID URL or URL without the
    fragment (Controlled Identifiers 1.0, section 2.2)."""
    return method.partition("#")[0]


def _proof_entry(
    proof: Mapping[str, Any], result: ProofCheck | None, *, by_issuer: bool
) -> dict[str, Any]:
    """What the ``proof`` check reports of one proof: its id, cryptosuite, verification
    method, whether it is the issuer's, and its outcome."""
    entry: dict[str, Any] = {
        "id": proof.get("id"),
        "cryptosuite": proof.get("cryptosuite"),
        "verificationMethod": proof.get("verificationMethod"),
        "byIssuer": by_issuer,
    }
    if "previousProof" in proof:
        entry["previousProof"] = proof["previousProof"]
    if result is not None:
        entry["status"] = "passed" if result.verified else "failed"
        if not result.verified:
            entry.update(code=result.code, detail=result.detail)
    return entry


def _list_url(entry: Any) -> Any:
    return entry.get("statusListCredential") if isinstance(entry, Mapping) else None


def _key_passed(key: ResolvedKey) -> Check:
    return Check(
        "issuer_key",
        "passed",
        None,
        f"{key.id} is a key of the issuer, listed for assertionMethod",
        {"verificationMethod": key.id, "keyType": key.public_key.key_type},
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _validity(parsed: ParsedCredential, now: datetime, skew: timedelta) -> Check:
    credential = parsed.credential
    starts: list[datetime] = []
    ends: list[datetime] = []
    for term, bucket, strict in (
        ("validFrom", starts, True),
        ("validUntil", ends, True),
        ("issuanceDate", starts, False),
        ("expirationDate", ends, False),
    ):
        moment = parse_datetime(credential.get(term), require_timezone=strict)
        if moment is not None:
            bucket.append(_aware(moment))
    if parsed.jose is not None:
        for claim, bucket in (("nbf", starts), ("exp", ends)):
            value = parsed.jose.claims.get(claim)
            if isinstance(value, int | float) and not isinstance(value, bool):
                bucket.append(datetime.fromtimestamp(value, UTC))
    start = max(starts) if starts else None
    end = min(ends) if ends else None
    data = {
        "validFrom": start.isoformat() if start else None,
        "validUntil": end.isoformat() if end else None,
    }
    if start is not None and now + skew < start:
        detail = f"valid only from {start.isoformat()}"
        return Check("validity", "failed", "not_yet_valid", detail, data)
    if end is not None and now - skew > end:
        return Check("validity", "failed", "expired", f"expired at {end.isoformat()}", data)
    detail = "within its validity period" if start or end else "no validity period is set"
    return Check("validity", "passed", None, detail, data)


def _trust(issuer: str | None, trusted_issuers: Collection[str] | None) -> Check:
    if trusted_issuers is None:
        return _skipped("trust", "no list of trusted issuers is configured")
    if issuer is not None and issuer in trusted_issuers:
        return Check("trust", "passed", None, f"{issuer} is a trusted issuer")
    return Check("trust", "warning", "untrusted_issuer", f"{issuer} is not on the trusted list")


def verify_credential(
    credential: Mapping[str, Any] | str | bytes,
    *,
    resolver: DidResolver,
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
    audience: str | None = None,
    nonce: str | None = None,
    require_key_binding: bool = False,
) -> VerificationResult:
    """Verify ``credential`` in any form microcred reads and report every check.

    An SD-JWT VC (text with ``~`` after a compact JWS, SD-JWT VC draft; a presentation of it
    with a key binding JWT too) goes to :func:`verifier.sd_jwt_vc.verify_sd_jwt_vc`, with
    ``audience`` and ``nonce`` (what its KB-JWT must carry; None: any) and
    ``require_key_binding``; the other forms ignore those three.

    VC Data Model 2.0 section 7.1 with the checks and their order as in the module
    docstring. ``resolver`` finds issuer keys; ``fetcher`` fetches status lists (None: the
    status checks of a credential that has entries fail, ``status_unavailable``);
    ``document_loader`` defaults to the bundled, offline contexts; ``now`` (aware; default the
    current time) and ``clock_skew`` decide validity; ``trusted_issuers`` (None: no trust
    check); ``algorithms`` is the JWS allow-list. ``max_fetches`` distinct documents and
    ``budget_seconds`` of fetching are this verification's budget, shared by the resolver's
    fetcher and ``fetcher`` (None: no such limit; a caller that budgets its fetcher itself
    passes None); ``max_status_entries`` caps ``credentialStatus`` and ``max_depth`` the
    nesting of the credential (None: no cap). Never raises for a bad credential.
    """
    if now is None:
        now = datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if max_fetches is not None or budget_seconds is not None:
        resolver, fetcher = _budgeted(resolver, fetcher, FetchBudget(max_fetches, budget_seconds))
    sd_jwt = _sd_jwt_text(credential)
    if sd_jwt is not None:
        return verify_sd_jwt_vc(
            sd_jwt, resolver=resolver, fetcher=fetcher, now=now, clock_skew=clock_skew,
            algorithms=algorithms, trusted_issuers=trusted_issuers, audience=audience,
            nonce=nonce, require_key_binding=require_key_binding, max_depth=max_depth,
        )  # fmt: skip
    run = _Verification(
        resolver,
        fetcher,
        document_loader or _DEFAULT_LOADER,
        now,
        clock_skew,
        algorithms,
        max_status_entries,
    )
    try:
        parsed = parse_credential(credential)
    except VerifierError as exc:
        return _unreadable(_failed("format", exc))
    if max_depth is not None and nested_deeper(parsed.credential, max_depth):
        # The result leaves the credential out: whoever shows or serializes it would recurse.
        detail = f"arrays and objects nested deeper than {max_depth} levels"
        too_deep = Check("format", "failed", "nesting_too_deep", detail)
        return _unreadable(too_deep, parsed, keep_credential=False)
    problems = _data_model_problems(parsed)
    if problems:
        reasons = "; ".join(f"{where} {reason}" for where, reason in problems)
        format_check = Check(
            "format", "failed", "data_model_invalid", reasons,
            {"format": parsed.format, "problems": [{"field": f, "reason": r} for f, r in problems]},
        )  # fmt: skip
        return _unreadable(format_check, parsed)
    mismatches = related_resource_mismatches(parsed.credential)
    if mismatches:
        reasons = "; ".join(f"{where}: {reason}" for where, reason in mismatches)
        format_check = Check(
            "format", "failed", "related_resource_mismatch", reasons,
            {"format": parsed.format,
             "problems": [{"field": f, "reason": r} for f, r in mismatches]},
        )  # fmt: skip
        return _unreadable(format_check, parsed)
    try:
        _check_jose_payload(parsed, run.loader)
    except JsonLdError as exc:
        data = {"format": parsed.format}
        return _unreadable(Check("format", "failed", exc.code, exc.detail, data), parsed)
    format_check = Check("format", "passed", None, parsed.format, {"format": parsed.format})
    authentication = run.authenticate(parsed)
    if authentication.genuine:
        revocation, suspension = run.status_checks(parsed)
    else:
        revocation, suspension = (
            _skipped(purpose, "not checked: the credential is not authenticated")
            for purpose in PURPOSES
        )
    checks = (
        format_check,
        authentication.proof,
        authentication.issuer_key,
        _validity(parsed, now, clock_skew),
        revocation,
        suspension,
        completeness(parsed.credential, run.loader),
        _trust(parsed.issuer, trusted_issuers),
    )
    assert tuple(c.name for c in checks) == CHECK_NAMES
    return VerificationResult(
        checks=checks,
        format=parsed.format,
        credential=parsed.credential,
        issuer=parsed.issuer,
        verification_method=authentication.verification_method,
    )


def _sd_jwt_text(value: Mapping[str, Any] | str | bytes) -> str | None:
    """The text of an SD-JWT (a compact JWS followed by ``~``), or None for other input."""
    if isinstance(value, bytes | bytearray):
        try:
            value = bytes(value).decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    if isinstance(value, str):
        text = value.strip().lstrip("\ufeff")
        return text if is_sd_jwt(text) else None
    return None


def _budgeted(
    resolver: DidResolver, fetcher: Fetcher | None, budget: FetchBudget
) -> tuple[DidResolver, Fetcher | None]:
    """The resolver and fetcher of one verification, drawing on one budget."""
    budgeted = BudgetedFetcher(fetcher, budget) if fetcher is not None else None
    if resolver.fetcher is None:
        return resolver, budgeted
    own = budgeted if resolver.fetcher is fetcher else BudgetedFetcher(resolver.fetcher, budget)
    resolver = DidResolver(
        own, allow_http_hosts=resolver.allow_http_hosts, host_schemes=resolver.host_schemes
    )
    return resolver, budgeted


def _unreadable(
    format_check: Check, parsed: ParsedCredential | None = None, *, keep_credential: bool = True
) -> VerificationResult:
    rest = tuple(
        _skipped(name, "not checked: the input is not a readable credential")
        for name in CHECK_NAMES[1:]
    )
    return VerificationResult(
        checks=(format_check, *rest),
        format=parsed.format if parsed else None,
        credential=parsed.credential if parsed and keep_credential else None,
        issuer=parsed.issuer if parsed else None,
    )
