"""The wiring of one running service: settings, secrets, database and services.

Built once by :func:`app.main.create_app` (or the CLI) and kept on ``app.state``; nothing here
is a module-level global.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.resources import files

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_engine, make_session_factory
from app.models import utcnow
from app.services.achievements import AchievementService
from app.services.batches import BatchService
from app.services.institutions import InstitutionService
from app.services.issuance import IssuanceService
from app.services.status import StatusService
from app.services.verification import LocalFetcher, VerificationService
from app.services.wallet import WalletService
from app.settings import Secrets, Settings
from app.uow import UnitOfWork
from verifier.fetch import HttpFetcher
from verifier.jsonld import bundled_document_loader


@dataclass
class Container:
    settings: Settings
    secrets: Secrets
    session_factory: sessionmaker[Session]
    engine: Engine | None = None
    clock: Callable[[], datetime] = utcnow
    institutions: InstitutionService = field(init=False)
    achievements: AchievementService = field(init=False)
    issuance: IssuanceService = field(init=False)
    status: StatusService = field(init=False)
    verification: VerificationService = field(init=False)
    wallet: WalletService = field(init=False)
    batches: BatchService = field(init=False)
    microcred_context: bytes = field(init=False)

    def __post_init__(self) -> None:
        self.institutions = InstitutionService(
            self.uow,
            base_url=self.settings.base_url,
            master_key=self.secrets.master_key,
            admin_token=self.secrets.admin_token,
            clock=self.clock,
        )
        self.achievements = AchievementService(self.uow, clock=self.clock)
        loader = bundled_document_loader()
        self.status = StatusService(
            self.uow,
            self.institutions,
            base_url=self.settings.base_url,
            document_loader=loader,
            list_size=self.settings.status_list_size,
            clock=self.clock,
        )
        self.issuance = IssuanceService(
            self.uow,
            self.institutions,
            self.status,
            base_url=self.settings.base_url,
            document_loader=loader,
            clock=self.clock,
        )

        self.batches = BatchService(
            self.uow,
            self.issuance,
            base_url=self.settings.base_url,
            lease=timedelta(seconds=self.settings.worker_lease_seconds),
            clock=self.clock,
        )
        outbound = HttpFetcher(
            timeout=self.settings.fetch_timeout,
            max_bytes=self.settings.fetch_max_bytes,
            allow_hosts=self.settings.outbound_allow_hosts,
        )
        self.verification = VerificationService(
            self.uow,
            base_url=self.settings.base_url,
            fetcher=LocalFetcher(self.settings.base_url, self.institutions, self.status, outbound),
            document_loader=loader,
            trusted_issuers=self.settings.trusted_issuer_dids,
            clock_skew=timedelta(seconds=self.settings.clock_skew_seconds),
            clock=self.clock,
        )
        self.wallet = WalletService(
            self.uow, self.verification, base_url=self.settings.base_url, clock=self.clock
        )
        self.microcred_context = (
            files("verifier").joinpath("contexts/microcred-v1.jsonld").read_bytes()
        )

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(self.session_factory, read_only=read_only)

    @classmethod
    def from_settings(cls, settings: Settings, secrets: Secrets) -> Container:
        engine = make_engine(settings.resolved_database_url)
        return cls(settings, secrets, make_session_factory(engine), engine)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
