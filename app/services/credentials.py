"""Reading an institution's issued credentials: one with its event history, or a page of
them filtered by achievement, learner or status."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

from app.persistence.models import utcnow
from app.persistence.repositories import CredentialFilter
from app.persistence.uow import UowFactory
from app.services.credential_store import CredentialStore, IssuedCredential
from app.services.lookups import require_credential
from app.services.mail_outbox import notification
from app.services.openid4vci import describe_offer
from app.services.principal import Principal

__all__ = ["CredentialFilter", "CredentialQueries"]


class CredentialQueries:
    def __init__(
        self,
        uow_factory: UowFactory,
        store: CredentialStore,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uow = uow_factory
        self._store = store
        self._clock = clock

    def get(self, principal: Principal, credential_id: str) -> IssuedCredential:
        with self._uow(read_only=True) as uow:
            row = require_credential(uow, principal.institution(), credential_id)
            events = tuple(
                {
                    "kind": e.kind,
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "reason": e.data.get("reason"),
                }
                for e in uow.credentials.events(row.id)
            )
            mail = uow.mail.for_credentials([row.id]).get(row.id)
            offer = describe_offer(uow.offers.latest(row.id), self._clock())
            issued = self._store.issued(row, events, notification=notification(mail))
            return dataclasses.replace(issued, offer=offer)

    def page(
        self, principal: Principal, where: CredentialFilter, limit: int, offset: int
    ) -> tuple[list[IssuedCredential], int]:
        with self._uow(read_only=True) as uow:
            rows, total = uow.credentials.page(principal.institution(), where, limit, offset)
            mail = uow.mail.for_credentials([r.id for r in rows])
            return [
                self._store.issued(r, notification=notification(mail.get(r.id))) for r in rows
            ], total
