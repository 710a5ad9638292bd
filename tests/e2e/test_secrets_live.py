"""Issue 11 with a live server, as an operator meets it: private file modes, a missing or
wrong master key refused at start (and never silently replaced), and rotating the admin token
of a running server."""

from __future__ import annotations

import base64
import os
import stat
import time
from pathlib import Path

import httpx
import pytest

from tests.support.live import Live, bearer

pytestmark = pytest.mark.e2e


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def data_dir(live: Live) -> Path:
    return Path(live.env["MICROCRED_DATA_DIR"])


def sqlite(live: Live) -> bool:
    return "MICROCRED_DATABASE_URL" not in live.env


def test_the_data_directory_and_the_database_are_private(live: Live, tmp_path: Path) -> None:
    var = data_dir(live)
    var.mkdir(mode=0o755)
    os.chmod(var, 0o755)  # as an older microcred (or a umask of 022) left it
    live.prepare_database()
    live.start()
    live.institution("ts-lj", "Tehniški šolski center")  # writes: the WAL and SHM exist now
    assert mode(var) == 0o700
    files = ["master.key", "admin-token"]
    if sqlite(live):
        files += ["microcred.db", "microcred.db-wal", "microcred.db-shm"]
    for name in files:
        assert mode(var / name) == 0o600, name
    live.stop()
    # Looser modes found at start are tightened.
    os.chmod(var, 0o755)
    if sqlite(live):
        os.chmod(var / "microcred.db", 0o644)
    live.start()
    assert mode(var) == 0o700
    if sqlite(live):
        assert mode(var / "microcred.db") == 0o600

    fresh = {**live.env, "MICROCRED_DATA_DIR": str(tmp_path / "fresh")}
    fresh.pop("MICROCRED_DATABASE_URL", None)
    Live(fresh, live.port).cli("init")
    assert mode(tmp_path / "fresh") == 0o700
    assert mode(tmp_path / "fresh" / "microcred.db") == 0o600


def serve_once(live: Live, **env: str) -> tuple[int, str]:
    """``microcred serve`` expected to refuse: its exit code and its stderr."""
    refused = Live({**live.env, **env}, live.port).cli("serve", "--port", str(live.port),
                                                       check=False)  # fmt: skip
    return refused.returncode, refused.stderr


def test_a_missing_master_key_is_refused_not_replaced(live: Live) -> None:
    var = data_dir(live)
    live.prepare_database()
    live.start()
    api_key = live.institution("ts-lj", "Tehniški šolski center")
    live.stop()
    master = (var / "master.key").read_text()
    (var / "master.key").unlink()

    code, err = serve_once(live)
    assert code != 0 and "Traceback" not in err
    assert "1 sealed signing key" in err
    assert "restore master.key" in err and "MICROCRED_MASTER_KEY" in err
    assert not (var / "master.key").exists(), "a new master key was made"
    for command in (["init"], ["institution", "list"], ["admin-token"]):
        other = live.cli(*command, check=False)
        assert other.returncode != 0 and "restore master.key" in other.stderr, command
        assert not (var / "master.key").exists()

    # The original key restored, everything works again, the keys made before included.
    (var / "master.key").write_text(master)
    os.chmod(var / "master.key", 0o600)
    live.start()
    assert httpx.get(f"{live.url}/healthz").status_code == 200
    made = httpx.post(
        f"{live.url}/api/v1/achievements", headers=bearer(api_key), json={}, timeout=30
    )
    assert made.status_code == 422  # the institution answers (and could sign)


def test_a_wrong_master_key_is_refused(live: Live) -> None:
    var = data_dir(live)
    live.prepare_database()
    live.start()
    live.institution("ts-lj", "Tehniški šolski center")
    live.institution("sc-nm", "Šolski center Novo mesto")
    live.stop()
    right = (var / "master.key").read_text()
    other = base64.urlsafe_b64encode(os.urandom(32)).decode()

    (var / "master.key").write_text(other + "\n")
    code, err = serve_once(live)
    assert code != 0 and "Traceback" not in err
    assert "does not open 2 of the 2 active signing keys" in err
    assert "restore master.key" in err.lower()
    listed = live.cli("institution", "list", check=False)
    assert listed.returncode != 0 and "does not open" in listed.stderr
    assert (var / "master.key").read_text().strip() == other  # left as it was

    (var / "master.key").write_text(right)
    code, err = serve_once(live, MICROCRED_MASTER_KEY=other)
    assert code != 0 and "MICROCRED_MASTER_KEY does not open 2 of the 2" in err
    assert other not in err and right.strip() not in err


def test_rotating_the_admin_token_of_a_running_server(live: Live) -> None:
    live.prepare_database()
    live.start()
    old = live.cli("admin-token").stdout.strip()
    assert httpx.get(f"{live.url}/api/v1/institutions", headers=bearer(old)).status_code == 200
    rotated = live.cli("admin-token", "--rotate")
    new = rotated.stdout.strip()
    assert new.startswith("mcadm_") and new != old and new not in rotated.stderr
    assert live.cli("admin-token").stdout.strip() == new
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        answer = httpx.get(f"{live.url}/api/v1/institutions", headers=bearer(new))
        if answer.status_code == 200:
            break
        time.sleep(0.2)
    assert answer.status_code == 200, "the running server did not take the new token"
    assert httpx.get(f"{live.url}/api/v1/institutions", headers=bearer(old)).status_code == 401
    assert mode(data_dir(live) / "admin-token") == 0o600
    assert new not in live.stop()

    fixed = Live({**live.env, "MICROCRED_ADMIN_TOKEN": "mcadm_" + "f" * 30}, live.port)
    refused = fixed.cli("admin-token", "--rotate", check=False)
    assert refused.returncode == 1
    assert "MICROCRED_ADMIN_TOKEN" in refused.stderr and "restart" in refused.stderr
