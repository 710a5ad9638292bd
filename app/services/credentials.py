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
            offer = describe_offer(uow.offers.latest(row.id), self._clock())
            return dataclasses.replace(self._store.issued(row, events), offer=offer)

    def page(
        self, principal: Principal, where: CredentialFilter, limit: int, offset: int
    ) -> tuple[list[IssuedCredential], int]:
        with self._uow(read_only=True) as uow:
            rows, total = uow.credentials.page(principal.institution(), where, limit, offset)
            return [self._store.issued(r) for r in rows], total
