"""The command line as a user meets it: no second instance by accident, `init`, and clear
one-line errors (never a traceback) for rosters that are not UTF-8 and servers that do not
answer."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
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


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A server that records every request; as a microcred it answers a roster with a batch
    whose status_url points to ``elsewhere``."""

    requests: list[tuple[str, str, str | None]]
    elsewhere: str

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.requests.append((self.command, self.path, self.headers.get("Authorization")))

    def _json(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self._record()
        batch = f"{self.elsewhere}/api/v1/batches/b1"
        self._json(202, {"id": "b1", "state": "queued", "total": 1, "issued": 0, "failed": 0,
                         "errors": [], "status_url": batch})  # fmt: skip

    def do_GET(self) -> None:
        self._record()
        if self.path.endswith("/results"):
            data = b"row,credential_id,verification_url,wallet_url,error\n2,c1,,,\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self._json(200, {"id": "b1", "state": "done", "total": 1, "issued": 1, "failed": 0,
                         "errors": [], "status_url": f"{self.elsewhere}/api/v1/batches/b1",
                         "results_url": f"{self.elsewhere}/api/v1/batches/b1/results"})  # fmt: skip

    def log_message(self, *args: object) -> None:
        pass


def _serve(handler: type[_Recorder]) -> tuple[http.server.HTTPServer, str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def test_the_api_key_goes_only_to_the_server_it_was_given_for(tmp_path: Path) -> None:
    """A server (or a proxy in front of it) that names another address in ``status_url`` does
    not get the CLI to send the API key there."""
    other_requests: list[tuple[str, str, str | None]] = []
    other, elsewhere = _serve(type("Other", (_Recorder,), {"requests": other_requests}))
    given_requests: list[tuple[str, str, str | None]] = []
    given, server_url = _serve(
        type("Given", (_Recorder,), {"requests": given_requests, "elsewhere": elsewhere})
    )
    roster = tmp_path / "class.csv"
    roster.write_text("given_name,family_name\nAna,Horvat\n")
    key = "mc_0123456789ab_" + "k" * 40
    try:
        result = run(
            ["issue-batch", str(roster), "--achievement", "x", "--server", server_url,
             "--api-key", key],
            tmp_path, clean_env(),
        )  # fmt: skip
    finally:
        for server in (given, other):
            server.shutdown()
            server.server_close()
    assert result.returncode == 0, result.stderr
    assert "issued 1, failed 0" in result.stdout
    assert other_requests == []
    assert {auth for _, _, auth in given_requests} == {f"Bearer {key}"}


def test_institution_create_takes_a_language_and_a_profile(tmp_path: Path) -> None:
    env = {**clean_env(), "MICROCRED_DATA_DIR": str(tmp_path / "data")}
    assert run(["init"], tmp_path, env).returncode == 0
    base = ["institution", "create", "--slug", "ts-bg", "--name", "Техничка школа",
            "--country", "RS", "--legal-id", "1"]  # fmt: skip
    made = run([*base, "--language", "sr-cyrl", "--profile", "edc"], tmp_path, env)
    assert made.returncode == 0, made.stderr
    shown = json.loads(made.stdout)
    assert (shown["language"], shown["profile"]) == ("sr-Cyrl", "edc")
    bad = run([*base[:3], "ts-x", *base[4:], "--language", "serbian"], tmp_path, env)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "language" in bad.stderr and "BCP 47" in bad.stderr
    updated = run(["institution", "update", "ts-bg", "--profile", "compact"], tmp_path, env)
    assert updated.returncode == 0, updated.stderr
    assert json.loads(updated.stdout)["profile"] == "compact"
