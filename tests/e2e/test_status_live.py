"""Status on a live server: several API workers issuing and revoking at once hand out no index
twice and lose no bit; Digital Bazaar's status-list support reads revoked and suspended
credentials as such."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from tests.interop import harness
from tests.support.data import INTEROP_ACHIEVEMENT as ACHIEVEMENT
from tests.support.data import MONTENEGRIN as LEARNER
from tests.support.live import Live, bearer
from verifier.status_list import decode_bitstring, get_bit

pytestmark = pytest.mark.e2e


def setup(live: Live) -> tuple[dict[str, str], str]:
    key = live.institution("ts-lj", "Šolski center")
    return bearer(key), live.achievement(key, ACHIEVEMENT)


def test_many_workers_issue_and_revoke_at_once(live: Live) -> None:
    live.prepare_database()
    live.start("--workers", "3")
    headers, achievement_id = setup(live)
    issued: list[dict[str, Any]] = []
    revoked: set[str] = set()
    errors: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        with httpx.Client(base_url=live.url, headers=headers, timeout=60) as c:
            for i in range(8):
                r = c.post("/api/v1/credentials", json={"achievement_id": achievement_id,
                           "learner": {**LEARNER, "family_name": f"F{n}-{i}"}})  # fmt: skip
                if r.status_code != 201:
                    errors.append(r.text)
                    continue
                body = r.json()
                with lock:
                    issued.append(body)
                if i % 2:
                    rv = c.post(f"/api/v1/credentials/{body['id']}/revoke", json={"reason": "t"})
                    if rv.status_code != 200:
                        errors.append(rv.text)
                    with lock:
                        revoked.add(body["id"])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(issued) == 48
    slots = [
        (e["statusListCredential"], e["statusListIndex"], e["statusPurpose"])
        for body in issued
        for e in body["credential"]["credentialStatus"]
    ]
    assert len(set(slots)) == len(slots) == 96
    lists: dict[str, bytes] = {}
    for url in {s[0] for s in slots}:
        lists[url] = decode_bitstring(httpx.get(url).json()["credentialSubject"]["encodedList"])
    for body in issued:
        for e in body["credential"]["credentialStatus"]:
            expected = e["statusPurpose"] == "revocation" and body["id"] in revoked
            assert get_bit(lists[e["statusListCredential"]], int(e["statusListIndex"])) == expected


def test_digital_bazaar_reads_revoked_and_suspended(live: Live) -> None:
    harness.ensure_installed()
    live.prepare_database()
    live.start()
    headers, achievement_id = setup(live)
    bodies = []
    for family in ("Active", "Revoked", "Suspended"):
        r = httpx.post(
            f"{live.url}/api/v1/credentials",
            json={"achievement_id": achievement_id, "learner": {**LEARNER, "family_name": family}},
            headers=headers,
        )
        assert r.status_code == 201
        bodies.append(r.json())
    assert (
        httpx.post(
            f"{live.url}/api/v1/credentials/{bodies[1]['id']}/revoke", headers=headers
        ).status_code
        == 200
    )
    assert (
        httpx.post(
            f"{live.url}/api/v1/credentials/{bodies[2]['id']}/suspend", headers=headers
        ).status_code
        == 200
    )
    inputs: list[dict[str, Any] | str] = []
    for body in bodies:
        inputs += [body["credential"], body["jwt"]]
    results = harness.node_verify_many(inputs, allow_hosts=[f"127.0.0.1:{live.port}"])
    active, revoked, suspended = results[0:2], results[2:4], results[4:6]
    assert all(r["verified"] for r in active), active
    assert all(not r["verified"] and r["code"] == "revoked" for r in revoked), revoked
    assert all(not r["verified"] and r["code"] == "suspended" for r in suspended), suspended

    # Lifting the suspension shows at once on the service (a verifier may cache max-age).
    assert (
        httpx.post(
            f"{live.url}/api/v1/credentials/{bodies[2]['id']}/reinstate", headers=headers
        ).status_code
        == 200
    )
    again = harness.node_verify_many(inputs[4:6], allow_hosts=[f"127.0.0.1:{live.port}"])
    assert all(r["verified"] for r in again), again
