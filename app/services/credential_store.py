"""Storing issued credentials, idempotently, and reading them back as the API shows them.

A credential row holds the signed artefacts exactly as returned. Rows of one chunk are stored
in one transaction; when that fails (an Idempotency-Key collides because another worker stored
the same row meanwhile, or the database refuses one row), each row is stored on its own, so
each gets its own insert, replay or failure and no row fails another. An unavailable or busy
database (``OperationalError``) is no row's fault: it is raised, and a batch's claimed rows
are tried again when their lease runs out. A replay with a different request body under the
same key is a 409.

Each write transaction first runs the caller's ``validate`` (one query: is the key the rows were
signed with still active, is what they were built from unchanged?); when it raises
:class:`~app.services.issuing_cache.StaleIssuer`, nothing is stored and the caller signs again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError, OperationalError

from app.errors import AppError, Conflict
from app.http.urls import PUBLIC_ID, PublicUrls
from app.observability.metrics import Metrics
from app.persistence.models import Credential
from app.persistence.uow import UnitOfWork, UowFactory
from app.services.issuing_cache import StaleIssuer
from app.services.mail_outbox import MailQueue, Notification
from app.services.principal import Principal
from app.services.status import StatusSlot
from app.services.wallet_tokens import WalletTokens

__all__ = [
    "CredentialStore",
    "IssuanceFailed",
    "IssuedCredential",
    "StoreResult",
]

log = logging.getLogger("microcred.issuance")

if TYPE_CHECKING:  # the offer service imports issuance, which imports this module
    from app.services.openid4vci import OfferState


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
    #: The latest OpenID4VCI offer (:func:`app.services.openid4vci.describe_offer`), if any.
    offer: OfferState | None = None

    #: The learner's e-mail about it (None: no message), when it was read
    #: (``with_notification``): the API's reads show it, an issuance's answer does not.
    notification: Notification | None = None
    with_notification: bool = False


class IssuanceFailed(AppError):
    """One request of a chunk could not be issued because of an unexpected error (a bug, or a
    database that refused what validation let through); ``cause`` is that error. The other
    requests of the chunk go on; the single-issuance API raises ``cause`` itself (a 500)."""

    status, code, title = 500, "issuance_failed", "Internal Server Error"

    def __init__(self, cause: BaseException) -> None:
        super().__init__(
            "could not be issued because of an internal error; the operator finds it in the log"
        )
        self.cause = cause


class _Unread:
    """The learner's e-mail was not read (an issuance's answer)."""


UNREAD = _Unread()

#: Per row: the credential and whether it replays one stored before, or why it failed.
StoreResult = tuple[IssuedCredential, bool] | AppError
#: A check at the start of a write transaction (raises StaleIssuer).
Validate = Callable[[UnitOfWork], None]


def _valid(uow: UnitOfWork) -> None:
    """No check."""


class CredentialStore:
    def __init__(
        self,
        uow_factory: UowFactory,
        *,
        urls: PublicUrls,
        metrics: Metrics,
        wallet_tokens: WalletTokens,
        mail: MailQueue | None = None,
    ) -> None:
        self._uow = uow_factory
        self._mail = mail or MailQueue(enabled=False)
        self._urls = urls
        self._metrics = metrics
        self._wallet_tokens = wallet_tokens

    def new_row(
        self,
        *,
        credential_id: str,
        institution_id: int,
        source: str,
        issued_at: datetime,
        verification_method: str,
        credential_json: bytes,
        slots: Sequence[StatusSlot] = (),
        public_id: str | None = None,
        **record: Any,
    ) -> Credential:
        """A credential row with a fresh public id and wallet token (hashed and sealed) and
        its status slots (``public_id``: one chosen before, e.g. for a page that shows the
        verification URL); ``record`` holds the remaining columns (learner, award, JWT,
        idempotency)."""
        row = Credential(
            id=credential_id,
            institution_id=institution_id,
            public_id=public_id or PUBLIC_ID.new(),
            source=source,
            issued_at=issued_at,
            verification_method=verification_method,
            status="active",
            credential_json=credential_json,
            **record,
        )
        self._wallet_tokens.assign(row)
        for slot in slots:
            if slot.purpose == "revocation":
                row.revocation_list_id, row.revocation_index = slot.list_id, slot.index
            else:
                row.suspension_list_id, row.suspension_index = slot.list_id, slot.index
        return row

    def wallet_url(self, row: Credential) -> str:
        """The learner's wallet URL of ``row``, its token opened from the sealed form."""
        return self._urls.wallet(self._wallet_tokens.reveal(row.id, row.wallet_token_sealed))

    def issued(
        self,
        row: Credential,
        events: tuple[dict[str, Any], ...] = (),
        *,
        notification: Notification | _Unread | None = UNREAD,
    ) -> IssuedCredential:
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
            verification_url=self._urls.verification(row.public_id),
            wallet_url=self.wallet_url(row),
            verification_method=row.verification_method,
            credential_json=row.credential_json,
            jwt=row.credential_jwt,
            events=events,
            notification=None if isinstance(notification, _Unread) else notification,
            with_notification=not isinstance(notification, _Unread),
        )

    def replay(self, earlier: Credential, fingerprint: str) -> IssuedCredential:
        """The credential stored earlier under the same Idempotency-Key, if the request is the
        same (else 409)."""
        if earlier.request_hash != fingerprint:
            raise Conflict(
                "this Idempotency-Key was used with a different request body",
                code="idempotency_key_reused",
            )
        return self.issued(earlier)

    def store(
        self,
        rows: Sequence[Credential],
        principal: Principal,
        *,
        key_type: str,
        validate: Validate | None = None,
        notify: Sequence[bool] | None = None,
    ) -> list[StoreResult]:
        """Store ``rows`` (each with its ``credential.issued`` event, and its learner's e-mail
        queued in the same transaction where ``notify`` allows it: see
        :mod:`app.services.mail_outbox`), signed with a key of ``key_type``; per row the
        credential and whether it is a replay of one stored before, or the error that row
        alone failed with. ``validate`` runs first in every write transaction; the
        :class:`StaleIssuer` it raises stores nothing and is raised."""
        flags = list(notify) if notify is not None else [True] * len(rows)
        results = self._store(rows, flags, principal, validate or _valid)
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, AppError):
                continue
            issued, replayed = result
            log.info(
                "credential issued",
                extra={"credential_id": issued.id, "institution": principal.institution_slug,
                       "source": row.source, "replayed": replayed},
            )  # fmt: skip
            if not replayed:
                self._metrics.credentials_issued.labels("ldp_vc", key_type).inc()
                if issued.jwt is not None:
                    self._metrics.credentials_issued.labels("vc+jwt", key_type).inc()
        return results

    def _store(
        self,
        rows: Sequence[Credential],
        notify: Sequence[bool],
        principal: Principal,
        validate: Validate,
    ) -> list[StoreResult]:
        if len(rows) > 1:
            try:
                with self._uow() as uow:
                    validate(uow)
                    for row in rows:
                        self._add(uow, row, principal)
                    uow.flush()
                    self._mail.enqueue(uow, zip(rows, notify, strict=True))
                    issued: list[StoreResult] = [(self.issued(row), False) for row in rows]
                    uow.commit()
                return issued
            except IntegrityError:
                pass  # a key stored meanwhile: each row gets its own insert or replay
            except (OperationalError, StaleIssuer):
                raise  # the database, not a row: the rows stay claimed and are tried again
            except Exception as exc:  # whatever it is, it must not fail the other rows
                log.warning(
                    "storing a chunk failed; storing its rows one by one",
                    extra={"rows": len(rows), "error": type(exc).__name__},
                )
        return [
            self._store_isolated(row, flag, principal, validate)
            for row, flag in zip(rows, notify, strict=True)
        ]

    def _store_isolated(
        self, row: Credential, notify: bool, principal: Principal, validate: Validate
    ) -> StoreResult:
        try:
            return self._store_one(row, notify, principal, validate)
        except AppError as exc:
            return exc
        except (OperationalError, StaleIssuer):
            raise  # the database is unavailable or busy: no reason to fail this row for good
        except Exception as exc:  # the row fails alone; its cause is kept for the log
            return IssuanceFailed(exc)

    @staticmethod
    def _add(uow: UnitOfWork, row: Credential, principal: Principal) -> None:
        uow.credentials.add(row)
        uow.events.record(
            row.institution_id, "credential.issued", row.id, principal.actor, row.issued_at,
            {"source": row.source},
        )  # fmt: skip

    def _store_one(
        self, row: Credential, notify: bool, principal: Principal, validate: Validate
    ) -> tuple[IssuedCredential, bool]:
        with self._uow() as uow:
            validate(uow)
            self._add(uow, row, principal)
            try:
                uow.flush()
            except IntegrityError:
                if not row.idempotency_key:
                    raise
                uow.rollback()
                earlier = uow.credentials.by_idempotency_key(
                    row.institution_id, row.idempotency_key
                )
                if earlier is None:
                    raise
                return self.replay(earlier, row.request_hash or ""), True
            self._mail.enqueue(uow, [(row, notify)])
            issued = self.issued(row)
            uow.commit()
        return issued, False
