"""Sending the outbox (:mod:`app.services.mail_outbox`): workers claim due messages, compose
each in the institution's language, send it through SMTP and record the outcome.

Workers are a thread in ``microcred serve`` and one in each ``microcred worker`` process, any
number on any host. A claim is a short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
SQLite's write lock serialises claims) that moves due messages to ``sending`` with a lease
(``claimed_by``, ``claimed_until``) and counts the attempt; the SMTP conversation runs outside
any transaction, bounded by a total deadline shorter than the lease, and only while the claim
still holds; then a second short transaction records ``sent``, or ``pending`` again with the
next attempt after an exponential back-off with jitter (1, 2, 4 ... minutes, at most 6 hours,
each 50-100 % of that), or ``failed``: after ``MICROCRED_MAIL_MAX_ATTEMPTS`` attempts, or at
once when the server refuses the message for good (a 5xx reply other than to
authentication, which is the operator's configuration to fix, not the message's fault).

What a crash does:

- before the server accepted the message: nothing was sent; the lease runs out and another
  worker (or this one, restarted) sends it. Nothing is lost.
- after the server accepted it (its reply to DATA) and before ``sent`` was committed: the
  message went out, but the outbox does not know. When the lease runs out it is sent once more,
  with the same Message-ID, so the second copy is recognisable as the same message (mail
  clients and many servers fold copies with one Message-ID together). This window, one SMTP
  reply and one commit long, is the only way a learner gets a message twice: exactly-once
  delivery over SMTP would need the server to take part in our transaction, which SMTP has no
  way to do.
- a worker whose lease ran out while it was stuck does not send: it checks that its claim
  still outlasts the send's deadline first, and its outcome is not recorded over another
  worker's.

The "add to wallet" offer is made when the message is composed, by an optional
:class:`OfferLinks` collaborator (OpenID4VCI offers are one-time and expire); without one, the
message carries the wallet link only. The learner's address, name and links are never logged:
the log names the outbox row and the credential, and ``last_error`` holds an SMTP reply code
or the class of the error, never the server's text (which may quote the address).
"""

from __future__ import annotations

import contextlib
import logging
import random
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol

from app.documents.i18n import DEFAULT_LANGUAGE, language
from app.documents.mail import LearnerMail, compose
from app.documents.summary import pick_text
from app.http.urls import PublicUrls
from app.observability.metrics import Metrics
from app.persistence.models import Credential, MailOutbox, utcnow
from app.persistence.uow import UnitOfWork, UowFactory
from app.services.batch_worker import run_loop, start_loop_thread
from app.services.wallet_tokens import WalletTokens
from app.settings import SmtpServer

__all__ = [
    "MailDeliveryError",
    "MailSender",
    "MailTransport",
    "OfferLinks",
    "SmtpTransport",
    "backoff",
    "run_mail_worker",
    "start_mail_worker_thread",
]

log = logging.getLogger("microcred.mail")

#: The first retry waits about this long; each further one twice as long, up to the cap.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
#: The lease outlasts one send's deadline by this much (composing, the offer, the commits).
LEASE_MARGIN = timedelta(seconds=60)
#: Authentication and TLS replies are about the configuration, not the message: retried.
_CONFIGURATION_CODES = frozenset({530, 534, 535, 538})


class OfferLinks(Protocol):
    """The "add to wallet" link of a credential, made when its message is composed (the
    OpenID4VCI engineer's offers; wired by the container)."""

    def for_mail(self, uow: UnitOfWork, credential_id: str) -> str | None:
        """An ``openid-credential-offer://`` URL for the credential (a new one-time offer,
        written in ``uow``, which the sender commits), or None: no offer line."""
        ...


class MailDeliveryError(Exception):
    """A message was not delivered. ``reason``: an SMTP reply code (``smtp 451``) or the
    class of the error (``timeout``, ``connection refused``...), never the server's text;
    ``permanent``: sending it again would not help."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class MailTransport(Protocol):
    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        """Hand ``message`` to the mail server for ``recipient``, from the bare address
        ``sender`` (the envelope); :class:`MailDeliveryError` when it was not accepted."""
        ...


class SmtpTransport:
    """SMTP with the standard library: plain (to this host only), STARTTLS (required: a
    server that does not offer it is refused) or implicit TLS, certificates checked against
    the system's CAs (and ``ca_file``), AUTH when the URL has a user. ``timeout`` bounds the
    whole conversation, connecting included: when it runs out the socket is shut down."""

    def __init__(
        self, server: SmtpServer, *, timeout: float = 30.0, ca_file: Path | None = None
    ) -> None:
        self._server = server
        self.timeout = timeout
        self._context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        server = self._server
        expired = threading.Event()
        client: smtplib.SMTP | None = None

        def cut() -> None:
            expired.set()
            sock = getattr(client, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):  # closed already
                    sock.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(self.timeout, cut)
        timer.daemon = True
        timer.start()
        step = "connect"
        try:
            if server.security == "tls":
                client = smtplib.SMTP_SSL(
                    server.host, server.port, timeout=self.timeout, context=self._context
                )
            else:
                client = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            with client:
                client.ehlo()
                if server.security == "starttls":
                    step = "starttls"
                    client.starttls(context=self._context)
                    client.ehlo()
                if server.username:
                    step = "auth"
                    client.login(server.username, server.password or "")
                step = "send"
                client.send_message(message, from_addr=sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise _refused(codes[0] if codes else 550) from None
        except smtplib.SMTPResponseException as exc:
            raise _refused(exc.smtp_code) from None
        except smtplib.SMTPNotSupportedError:  # the server lacks what the URL asks for
            raise MailDeliveryError(f"{step} not offered") from None
        except ssl.SSLError as exc:
            raise MailDeliveryError(f"tls {type(exc).__name__}") from None
        except TimeoutError:
            raise MailDeliveryError("timeout") from None
        except ConnectionRefusedError:
            raise MailDeliveryError("connection refused") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise MailDeliveryError("timeout" if expired.is_set() else type(exc).__name__) from None
        finally:
            timer.cancel()


def _refused(code: int) -> MailDeliveryError:
    permanent = 500 <= code < 600 and code not in _CONFIGURATION_CODES
    return MailDeliveryError(f"smtp {code}", permanent=permanent)


def backoff(attempts: int, draw: Callable[[], float] = random.random) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: the base doubled each time,
    capped, and drawn between half and all of that (jitter: workers that failed together do
    not retry together)."""
    ceiling: timedelta = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(max(0, attempts - 1), 16))
    return ceiling * (0.5 + 0.5 * draw())


@dataclass(frozen=True)
class _Prepared:
    """A message composed and ready to send (or why it is not to be sent)."""

    message: EmailMessage | None
    recipient: str
    attempts: int
    cancelled: str | None = None


class MailSender:
    def __init__(
        self,
        uow_factory: UowFactory,
        transport: MailTransport,
        *,
        mail_from: str,
        urls: PublicUrls,
        wallet_tokens: WalletTokens,
        metrics: Metrics,
        offers: OfferLinks | None = None,
        send_timeout: timedelta = timedelta(seconds=30),
        max_attempts: int = 8,
        clock: Callable[[], datetime] = utcnow,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self._uow = uow_factory
        self._transport = transport
        self._from = mail_from
        # The envelope's sender (MAIL FROM): the bare address of the From header.
        self._envelope_from = parseaddr(mail_from)[1]
        self._urls = urls
        self._wallet_tokens = wallet_tokens
        self._metrics = metrics
        self.offers = offers
        self._send_timeout = send_timeout
        self.lease = send_timeout + LEASE_MARGIN
        self._max_attempts = max_attempts
        self._clock = clock
        self._draw = draw

    # -- claiming ------------------------------------------------------------------------------

    def claim(self, worker: str, limit: int = 10) -> list[int]:
        """Claim up to ``limit`` due messages for ``worker``, with a lease (one short
        transaction). A message whose every attempt ended with its worker gone is failed on
        the way."""
        now = self._clock()
        ids: list[int] = []
        with self._uow() as uow:
            for row in uow.mail.claimable(now, limit):
                if row.attempts >= self._max_attempts:  # its lease ran out every time
                    self._record_failed(row, f"gave up after {row.attempts} attempts")
                    continue
                row.state = "sending"
                row.claimed_by = worker
                row.claimed_until = now + self.lease
                row.attempts += 1
                ids.append(row.id)
            uow.commit()
        return ids

    def _record_failed(self, row: MailOutbox, reason: str) -> None:
        row.state, row.last_error, row.claimed_until = "failed", reason, None
        log.warning(
            "mail failed",
            extra={"mail_id": row.id, "credential_id": row.credential_id, "error": reason},
        )
        self._metrics.mail.labels("failed").inc()

    # -- sending -------------------------------------------------------------------------------

    def deliver(self, worker: str, mail_id: int) -> str:
        """Compose and send one claimed message and record the outcome: ``sent``,
        ``retry``, ``failed``, or ``lost`` (the claim no longer holds: nothing was sent)."""
        prepared = self._prepare(worker, mail_id)
        if prepared is None:
            log.warning("mail claim lost before sending", extra={"mail_id": mail_id})
            return "lost"
        if prepared.cancelled is not None or prepared.message is None:
            self._finish(worker, mail_id, "failed", error=prepared.cancelled)
            return "failed"
        try:
            self._transport.send(prepared.message, self._envelope_from, prepared.recipient)
        except MailDeliveryError as exc:
            return self._failed_attempt(worker, mail_id, prepared.attempts, exc)
        self._finish(worker, mail_id, "sent")
        return "sent"

    def _prepare(self, worker: str, mail_id: int) -> _Prepared | None:
        """The message of a claim that still holds long enough for one send, composed now
        (with a fresh offer, committed with the check), or None."""
        now = self._clock()
        # Only an offer writes (on SQLite a writer takes the database's write lock).
        with self._uow(read_only=self.offers is None) as uow:
            row = uow.mail.held_by(mail_id, worker, now + self._send_timeout)
            if row is None:
                return None
            credential = uow.session.get(Credential, row.credential_id)
            institution = uow.institutions.by_id(row.institution_id)
            assert credential is not None and institution is not None
            if credential.status == "revoked":
                return _Prepared(None, row.recipient, row.attempts, "credential revoked")
            lang = language(row.language) or DEFAULT_LANGUAGE
            course = None
            if credential.achievement_id:
                found = uow.achievements.get(institution.id, credential.achievement_id)
                course = pick_text(found.title, lang) if found is not None else None
            names = (credential.learner_given_name, credential.learner_family_name)
            offer = self.offers.for_mail(uow, credential.id) if self.offers else None
            token = self._wallet_tokens.reveal(credential.id, credential.wallet_token_sealed)
            message = compose(
                LearnerMail(
                    message_id=row.message_id,
                    sender=self._from,
                    recipient=row.recipient,
                    language=lang,
                    institution=institution.name,
                    wallet_url=self._urls.wallet(token),
                    date=now,
                    learner_name=" ".join(n for n in names if n) or None,
                    course=str(course) if course else None,
                    offer_url=offer,
                    contact=institution.contact,
                )
            )
            uow.commit()
            return _Prepared(message, row.recipient, row.attempts)

    def _failed_attempt(
        self, worker: str, mail_id: int, attempts: int, exc: MailDeliveryError
    ) -> str:
        if exc.permanent or attempts >= self._max_attempts:
            self._finish(worker, mail_id, "failed", error=exc.reason)
            return "failed"
        wait = backoff(attempts, self._draw)
        self._finish(worker, mail_id, "pending", error=exc.reason, next_at=self._clock() + wait)
        log.info(
            "mail attempt failed; retrying",
            extra={"mail_id": mail_id, "error": exc.reason, "attempts": attempts,
                   "retry_in_seconds": int(wait.total_seconds())},
        )  # fmt: skip
        self._metrics.mail.labels("retried").inc()
        return "retry"

    def _finish(
        self,
        worker: str,
        mail_id: int,
        state: str,
        *,
        error: str | None = None,
        next_at: datetime | None = None,
    ) -> None:
        values: dict[str, object] = {"state": state, "last_error": error}
        if state == "sent":
            values["sent_at"] = self._clock()
        if next_at is not None:
            values["next_attempt_at"] = next_at
        with self._uow() as uow:
            recorded = uow.mail.finish(mail_id, worker, **values)
            uow.commit()
        if not recorded:  # another worker took it over meanwhile: its outcome stands
            log.warning("mail outcome not recorded: claim lost", extra={"mail_id": mail_id})
            return
        if state == "sent":
            log.info("mail sent", extra={"mail_id": mail_id})
            self._metrics.mail.labels("sent").inc()
        elif state == "failed":
            log.warning("mail failed", extra={"mail_id": mail_id, "error": error})
            self._metrics.mail.labels("failed").inc()

    def work_once(self, worker: str, limit: int = 10) -> int:
        """Claim and send up to ``limit`` messages; the number claimed (0: nothing due)."""
        ids = self.claim(worker, limit)
        for mail_id in ids:
            self.deliver(worker, mail_id)
        return len(ids)


def run_mail_worker(
    sender: MailSender, worker: str, stop: threading.Event, *, poll_seconds: float = 5.0
) -> None:
    """Send until ``stop`` is set (:func:`app.services.batch_worker.run_loop`)."""
    run_loop("mail", lambda: sender.work_once(worker), worker, stop, poll_seconds=poll_seconds)


def start_mail_worker_thread(
    sender: MailSender, worker: str, *, poll_seconds: float = 5.0
) -> tuple[threading.Thread, threading.Event]:
    """:func:`run_mail_worker` in a daemon thread."""
    return start_loop_thread(
        "mail", lambda: sender.work_once(worker), worker, poll_seconds=poll_seconds
    )
