"""The command line as a user meets it: no second instance by accident, `init`, and clear
one-line errors (never a traceback) for rosters that are not UTF-8 and servers that do not
answer."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.live import MICROCRED, Live, free_port

pytestmark = pytest.mark.e2e


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MICROCRED, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def clean_env() -> dict[str, str]:
    """The environment of a user who has set nothing of microcred's."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MICROCRED_")}


@pytest.mark.parametrize(
    "command",
    [
        ["admin-token"],
        ["institution", "list"],
        ["institution", "show", "ts-lj"],
        ["worker"],
        ["db", "upgrade"],
        ["issue-batch", "roster.csv", "--achievement", "a"],
    ],
)
def test_commands_outside_an_instance_create_nothing(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "roster.csv").write_text("given_name,family_name\nAna,Horvat\n")
    result = run(command, tmp_path, clean_env())
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert str((tmp_path / "var").resolve()) in result.stderr
    assert "MICROCRED_DATA_DIR" in result.stderr and "microcred init" in result.stderr
    assert not (tmp_path / "var").exists(), "a second instance was created"


def test_init_creates_an_instance_once(tmp_path: Path) -> None:
    env = {**clean_env(), "MICROCRED_DATA_DIR": str(tmp_path / "data")}
    made = run(["init"], tmp_path, env)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("mcadm_")
    assert {p.name for p in (tmp_path / "data").iterdir()} >= {
        "master.key",
        "admin-token",
        "microcred.db",
    }
    again = run(["init"], tmp_path, env)
    assert again.returncode == 0 and "exists already" in again.stderr
    assert run(["admin-token"], tmp_path, env).stdout.strip() == token
    listed = run(["institution", "list"], tmp_path, env)
    assert listed.returncode == 0 and listed.stdout.strip() == "[]"


def test_a_roster_that_is_not_utf8_is_a_clear_error(live: Live, tmp_path: Path) -> None:
    live.prepare_database()
    live.cli("init")
    roster = tmp_path / "class.csv"
    roster.write_bytes("given_name,family_name\nĐurđica,Šćepanović\n".encode("cp1250"))
    result = live.cli("issue-batch", str(roster), "--achievement", "x", check=False)
    assert result.returncode == 1
    assert "not UTF-8" in result.stderr and "CSV UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_server_that_does_not_answer_is_a_clear_error(tmp_path: Path) -> None:
    roster = tmp_path / "class.csv"
    roster.write_text("given_name,family_name\nAna,Horvat\n")
    server = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = run(
        ["issue-batch", str(roster), "--achievement", "x", "--server", server,
         "--api-key", "mc_0123456789ab_" + "s" * 40],
        tmp_path, clean_env(),
    )  # fmt: skip
    assert result.returncode == 1
    assert f"cannot reach {server}" in result.stderr
    assert "Traceback" not in result.stderr and "s" * 40 not in result.stderr


def test_verify_help_names_the_command(tmp_path: Path) -> None:
    result = run(["verify", "--help"], tmp_path, clean_env())
    assert result.returncode == 0
    assert "microcred verify" in result.stdout
    assert "python -m verifier" not in result.stdout
