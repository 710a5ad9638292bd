"""The learner's e-mail with real processes: ``microcred serve`` sends it from its own worker
thread, and a ``microcred worker`` process does when the server's thread is off; a real SMTP
server (aiosmtpd, in the test) receives it, and the server's log never names the learner."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.support.data import ACHIEVEMENT, LEARNER
from tests.support.live import MICROCRED, Live, bearer
from tests.support.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.e2e


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server(require_auth=True) as running:
        yield running


def wait_for(predicate: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def mailing(live: Live, port: int, **extra: str) -> None:
    live.env.update(
        MICROCRED_SMTP_URL=f"smtp://registrar:hunter2@127.0.0.1:{port}",
        MICROCRED_MAIL_FROM="Šolski center <noreply@school.example>",
        MICROCRED_WORKER_POLL_SECONDS="0.2",
        MICROCRED_LOG_LEVEL="INFO",
        **extra,
    )


def issue(live: Live) -> tuple[dict[str, object], dict[str, str]]:
    key = live.institution("ts-zg", "Tehnička škola", country="HR", language="hr")
    achievement = live.achievement(key, ACHIEVEMENT)
    return live.credential(key, achievement, LEARNER), bearer(key)


def test_serve_sends_the_wallet_link_from_its_own_worker(
    live: Live, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    mailing(live, port)
    live.prepare_database()
    live.start()
    issued, headers = issue(live)
    wait_for(lambda: len(box.arrived) == 1)
    [arrived] = box.arrived
    assert arrived.recipients == [LEARNER["email"]]
    assert box.logins == ["registrar"]
    text = arrived.message.get_body(("plain",)).get_content()
    assert str(issued["wallet_url"]) in text
    assert arrived.message["Subject"] == "Vaša mikrokvalifikacija: 3D printing: FDM basics"

    def sent() -> bool:
        r = httpx.get(f"{live.url}/api/v1/credentials/{issued['id']}", headers=headers)
        return bool(r.json()["notification"]["state"] == "sent")

    wait_for(sent)
    log = live.stop()
    assert "mail sent" in log
    for secret in (LEARNER["email"], str(issued["wallet_url"]).rsplit("/", 1)[1], "hunter2"):
        assert secret not in log


def test_a_worker_process_sends_when_serve_does_not(
    live: Live, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    mailing(live, port, MICROCRED_WORKER_IN_SERVE="false")
    live.prepare_database()
    live.start()
    issue(live)
    time.sleep(1)
    assert box.arrived == []  # nobody sends yet
    worker = subprocess.Popen(
        [MICROCRED, "worker"], env=live.env, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(lambda: len(box.arrived) == 1)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, log = worker.communicate(timeout=60)
    assert worker.returncode == 0
    assert LEARNER["email"] not in log
