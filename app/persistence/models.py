"""SQLAlchemy ORM rows. Tables are singular snake_case, timestamps ``*_at`` in UTC.

Rows are the storage shape only; services turn them into API schemas or domain values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# A big integer primary key that SQLite still auto-increments (it needs INTEGER for that).
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Institution(Base):
    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    country: Mapped[str] = mapped_column(String(2))
    legal_id: Mapped[str] = mapped_column(String(255))
    homepage: Mapped[str | None] = mapped_column(String(2048))
    did_method: Mapped[str] = mapped_column(String(8))
    key_type: Mapped[str] = mapped_column(String(16))
    did: Mapped[str] = mapped_column(String(512), unique=True)
    # BCP 47 tag of the institution's texts (its legal name, plain-text fields).
    language: Mapped[str] = mapped_column(String(35), default="en", server_default="en")
    # The credential profile: "compact" (default) or "edc" (EU EDC shapes, see issuer.edc).
    profile: Mapped[str] = mapped_column(String(16), default="compact", server_default="compact")
    # Whom a holder or an employer asks about a credential (an e-mail address or a URL), shown
    # on the public pages; and whether those pages show the learner's date of birth.
    contact: Mapped[str | None] = mapped_column(String(2048))
    show_date_of_birth: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    # The certificate's signature block and place-and-date line (images: InstitutionImage).
    signatory_name: Mapped[str | None] = mapped_column(String(255))
    signatory_title: Mapped[str | None] = mapped_column(String(255))
    place: Mapped[str | None] = mapped_column(String(255))
    # Whether learners get their wallet link by e-mail when a credential is issued to them.
    notify_learners: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InstitutionImage(Base):
    """A branding image of an institution's certificates: its logo, signature or stamp."""

    __tablename__ = "institution_image"

    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # logo | signature | stamp
    media_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SigningKey(Base):
    """An institution's signing key. ``sealed_private`` is AES-256-GCM with ``id`` as AAD.

    ``state``: ``active`` (signs new credentials; at most one per institution), ``retired``
    (rotated out, still in the DID document), ``withdrawn`` (compromised, removed).
    """

    __tablename__ = "signing_key"
    __table_args__ = (
        UniqueConstraint("institution_id", "fragment", name="uq_signing_key_fragment"),
        Index(
            "ix_signing_key_one_active",
            "institution_id",
            unique=True,
            sqlite_where=text("state = 'active'"),
            postgresql_where=text("state = 'active'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    fragment: Mapped[str] = mapped_column(String(128))
    key_type: Mapped[str] = mapped_column(String(16))
    public_key_multibase: Mapped[str] = mapped_column(String(128))
    sealed_private: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiKey(Base):
    """An institution API key: only a SHA-256 of the secret is kept, looked up by prefix."""

    __tablename__ = "api_key"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Event(Base):
    """Append-only record of every state change."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255), index=True)
    actor: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Achievement(Base):
    """A course an institution awards micro-credentials for (the ELM specification)."""

    __tablename__ = "achievement"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON)
    learning_outcomes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    ects: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    workload_hours: Mapped[int | None] = mapped_column(Integer)
    eqf_level: Mapped[int] = mapped_column(Integer)
    nqf_level: Mapped[str | None] = mapped_column(String(255))
    assessment_type: Mapped[dict[str, str]] = mapped_column(JSON)
    participation_form: Mapped[str] = mapped_column(String(16))
    quality_assurance: Mapped[dict[str, str]] = mapped_column(JSON)
    prerequisites: Mapped[dict[str, str] | None] = mapped_column(JSON)
    supervision: Mapped[dict[str, str] | None] = mapped_column(JSON)
    stackability: Mapped[dict[str, str] | None] = mapped_column(JSON)
    further_information: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # "compact" or "edc"; None: the institution's profile.
    profile: Mapped[str | None] = mapped_column(String(16))
    # The label of the NQF level's QDR concept (EDC profile), a language map.
    nqf_level_label: Mapped[dict[str, str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Credential(Base):
    """One issued credential: the signed artefacts exactly as returned, and the record.

    ``credential_json`` holds the bytes of the JSON-LD credential with its proof, as signed and
    returned; ``credential_jwt`` the compact vc+jwt. Neither is ever re-serialised.
    """

    __tablename__ = "credential"
    __table_args__ = (
        UniqueConstraint("institution_id", "idempotency_key", name="uq_credential_idempotency"),
        # The database itself refuses to hand out a status index twice.
        UniqueConstraint("revocation_list_id", "revocation_index", name="uq_credential_revocation"),
        UniqueConstraint("suspension_list_id", "suspension_index", name="uq_credential_suspension"),
        Index("ix_credential_institution_issued", "institution_id", "issued_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    achievement_id: Mapped[str | None] = mapped_column(ForeignKey("achievement.id"), index=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    # The learner's wallet token: its SHA-256 (lookup) and the token sealed under the master
    # key (shown again to the institution); never the token itself.
    wallet_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    wallet_token_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    source: Mapped[str] = mapped_column(String(16))
    learner_given_name: Mapped[str | None] = mapped_column(String(255))
    learner_family_name: Mapped[str | None] = mapped_column(String(255))
    learner_email: Mapped[str | None] = mapped_column(String(320))
    learner_date_of_birth: Mapped[date | None] = mapped_column(Date)
    learner_identifier: Mapped[str | None] = mapped_column(String(255))
    learner_did: Mapped[str | None] = mapped_column(String(512))
    grade: Mapped[str | None] = mapped_column(String(255))
    awarded_on: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    verification_method: Mapped[str] = mapped_column(String(600))
    status: Mapped[str] = mapped_column(String(16), default="active")
    credential_json: Mapped[bytes] = mapped_column(LargeBinary)
    credential_jwt: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    revocation_list_id: Mapped[int | None] = mapped_column(ForeignKey("status_list.id"))
    revocation_index: Mapped[int | None] = mapped_column(Integer)
    suspension_list_id: Mapped[int | None] = mapped_column(ForeignKey("status_list.id"))
    suspension_index: Mapped[int | None] = mapped_column(Integer)


class LearnerSearch(Base):
    """A credential's learner as search compares it: the names and e-mail folded
    (:mod:`app.persistence.learner_search`), the same text on SQLite and PostgreSQL whatever
    their case rules. A narrow table of its own: on SQLite a column of ``credential`` added
    now would sit behind the signed credential's overflow pages, and a search reads every row.
    """

    __tablename__ = "learner_search"

    credential_id: Mapped[str] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE"), primary_key=True
    )
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    text: Mapped[str] = mapped_column(Text)


class StatusList(Base):
    """One W3C Bitstring Status List of an institution, for one purpose.

    ``allocated`` counts the indexes handed out; the n-th allocation gets the n-th value of a
    keyed permutation (``permutation_key``), so indexes look random and never repeat.
    ``version`` grows with every bit change; ``signed_*`` hold the signed list credential of
    ``signed_version`` and are rebuilt lazily when the versions differ.
    """

    __tablename__ = "status_list"
    __table_args__ = (Index("ix_status_list_open", "institution_id", "purpose", "allocated"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    purpose: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    permutation_key: Mapped[bytes] = mapped_column(LargeBinary)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=0)
    signed_version: Mapped[int | None] = mapped_column(Integer)
    signed_json: Mapped[bytes | None] = mapped_column(LargeBinary)
    signed_jwt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Batch(Base):
    """A roster issued in bulk: one row per learner, worked by any number of workers."""

    __tablename__ = "batch"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievement.id"))
    actor: Mapped[str] = mapped_column(String(255))
    total: Mapped[int] = mapped_column(Integer)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BatchRow(Base):
    """One roster row. ``state``: ``pending`` -> ``claimed`` (by a worker, with a lease) ->
    ``issued`` or ``failed``. A claim whose lease ran out is taken over by another worker; the
    row's Idempotency-Key (batch id + row number) makes the retry return the same credential."""

    __tablename__ = "batch_row"
    __table_args__ = (
        UniqueConstraint("batch_id", "row_number", name="uq_batch_row_number"),
        Index("ix_batch_row_work", "state", "claimed_until"),
        Index("ix_batch_row_open", "batch_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batch.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    credential_id: Mapped[str | None] = mapped_column(ForeignKey("credential.id"), unique=True)
    error: Mapped[str | None] = mapped_column(Text)


class CredentialOffer(Base):
    """An OpenID4VCI credential offer of one credential: a one-time, expiring grant.

    Only digests of its secrets are kept: of the offer id in its ``credential_offer_uri``, of
    the pre-authorized code (derived from the offer id with a key of the service, so the
    offer can be served while it is open), of the transaction code and of the access token.
    ``state``: ``offered`` -> ``redeemed`` (the code was exchanged for an access token) or
    ``superseded`` (a newer offer of the same credential), ``failed`` (too many wrong
    transaction codes); an open offer past ``expires_at`` is expired.
    """

    __tablename__ = "credential_offer"
    __table_args__ = (Index("ix_credential_offer_credential", "credential_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credential.id"))
    offer_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    tx_code_failures: Mapped[int] = mapped_column(Integer, default=0)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default="offered")
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered: Mapped[int] = mapped_column(Integer, default=0)


class HolderCredential(Base):
    """A holder-bound form of a credential, issued through OpenID4VCI: the artefact exactly
    as it was signed and returned (a JSON-LD credential, a vc+jwt or an SD-JWT VC)."""

    __tablename__ = "holder_credential"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credential.id"), index=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("credential_offer.id"), index=True)
    format: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(Text)
    artefact: Mapped[bytes] = mapped_column(LargeBinary)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MailOutbox(Base):
    """One e-mail to a learner about a credential, written in the transaction that issued it
    (:mod:`app.services.mail_outbox`) and sent by a worker (:mod:`app.services.mail_sender`).

    ``state``: ``pending`` -> ``sending`` (claimed by ``claimed_by`` until ``claimed_until``)
    -> ``sent``, or back to ``pending`` with a later ``next_attempt_at`` after a temporary
    failure, or ``failed`` (a permanent refusal, or too many attempts). A ``sending`` row whose
    lease ran out is claimed again. ``message_id`` stays the same on every attempt, so a
    message sent twice (a crash between the server's acceptance and the commit) is
    recognisable as one. ``last_error`` names an SMTP code or an error class, never an address.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_work", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credential.id"), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(35))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
