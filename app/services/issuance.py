"""Use cases of issuance: one credential, signed as JSON-LD (Data Integrity) and as a vc+jwt,
stored exactly as returned, idempotent under retries; and the VC API ``/credentials/issue``.

Signing happens between two short transactions (read, then write) so that no database lock is
held while the CPU-bound canonicalization runs; the write transaction re-checks the
idempotency key, and a unique constraint settles any race.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import pycountry
from sqlalchemy.exc import IntegrityError

from app.errors import AppError, Conflict, NotFound, Unprocessable
from app.models import Credential, Event, Institution, utcnow
from app.repositories import CredentialFilter
from app.services.achievements import to_spec
from app.services.institutions import InstitutionService, Principal
from app.services.status import StatusService, StatusSlot
from app.uow import UowFactory
from issuer.credential import (
    MICROCRED_CONTEXT_PATH,
    AchievementSpec,
    Award,
    IssuerProfile,
    Learner,
    build_credential,
    missing_elements,
)
from issuer.data_integrity import add_proof
from issuer.vc_jose import encode_vc_jwt
from keys import Signer
from verifier.jsonld import DocumentLoader
from verifier.vc_model import data_model_problems


@dataclass(frozen=True)
class IssueRequest:
    achievement_id: str
    learner: Learner
    learner_email: str | None = None
    grade: str | None = None
    awarded_on: date | None = None
    valid_until: datetime | None = None

    def fingerprint(self) -> str:
        """A digest of the request, to tell a retry from a different request (same key)."""
        body = {
            "achievement_id": self.achievement_id,
            "learner": {
                "given_name": self.learner.given_name,
                "family_name": self.learner.family_name,
                "date_of_birth": _iso(self.learner.date_of_birth),
                "identifier": self.learner.identifier,
                "did": self.learner.did,
                "email": self.learner_email,
            },
            "grade": self.grade,
            "awarded_on": _iso(self.awarded_on),
            "valid_until": _iso(self.valid_until),
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class IssuedCredential:
    """An issuance record with its signed artefacts, exactly as stored."""

    id: str
    achievement_id: str | None
    status: str
    issued_at: datetime
    valid_from: datetime | None
    valid_until: datetime | None
    learner_given_name: str | None
    learner_family_name: str | None
    learner_email: str | None
    verification_url: str
    wallet_url: str
    verification_method: str
    credential_json: bytes
    jwt: str | None
    events: tuple[dict[str, Any], ...] = ()


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
    )


def _dump(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class IssuanceService:
    def __init__(
        self,
        uow_factory: UowFactory,
        institutions: InstitutionService,
        status: StatusService,
        *,
        base_url: str,
        document_loader: DocumentLoader,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uow = uow_factory
        self._institutions = institutions
        self._status = status
        self._base_url = base_url.rstrip("/")
        self._loader = document_loader
        self._clock = clock

    @property
    def context_url(self) -> str:
        return self._base_url + MICROCRED_CONTEXT_PATH

    # -- issuance ------------------------------------------------------------------------

    def issue(
        self, principal: Principal, request: IssueRequest, *, idempotency_key: str | None = None
    ) -> tuple[IssuedCredential, bool]:
        """Issue one credential; returns it and whether it is a replay of an earlier request."""
        result = self.issue_many(principal, [(request, idempotency_key)])[0]
        if isinstance(result, AppError):
            raise result
        return result

    def issue_many(
        self,
        principal: Principal,
        items: Sequence[tuple[IssueRequest, str | None]],
    ) -> list[tuple[IssuedCredential, bool] | AppError]:
        """Issue several credentials of one institution at once (a chunk of a batch): one read
        transaction, one status allocation, one write transaction; a result or an error per
        item, in order. Replays and races behave exactly as for :meth:`issue`."""
        institution_id = _institution_of(principal)
        now = self._clock()
        results: list[tuple[IssuedCredential, bool] | AppError | None] = [None] * len(items)
        specs: dict[str, AchievementSpec | None] = {}
        with self._uow(read_only=True) as uow:
            keys = [key for _, key in items if key]
            earlier = uow.credentials.by_idempotency_keys(institution_id, keys) if keys else {}
            institution = uow.institutions.by_id(institution_id)
            assert institution is not None
            profile = issuer_profile(institution)
            signer = self._institutions.active_signer(uow, institution)
            for index, (request, key) in enumerate(items):
                if key and key in earlier:
                    try:
                        results[index] = (self._replay(earlier[key], request.fingerprint()), True)
                    except AppError as exc:
                        results[index] = exc
                elif request.achievement_id not in specs:
                    found = uow.achievements.get(institution_id, request.achievement_id)
                    specs[request.achievement_id] = to_spec(found) if found is not None else None
        accepted: list[tuple[int, IssueRequest, str | None, AchievementSpec, date]] = []
        for index, (request, key) in enumerate(items):
            if results[index] is not None:
                continue
            try:
                spec = specs[request.achievement_id]
                if spec is None:
                    raise Unprocessable.field(
                        "achievement_id",
                        f"no achievement {request.achievement_id!r} in this institution",
                    )
                accepted.append((index, request, key, spec, _award_date(spec, request, now)))
            except AppError as exc:
                results[index] = exc
        slots = self._status.allocate_many(institution_id, len(accepted)) if accepted else []
        rows: list[tuple[int, Credential]] = []
        for (index, request, key, spec, awarded_on), credential_slots in zip(
            accepted, slots, strict=True
        ):
            credential_row = self._signed_row(
                institution_id, signer, profile, spec, request, key, awarded_on,
                credential_slots, now,
            )  # fmt: skip
            rows.append((index, credential_row))
        stored = self._store_many([r for _, r in rows], principal)
        for (index, _), result in zip(rows, stored, strict=True):
            results[index] = result
        return [r for r in results if r is not None]

    def _signed_row(
        self,
        institution_id: int,
        signer: Signer,
        profile: IssuerProfile,
        spec: AchievementSpec,
        request: IssueRequest,
        idempotency_key: str | None,
        awarded_on: date,
        slots: tuple[StatusSlot, ...],
        now: datetime,
    ) -> Credential:
        """Build and secure one credential (both forms) and its issuance record."""
        credential_id = uuid.uuid4()
        award = Award(
            credential_id=credential_id,
            issued_at=now,
            awarded_on=awarded_on,
            valid_from=now,
            valid_until=request.valid_until,
            grade=request.grade,
        )
        document = build_credential(
            spec,
            profile,
            request.learner,
            award,
            context_url=self.context_url,
            credential_status=[slot.entry() for slot in slots],
        )
        secured = add_proof(document, signer, created=now, loader=self._loader)
        row = Credential(
            id=str(credential_id),
            institution_id=institution_id,
            achievement_id=request.achievement_id,
            public_id=secrets.token_urlsafe(16),
            wallet_token=secrets.token_urlsafe(24),
            source="api",
            learner_given_name=request.learner.given_name,
            learner_family_name=request.learner.family_name,
            learner_email=request.learner_email,
            learner_date_of_birth=request.learner.date_of_birth,
            learner_identifier=request.learner.identifier,
            learner_did=request.learner.did,
            grade=request.grade,
            awarded_on=awarded_on,
            valid_from=now,
            valid_until=request.valid_until,
            issued_at=now,
            verification_method=signer.id,
            status="active",
            credential_json=_dump(secured),
            credential_jwt=encode_vc_jwt(document, signer),
            idempotency_key=idempotency_key,
            request_hash=request.fingerprint(),
        )
        _attach_slots(row, slots)
        return row

    def _store_many(
        self, rows: list[Credential], principal: Principal
    ) -> list[tuple[IssuedCredential, bool]]:
        """Store rows in one transaction; on a race (a key stored meanwhile by another
        worker) store them one by one, so each gets its own replay or insert."""
        if len(rows) == 1:
            return [self._store(rows[0], principal, rows[0].request_hash or "")]
        try:
            with self._uow() as uow:
                for row in rows:
                    uow.credentials.add(row)
                    uow.events.add(self._issued_event(row, principal))
                uow.flush()
                issued = [(self._issued(row), False) for row in rows]
                uow.commit()
            return issued
        except IntegrityError:
            return [self._store(row, principal, row.request_hash or "") for row in rows]

    def _issued_event(self, row: Credential, principal: Principal) -> Event:
        return Event(
            institution_id=row.institution_id,
            kind="credential.issued",
            subject=row.id,
            actor=principal.actor,
            at=row.issued_at,
            data={"source": row.source},
        )

    def _store(
        self, row: Credential, principal: Principal, fingerprint: str
    ) -> tuple[IssuedCredential, bool]:
        with self._uow() as uow:
            uow.credentials.add(row)
            uow.events.add(self._issued_event(row, principal))
            try:
                uow.flush()
            except IntegrityError:
                if not row.idempotency_key:
                    raise
                uow.session.rollback()
                earlier = uow.credentials.by_idempotency_key(
                    row.institution_id, row.idempotency_key
                )
                if earlier is None:
                    raise
                return self._replay(earlier, fingerprint), True
            issued = self._issued(row)
            uow.commit()
        return issued, False

    def _replay(self, earlier: Credential, fingerprint: str) -> IssuedCredential:
        if earlier.request_hash != fingerprint:
            raise Conflict(
                "this Idempotency-Key was used with a different request body",
                code="idempotency_key_reused",
            )
        return self._issued(earlier)

    # -- reading -------------------------------------------------------------------------

    def get(self, principal: Principal, credential_id: str) -> IssuedCredential:
        with self._uow(read_only=True) as uow:
            row = uow.credentials.get(_institution_of(principal), credential_id)
            if row is None:
                raise NotFound(f"no credential {credential_id!r} in this institution")
            events = tuple(
                {
                    "kind": e.kind,
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "reason": e.data.get("reason"),
                }
                for e in uow.credentials.events(row.id)
            )
            return replace(self._issued(row), events=events)

    def page(
        self, principal: Principal, where: CredentialFilter, limit: int, offset: int
    ) -> tuple[list[IssuedCredential], int]:
        with self._uow(read_only=True) as uow:
            rows, total = uow.credentials.page(_institution_of(principal), where, limit, offset)
            return [self._issued(r) for r in rows], total

    # -- VC API --------------------------------------------------------------------------

    def issue_vc_api(
        self, principal: Principal, credential: Mapping[str, Any], options: Mapping[str, Any]
    ) -> bytes:
        """Secure a caller-built credential with a Data Integrity proof (VC API, issue).

        The credential's ``issuer`` must be the caller's DID; the document must satisfy the
        data model and define every term (safe mode). Returns the stored bytes.
        """
        institution_id = _institution_of(principal)
        with self._uow(read_only=True) as uow:
            institution = uow.institutions.by_id(institution_id)
            assert institution is not None
            did = institution.did
            signer = self._institutions.active_signer(uow, institution)
        issuer = credential.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
        problems = data_model_problems(credential)
        if "proof" in credential:
            problems.append(("proof", "an unsecured credential must not carry a proof"))
        if (
            issuer_id is not None
            and issuer_id != did
            and not any(p[0].startswith("issuer") for p in problems)
        ):
            problems.append(("issuer", f"must be the DID of the calling institution ({did})"))
        if problems:
            raise Unprocessable(
                "; ".join(f"credential.{f}: {r}" for f, r in problems),
                errors=[{"field": f"credential.{f}", "reason": r} for f, r in problems],
                code="invalid_credential",
            )
        slots: tuple[StatusSlot, ...] = ()
        wanted = options.get("credentialStatus")
        if isinstance(wanted, Mapping) and wanted.get("type") == "BitstringStatusListEntry":
            if "credentialStatus" in credential:
                raise Unprocessable.field(
                    "options.credentialStatus", "the credential carries a credentialStatus already"
                )
            slots = self._status.allocate(institution_id)
            credential = {**credential, "credentialStatus": [s.entry() for s in slots]}
        now = self._clock()
        secured = add_proof(dict(credential), signer, created=now, loader=self._loader)
        stored = _dump(secured)
        row = Credential(
            id=str(uuid.uuid4()),
            institution_id=institution_id,
            achievement_id=None,
            public_id=secrets.token_urlsafe(16),
            wallet_token=secrets.token_urlsafe(24),
            source="vc-api",
            issued_at=now,
            verification_method=signer.id,
            status="active",
            credential_json=stored,
            credential_jwt=None,
        )
        _attach_slots(row, slots)
        self._store(row, principal, "")
        return stored

    # -- internals -----------------------------------------------------------------------

    def _issued(self, row: Credential) -> IssuedCredential:
        return IssuedCredential(
            id=row.id,
            achievement_id=row.achievement_id,
            status=row.status,
            issued_at=row.issued_at,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            learner_given_name=row.learner_given_name,
            learner_family_name=row.learner_family_name,
            learner_email=row.learner_email,
            verification_url=f"{self._base_url}/v/{row.public_id}",
            wallet_url=f"{self._base_url}/wallet/{row.wallet_token}",
            verification_method=row.verification_method,
            credential_json=row.credential_json,
            jwt=row.credential_jwt,
        )


def _award_date(spec: AchievementSpec, request: IssueRequest, now: datetime) -> date:
    """Check what single issuance checks; the day of the award."""
    problems = missing_elements(spec, request.learner)
    if problems:
        raise Unprocessable(
            "; ".join(f"{f}: {r}" for f, r in problems),
            errors=[{"field": f, "reason": r} for f, r in problems],
            code="missing_mandatory_element",
        )
    awarded_on = request.awarded_on or now.date()
    if awarded_on > now.date():
        raise Unprocessable.field("awarded_on", "must not be in the future")
    if request.valid_until is not None and request.valid_until <= now:
        raise Unprocessable.field("valid_until", "must be in the future")
    return awarded_on


def _attach_slots(row: Credential, slots: tuple[StatusSlot, ...]) -> None:
    for slot in slots:
        if slot.purpose == "revocation":
            row.revocation_list_id, row.revocation_index = slot.list_id, slot.index
        else:
            row.suspension_list_id, row.suspension_index = slot.list_id, slot.index


def _institution_of(principal: Principal) -> int:
    principal.require_institution()
    assert principal.institution_id is not None
    return principal.institution_id
