"""Unit of work: one session, one transaction, rolled back unless the service commits.

A unit of work that only reads says so (``read_only=True``): on SQLite it then takes no write
lock (a deferred ``BEGIN`` in WAL mode), so reads never queue behind writers.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.persistence.repositories import (
    AchievementRepository,
    ApiKeyRepository,
    BatchRepository,
    CredentialRepository,
    EventRepository,
    InstitutionRepository,
    MailOutboxRepository,
    OfferRepository,
    SigningKeyRepository,
    StatusListRepository,
)

READ_ONLY_OPTION = "microcred_read_only"


class UowFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...


class UnitOfWork:
    session: Session
    institutions: InstitutionRepository
    signing_keys: SigningKeyRepository
    api_keys: ApiKeyRepository
    events: EventRepository
    achievements: AchievementRepository
    credentials: CredentialRepository
    status_lists: StatusListRepository
    batches: BatchRepository
    offers: OfferRepository
    mail: MailOutboxRepository

    def __init__(self, session_factory: sessionmaker[Session], *, read_only: bool = False) -> None:
        self._session_factory = session_factory
        self._read_only = read_only

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        if self._read_only:
            self.session.connection(execution_options={READ_ONLY_OPTION: True})
        self.institutions = InstitutionRepository(self.session)
        self.signing_keys = SigningKeyRepository(self.session)
        self.api_keys = ApiKeyRepository(self.session)
        self.events = EventRepository(self.session)
        self.achievements = AchievementRepository(self.session)
        self.credentials = CredentialRepository(self.session)
        self.status_lists = StatusListRepository(self.session)
        self.batches = BatchRepository(self.session)
        self.offers = OfferRepository(self.session)
        self.mail = MailOutboxRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        """Undo everything since the unit of work began (it can go on afterwards)."""
        self.session.rollback()

    def flush(self) -> None:
        self.session.flush()

    def ping(self) -> None:
        """A trivial query: raises when the database does not answer."""
        self.session.execute(text("SELECT 1"))
