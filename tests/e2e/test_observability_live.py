"""Logs and metrics of a live service: the README's walk-through with JSON logs at DEBUG leaves
no secret and no personal data in any line, and `serve --workers 2` answers /metrics with the
counts of both workers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.data import ACHIEVEMENT
from tests.support.live import Live, bearer

pytestmark = pytest.mark.e2e

LEARNER = {
    "given_name": "Jadranka",
    "family_name": "Vukićević-Zrnić",
    "email": "jadranka.zrnic@example.org",
    "date_of_birth": "2003-07-19",
}
ROSTER_LEARNER = ("Radoslava", "Pešut-Kljajić", "radoslava.pesut@example.org", "2002-11-23")


def walk_through(live: Live) -> dict[str, str]:
    """The README's walk-through over HTTP; the secrets and personal data it handled."""
    admin = live.admin()
    made = httpx.post(
        f"{live.url}/api/v1/institutions",
        json={"slug": "ts-lj", "name": "Tehniški šolski center Ljubljana", "country": "SI",
              "legal_id": "5051631", "key_type": "ed25519"},
        headers=admin, timeout=30,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    key = made.json()["api_key"]
    assert httpx.get(f"{live.url}/institutions/ts-lj/did.json").status_code == 200
    assert httpx.get(f"{live.url}/institutions/ts-lj/jwks.json").status_code == 200
    rotated = httpx.post(f"{live.url}/api/v1/institutions/ts-lj/keys/rotate", headers=admin)
    assert rotated.status_code == 200
    further = httpx.post(
        f"{live.url}/api/v1/institutions/ts-lj/api-keys", json={"label": "registrar"},
        headers=bearer(key),
    )  # fmt: skip
    second_key = further.json()["api_key"]
    achievement_id = live.achievement(key, ACHIEVEMENT)
    issued = httpx.post(
        f"{live.url}/api/v1/credentials",
        json={"achievement_id": achievement_id, "learner": LEARNER, "grade": "excellent"},
        headers={**bearer(key), "Idempotency-Key": "2026-class-3a-jadranka"}, timeout=30,
    )  # fmt: skip
    assert issued.status_code == 201, issued.text
    body = issued.json()
    listed = httpx.get(
        f"{live.url}/api/v1/credentials", params={"learner": "zrnić", "limit": 20},
        headers=bearer(key),
    )  # fmt: skip
    assert listed.json()["total"] == 1
    wallet_url = body["wallet_url"]
    assert httpx.get(wallet_url, timeout=30).status_code == 200
    assert httpx.get(f"{wallet_url}/certificate.pdf", timeout=30).status_code == 200
    regenerated = httpx.post(
        f"{live.url}/api/v1/credentials/{body['id']}/wallet-link", headers=bearer(key)
    ).json()["wallet_url"]
    assert httpx.get(body["verification_url"], timeout=30).status_code == 200
    verified = httpx.post(
        f"{live.url}/credentials/verify", json={"verifiableCredential": body["credential"]},
        timeout=30,
    )  # fmt: skip
    assert verified.status_code == 200, verified.text
    suspended = httpx.post(
        f"{live.url}/api/v1/credentials/{body['id']}/suspend",
        json={"reason": f"under review ({LEARNER['family_name']})"}, headers=bearer(key),
    )  # fmt: skip
    assert suspended.status_code == 200
    roster = "given_name,family_name,email,date_of_birth\n" + ",".join(ROSTER_LEARNER) + "\n"
    batch = httpx.post(
        f"{live.url}/api/v1/batches", params={"achievement_id": achievement_id},
        content=roster.encode(), headers={**bearer(key), "Content-Type": "text/csv"},
    )  # fmt: skip
    assert batch.status_code == 202, batch.text
    for _ in range(200):
        state = httpx.get(batch.json()["status_url"], headers=bearer(key)).json()
        if state["state"] == "done":
            break
        httpx.get(f"{live.url}/healthz")
    assert state["issued"] == 1
    wrong = httpx.get(f"{live.url}/api/v1/credentials", headers=bearer(key[:-4] + "AAAA"))
    assert wrong.status_code == 401
    return {
        "admin token": admin["Authorization"].removeprefix("Bearer "),
        "API key": key,
        "second API key": second_key,
        "API key secret": key.rsplit("_", 1)[1],
        "wallet token": wallet_url.rsplit("/", 1)[1],
        "new wallet token": regenerated.rsplit("/", 1)[1],
        "given name": LEARNER["given_name"],
        "family name": LEARNER["family_name"],
        "e-mail": LEARNER["email"],
        "date of birth": LEARNER["date_of_birth"],
        "roster given name": ROSTER_LEARNER[0],
        "roster family name": ROSTER_LEARNER[1],
        "roster e-mail": ROSTER_LEARNER[2],
        "roster date of birth": ROSTER_LEARNER[3],
    }


def test_the_walk_through_leaves_no_secret_in_the_logs(live: Live) -> None:
    live.env.update(MICROCRED_LOG_FORMAT="json", MICROCRED_LOG_LEVEL="DEBUG")
    live.prepare_database()
    live.start()
    secrets = walk_through(live)
    cli_output = live.cli("institution", "list").stderr + live.cli("admin-token").stderr
    log = live.stop() + cli_output
    data_dir = Path(live.env["MICROCRED_DATA_DIR"])
    secrets["master key"] = (data_dir / "master.key").read_text().strip()

    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert len(lines) > 40, log[:2000]
    access = [r for r in lines if r["logger"] == "microcred.access"]
    assert access and all(r["request_id"] and r["route"].startswith("/") for r in access)
    routes = {r["route"] for r in access}
    assert {"/wallet/{token}", "/v/{public_id}", "/api/v1/credentials"} <= routes
    events = {r["message"] for r in lines}
    assert {"credential issued", "credential status changed", "signing key rotated",
            "batch queued", "batch rows worked", "authentication failed"} <= events  # fmt: skip
    for what, value in secrets.items():
        assert value not in log, f"the {what} is in the log"
    # Dates of birth in other spellings, and the names without diacritics, neither.
    assert "19.07.2003" not in log and "Vukicevic" not in log


def metric(text: str, name: str, **labels: str) -> float:
    wanted = name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
    for line in text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_add_up_across_workers(live: Live) -> None:
    live.prepare_database()
    live.start("--workers", "2")
    key = live.institution("ts-lj", "Šolski center")
    achievement_id = live.achievement(key, ACHIEVEMENT)
    pids: set[Any] = set()
    for i in range(12):
        # A new connection each time: both workers take requests.
        r = httpx.post(
            f"{live.url}/api/v1/credentials",
            json={"achievement_id": achievement_id,
                  "learner": {"given_name": "A", "family_name": f"B{i}"}},
            headers=bearer(key), timeout=30,
        )  # fmt: skip
        assert r.status_code == 201, r.text
    for _ in range(6):
        text = httpx.get(f"{live.url}/metrics").text
        pids.update(re.findall(r'pid="(\d+)"', text))
        issued = metric(
            text, "microcred_credentials_issued_total", format="ldp_vc", key_type="Ed25519"
        )
        assert issued == 12, text
    live.stop()
