"""Several mail workers at once on committed data (SKIP LOCKED on PostgreSQL, the write lock
on SQLite), sending to a real SMTP server: every message arrives exactly once, and a bulk
issuance queues its messages in its own transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.container import Container
from app.persistence.db import make_engine, make_session_factory, upgrade
from app.persistence.models import MailOutbox
from app.services.issue_requests import IssueRequest
from app.services.mail_sender import MailSender, SmtpTransport
from app.settings import Secrets, Settings
from issuer.credential import Learner
from tests.support.services import setup_institution
from tests.support.smtp import Mailbox, smtp_server

WORKERS = 3
MESSAGES = 24


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def mailing(new_database, tmp_path: Path, mailbox: tuple[Mailbox, int]) -> Iterator[Container]:  # type: ignore[no-untyped-def]
    db = new_database()
    engine = (
        make_engine(db.url, pool_size=10) if db.dialect == "postgresql" else make_engine(db.url)
    )
    upgrade(engine)
    container = Container(
        Settings(
            data_dir=tmp_path,
            base_url="http://127.0.0.1:8000",
            smtp_url=f"smtp://127.0.0.1:{mailbox[1]}",
            mail_from="noreply@school.example",
        ),
        Secrets(b"\x03" * 32, "mcadm_" + "z" * 30),
        make_session_factory(engine),
        engine,
    )
    yield container
    container.close()


def worker_sender(container: Container) -> MailSender:
    """One more worker (as another process would have): its own sender, same database."""
    smtp = container.settings.smtp
    assert smtp is not None
    return MailSender(
        container.uow,
        SmtpTransport(smtp, timeout=10),
        mail_from="noreply@school.example",
        urls=container.urls,
        wallet_tokens=container.wallet_tokens,
        metrics=container.metrics,
    )


def test_workers_at_once_send_every_message_exactly_once(
    mailing: Container, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    principal, achievement_id = setup_institution(mailing)
    requests = [
        (
            IssueRequest(
                achievement_id,
                Learner(given_name="Ana", family_name=f"Horvat {n}"),
                learner_email=f"learner{n}@example.org",
            ),
            f"row-{n}",
        )
        for n in range(MESSAGES)
    ]
    # A bulk chunk: its messages are queued in its transaction, one per credential.
    results = mailing.issuance.issue_many(principal, requests)
    assert all(isinstance(r, tuple) for r in results)
    with mailing.uow(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(MailOutbox)) == MESSAGES

    senders = [worker_sender(mailing) for _ in range(WORKERS)]
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def work(index: int) -> None:
        try:
            start.wait()
            while senders[index].work_once(f"worker-{index}", limit=2):
                pass
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    recipients = sorted(r for a in box.arrived for r in a.recipients)
    assert recipients == sorted(f"learner{n}@example.org" for n in range(MESSAGES))
    assert len({a.message["Message-ID"] for a in box.arrived}) == MESSAGES
    with mailing.uow(read_only=True) as uow:
        states = uow.session.execute(
            select(MailOutbox.state, MailOutbox.attempts, func.count()).group_by(
                MailOutbox.state, MailOutbox.attempts
            )
        ).all()
    assert [tuple(s) for s in states] == [("sent", 1, MESSAGES)]
