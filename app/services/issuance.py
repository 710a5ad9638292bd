"""Issuing micro-credentials: one, or a chunk of a batch at once, each signed as JSON-LD (Data
Integrity) and as a vc+jwt, stored exactly as returned, idempotent under retries.

No database lock is held while the CPU-bound canonicalization runs. What is read of the
institution (its issuer profile, the signer of its active key) and of its achievements comes
from a per-process cache (:mod:`~app.services.issuing_cache`) when it can; the status indexes
come from blocks the process has reserved (:class:`~app.services.status.StatusService`); the
only read before signing is then the Idempotency-Key lookup, when there are keys. One write
transaction per credential (per chunk in bulk) checks, in one query, that the institution,
its active key and the achievements are still what the credentials were signed with (else they
are signed again from a fresh read), re-checks the Idempotency-Key, and a unique constraint
settles any race (:class:`~app.services.credential_store.CredentialStore`).

Each credential has the profile of its achievement, else of its institution: ``compact``
(:func:`issuer.credential.build_credential`, a revocation and a suspension entry) or ``edc``
(:func:`issuer.edc.build_edc_credential`: a revocation entry only, a grade required, and the
certificate's first page rendered in each language of the title as its display images).

In a chunk, whatever goes wrong with one request (a refusal, or an unexpected error while it
is checked, built, signed or stored) is that request's result; the others go on.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pycountry

from app.documents.page_image import page_images
from app.documents.summary import RecordedIssuer
from app.errors import AppError, ServiceUnavailable, Unprocessable
from app.http.urls import PUBLIC_ID, PublicUrls
from app.observability.metrics import Metrics
from app.persistence.models import Credential, Institution, utcnow
from app.persistence.uow import UnitOfWork, UowFactory
from app.services.achievements import to_spec
from app.services.credential_store import CredentialStore, IssuanceFailed, IssuedCredential
from app.services.issue_requests import IssueRequest
from app.services.issuing_cache import CachedIssuer, IssuingCache, StaleIssuer, fingerprint
from app.services.limits import InputLimits, check_credential_size
from app.services.principal import Principal
from app.services.signing_keys import SigningKeyService
from app.services.status import StatusService, StatusSlot
from issuer.credential import (
    AchievementSpec,
    Award,
    IssuerProfile,
    build_credential,
    missing_elements,
)
from issuer.data_integrity import add_proof
from issuer.edc import build_edc_credential, edc_award_problems, effective_profile
from issuer.vc_jose import encode_vc_jwt
from verifier.jsonld import MICROCRED_CONTEXT_URL, DocumentLoader

__all__ = [
    "ISSUE_ATTEMPTS",
    "IssuanceFailed",
    "IssuanceService",
    "IssueResult",
    "dump_json",
    "issuer_profile",
]

#: Per request: the credential and whether it replays an earlier request, or why not.
IssueResult = tuple[IssuedCredential, bool] | AppError
#: How often a chunk is signed again when its institution changes under it, before a 503.
ISSUE_ATTEMPTS = 5


def issuer_profile(institution: Institution) -> IssuerProfile:
    country = pycountry.countries.get(alpha_2=institution.country)
    assert country is not None  # validated when the institution was created
    return IssuerProfile(
        did=institution.did,
        name=institution.name,
        country_alpha3=country.alpha_3,
        country_name=country.name,
        legal_id=institution.legal_id,
        homepage=institution.homepage,
        language=institution.language,
    )


def dump_json(document: Mapping[str, Any]) -> bytes:
    """The bytes a signed document is stored and returned as."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_Issuer = CachedIssuer


@dataclass(frozen=True)
class _Accepted:
    """A request that passed every check and will be signed."""

    request: IssueRequest
    idempotency_key: str | None
    spec: AchievementSpec
    awarded_on: date
    #: The EDC profile (one status entry, revocation; a display page per language).
    edc: bool = False

    @property
    def purposes(self) -> tuple[str, ...]:
        return ("revocation",) if self.edc else ("revocation", "suspension")


class IssuanceService:
    def __init__(
        self,
        uow_factory: UowFactory,
        signing_keys: SigningKeyService,
        status: StatusService,
        store: CredentialStore,
        *,
        urls: PublicUrls,
        metrics: Metrics,
        document_loader: DocumentLoader,
        limits: InputLimits = InputLimits(),
        clock: Callable[[], datetime] = utcnow,
        edc_ebsi: bool = False,
        cache: IssuingCache | None = None,
    ) -> None:
        self._uow = uow_factory
        self._cache = cache or IssuingCache()
        self._signing_keys = signing_keys
        self._edc_ebsi = edc_ebsi
        self._status = status
        self._store = store
        self._urls = urls
        self._metrics = metrics
        self._loader = document_loader
        self._limits = limits
        self._clock = clock

    def issue(
        self, principal: Principal, request: IssueRequest, *, idempotency_key: str | None = None
    ) -> tuple[IssuedCredential, bool]:
        """Issue one credential; returns it and whether it is a replay of an earlier request."""
        result = self.issue_many(principal, [(request, idempotency_key)], mode="single")[0]
        if isinstance(result, IssuanceFailed):
            raise result.cause  # an unexpected error: the API's 500, logged with its request
        if isinstance(result, AppError):
            raise result
        return result

    def issue_many(
        self,
        principal: Principal,
        items: Sequence[tuple[IssueRequest, str | None]],
        *,
        mode: str = "bulk",
    ) -> list[IssueResult]:
        """Issue several credentials of one institution at once (a chunk of a batch): one read
        transaction, one status allocation, one write transaction; a result or an error per
        item, in order. Replays and races behave exactly as for :meth:`issue`. An unexpected
        error while one item is checked, built, signed or stored is that item's result
        (:class:`IssuanceFailed`, with the error as its ``cause``); the others go on."""
        with self._metrics.timed(self._metrics.issuance_seconds, mode=mode):
            return self._issue_many(principal, items)

    def _issue_many(
        self, principal: Principal, items: Sequence[tuple[IssueRequest, str | None]]
    ) -> list[IssueResult]:
        institution_id = principal.institution()
        for _ in range(ISSUE_ATTEMPTS):
            try:
                return self._attempt(principal, items)
            except StaleIssuer:
                # Another process (or this one) rotated the key, withdrew it, or changed the
                # institution or an achievement: read afresh and sign again.
                self._cache.forget_institution(institution_id)
        raise ServiceUnavailable(
            "the institution's keys or details kept changing while issuing: try again",
            code="issuer_changing",
        )

    def _attempt(
        self, principal: Principal, items: Sequence[tuple[IssueRequest, str | None]]
    ) -> list[IssueResult]:
        now = self._clock()
        issuer, checked = self._check(principal.institution(), items, now)
        accepted = [item for item in checked if isinstance(item, _Accepted)]
        slots = (
            self._status.allocate_many(
                issuer.institution_id, len(accepted), purposes=[a.purposes for a in accepted]
            )
            if accepted
            else []
        )
        signed = [
            self._sign(issuer, item, item_slots, now)
            for item, item_slots in zip(accepted, slots, strict=True)
        ]
        rows = [row for row in signed if isinstance(row, Credential)]
        notify = [
            item.request.notify
            for item, row in zip(accepted, signed, strict=True)
            if isinstance(row, Credential)
        ]
        revisions = {item.request.achievement_id: item.spec.revision for item in accepted}
        achievement_ids = sorted(revisions)

        def validate(uow: UnitOfWork) -> None:
            issuer.check(uow.institutions.issuing_state(issuer.institution_id, achievement_ids),
                         revisions)  # fmt: skip

        key_type = issuer.signer.algorithm
        stored = iter(
            self._store.store(rows, principal, key_type=key_type, validate=validate, notify=notify)
            if rows
            else []
        )
        outcomes = iter([next(stored) if isinstance(s, Credential) else s for s in signed])
        return [next(outcomes) if isinstance(item, _Accepted) else item for item in checked]

    def _check(
        self, institution_id: int, items: Sequence[tuple[IssueRequest, str | None]], now: datetime
    ) -> tuple[_Issuer, list[_Accepted | IssueResult]]:
        """Sort the chunk's requests into replays of earlier ones, refusals and those to sign,
        with what they need (from the cache, else one read transaction)."""
        issuer = self._cache.issuer(institution_id)
        achievement_ids = {request.achievement_id for request, _ in items}
        specs: dict[str, AchievementSpec | None] = {}
        for achievement_id in achievement_ids:
            specs[achievement_id] = self._cache.spec(institution_id, achievement_id)
        keys = [key for _, key in items if key]
        replays: dict[str, IssueResult] = {}
        if issuer is None or keys or None in specs.values():
            with self._uow(read_only=True) as uow:
                if issuer is None:
                    issuer = self._read_issuer(uow, institution_id)
                earlier = uow.credentials.by_idempotency_keys(institution_id, keys) if keys else {}
                for request, key in items:
                    if key and key in earlier:
                        replays[key] = self._replay(earlier[key], request)
                for achievement_id in [a for a, spec in specs.items() if spec is None]:
                    found = uow.achievements.get(institution_id, achievement_id)
                    if found is not None:
                        specs[achievement_id] = spec = to_spec(found)
                        self._cache.keep_spec(institution_id, achievement_id, spec)
        checked: list[_Accepted | IssueResult] = []
        for request, key in items:
            if key and key in replays:
                checked.append(replays[key])
                continue
            try:
                spec, awarded_on = _accept(specs[request.achievement_id], request, now)
                edc = effective_profile(spec, issuer.credential_profile) == "edc"
                if edc:
                    problems = edc_award_problems(spec, request.grade)
                    if problems:
                        raise Unprocessable.fields(problems, code="edc_profile")
            except AppError as exc:
                checked.append(exc)
            except Exception as exc:  # this request fails alone
                checked.append(IssuanceFailed(exc))
            else:
                checked.append(_Accepted(request, key, spec, awarded_on, edc))
        return issuer, checked

    def _read_issuer(self, uow: UnitOfWork, institution_id: int) -> _Issuer:
        institution = uow.institutions.by_id(institution_id)
        assert institution is not None
        key_id, signer = self._signing_keys.active_key(uow, institution)
        issuer = _Issuer(
            institution_id,
            issuer_profile(institution),
            key_id,
            signer,
            institution.profile,
            RecordedIssuer(institution.did, institution.name, institution.country),
            fingerprint(institution),
        )
        self._cache.keep_issuer(issuer)
        return issuer

    def _replay(self, earlier: Credential, request: IssueRequest) -> IssueResult:
        try:
            return self._store.replay(earlier, request.fingerprint()), True
        except AppError as exc:
            return exc

    def _sign(
        self, issuer: _Issuer, item: _Accepted, slots: tuple[StatusSlot, ...], now: datetime
    ) -> Credential | AppError:
        """The signed row of ``item``, or why it cannot have one (this item alone)."""
        try:
            return self._signed_row(issuer, item, slots, now)
        except AppError as exc:
            return exc
        except Exception as exc:  # this request fails alone
            return IssuanceFailed(exc)

    def _signed_row(
        self, issuer: _Issuer, item: _Accepted, slots: tuple[StatusSlot, ...], now: datetime
    ) -> Credential:
        """Build and secure one credential (both forms) and its issuance record; a credential
        over the size limit is refused before it is signed (and once more with its proof)."""
        request = item.request
        credential_id = uuid.uuid4()
        award = Award(
            credential_id=credential_id,
            issued_at=now,
            awarded_on=item.awarded_on,
            valid_from=now,
            valid_until=request.valid_until,
            grade=request.grade,
        )
        public_id = PUBLIC_ID.new()
        if item.edc:
            document = self._edc_document(issuer, item, award, slots, public_id)
        else:
            document = build_credential(
                item.spec,
                issuer.profile,
                request.learner,
                award,
                context_url=MICROCRED_CONTEXT_URL,
                credential_status=[slot.entry() for slot in slots],
            )
        limit = self._limits.max_credential_bytes
        check_credential_size(dump_json(document), document, limit)
        secured = add_proof(document, issuer.signer, created=now, loader=self._loader)
        credential_json = dump_json(secured)
        check_credential_size(credential_json, secured, limit)
        return self._store.new_row(
            credential_id=str(credential_id),
            institution_id=issuer.institution_id,
            source="api",
            issued_at=now,
            verification_method=issuer.signer.id,
            credential_json=credential_json,
            slots=slots,
            public_id=public_id,
            achievement_id=request.achievement_id,
            learner_given_name=request.learner.given_name,
            learner_family_name=request.learner.family_name,
            learner_email=request.learner_email,
            learner_date_of_birth=request.learner.date_of_birth,
            learner_identifier=request.learner.identifier,
            learner_did=request.learner.did,
            grade=request.grade,
            awarded_on=item.awarded_on,
            valid_from=now,
            valid_until=request.valid_until,
            credential_jwt=encode_vc_jwt(document, issuer.signer, issued_at=now),
            idempotency_key=item.idempotency_key,
            request_hash=request.fingerprint(),
        )

    def _edc_document(
        self,
        issuer: _Issuer,
        item: _Accepted,
        award: Award,
        slots: tuple[StatusSlot, ...],
        public_id: str,
    ) -> dict[str, Any]:
        """The EDC-profile document: its page images are the certificate of the same award
        (rendered from the compact document, which says the same), one per language."""
        request = item.request
        plain = build_credential(
            item.spec, issuer.profile, request.learner, award, context_url=MICROCRED_CONTEXT_URL
        )
        pages = page_images(
            plain,
            list(item.spec.title),
            verification_url=self._urls.verification(public_id),
            recorded=issuer.recorded,
        )
        (revocation,) = [slot for slot in slots if slot.purpose == "revocation"]
        return build_edc_credential(
            item.spec,
            issuer.profile,
            request.learner,
            award,
            pages=pages,
            context_url=MICROCRED_CONTEXT_URL,
            revocation_entry=revocation.entry(),
            ebsi=self._edc_ebsi,
        )


def _accept(
    spec: AchievementSpec | None, request: IssueRequest, now: datetime
) -> tuple[AchievementSpec, date]:
    """The achievement and the day of the award, once ``request`` passes the checks of
    issuance (the Annex I elements, the dates); :class:`Unprocessable` otherwise."""
    if spec is None:
        raise Unprocessable.field(
            "achievement_id", f"no achievement {request.achievement_id!r} in this institution"
        )
    problems = missing_elements(spec, request.learner)
    if problems:
        raise Unprocessable.fields(problems, code="missing_mandatory_element")
    awarded_on = request.awarded_on or now.date()
    if awarded_on > now.date():
        raise Unprocessable.field("awarded_on", "must not be in the future")
    if request.valid_until is not None and request.valid_until <= now:
        raise Unprocessable.field("valid_until", "must be in the future")
    return spec, awarded_on
