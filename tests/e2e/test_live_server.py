"""The service as a user runs it: `microcred serve` in a fresh data directory, the CLI beside
it, real HTTP over loopback."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

import keys
from tests.support.live import MICROCRED, Live

pytestmark = pytest.mark.e2e


def test_first_start_to_resolvable_did(live: Live) -> None:
    first_output = ""
    if "MICROCRED_DATABASE_URL" in live.env:
        refused = subprocess.run(
            [MICROCRED, "serve", "--port", str(live.port)],
            env=live.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode != 0 and "microcred db upgrade" in refused.stderr
        first_output = refused.stderr  # the secrets were created by that first command
        live.cli("db", "upgrade")
    live.start()
    data_dir = Path(live.env["MICROCRED_DATA_DIR"])
    assert (data_dir / "master.key").stat().st_mode & 0o777 == 0o600
    token = live.cli("admin-token").stdout.strip()
    assert token.startswith("mcadm_")

    created = json.loads(
        live.cli(
            "institution", "create", "--slug", "ts-lj", "--name", "Tehniški šolski center",
            "--country", "SI", "--legal-id", "5051631",
        ).stdout
    )  # fmt: skip
    assert created["did"] == f"did:web:127.0.0.1%3A{live.port}:institutions:ts-lj"
    assert created["api_key"].startswith("mc_")

    # Anyone resolves the DID by the did:web rules, over HTTP from the live server.
    doc = httpx.get(keys.did_web_url(created["did"])).json()
    assert doc["id"] == created["did"]
    assert doc["verificationMethod"][0]["publicKeyMultibase"].startswith("z6Mk")

    # The admin API with the admin token, and an institution's API key on its own record.
    admin = {"Authorization": f"Bearer {token}"}
    made = httpx.post(
        f"{live.url}/api/v1/institutions",
        json={"slug": "sc-nm", "name": "Šolski center", "country": "si", "legal_id": "1",
              "key_type": "p256"},
        headers=admin,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    own = httpx.get(
        f"{live.url}/api/v1/institutions/ts-lj",
        headers={"Authorization": f"Bearer {created['api_key']}"},
    )
    assert own.status_code == 200

    rotated = json.loads(live.cli("institution", "rotate-key", "ts-lj").stdout)
    assert [k["state"] for k in rotated["keys"]] == ["active", "retired"]
    doc = httpx.get(f"{live.url}/institutions/ts-lj/did.json").json()
    assert len(doc["verificationMethod"]) == 2
    listed = json.loads(live.cli("institution", "list").stdout)
    assert [i["slug"] for i in listed] == ["sc-nm", "ts-lj"]

    first_log = live.stop()
    assert "Created the admin token" in (first_output or first_log)
    # Without a terminal the token is not printed: stderr is the log stream.
    assert token not in (first_output + first_log)
    assert created["api_key"] not in first_log
    # A restart keeps everything and does not print the token again.
    live.start()
    assert httpx.get(f"{live.url}/institutions/sc-nm/did.json").status_code == 200
    assert "Created the admin token" not in live.stop()
    assert live.cli("admin-token").stdout.strip() == token


def test_cli_errors_are_one_line_and_exit_nonzero(live: Live) -> None:
    live.prepare_database()
    live.cli("init")
    bad = live.cli(
        "institution", "create", "--slug", "x", "--name", "X", "--country", "ZZ",
        "--legal-id", "1", check=False,
    )  # fmt: skip
    assert bad.returncode == 1 and "country" in bad.stderr
    missing = live.cli("institution", "rotate-key", "nope", check=False)
    assert missing.returncode == 1 and "nope" in missing.stderr


def test_workers_and_production_mode(live: Live) -> None:
    if "MICROCRED_DATABASE_URL" in live.env:
        live.cli("db", "upgrade")
    live.start("--workers", "2")
    assert httpx.get(f"{live.url}/healthz").json()["database"] == "ok"
    live.stop()
    prod = {**live.env, "MICROCRED_ENV": "production"}
    refused = subprocess.run(
        [MICROCRED, "serve", "--port", str(live.port)],
        env=prod, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "MICROCRED_MASTER_KEY" in refused.stderr and "MICROCRED_ADMIN_TOKEN" in refused.stderr
    weak = {**prod, "MICROCRED_MASTER_KEY": "A" * 43, "MICROCRED_ADMIN_TOKEN": "changeme"}
    refused = subprocess.run(
        [MICROCRED, "admin-token"], env=weak, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0 and "placeholder" in refused.stderr
