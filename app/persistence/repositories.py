"""Repositories: the only place with SQL. They add and query; they never commit.

Row locks are ``FOR NO KEY UPDATE`` on PostgreSQL (``key_share=True``): we never change keys,
and a plain ``FOR UPDATE`` would conflict with the ``KEY SHARE`` locks that inserting a
credential or an event takes on the rows it references, which deadlocks issuance against
allocation. SQLite ignores row locks; its write lock (``BEGIN IMMEDIATE``) serialises writers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, load_only

from app.persistence.learner_search import fold, learner_search_text
from app.persistence.models import (
    Achievement,
    ApiKey,
    Batch,
    BatchRow,
    Credential,
    CredentialOffer,
    Event,
    HolderCredential,
    Institution,
    InstitutionImage,
    LearnerSearch,
    MailOutbox,
    SigningKey,
    StatusList,
    UTCDateTime,
)

#: The institution's columns that go into the credentials it issues.
ISSUER_COLUMNS = ("did", "name", "country", "legal_id", "homepage", "language", "profile")


@dataclass(frozen=True)
class IssuingState:
    """What issued credentials were built from, as it stands now: the institution's
    :data:`ISSUER_COLUMNS`, its active key's id and the revisions of some achievements."""

    columns: tuple[object, ...]
    key_id: str
    revisions: dict[str, int]


#: Checked in every write transaction that stores issued credentials: built once (Core, a
#: cached compiled form), as it runs once per credential.
_ISSUING_STATE = (
    select(
        *[getattr(Institution, c) for c in ISSUER_COLUMNS],
        SigningKey.id,
        Achievement.id,
        Achievement.revision,
    )
    .select_from(Institution)
    .join(
        SigningKey,
        and_(SigningKey.institution_id == Institution.id, SigningKey.state == "active"),
    )
    .outerjoin(
        Achievement,
        and_(
            Achievement.institution_id == Institution.id,
            Achievement.id.in_(bindparam("achievement_ids", expanding=True)),
        ),
    )
    .where(Institution.id == bindparam("institution_id"))
    .with_for_update(read=True, of=[Institution, SigningKey])
)


class InstitutionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def issuing_state(
        self, institution_id: int, achievement_ids: Sequence[str]
    ) -> IssuingState | None:
        """The institution's :class:`IssuingState` in one query (None without an active key),
        with a share lock on its row and its active key's row on PostgreSQL: a rotation,
        withdrawal or change of the institution waits until this transaction ends."""
        rows = (
            self.session.connection()
            .execute(
                _ISSUING_STATE,
                {"institution_id": institution_id, "achievement_ids": list(achievement_ids)},
            )
            .all()
        )
        if not rows:
            return None
        n = len(ISSUER_COLUMNS)
        revisions = {row[n + 1]: row[n + 2] for row in rows if row[n + 1] is not None}
        return IssuingState(tuple(rows[0][:n]), rows[0][n], revisions)

    def images(self, institution_id: int) -> Sequence[InstitutionImage]:
        stmt = select(InstitutionImage).where(InstitutionImage.institution_id == institution_id)
        return self.session.scalars(stmt).all()

    def image(self, institution_id: int, kind: str) -> InstitutionImage | None:
        return self.session.get(InstitutionImage, (institution_id, kind))

    def put_image(self, image: InstitutionImage) -> None:
        self.session.merge(image)

    def delete_image(self, institution_id: int, kind: str) -> bool:
        found = self.image(institution_id, kind)
        if found is not None:
            self.session.delete(found)
        return found is not None

    def add(self, institution: Institution) -> None:
        self.session.add(institution)

    def by_slug(self, slug: str, *, for_update: bool = False) -> Institution | None:
        stmt = select(Institution).where(Institution.slug == slug)
        if for_update:
            stmt = stmt.with_for_update(key_share=True)
        return self.session.scalars(stmt).one_or_none()

    def by_id(self, institution_id: int, *, for_update: bool = False) -> Institution | None:
        if for_update:
            stmt = (
                select(Institution)
                .where(Institution.id == institution_id)
                .with_for_update(key_share=True)
            )
            return self.session.scalars(stmt).one_or_none()
        return self.session.get(Institution, institution_id)

    def by_did(self, did: str) -> Institution | None:
        return self.session.scalars(select(Institution).where(Institution.did == did)).first()

    def ordered_by_slug(self) -> Sequence[Institution]:
        return self.session.scalars(select(Institution).order_by(Institution.slug)).all()


class SigningKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, key: SigningKey) -> None:
        self.session.add(key)

    def active_for(self, institution_id: int) -> SigningKey | None:
        stmt = select(SigningKey).where(
            SigningKey.institution_id == institution_id, SigningKey.state == "active"
        )
        return self.session.scalars(stmt).one_or_none()

    def for_institution(self, institution_id: int) -> Sequence[SigningKey]:
        stmt = (
            select(SigningKey)
            .where(SigningKey.institution_id == institution_id)
            .order_by(SigningKey.created_at.desc(), SigningKey.fragment.desc())
        )
        return self.session.scalars(stmt).all()

    def get(self, institution_id: int, key_id: str) -> SigningKey | None:
        stmt = select(SigningKey).where(
            SigningKey.institution_id == institution_id,
            (SigningKey.id == key_id) | (SigningKey.fragment == key_id),
        )
        return self.session.scalars(stmt).first()

    def active_sealed(self) -> Sequence[tuple[str, bytes]]:
        """(key id, sealed private key) of every active key. Only these two columns, so it
        reads a database whose schema is older than the code's (checked before upgrading)."""
        stmt = select(SigningKey.id, SigningKey.sealed_private).where(SigningKey.state == "active")
        return [(str(key_id), bytes(sealed)) for key_id, sealed in self.session.execute(stmt)]


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, api_key: ApiKey) -> None:
        self.session.add(api_key)

    def by_prefix_with_institution(self, prefix: str) -> tuple[ApiKey, Institution] | None:
        stmt = (
            select(ApiKey, Institution)
            .join(Institution, Institution.id == ApiKey.institution_id)
            .where(ApiKey.prefix == prefix)
        )
        row = self.session.execute(stmt).one_or_none()
        return None if row is None else (row[0], row[1])

    def get(self, institution_id: int, api_key_id: str) -> ApiKey | None:
        stmt = select(ApiKey).where(
            ApiKey.institution_id == institution_id, ApiKey.id == api_key_id
        )
        return self.session.scalars(stmt).one_or_none()

    def for_institution(self, institution_id: int) -> Sequence[ApiKey]:
        stmt = (
            select(ApiKey)
            .where(ApiKey.institution_id == institution_id)
            .order_by(ApiKey.created_at, ApiKey.id)
        )
        return self.session.scalars(stmt).all()


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, event: Event) -> None:
        self.session.add(event)

    def record(
        self,
        institution_id: int | None,
        kind: str,
        subject: str,
        actor: str,
        at: datetime,
        data: dict[str, Any] | None = None,
    ) -> Event:
        """Append one event (``kind`` such as ``credential.issued``) about ``subject``."""
        event = Event(
            institution_id=institution_id,
            kind=kind,
            subject=subject,
            actor=actor,
            at=at,
            data=dict(data or {}),
        )
        self.session.add(event)
        return event

    def latest(self, subject: str, kinds: Sequence[str]) -> Event | None:
        """The most recent event of one of ``kinds`` about ``subject``."""
        stmt = (
            select(Event)
            .where(Event.subject == subject, Event.kind.in_(kinds))
            .order_by(Event.id.desc())
            .limit(1)
        )
        return self.session.scalars(stmt).first()

    def for_institution(self, institution_id: int) -> Sequence[Event]:
        stmt = select(Event).where(Event.institution_id == institution_id).order_by(Event.id)
        return self.session.scalars(stmt).all()


class AchievementRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, achievement: Achievement) -> None:
        self.session.add(achievement)

    def get(
        self, institution_id: int, achievement_id: str, *, for_update: bool = False
    ) -> Achievement | None:
        stmt = select(Achievement).where(
            Achievement.institution_id == institution_id, Achievement.id == achievement_id
        )
        if for_update:
            stmt = stmt.with_for_update(key_share=True)
        return self.session.scalars(stmt).one_or_none()

    def page(
        self, institution_id: int, limit: int, offset: int
    ) -> tuple[Sequence[Achievement], int]:
        where = Achievement.institution_id == institution_id
        total = self.session.scalar(select(func.count()).select_from(Achievement).where(where))
        stmt = (
            select(Achievement)
            .where(where)
            .order_by(Achievement.created_at, Achievement.id)
            .limit(limit)
            .offset(offset)
        )
        return self.session.scalars(stmt).all(), int(total or 0)


@dataclass(frozen=True)
class CredentialFilter:
    achievement_id: str | None = None
    learner: str | None = None
    status: str | None = None


class CredentialRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, credential: Credential) -> None:
        self.session.add(credential)
        text = learner_search_text(
            credential.learner_given_name, credential.learner_family_name, credential.learner_email
        )
        if text is not None:
            self.session.add(
                LearnerSearch(
                    credential_id=credential.id, institution_id=credential.institution_id, text=text
                )
            )

    def get(
        self, institution_id: int, credential_id: str, *, for_update: bool = False
    ) -> Credential | None:
        stmt = select(Credential).where(
            Credential.institution_id == institution_id, Credential.id == credential_id
        )
        if for_update:
            stmt = stmt.with_for_update(key_share=True)
        return self.session.scalars(stmt).one_or_none()

    def by_id(self, credential_id: str) -> Credential | None:
        """A credential by its id alone: for work already scoped to it (its outbox row)."""
        return self.session.get(Credential, credential_id)

    def events(self, credential_id: str) -> Sequence[Event]:
        stmt = (
            select(Event)
            .where(Event.subject == credential_id, Event.kind.like("credential.%"))
            .order_by(Event.id)
        )
        return self.session.scalars(stmt).all()

    def by_idempotency_key(self, institution_id: int, key: str) -> Credential | None:
        stmt = select(Credential).where(
            Credential.institution_id == institution_id, Credential.idempotency_key == key
        )
        return self.session.scalars(stmt).one_or_none()

    def by_idempotency_keys(
        self, institution_id: int, keys: Sequence[str]
    ) -> dict[str, Credential]:
        stmt = select(Credential).where(
            Credential.institution_id == institution_id, Credential.idempotency_key.in_(keys)
        )
        return {row.idempotency_key or "": row for row in self.session.scalars(stmt).all()}

    def by_wallet_token_hash(self, digest: str) -> Credential | None:
        """The credential behind a learner's wallet link, by the SHA-256 of its token."""
        stmt = select(Credential).where(Credential.wallet_token_hash == digest)
        return self.session.scalars(stmt).one_or_none()

    def by_public_id(self, public_id: str) -> Credential | None:
        stmt = select(Credential).where(Credential.public_id == public_id)
        return self.session.scalars(stmt).one_or_none()

    def page(
        self, institution_id: int, where: CredentialFilter, limit: int, offset: int
    ) -> tuple[Sequence[Credential], int]:
        conditions = [Credential.institution_id == institution_id]
        if where.achievement_id:
            conditions.append(Credential.achievement_id == where.achievement_id)
        if where.status:
            conditions.append(Credential.status == where.status)
        if where.learner:
            # Folded in Python on both sides (learner_search): the database's own case rules
            # differ (SQLite folds ASCII only); autoescape makes % and _ plain characters.
            conditions.append(
                or_(
                    Credential.id.in_(
                        select(LearnerSearch.credential_id).where(
                            LearnerSearch.institution_id == institution_id,
                            LearnerSearch.text.contains(fold(where.learner), autoescape=True),
                        )
                    ),
                    Credential.learner_identifier == where.learner,
                    Credential.learner_did == where.learner,
                )
            )
        total = self.session.scalar(select(func.count()).select_from(Credential).where(*conditions))
        stmt = (
            select(Credential)
            .where(*conditions)
            .order_by(Credential.issued_at.desc(), Credential.id)
            .limit(limit)
            .offset(offset)
        )
        return self.session.scalars(stmt).all(), int(total or 0)


@dataclass(frozen=True)
class PublishedState:
    """What serving a status list needs to know before it touches the list body."""

    id: int
    public_id: str
    institution_id: int
    purpose: str
    version: int
    signed_version: int | None


class StatusListRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, status_list: StatusList) -> None:
        self.session.add(status_list)

    def open_list(self, institution_id: int, purpose: str) -> StatusList | None:
        """The newest list of this purpose with room left, locked for allocation."""
        stmt = (
            select(StatusList)
            # Allocation needs the counter, not the 16 KiB of bits or the signed copies.
            .options(
                load_only(
                    StatusList.id,
                    StatusList.public_id,
                    StatusList.size,
                    StatusList.allocated,
                    StatusList.permutation_key,
                )
            )
            .where(
                StatusList.institution_id == institution_id,
                StatusList.purpose == purpose,
                StatusList.allocated < StatusList.size,
            )
            .order_by(StatusList.id.desc())
            .limit(1)
            .with_for_update(key_share=True)
        )
        return self.session.scalars(stmt).one_or_none()

    def reserve(self, list_id: int, count: int) -> int | None:
        """Move the list's counter on by ``count`` in one atomic statement, if that many are
        left; the new counter (the block is the ``count`` values before it), else None."""
        stmt = (
            update(StatusList)
            .where(StatusList.id == list_id, StatusList.allocated + count <= StatusList.size)
            .values(allocated=StatusList.allocated + count)
            .returning(StatusList.allocated)
        )
        return self.session.execute(stmt).scalar_one_or_none()

    def get_for_update(self, list_id: int) -> StatusList | None:
        stmt = select(StatusList).where(StatusList.id == list_id).with_for_update(key_share=True)
        return self.session.scalars(stmt).one_or_none()

    def get(self, list_id: int) -> StatusList | None:
        return self.session.get(StatusList, list_id)

    def published_state(self, slug: str, public_id: str) -> PublishedState | None:
        stmt = (
            select(
                StatusList.id,
                StatusList.public_id,
                StatusList.institution_id,
                StatusList.purpose,
                StatusList.version,
                StatusList.signed_version,
            )
            .join(Institution, Institution.id == StatusList.institution_id)
            .where(StatusList.public_id == public_id, Institution.slug == slug)
        )
        row = self.session.execute(stmt).one_or_none()
        return None if row is None else PublishedState(*row)

    def suspended_indexes(self, revocation_list_id: int) -> list[int]:
        """The revocation-list indexes of the suspended credentials of a revocation list (the
        Token Status List of that list shows them as suspended), in order."""
        stmt = (
            select(Credential.revocation_index)
            .where(
                Credential.revocation_list_id == revocation_list_id,
                Credential.status == "suspended",
                Credential.revocation_index.is_not(None),
            )
            .order_by(Credential.revocation_index)
        )
        return [index for index in self.session.scalars(stmt) if index is not None]

    def signed_body(self, list_id: int, fmt: str) -> bytes | str | None:
        column = StatusList.signed_jwt if fmt == "jwt" else StatusList.signed_json
        return self.session.scalar(select(column).where(StatusList.id == list_id))

    def store_signed(self, list_id: int, version: int, signed_json: bytes, signed_jwt: str) -> None:
        """Keep a signed list of ``version``, unless a bit changed meanwhile."""
        self.session.execute(
            update(StatusList)
            .where(StatusList.id == list_id, StatusList.version == version)
            .values(signed_json=signed_json, signed_jwt=signed_jwt, signed_version=version)
        )

    def invalidate_signatures(self, institution_id: int) -> None:
        """Make every list of the institution be signed again (e.g. after a key withdrawal)."""
        self.session.execute(
            update(StatusList)
            .where(StatusList.institution_id == institution_id)
            .values(signed_version=None)
        )


_FINISH_ROW = (
    update(BatchRow.__table__)  # type: ignore[arg-type]
    .where(
        BatchRow.__table__.c.id == bindparam("b_id"),
        BatchRow.__table__.c.state == "claimed",
        BatchRow.__table__.c.claimed_by == bindparam("b_worker"),
    )
    .values(
        state=bindparam("b_state"),
        credential_id=bindparam("b_credential_id"),
        error=bindparam("b_error"),
        claimed_until=None,
    )
)


class BatchRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, batch: Batch) -> None:
        self.session.add(batch)

    def add_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(BatchRow), list(rows))

    def get(self, institution_id: int, batch_id: str) -> Batch | None:
        stmt = select(Batch).where(Batch.institution_id == institution_id, Batch.id == batch_id)
        return self.session.scalars(stmt).one_or_none()

    def by_id(self, batch_id: str) -> Batch | None:
        return self.session.get(Batch, batch_id)

    def counts(self, batch_id: str) -> dict[str, int]:
        stmt = (
            select(BatchRow.state, func.count())
            .where(BatchRow.batch_id == batch_id)
            .group_by(BatchRow.state)
        )
        return {state: int(n) for state, n in self.session.execute(stmt).all()}

    def has_open_rows(self, batch_id: str) -> bool:
        stmt = select(
            select(BatchRow.id)
            .where(BatchRow.batch_id == batch_id, BatchRow.state.in_(("pending", "claimed")))
            .exists()
        )
        return bool(self.session.scalar(stmt))

    def row_errors(self, batch_id: str) -> Sequence[tuple[int, str | None]]:
        stmt = (
            select(BatchRow.row_number, BatchRow.error)
            .where(BatchRow.batch_id == batch_id, BatchRow.state == "failed")
            .order_by(BatchRow.row_number)
        )
        return [(int(n), e) for n, e in self.session.execute(stmt).all()]

    def results(self, batch_id: str) -> Sequence[tuple[int, str | None, str | None, bytes | None]]:
        """(row number, credential id, public id, sealed wallet token) per row, in row order."""
        stmt = (
            select(
                BatchRow.row_number,
                BatchRow.credential_id,
                Credential.public_id,
                Credential.wallet_token_sealed,
            )
            .outerjoin(Credential, Credential.id == BatchRow.credential_id)
            .where(BatchRow.batch_id == batch_id)
            .order_by(BatchRow.row_number)
        )
        return [(int(n), c, p, w) for n, c, p, w in self.session.execute(stmt).all()]

    def claimable(self, now: datetime, limit: int) -> Sequence[BatchRow]:
        """Rows to work, all of one batch (so of one institution): pending, or claimed by a
        worker whose lease ran out, of the batch with the oldest such row. On PostgreSQL
        ``SKIP LOCKED`` lets many workers claim at once without waiting on each other."""
        workable = or_(
            BatchRow.state == "pending",
            (BatchRow.state == "claimed") & (BatchRow.claimed_until < now),
        )
        first = (
            select(BatchRow.batch_id)
            .where(workable)
            .order_by(BatchRow.id)
            .limit(1)
            .with_for_update(skip_locked=True, key_share=True)
        )
        batch_id = self.session.scalar(first)
        if batch_id is None:
            return []
        stmt = (
            select(BatchRow)
            .where(BatchRow.batch_id == batch_id, workable)
            .order_by(BatchRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True, key_share=True)
        )
        return self.session.scalars(stmt).all()

    def row(self, row_id: int) -> BatchRow | None:
        return self.session.get(BatchRow, row_id)

    def rows(self, row_ids: Sequence[int]) -> Sequence[BatchRow]:
        """The rows of ``row_ids`` (one query), in id order."""
        stmt = select(BatchRow).where(BatchRow.id.in_(list(row_ids))).order_by(BatchRow.id)
        return self.session.scalars(stmt).all()

    def finish_rows(
        self, worker: str, outcomes: Sequence[tuple[int, str | None, str | None]]
    ) -> None:
        """:meth:`finish_row` for each (row id, credential id, error), in one statement
        executed for all of them."""
        if not outcomes:
            return
        self.session.connection().execute(
            _FINISH_ROW,
            [
                {
                    "b_id": row_id,
                    "b_worker": worker,
                    "b_state": "issued" if credential_id else "failed",
                    "b_credential_id": credential_id,
                    "b_error": error,
                }
                for row_id, credential_id, error in outcomes
            ],
        )

    def finish_row(
        self, row_id: int, worker: str, *, credential_id: str | None, error: str | None
    ) -> bool:
        """Record the outcome of a claimed row, unless another worker took it over."""
        result = self.session.execute(
            update(BatchRow)
            .where(
                BatchRow.id == row_id, BatchRow.state == "claimed", BatchRow.claimed_by == worker
            )
            .values(
                state="issued" if credential_id else "failed",
                credential_id=credential_id,
                error=error,
                claimed_until=None,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class OfferRepository:
    """OpenID4VCI credential offers and the holder-bound credentials issued through them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, offer: CredentialOffer) -> None:
        self.session.add(offer)

    def add_holder_credential(self, issued: HolderCredential) -> None:
        self.session.add(issued)

    def supersede_open(self, credential_id: str) -> int:
        """Close the credential's offers that were not redeemed yet; how many there were."""
        result = self.session.execute(
            update(CredentialOffer)
            .where(CredentialOffer.credential_id == credential_id)
            .where(CredentialOffer.state == "offered")
            .values(state="superseded")
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def _by(self, column: Any, digest: str, for_update: bool) -> CredentialOffer | None:
        query = select(CredentialOffer).where(column == digest)
        if for_update:
            query = query.with_for_update(key_share=True)
        return self.session.scalars(query).one_or_none()

    def by_offer_hash(self, digest: str) -> CredentialOffer | None:
        return self._by(CredentialOffer.offer_hash, digest, False)

    def by_code_hash(self, digest: str) -> CredentialOffer | None:
        return self._by(CredentialOffer.code_hash, digest, True)

    def by_token_hash(self, digest: str) -> CredentialOffer | None:
        return self._by(CredentialOffer.token_hash, digest, True)

    def latest(self, credential_id: str) -> CredentialOffer | None:
        return self.session.scalars(
            select(CredentialOffer)
            .where(CredentialOffer.credential_id == credential_id)
            .order_by(CredentialOffer.created_at.desc(), CredentialOffer.id)
            .limit(1)
        ).one_or_none()

    def holder_credentials(self, credential_id: str) -> Sequence[HolderCredential]:
        return self.session.scalars(
            select(HolderCredential)
            .where(HolderCredential.credential_id == credential_id)
            .order_by(HolderCredential.id)
        ).all()


#: A message to a credential's learner, queued only when the institution has notify_learners
#: on: one INSERT ... SELECT (executed once for a whole chunk), which reads the setting in the
#: issuing transaction itself, so a change to it applies from the next issuance on.
_MAIL_NOW = bindparam("m_now", type_=UTCDateTime())
_ENQUEUE_MAIL = insert(MailOutbox.__table__).from_select(  # type: ignore[arg-type]
    [
        "credential_id", "institution_id", "recipient", "language", "message_id", "state",
        "attempts", "next_attempt_at", "created_at",
    ],
    select(
        bindparam("m_credential_id", type_=String()),
        Institution.id,
        bindparam("m_recipient", type_=String()),
        Institution.language,
        bindparam("m_message_id", type_=String()),
        literal("pending", String()),
        literal(0, Integer()),
        _MAIL_NOW,
        _MAIL_NOW,
    ).where(Institution.id == bindparam("m_institution_id"), Institution.notify_learners),
)  # fmt: skip


class MailOutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(self, messages: Sequence[dict[str, Any]]) -> None:
        """Queue a message per dict (``credential_id``, ``institution_id``, ``recipient``,
        ``message_id``, ``now``) whose institution has ``notify_learners`` on."""
        if not messages:
            return
        self.session.connection().execute(
            _ENQUEUE_MAIL, [{f"m_{name}": value for name, value in m.items()} for m in messages]
        )

    def for_credentials(self, credential_ids: Sequence[str]) -> dict[str, MailOutbox]:
        if not credential_ids:
            return {}
        stmt = select(MailOutbox).where(MailOutbox.credential_id.in_(list(credential_ids)))
        return {row.credential_id: row for row in self.session.scalars(stmt).all()}

    def get(self, message_id: int) -> MailOutbox | None:
        return self.session.get(MailOutbox, message_id)

    def claimable(self, now: datetime, limit: int) -> Sequence[MailOutbox]:
        """Messages due: pending whose time has come, or being sent by a worker whose lease
        ran out (it died, or hangs); oldest first. ``SKIP LOCKED`` on PostgreSQL lets many
        workers claim at once without waiting on each other or taking the same message."""
        stmt = (
            select(MailOutbox)
            .where(
                or_(
                    (MailOutbox.state == "pending") & (MailOutbox.next_attempt_at <= now),
                    (MailOutbox.state == "sending") & (MailOutbox.claimed_until < now),
                )
            )
            .order_by(MailOutbox.next_attempt_at, MailOutbox.id)
            .limit(limit)
            .with_for_update(skip_locked=True, key_share=True)
        )
        return self.session.scalars(stmt).all()

    def held_by(self, message_id: int, worker: str, now: datetime) -> MailOutbox | None:
        """The message, if ``worker``'s claim on it still holds at ``now``."""
        stmt = select(MailOutbox).where(
            MailOutbox.id == message_id,
            MailOutbox.state == "sending",
            MailOutbox.claimed_by == worker,
            MailOutbox.claimed_until > now,
        )
        return self.session.scalars(stmt).one_or_none()

    def finish(self, message_id: int, worker: str, **values: Any) -> bool:
        """Record the outcome of ``worker``'s attempt, unless another worker took it over."""
        result = self.session.execute(
            update(MailOutbox)
            .where(
                MailOutbox.id == message_id,
                MailOutbox.state == "sending",
                MailOutbox.claimed_by == worker,
            )
            .values(claimed_until=None, **values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
