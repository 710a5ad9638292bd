"""A live `microcred serve` process and the CLI beside it, as a user runs them."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

MICROCRED = shutil.which("microcred") or str(Path(sys.executable).parent / "microcred")
#: Seconds a started server has to answer /healthz.
START_SECONDS = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Live:
    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[str] | None = None
        self.stderr = ""

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [MICROCRED, *args], env=self.env, capture_output=True, text=True, timeout=60
        )
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def start(self, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [MICROCRED, "serve", "--port", str(self.port), *extra],
            env=self.env,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        # A liveness deadline, not a speed claim: under coverage and a loaded 2-core machine a
        # server with several workers (each importing the app) has needed over 30 s.
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.proc.stderr.read() if self.proc.stderr else ""
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.proc.terminate()
        try:
            _, err = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        self.proc = None
        raise AssertionError(
            f"server did not become healthy within {START_SECONDS} s; its stderr:\n{err[-4000:]}"
        )

    def stop(self) -> str:
        assert self.proc is not None
        self.proc.terminate()
        _, err = self.proc.communicate(timeout=20)
        self.proc = None
        return err

    def prepare_database(self) -> None:
        """PostgreSQL is migrated by the operator (`microcred db upgrade`); SQLite by serve."""
        if "MICROCRED_DATABASE_URL" in self.env:
            self.cli("db", "upgrade")

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.cli('admin-token').stdout.strip()}"}

    # -- setting up through the API, as an institution would --------------------------------

    def institution(self, slug: str, name: str, country: str = "SI", **extra: str) -> str:
        """Create an institution with the admin token; its API key."""
        made = httpx.post(
            f"{self.url}/api/v1/institutions",
            json={"slug": slug, "name": name, "country": country, "legal_id": "7", **extra},
            headers=self.admin(),
            timeout=30,
        )
        assert made.status_code == 201, made.text
        return str(made.json()["api_key"])

    def achievement(self, api_key: str, body: dict[str, Any]) -> str:
        """Create an achievement; its id."""
        made = httpx.post(
            f"{self.url}/api/v1/achievements", json=body, headers=bearer(api_key), timeout=30
        )
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    def credential(
        self, api_key: str, achievement_id: str, learner: dict[str, Any], grade: str | None = None
    ) -> dict[str, Any]:
        """Issue one credential; the API's response."""
        body: dict[str, Any] = {"achievement_id": achievement_id, "learner": learner}
        if grade is not None:
            body["grade"] = grade
        issued = httpx.post(
            f"{self.url}/api/v1/credentials", json=body, headers=bearer(api_key), timeout=30
        )
        assert issued.status_code == 201, issued.text
        result: dict[str, Any] = issued.json()
        return result


def bearer(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}
