"""Sending the learners' e-mail through a real SMTP server (aiosmtpd, started by the test) and
reading what arrives: the message in the institution's language, retries with back-off, a
permanent refusal, giving up, and the crash cases, with two workers driven step by step."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from app.container import Container
from app.documents.i18n import language
from app.documents.mail import LearnerMail, compose
from app.persistence.models import MailOutbox
from app.persistence.uow import UnitOfWork
from app.services.mail_sender import (
    MailDeliveryError,
    MailSender,
    MailTransport,
    SmtpTransport,
    backoff,
)
from app.settings import Settings, SmtpServer
from tests.support.api import achievement, credential, institution, wallet_path
from tests.support.clock import FixedClock
from tests.support.data import BASE_URL, LEARNER
from tests.support.smtp import Mailbox, free_port, self_signed_certificate, smtp_server

pytestmark = pytest.mark.anyio

HTML = {"Accept": "text/html"}
FROM = "Tehniški šolski center <noreply@school.example>"
OFFER = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Fo%2F1"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path, mailbox: tuple[Mailbox, int]) -> Settings:
    return Settings(
        data_dir=tmp_path,
        base_url=BASE_URL,
        smtp_url=f"smtp://127.0.0.1:{mailbox[1]}",
        mail_from=FROM,
        smtp_timeout_seconds=5,
        mail_max_attempts=3,
    )


class Offers:
    """The OpenID4VCI side, as the sender sees it (a fake behind the OfferLinks protocol)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def for_mail(self, uow: UnitOfWork, credential_id: str) -> str | None:
        self.asked.append(credential_id)
        return OFFER


class WorkerKilled(BaseException):
    """The worker process dies (nothing in the sender catches it)."""


class DiesAfterSending:
    """A transport whose worker dies right after the server accepted the message, before the
    outcome is committed: the one window the README and the sender's docstring describe."""

    def __init__(self, transport: MailTransport) -> None:
        self._transport = transport

    def send(self, message: Any, sender: str, recipient: str) -> None:
        self._transport.send(message, sender, recipient)
        raise WorkerKilled


def sender(container: Container) -> MailSender:
    assert container.mail_sender is not None
    return container.mail_sender


def other_worker(container: Container, transport: MailTransport | None = None) -> MailSender:
    """A second worker process on the same database (its own sender)."""
    settings = container.settings
    assert settings.smtp is not None and settings.mail_from is not None
    return MailSender(
        container.uow,
        transport or SmtpTransport(settings.smtp, timeout=settings.smtp_timeout_seconds),
        mail_from=settings.mail_from,
        urls=container.urls,
        wallet_tokens=container.wallet_tokens,
        metrics=container.metrics,
        send_timeout=timedelta(seconds=settings.smtp_timeout_seconds),
        max_attempts=settings.mail_max_attempts,
        clock=container.clock,
    )


def rows(connection: Connection) -> list[MailOutbox]:
    with Session(bind=connection) as session:
        return list(session.scalars(select(MailOutbox).order_by(MailOutbox.id)))


async def issue(
    client: httpx.AsyncClient, admin: dict[str, str], **award: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    _, headers = await institution(client, admin, language="sl", contact="referat@school.example")
    made = await achievement(client, headers)
    return await credential(client, headers, made["id"], **award), headers


async def test_the_learner_receives_the_message_in_the_institutions_language(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    connection: Connection,
    mailbox: tuple[Mailbox, int],
    clock: FixedClock,
) -> None:
    box, _ = mailbox
    issued, headers = await issue(client, admin_headers)
    offers = Offers()
    sender(container).offers = offers
    r = await client.get(f"/api/v1/credentials/{issued['id']}", headers=headers)
    assert r.json()["notification"] == {
        "state": "queued", "attempts": 0, "sent_at": None, "last_error": None
    }  # fmt: skip
    assert sender(container).work_once("worker-a") == 1
    r = await client.get(f"/api/v1/credentials/{issued['id']}", headers=headers)
    assert r.json()["notification"] == {
        "state": "sent", "attempts": 1, "sent_at": clock.now.isoformat(), "last_error": None
    }  # fmt: skip
    [listed] = (await client.get("/api/v1/credentials", headers=headers)).json()["items"]
    assert listed["notification"]["state"] == "sent"
    assert LEARNER["email"] not in str(listed["notification"])

    [arrived] = box.arrived
    assert arrived.recipients == [LEARNER["email"]]
    assert arrived.sender == "noreply@school.example"
    message = arrived.message
    [row] = rows(connection)
    assert message["Message-ID"] == row.message_id
    assert message["Subject"] == "Vaše mikrodokazilo: 3D tisk: osnove FDM"
    assert message["From"] == FROM
    assert message["To"] == "Ana Horvat <ana@example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "sl"
    assert message["Date"].datetime == clock.now.replace(microsecond=0)
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    for body in (text, page):
        assert "Ana Horvat" in body
        assert "Tehniški šolski center" in body
        assert "3D tisk: osnove FDM" in body
        assert issued["wallet_url"] in body
        assert OFFER.replace("&", "&amp;") in body
        assert "referat@school.example" in body
    assert f'href="{issued["wallet_url"]}"' in page
    assert "Povezava je samo za vas" in text
    assert offers.asked == [issued["id"]]
    assert (row.state, row.attempts, row.sent_at, row.last_error) == (
        "sent", 1, clock.now, None
    )  # fmt: skip
    assert sender(container).work_once("worker-a") == 0  # nothing sent twice


async def test_the_wallet_page_says_where_and_when_the_link_was_sent(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    mailbox: tuple[Mailbox, int],
) -> None:
    issued, _ = await issue(client, admin_headers)
    page = await client.get(wallet_path(issued), params={"lang": "sl"}, headers=HTML)
    assert "mail-sent" not in page.text  # queued, not sent yet
    sender(container).work_once("worker-a")
    for lang, line in (
        ("sl", "Poslano na a***@example.org dne 5. marca 2026."),
        ("en", "Sent to a***@example.org on 5 March 2026."),
        ("sr-Cyrl", "Послато на a***@example.org дана 5. март 2026."),
    ):
        page = await client.get(wallet_path(issued), params={"lang": lang}, headers=HTML)
        assert line in page.text, lang
        assert "ana@example.org" not in page.text


async def test_the_subject_is_rfc_2047_and_no_offer_means_no_offer_line(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    mailbox: tuple[Mailbox, int],
) -> None:
    box, _ = mailbox
    issued, _ = await issue(client, admin_headers)
    sender(container).offers = None  # a sender without OpenID4VCI offers
    sender(container).work_once("worker-a")
    [arrived] = box.arrived
    assert b"\r\nSubject: =?utf-8?" in arrived.raw  # encoded-words: the header is ASCII
    assert arrived.raw.startswith(b"From: =?utf-8?")
    head = arrived.raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    text = arrived.message.get_body(("plain",)).get_content()
    assert issued["wallet_url"] in text
    assert "openid-credential-offer" not in text
    assert "denarnic" not in text  # the line that offers the wallet app


async def test_a_temporary_refusal_is_retried_after_a_back_off(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    connection: Connection,
    mailbox: tuple[Mailbox, int],
    clock: FixedClock,
) -> None:
    box, _ = mailbox
    box.refuse_with = "451 4.3.0 Mailbox for <ana@example.org> busy, try later"
    await issue(client, admin_headers)
    assert sender(container).work_once("worker-a") == 1
    [row] = rows(connection)
    assert (row.state, row.attempts, row.last_error) == ("pending", 1, "smtp 451")
    wait = row.next_attempt_at - clock.now
    assert timedelta(seconds=30) <= wait <= timedelta(seconds=60)
    assert sender(container).work_once("worker-a") == 0  # not due yet
    box.refuse_with = None
    clock.advance(wait)
    assert sender(container).work_once("worker-a") == 1
    [row] = rows(connection)
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)
    assert len(box.arrived) == 1
    metrics = (await client.get("/metrics")).text
    assert 'microcred_mail_total{outcome="retried"} 1.0' in metrics
    assert 'microcred_mail_total{outcome="sent"} 1.0' in metrics


def test_back_off_doubles_is_capped_and_jittered() -> None:
    assert backoff(1, lambda: 1.0) == timedelta(minutes=1)
    assert backoff(1, lambda: 0.0) == timedelta(seconds=30)
    assert backoff(4, lambda: 1.0) == timedelta(minutes=8)
    assert backoff(40, lambda: 1.0) == timedelta(hours=6)
    assert backoff(100, lambda: 0.0) == timedelta(hours=3)


async def test_a_permanent_refusal_fails_at_once_and_names_no_address(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    connection: Connection,
    mailbox: tuple[Mailbox, int],
) -> None:
    box, _ = mailbox
    box.refuse_with = "550 5.1.1 <ana@example.org>: no such user"
    issued, headers = await issue(client, admin_headers)
    sender(container).work_once("worker-a")
    [row] = rows(connection)
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, "smtp 550")
    assert box.arrived == []
    r = await client.get(f"/api/v1/credentials/{issued['id']}", headers=headers)
    assert r.json()["notification"] == {
        "state": "failed", "attempts": 1, "sent_at": None, "last_error": "smtp 550"
    }  # fmt: skip


async def test_an_unreachable_server_is_tried_max_attempts_times(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    connection: Connection,
    clock: FixedClock,
) -> None:
    await issue(client, admin_headers)
    nowhere = SmtpServer("127.0.0.1", free_port(), "plain")
    worker = other_worker(container, SmtpTransport(nowhere, timeout=2))
    for attempt in range(1, 4):
        assert worker.work_once("worker-a") == 1
        [row] = rows(connection)
        assert row.attempts == attempt and row.last_error == "connection refused"
        clock.advance(timedelta(hours=7))
    assert row.state == "failed"
    assert worker.work_once("worker-a") == 0


async def test_a_killed_workers_message_is_sent_once_by_another(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    connection: Connection,
    mailbox: tuple[Mailbox, int],
    clock: FixedClock,
) -> None:
    box, _ = mailbox
    await issue(client, admin_headers)
    first, second = sender(container), other_worker(container)
    [claimed] = first.claim("worker-a")  # ... and worker A dies before it sends
    assert second.work_once("worker-b") == 0  # A's lease holds
    clock.advance(first.lease + timedelta(seconds=1))
    assert second.work_once("worker-b") == 1
    [row] = rows(connection)
    assert (row.state, row.attempts) == ("sent", 2)
    # Worker A was only stuck, and wakes up: its claim is gone, so it sends nothing.
    assert first.deliver("worker-a", claimed) == "lost"
    assert len(box.arrived) == 1


async def test_a_crash_after_the_server_accepted_resends_with_the_same_message_id(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    connection: Connection,
    mailbox: tuple[Mailbox, int],
    clock: FixedClock,
) -> None:
    box, _ = mailbox
    await issue(client, admin_headers)
    settings = container.settings
    assert settings.smtp is not None
    dying = other_worker(container, DiesAfterSending(SmtpTransport(settings.smtp, timeout=5)))
    with pytest.raises(WorkerKilled):
        dying.work_once("worker-a")
    [row] = rows(connection)
    assert row.state == "sending"  # the outbox does not know it went out
    clock.advance(dying.lease + timedelta(seconds=1))
    assert sender(container).work_once("worker-b") == 1
    assert len(box.arrived) == 2  # the documented window: sent twice ...
    first, again = (a.message for a in box.arrived)
    assert first["Message-ID"] == again["Message-ID"] == rows(connection)[0].message_id
    assert rows(connection)[0].state == "sent"  # ... as one message


async def test_a_credential_revoked_before_sending_is_not_sent(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    connection: Connection,
    mailbox: tuple[Mailbox, int],
) -> None:
    box, _ = mailbox
    issued, headers = await issue(client, admin_headers)
    r = await client.post(f"/api/v1/credentials/{issued['id']}/revoke", headers=headers)
    assert r.status_code == 200
    sender(container).work_once("worker-a")
    [row] = rows(connection)
    assert (row.state, row.last_error) == ("failed", "credential revoked")
    assert box.arrived == []


# -- the transport: STARTTLS and AUTH, the deadline ------------------------------------------


def message_to(recipient: str) -> Any:
    return compose(
        LearnerMail(
            message_id="<t@school.example>",
            sender=FROM,
            recipient=recipient,
            language=language("hr") or pytest.fail("hr"),
            institution="Tehnička škola",
            wallet_url=f"{BASE_URL}/wallet/abc",
            date=datetime.now().astimezone(),
        )
    )


def test_starttls_with_a_checked_certificate_and_a_login(tmp_path: Path) -> None:
    ca_file, context = self_signed_certificate(tmp_path)
    with smtp_server(tls=context, require_auth=True) as (box, port):
        server = SmtpServer("127.0.0.1", port, "starttls", "registrar", "hunter2")
        SmtpTransport(server, timeout=5, ca_file=ca_file).send(
            message_to("ivana@example.org"), "noreply@school.example", "ivana@example.org"
        )
        assert [a.recipients for a in box.arrived] == [["ivana@example.org"]]
        assert box.logins == ["registrar"]
        # Without our CA the certificate is not trusted: nothing is sent, and it is retried.
        with pytest.raises(MailDeliveryError) as refused:
            SmtpTransport(server, timeout=5).send(
                message_to("ivana@example.org"), "noreply@school.example", "ivana@example.org"
            )
        assert refused.value.reason.startswith("tls") and not refused.value.permanent
        # A wrong password is the operator's to fix: retried, not failed for good.
        wrong = SmtpServer("127.0.0.1", port, "starttls", "registrar", "nope")
        with pytest.raises(MailDeliveryError) as refused:
            SmtpTransport(wrong, timeout=5, ca_file=ca_file).send(
                message_to("ivana@example.org"), "noreply@school.example", "ivana@example.org"
            )
        assert refused.value.reason == "smtp 535" and not refused.value.permanent
        assert len(box.arrived) == 1


def test_implicit_tls(tmp_path: Path) -> None:
    ca_file, context = self_signed_certificate(tmp_path)
    with smtp_server(implicit_tls=context) as (box, port):
        server = SmtpServer("127.0.0.1", port, "tls")
        SmtpTransport(server, timeout=5, ca_file=ca_file).send(
            message_to("ivana@example.org"), "noreply@school.example", "ivana@example.org"
        )
        assert [a.recipients for a in box.arrived] == [["ivana@example.org"]]


def test_starttls_and_auth_are_required_when_the_url_says_so() -> None:
    with smtp_server() as (box, port):  # offers neither STARTTLS nor AUTH
        for server, reason in (
            (SmtpServer("127.0.0.1", port, "starttls"), "starttls not offered"),
            (SmtpServer("127.0.0.1", port, "plain", "registrar", "hunter2"), "auth not offered"),
        ):
            with pytest.raises(MailDeliveryError) as refused:
                SmtpTransport(server, timeout=5).send(
                    message_to("ivana@example.org"), "noreply@school.example", "ivana@example.org"
                )
            assert refused.value.reason == reason and not refused.value.permanent
        assert box.arrived == []


def test_a_server_that_never_answers_is_cut_off_at_the_deadline() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never says a word
    held: list[socket.socket] = []
    accepting = threading.Thread(target=lambda: held.append(listener.accept()[0]), daemon=True)
    accepting.start()
    try:
        server = SmtpServer("127.0.0.1", listener.getsockname()[1], "plain")
        started = time.monotonic()
        with pytest.raises(MailDeliveryError) as refused:
            SmtpTransport(server, timeout=0.5).send(
                message_to("ivana@example.org"), "noreply@school.example", "ivana@example.org"
            )
        assert time.monotonic() - started < 3
        assert refused.value.reason == "timeout" and not refused.value.permanent
    finally:
        for conn in held:
            conn.close()
        listener.close()


async def test_the_offer_in_the_message_is_a_real_open_offer(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    mailbox: tuple[Mailbox, int],
) -> None:
    """The service's own sender: the message's "add to wallet" link is an offer of this
    credential that a wallet can open, recorded as made for the mail."""
    box, _ = mailbox
    issued, headers = await issue(client, admin_headers)
    assert sender(container).work_once("worker-a") == 1
    [arrived] = box.arrived
    text = arrived.message.get_body(("plain",)).get_content()
    [link] = [w for w in text.split() if w.startswith("openid-credential-offer://")]
    [uri] = parse_qs(urlsplit(link).query)["credential_offer_uri"]
    offer = await client.get(uri.removeprefix(BASE_URL))
    assert offer.status_code == 200, offer.text
    assert offer.json()["credential_issuer"] == f"{BASE_URL}/institutions/ts-lj"
    r = await client.get(f"/api/v1/credentials/{issued['id']}", headers=headers)
    assert r.json()["offer"]["source"] == "mail"
    assert r.json()["offer"]["tx_code_required"] is False
