"""The wiring of one running service: settings, secrets, database and services.

Built once by :func:`app.main.create_app` (or the CLI) and kept on ``app.state``; nothing here
is a module-level global.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.http.urls import PublicUrls
from app.observability.metrics import Metrics
from app.persistence.db import make_engine, make_session_factory
from app.persistence.models import utcnow
from app.persistence.uow import UnitOfWork
from app.services.achievements import AchievementService
from app.services.admission import VerificationSlots
from app.services.api_keys import ApiKeyService
from app.services.auth import Authenticator, FailureThrottle
from app.services.batches import BatchService
from app.services.credential_store import CredentialStore
from app.services.credentials import CredentialQueries
from app.services.did_documents import DidDocuments
from app.services.institutions import InstitutionService
from app.services.issuance import IssuanceService
from app.services.issuing_cache import IssuingCache
from app.services.limits import InputLimits
from app.services.mail_outbox import MailQueue, mail_domain
from app.services.mail_sender import MailSender, OfferLinks, SmtpTransport
from app.services.openid4vci import Openid4vciService
from app.services.sd_jwt_vc import SdJwtVcService
from app.services.signing_keys import SigningKeyService
from app.services.status import StatusService
from app.services.vc_api import VcApiIssuer
from app.services.verification import VerificationLimits, VerificationService
from app.services.wallet import WalletService
from app.services.wallet_tokens import WalletTokens
from app.settings import AdminToken, Secrets, Settings, admin_token_file, operator_contexts
from verifier.fetch import HttpFetcher
from verifier.jsonld import (
    MICROCRED_CONTEXT_URL,
    DocumentLoader,
    bundled_context_bytes,
    bundled_document_loader,
    configure_canonicalization,
)


@dataclass
class Container:
    settings: Settings
    secrets: Secrets
    session_factory: sessionmaker[Session]
    engine: Engine | None = None
    clock: Callable[[], datetime] = utcnow
    metrics: Metrics = field(init=False)
    urls: PublicUrls = field(init=False)
    admin_token: AdminToken = field(init=False)
    auth: Authenticator = field(init=False)
    issuing_cache: IssuingCache = field(init=False)
    signing_keys: SigningKeyService = field(init=False)
    institutions: InstitutionService = field(init=False)
    api_keys: ApiKeyService = field(init=False)
    did_documents: DidDocuments = field(init=False)
    achievements: AchievementService = field(init=False)
    status: StatusService = field(init=False)
    sd_jwt_vc: SdJwtVcService = field(init=False)
    issuance: IssuanceService = field(init=False)
    credential_store: CredentialStore = field(init=False)
    mail_queue: MailQueue = field(init=False)
    #: Sends the outbox; None without an SMTP server (MICROCRED_SMTP_URL, MICROCRED_MAIL_FROM).
    mail_sender: MailSender | None = field(init=False)
    credentials: CredentialQueries = field(init=False)
    vc_api: VcApiIssuer = field(init=False)
    verification: VerificationService = field(init=False)
    wallet_tokens: WalletTokens = field(init=False)
    wallet: WalletService = field(init=False)
    openid4vci: Openid4vciService = field(init=False)
    batches: BatchService = field(init=False)
    microcred_context: bytes = field(init=False)
    document_loader: DocumentLoader = field(init=False)

    def __post_init__(self) -> None:
        settings, clock, uow = self.settings, self.clock, self.uow
        self.urls = urls = PublicUrls(settings.base_url)
        self.microcred_context = bundled_context_bytes(MICROCRED_CONTEXT_URL)
        # Bundled contexts, the operator's pinned ones, and this deployment's own old URL of
        # the microcred context (what it issued before the permanent URL keeps verifying).
        loader = bundled_document_loader(
            {**operator_contexts(settings), urls.context(): json.loads(self.microcred_context)}
        )
        self.document_loader = loader
        self.metrics = metrics = Metrics(enabled=settings.metrics)
        # Process-wide, like the metrics: the last service built in a process sets it.
        configure_canonicalization(settings.canonicalization, metrics.count_canonicalization)
        self.admin_token = AdminToken(self.secrets.admin_token, admin_token_file(settings))
        self.auth = Authenticator(
            uow,
            admin_token=self.admin_token.current,
            throttle=FailureThrottle(settings.auth_failures_per_minute, clock=clock),
        )
        # Per process: what issuance reads of an institution, checked when it writes.
        self.issuing_cache = cache = IssuingCache()
        self.signing_keys = SigningKeyService(
            uow, master_key=self.secrets.master_key, clock=clock, cache=cache
        )
        self.institutions = InstitutionService(
            uow, self.signing_keys, urls=urls, clock=clock, cache=cache
        )
        self.api_keys = ApiKeyService(uow, clock=clock)
        self.did_documents = DidDocuments(uow)
        limits = InputLimits.of(settings)
        self.achievements = AchievementService(uow, limits=limits, clock=clock, cache=cache)
        self.status = StatusService(
            uow,
            self.signing_keys,
            urls=urls,
            metrics=metrics,
            document_loader=loader,
            list_size=settings.status_list_size,
            token_ttl=settings.status_max_age,
            clock=clock,
        )
        self.sd_jwt_vc = SdJwtVcService(
            uow, self.signing_keys, self.did_documents, urls=urls, clock=clock
        )
        self.wallet_tokens = WalletTokens(self.secrets.master_key)
        self.mail_queue = MailQueue(
            enabled=settings.smtp is not None,
            message_domain=mail_domain(settings.mail_from),
            clock=clock,
        )
        self.credential_store = store = CredentialStore(
            uow, urls=urls, metrics=metrics, wallet_tokens=self.wallet_tokens,
            mail=self.mail_queue,
        )  # fmt: skip
        self.issuance = IssuanceService(
            uow, self.signing_keys, self.status, store,
            urls=urls, metrics=metrics, document_loader=loader, limits=limits, clock=clock,
            edc_ebsi=settings.edc_ebsi, cache=cache,
        )  # fmt: skip
        self.credentials = CredentialQueries(uow, store, clock=clock)
        self.vc_api = VcApiIssuer(
            uow, self.signing_keys, self.status, store,
            document_loader=loader, limits=limits, clock=clock,
        )  # fmt: skip
        self.batches = BatchService(
            uow,
            self.issuance,
            urls=urls,
            metrics=metrics,
            wallet_tokens=self.wallet_tokens,
            lease=timedelta(seconds=settings.worker_lease_seconds),
            clock=clock,
        )
        outbound = HttpFetcher(
            timeout=settings.fetch_timeout,
            max_bytes=settings.fetch_max_bytes,
            allow_hosts=settings.outbound_allow_hosts,
        )
        self.verification = VerificationService(
            uow,
            self.institutions,
            urls=urls,
            did_documents=self.did_documents,
            status=self.status,
            outbound=outbound,
            metrics=metrics,
            document_loader=loader,
            # Per process: one limit for every anonymous verification of this server.
            slots=VerificationSlots(
                settings.verify_concurrency,
                retry_after=math.ceil(settings.verify_budget_seconds),
            ),
            # A learner's wallet address pasted at /verify: the credential behind it.
            wallet=lambda token: self.wallet.by_token(token).public_id,
            limits=VerificationLimits(
                max_fetches=settings.verify_max_fetches,
                budget_seconds=settings.verify_budget_seconds,
                max_status_entries=settings.verify_max_status_entries,
                max_bytes=settings.verify_max_bytes,
                max_depth=settings.verify_max_depth,
                max_pdf_bytes=settings.verify_max_pdf_bytes,
            ),
            trusted_issuers=settings.trusted_issuer_dids,
            clock_skew=timedelta(seconds=settings.clock_skew_seconds),
            clock=clock,
        )
        self.openid4vci = Openid4vciService(
            uow,
            self.signing_keys,
            urls=urls,
            master_key=self.secrets.master_key,
            document_loader=loader,
            offer_ttl=timedelta(seconds=settings.offer_ttl_seconds),
            access_token_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
            nonce_ttl=timedelta(seconds=settings.nonce_ttl_seconds),
            metrics=metrics,
            sd_jwt_vc=self.sd_jwt_vc,
            clock=clock,
        )
        self.mail_sender = self._mail_sender(offers=self.openid4vci)
        self.wallet = WalletService(
            uow,
            self.verification,
            tokens=self.wallet_tokens,
            urls=urls,
            offers=self.openid4vci,
            clock=clock,
        )

    def _mail_sender(self, *, offers: OfferLinks | None) -> MailSender | None:
        """The outbox's sender over SMTP, with the "add to wallet" offers of ``offers``."""
        settings = self.settings
        smtp = settings.smtp
        if smtp is None or settings.mail_from is None:
            return None
        transport = SmtpTransport(
            smtp, timeout=settings.smtp_timeout_seconds, ca_file=settings.smtp_ca_file
        )
        return MailSender(
            self.uow,
            transport,
            mail_from=settings.mail_from,
            urls=self.urls,
            wallet_tokens=self.wallet_tokens,
            metrics=self.metrics,
            offers=offers,
            send_timeout=timedelta(seconds=settings.smtp_timeout_seconds),
            max_attempts=settings.mail_max_attempts,
            clock=self.clock,
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
