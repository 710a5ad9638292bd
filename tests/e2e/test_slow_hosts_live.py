"""A live server under the attack of issue 11 item 1: many anonymous verifications of a
credential whose issuer's did:web host trickles its response headers a byte at a time.

Each verification ends within its fetch budget as "could not check" (never "not genuine"),
those beyond the concurrency limit get 429 at once, and ``/healthz`` keeps answering quickly.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

import keys
from tests.support.corpus import signed, signer, unsigned
from tests.support.live import Live
from tests.support.slow_host import TrickleHost

pytestmark = pytest.mark.e2e

PARALLEL = 50
BUDGET_SECONDS = 2.0  # MICROCRED_VERIFY_BUDGET_SECONDS, below the fetch timeout: it binds
CONCURRENCY = 8
ALLOWANCE = 1.5  # seconds beyond the budget for the rest of a verification, on a busy machine
HEALTHZ_LIMIT = 1.0


def test_fifty_verifications_against_a_trickling_host(live: Live) -> None:
    with TrickleHost(interval=0.05) as host:
        live.env.update(
            MICROCRED_FETCH_ALLOW_HOSTS=host.host_port,
            MICROCRED_FETCH_TIMEOUT="5",
            MICROCRED_VERIFY_BUDGET_SECONDS=str(BUDGET_SECONDS),
            MICROCRED_VERIFY_CONCURRENCY=str(CONCURRENCY),
        )
        live.prepare_database()
        live.start()
        did = keys.did_web(f"http://{host.host_port}")  # resolved over plain http: loopback
        credential = signed(unsigned(did, status=()), signer(keys.ED25519, f"{did}#key-1"))

        healthz: list[float] = []
        stop = threading.Event()

        def poll_healthz() -> None:
            with httpx.Client(base_url=live.url, timeout=10) as c:
                while not stop.is_set():
                    started = time.monotonic()
                    assert c.get("/healthz").status_code == 200
                    healthz.append(time.monotonic() - started)
                    time.sleep(0.05)

        # One client (a pool of connections) for all: the test's own CPU stays out of the way.
        limits = httpx.Limits(max_connections=PARALLEL, max_keepalive_connections=0)
        client = httpx.Client(base_url=live.url, timeout=30, limits=limits)

        def verify(_: int) -> tuple[int, float, dict[str, Any]]:
            started = time.monotonic()
            r = client.post("/credentials/verify", json={"verifiableCredential": credential})
            return r.status_code, time.monotonic() - started, dict(r.headers) | r.json()

        poller = threading.Thread(target=poll_healthz, daemon=True)
        poller.start()
        try:
            with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
                answers = list(pool.map(verify, range(PARALLEL)))
            # The slots are free again once the budget is spent: the next one is admitted.
            again = verify(PARALLEL)
        finally:
            stop.set()
            poller.join(timeout=15)
            client.close()

        assert host.connections >= 1
        print(
            "STATS",
            len([a for a in answers if a[0] != 429]),
            [round(a[1], 2) for a in answers],
            max(healthz),
            len(healthz),
        )
        verified = [a for a in answers if a[0] != 429]
        refused = [a for a in answers if a[0] == 429]
        assert len(verified) >= 1 and len(verified) + len(refused) == PARALLEL
        for status, seconds, body in verified:
            assert status == 422, body
            assert body["verdict"] == "status_unknown", body  # could not check, not "not genuine"
            key = next(c for c in body["results"] if c["name"] == "issuer_key")
            assert key["code"] == "did_unreachable", key
            assert seconds < BUDGET_SECONDS + ALLOWANCE, seconds
        for _, seconds, body in refused:
            assert body["retry-after"] == "2" and body["code"] == "too_many_requests"
            assert seconds < 1.0, seconds
        assert again[0] == 422 and again[2]["verdict"] == "status_unknown"
        assert healthz and max(healthz) < HEALTHZ_LIMIT, max(healthz)
        log = live.stop()
    assert "outbound fetch failed" in log and "Traceback" not in log
