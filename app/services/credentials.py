"""Reading an institution's issued credentials: one with its event history, or a page of
them filtered by achievement, learner or status."""

from __future__ import annotations

from app.persistence.repositories import CredentialFilter
from app.persistence.uow import UowFactory
from app.services.credential_store import CredentialStore, IssuedCredential
from app.services.lookups import require_credential
from app.services.mail_outbox import notification
from app.services.principal import Principal

__all__ = ["CredentialFilter", "CredentialQueries"]


class CredentialQueries:
    def __init__(self, uow_factory: UowFactory, store: CredentialStore) -> None:
        self._uow = uow_factory
        self._store = store

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
            return self._store.issued(row, events, notification=notification(mail))

    def page(
        self, principal: Principal, where: CredentialFilter, limit: int, offset: int
    ) -> tuple[list[IssuedCredential], int]:
        with self._uow(read_only=True) as uow:
            rows, total = uow.credentials.page(principal.institution(), where, limit, offset)
            mail = uow.mail.for_credentials([r.id for r in rows])
            return [
                self._store.issued(r, notification=notification(mail.get(r.id))) for r in rows
            ], total
