"""Queueing the learner's e-mail in the transaction that issues the credential, and reading
its delivery state back.

When a credential is stored (:class:`~app.services.credential_store.CredentialStore`), one
``mail_outbox`` row per credential is written in the same transaction, for the chunk in one
statement, when all of these hold: the service has an SMTP server and a From address
(``MICROCRED_SMTP_URL``, ``MICROCRED_MAIL_FROM``), the learner has an e-mail address, the
request did not say ``notify: false``, and the institution has ``notify_learners`` on (read by
the insert itself). Without SMTP nothing is queued at all: the institution hands the wallet
link over as before, and a server configured later does not send a backlog of old credentials.

The row is committed with the credential or not at all, so a credential never lacks its
message and a rolled-back issuance sends none; a replay under the same Idempotency-Key stores
no credential and therefore queues nothing. The message itself is composed when it is sent
(:mod:`app.services.mail_sender`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr

from app.persistence.models import Credential, MailOutbox, utcnow
from app.persistence.uow import UnitOfWork

__all__ = ["NOTIFICATION_STATES", "MailQueue", "Notification", "mail_domain", "notification"]

#: The API's name of each outbox state.
NOTIFICATION_STATES = {
    "pending": "queued",
    "sending": "sending",
    "sent": "sent",
    "failed": "failed",
}


@dataclass(frozen=True)
class Notification:
    """What the institution and the learner see of a credential's e-mail (no address)."""

    state: str  # queued | sending | sent | failed
    attempts: int
    sent_at: datetime | None
    last_error: str | None


def notification(row: MailOutbox | None) -> Notification | None:
    if row is None:
        return None
    return Notification(
        state=NOTIFICATION_STATES.get(row.state, row.state),
        attempts=row.attempts,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )


def mail_domain(mail_from: str | None) -> str:
    """The domain of the From address (``MICROCRED_MAIL_FROM``), for Message-IDs."""
    address = parseaddr(mail_from or "")[1]
    domain = address.rpartition("@")[2].strip().lower()
    return domain or "microcred.invalid"


class MailQueue:
    """Writes the outbox rows of newly stored credentials (see the module's docstring).

    ``message_domain``: the right-hand side of the Message-IDs (the From address's domain).
    ``enabled`` False (no SMTP configured): nothing is ever queued.
    """

    def __init__(
        self,
        *,
        enabled: bool,
        message_domain: str = "microcred.invalid",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.enabled = enabled
        self._domain = message_domain
        self._clock = clock

    def message_id(self) -> str:
        """A new Message-ID (RFC 5322 section 3.6.4), unique worldwide: 128 random bits."""
        return f"<{uuid.uuid4().hex}.microcred@{self._domain}>"

    def enqueue(self, uow: UnitOfWork, rows: Iterable[tuple[Credential, bool]]) -> None:
        """Queue the message of each (stored credential row, whether the request allows one)
        that has a learner e-mail address, in ``uow``'s transaction (one statement)."""
        if not self.enabled:
            return
        now = self._clock()
        uow.mail.enqueue(
            [
                {
                    "credential_id": row.id,
                    "institution_id": row.institution_id,
                    "recipient": row.learner_email,
                    "message_id": self.message_id(),
                    "now": now,
                }
                for row, notify in rows
                if notify and row.learner_email
            ]
        )
