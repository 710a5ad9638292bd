"""Benchmark: gzip of responses, and learner search, against a live ``microcred serve``.

Prints, in one run on one server (SQLite; PostgreSQL too with ``--postgres URL``):

- for the verification page (HTML), the credential list (JSON, 50 items) and one credential
  (JSON): the bytes sent without and with ``Accept-Encoding: gzip`` and their ratio, and the
  requests/s of each form as a ratio gzip / identity (what compressing costs the server and
  the loopback client; over a real network the smaller body gains back more);
- learner search: requests/s of ``?learner=šćep`` (a folded substring of the name column) and
  of ``?learner=ŠĆEPANOVIĆ`` with ``--credentials`` credentials in the database, as ratios to
  the same list without a filter.

Scenarios run interleaved in short rounds and keep each one's best round, so a burst of noise
on this shared machine hits a ratio less than an absolute number. Runs in about 30 s.

    .venv/bin/python bench/compression.py [--credentials 300] [--rounds 3] [--seconds 0.5]
                                          [--postgres postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import httpx
from harness import (
    LEARNER,
    best_rates,
    create_course_sync,
    credential_request,
    database,
    databases,
    div,
    live_server,
    print_notes,
    require_loopback,
)

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}
HTML = {"Accept": "text/html"}
NAMES = [("Đurđica", "Šćepanović"), ("Čedomir", "Žižek"), ("Ana", "Horvat"), ("Ćiril", "Đorđević")]


def _sent_bytes(client: httpx.Client, url: str, headers: dict[str, str]) -> tuple[int, str]:
    """The body's size as sent (before decoding) and its Content-Encoding."""
    with client.stream("GET", url, headers=headers) as r:
        assert r.status_code == 200, r.read()
        raw = b"".join(r.iter_raw())
    return len(raw), r.headers.get("content-encoding", "identity")


def run(admin_url: str | None, name: str, args: argparse.Namespace) -> None:
    deadline = time.monotonic() + 600
    with (
        database(admin_url) as url,
        live_server(deadline, database_url=url) as served,
        httpx.Client(base_url=served.url, timeout=30) as client,
    ):
        api_key, achievement_id = create_course_sync(client, served)
        auth = {"Authorization": f"Bearer {api_key}"}
        first = None
        for n in range(args.credentials):
            given, family = NAMES[n % len(NAMES)]
            body = credential_request(achievement_id)
            body["learner"] = {**LEARNER, "given_name": given, "family_name": family}
            r = client.post("/api/v1/credentials", json=body, headers=auth)
            assert r.status_code == 201, r.text
            first = first or r.json()
        assert first is not None
        page = first["verification_url"].removeprefix(served.url)
        targets = {
            "verification page (HTML)": (page, HTML),
            "credential list, 50 items (JSON)": ("/api/v1/credentials?limit=50", auth),
            "one credential (JSON)": (f"/api/v1/credentials/{first['id']}", auth),
        }
        print(f"\n{name}: gzip (minimum 500 bytes, level 6)")
        scenarios: dict[str, Callable[[], object]] = {}
        for label, (target, headers) in targets.items():
            plain, plain_coding = _sent_bytes(client, target, {**headers, **IDENTITY})
            zipped, coding = _sent_bytes(client, target, {**headers, **GZIP})
            assert (plain_coding, coding) == ("identity", "gzip"), (plain_coding, coding)
            print(
                f"  {label}: {plain} bytes identity, {zipped} bytes gzip "
                f"(gzip/identity {div(zipped, plain):.2f})"
            )
            for coding_name, extra in (("identity", IDENTITY), ("gzip", GZIP)):
                h = {**headers, **extra}
                scenarios[f"{label} {coding_name}"] = lambda t=target, h=h: client.get(t, headers=h)
        searches = {
            "list, no filter": "/api/v1/credentials?limit=20",
            "learner=šćep": "/api/v1/credentials?limit=20&learner=šćep",
            "learner=ŠĆEPANOVIĆ": "/api/v1/credentials?limit=20&learner=ŠĆEPANOVIĆ",
        }
        for label, target in searches.items():
            r = client.get(target, headers={**auth, **IDENTITY})
            assert r.status_code == 200 and r.json()["total"] > 0, (label, r.text[:200])
            scenarios[label] = lambda t=target: client.get(t, headers={**auth, **IDENTITY})
        best = best_rates(scenarios, args.rounds, args.seconds)
        for label in targets:
            plain, zipped = best[f"{label} identity"], best[f"{label} gzip"]
            print(
                f"  {label}: {plain:.0f} req/s identity, {zipped:.0f} req/s gzip "
                f"(gzip/identity {div(zipped, plain):.2f})"
            )
        print(f"{name}: learner search, {args.credentials} credentials, 20 per page")
        unfiltered = best["list, no filter"]
        for label in searches:
            print(
                f"  {label}: {best[label]:.0f} req/s "
                f"(ratio to no filter {div(best[label], unfiltered):.2f})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--credentials", type=int, default=300, help="credentials issued")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--seconds", type=float, default=0.5, help="length of one round")
    parser.add_argument("--postgres", help="also run on this PostgreSQL (loopback only)")
    args = parser.parse_args()
    if args.postgres:
        require_loopback(args.postgres)
    for name, admin_url in databases(args.postgres):
        run(admin_url, name, args)
    print()
    print_notes(
        "gzip/identity below 1.00 in req/s is what compressing costs on loopback, where "
        "sending bytes is free; the sizes are what a phone on a slow network is spared. "
        "Learner search compares folded text with LIKE '%...%' (no index can serve a "
        "substring), so its cost grows with the institution's credentials."
    )


if __name__ == "__main__":
    main()
