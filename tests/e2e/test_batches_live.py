"""Bulk issuance with real processes: a worker killed with SIGKILL mid-batch loses nothing and
duplicates nothing; the CLI issues a roster locally and through a server."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support.data import INTEROP_ACHIEVEMENT as ACHIEVEMENT
from tests.support.live import MICROCRED, Live, bearer

pytestmark = pytest.mark.e2e


def setup(live: Live) -> tuple[dict[str, str], str, str]:
    key = live.institution("ts-lj", "Šolski center")
    return bearer(key), live.achievement(key, ACHIEVEMENT), key


def wait_for(predicate, seconds: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_sigkilled_worker_loses_and_duplicates_nothing(live: Live) -> None:
    live.env.update(
        MICROCRED_WORKER_IN_SERVE="false",
        MICROCRED_WORKER_LEASE_SECONDS="3",
        MICROCRED_WORKER_POLL_SECONDS="0.2",
    )
    live.prepare_database()
    live.start()
    headers, achievement_id, _ = setup(live)
    rows = 240
    roster = "given_name,family_name\n" + "".join(f"Učenec{i},Priimek{i}\n" for i in range(rows))
    made = httpx.post(
        f"{live.url}/api/v1/batches",
        params={"achievement_id": achievement_id},
        content=roster.encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert made.status_code == 202
    status_url = made.json()["status_url"]

    def status() -> dict:  # type: ignore[type-arg]
        return httpx.get(status_url, headers=headers).json()

    first = subprocess.Popen([MICROCRED, "worker"], env=live.env, stderr=subprocess.DEVNULL)
    wait_for(lambda: status()["issued"] >= 25)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = status()["issued"]
    assert killed_at < rows, "the batch finished before the worker was killed"

    others = [
        subprocess.Popen([MICROCRED, "worker"], env=live.env, stderr=subprocess.DEVNULL)
        for _ in range(2)
    ]
    try:
        wait_for(lambda: status()["state"] == "done")
    finally:
        for worker in others:
            worker.send_signal(signal.SIGTERM)
        for worker in others:
            worker.wait(timeout=30)
    final = status()
    assert (final["issued"], final["failed"]) == (rows, 0), final
    results = httpx.get(final["results_url"], headers=headers).text
    ids = [r["credential_id"] for r in csv.DictReader(io.StringIO(results))]
    assert len(ids) == rows and len(set(ids)) == rows and all(ids)
    listed = httpx.get(f"{live.url}/api/v1/credentials?limit=1", headers=headers).json()
    assert listed["total"] == rows  # no second credential for any row


def test_cli_issues_a_roster_locally_and_through_a_server(live: Live, tmp_path: Path) -> None:
    live.prepare_database()
    live.start()  # with the embedded worker
    headers, achievement_id, key = setup(live)
    roster = tmp_path / "class-3a.csv"
    roster.write_text("given_name,family_name,grade\nAna,Horvat,5\nЉубица,Јовановић,4\n")  # noqa: RUF001

    local = subprocess.run(
        [MICROCRED, "issue-batch", str(roster), "--achievement", achievement_id,
         "--institution", "ts-lj", "--results", str(tmp_path / "local.csv")],
        env=live.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert local.returncode == 0, local.stderr
    assert "issued 2, failed 0" in local.stdout
    rows = list(csv.DictReader(io.StringIO((tmp_path / "local.csv").read_text())))
    assert len(rows) == 2 and all(r["verification_url"] for r in rows)

    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"given_name": "Ana", "family_name": "Novak"}\n{"family_name": "X"}\n')
    env = {**live.env, "MICROCRED_API_KEY": key}
    remote = subprocess.run(
        [MICROCRED, "issue-batch", str(bad), "--achievement", achievement_id,
         "--server", live.url, "--results", str(tmp_path / "remote.csv")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert remote.returncode == 1, remote.stderr  # one row failed
    assert "issued 1, failed 1" in remote.stdout and "row 2:" in remote.stdout
    listed = httpx.get(f"{live.url}/api/v1/credentials", headers=headers).json()
    assert listed["total"] == 3
    assert os.path.getsize(tmp_path / "remote.csv") > 0
