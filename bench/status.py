"""Benchmark: revoking credentials and publishing W3C Bitstring Status Lists.

Prints, against a live ``microcred serve`` (SQLite; PostgreSQL too with ``--postgres URL``):
revocations/s through the HTTP API with a few hundred credentials in the database and again
with 100,000, as ratios to each other (the claim: revocation costs the same) and to the
in-process service-layer rate (``StatusService.change``) on the same database at the same
size; status-list GETs/s, full body and 304, as ratios to ``GET /healthz`` through the same
server and client; and the time from a revocation until the served list shows it, with the
max-age the server lets caches add to that.

The credentials revoked over HTTP are issued through the API. The rest of the 100,000 are
inserted in bulk (SQLAlchemy Core), shaped as the API stores them: credential rows of the same
institution at the next counters of its open lists' permutations (the lists' ``allocated``
counters moved on), one ``credential.issued`` event each, a copy of a real stored credential
(id and status entries changed) as the signed artefacts, and ``--revoked-percent`` of them
revoked.

    .venv/bin/python bench/status.py [--revocations 175] [--fill-to 100000]
                                     [--revoked-percent 1] [--concurrency 8] [--workers 2]
                                     [--postgres postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import random
import re
import secrets
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from harness import (
    Served,
    async_client,
    create_course,
    credential_request,
    database,
    databases,
    div,
    live_server,
    print_notes,
    require_loopback,
    service_layer,
)
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.engine import Connection

from app.container import Container
from app.persistence.models import Credential, Event, StatusList
from app.services.principal import Principal
from issuer.status_list import permuted_index
from verifier.status_list import decode_bitstring, get_bit, set_bit

WARMUP = 15  # revocations before each timed HTTP run (not timed)
LATENCY_SAMPLES = 20
REFERENCE_ROWS = 1000  # filler credentials available to each in-process reference run
BATCH_ROWS = 5000
ROUNDS, ROUND_SECONDS = 3, 0.5
SAME_COST = 0.85  # "costs the same": the 100,000 rate is at least this share of the small one

T = TypeVar("T")


# --- Running phases against the live server ---------------------------------------------------


def run_async(coro: Coroutine[Any, Any, T], deadline: float) -> T:
    """Run one phase, cancelled a little after the run's deadline whatever it is waiting on."""
    return asyncio.run(asyncio.wait_for(coro, timeout=max(1.0, deadline - time.monotonic() + 10)))


async def in_parallel(
    concurrency: int, items: list[T], one: Callable[[T], Awaitable[None]], deadline: float
) -> int:
    """``one(item)`` for the items, ``concurrency`` at a time, until done or the deadline."""
    pending = iter(items)

    async def worker() -> int:
        done = 0
        for item in pending:
            if time.monotonic() >= deadline:
                break
            await one(item)
            done += 1
        return done

    return sum(await asyncio.gather(*(worker() for _ in range(concurrency))))


# --- Issuing the credentials revoked over HTTP ------------------------------------------------


@dataclass
class Issued:
    api_key: str
    list_path: str  # the revocation list most of them are in
    lists: int  # revocation lists they are in (one, unless first allocations raced)
    credentials: list[tuple[str, int, str]]  # (id, revocation index, its list's path)


async def issue_over_http(served: Served, count: int, concurrency: int, deadline: float) -> Issued:
    async with async_client(served, concurrency) as c:
        api_key, achievement_id = await create_course(c, served)
        headers = {"Authorization": f"Bearer {api_key}"}
        body = credential_request(achievement_id)
        issued: list[tuple[str, int, str]] = []

        async def one(_: int) -> None:
            r = await c.post("/api/v1/credentials", json=body, headers=headers)
            assert r.status_code == 201, r.text
            [entry] = [
                e
                for e in r.json()["credential"]["credentialStatus"]
                if e["statusPurpose"] == "revocation"
            ]
            path = httpx.URL(entry["statusListCredential"]).path
            issued.append((r.json()["id"], int(entry["statusListIndex"]), path))

        done = await in_parallel(concurrency, list(range(count)), one, deadline)
        if done < count:
            raise RuntimeError(f"the time limit passed after issuing {done} of {count}")
        paths = Counter(path for _, _, path in issued)
        return Issued(api_key, paths.most_common(1)[0][0], len(paths), issued)


# --- Revocation -------------------------------------------------------------------------------


@dataclass
class Rate:
    per_second: float  # the best of the rounds
    done: int  # in all rounds
    limited: bool = False  # the time limit cut it short


async def revoke_over_http(
    served: Served, api_key: str, ids: list[str], concurrency: int, deadline: float
) -> Rate:
    """Revoke ``ids[WARMUP:]`` through the API in ``ROUNDS`` timed rounds (the best counts),
    after ``ids[:WARMUP]`` as warm-up."""
    headers = {"Authorization": f"Bearer {api_key}"}
    failures: list[str] = []
    async with async_client(served, concurrency) as c:

        async def one(credential_id: str) -> None:
            r = await c.post(
                f"/api/v1/credentials/{credential_id}/revoke",
                json={"reason": "benchmark"},
                headers=headers,
            )
            if r.status_code != 200 or r.json()["status"] != "revoked":
                failures.append(f"{r.status_code} {r.text[:300]}")

        await in_parallel(concurrency, ids[:WARMUP], one, deadline)
        timed = ids[WARMUP:]
        best, done = 0.0, 0
        for round_no in range(ROUNDS):
            chunk = timed[round_no * len(timed) // ROUNDS : (round_no + 1) * len(timed) // ROUNDS]
            start = time.perf_counter()
            n = await in_parallel(concurrency, chunk, one, deadline)
            best, done = max(best, n / (time.perf_counter() - start)), done + n
    if failures:
        raise RuntimeError(f"{len(failures)} revocations failed: {failures[0]}")
    return Rate(best, done, done < len(timed))


def revoke_in_process(
    container: Container, principal: Principal, ids: list[str], deadline: float
) -> Rate:
    """``StatusService.change(..., "revoke", ...)`` one after another: 10 as warm-up, then the
    best of ``ROUNDS`` rounds of ``ROUND_SECONDS`` (or until ``ids`` run out)."""
    pending = iter(ids)
    for credential_id in itertools.islice(pending, 10):
        container.status.change(principal, credential_id, "revoke", "benchmark")
    best, done = 0.0, 0
    for _ in range(ROUNDS):
        stop = min(deadline, time.monotonic() + ROUND_SECONDS)
        n, start = 0, time.perf_counter()
        for credential_id in pending:
            container.status.change(principal, credential_id, "revoke", "benchmark")
            n += 1
            if time.monotonic() >= stop:
                break
        if n:
            best, done = max(best, n / (time.perf_counter() - start)), done + n
    return Rate(best, done, time.monotonic() >= deadline)


# --- Filling the database ---------------------------------------------------------------------

_ID, _REVOCATION, _SUSPENSION = "@@ID@@", "@@REVOCATION@@", "@@SUSPENSION@@"


class Filler:
    """Credentials of one institution inserted in bulk, as ``IssuanceService`` stores them.

    Each takes the next counter of the institution's open revocation and suspension lists and
    that counter's index in the list's permutation (``permuted_index``), as
    ``StatusService.allocate`` would; the lists' ``allocated`` counters move on by as many.
    The signed artefacts are those of a credential issued through the API, the JSON-LD one
    with the id and status entries changed (revocation reads no proof). ``revoked_percent``
    of them are revoked: bit set, list version moved on, event recorded.
    """

    def __init__(self, engine: Engine, institution_id: int, revoked_percent: float) -> None:
        self.engine = engine
        self.institution_id = institution_id
        self.revoked_share = revoked_percent / 100
        c = Credential.__table__.c
        with engine.connect() as conn:
            self.model = dict(
                conn.execute(
                    select(Credential.__table__)
                    .where(c.institution_id == institution_id, c.source == "api")
                    .order_by(c.issued_at.desc())
                    .limit(1)
                )
                .mappings()
                .one()
            )
            self.actor = conn.execute(
                select(Event.actor).where(Event.subject == self.model["id"]).limit(1)
            ).scalar_one()
        document = json.loads(self.model["credential_json"])
        document["id"] = f"urn:uuid:{_ID}"
        for entry in document["credentialStatus"]:
            marker = _REVOCATION if entry["statusPurpose"] == "revocation" else _SUSPENSION
            entry["id"] = f"{entry['statusListCredential']}#{marker}"
            entry["statusListIndex"] = marker
        dumped = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        self.pieces = re.split(f"({_ID}|{_REVOCATION}|{_SUSPENSION})", dumped)

    def open_list(self, conn: Connection, purpose: str) -> dict[str, Any]:
        sl = StatusList.__table__.c
        return dict(
            conn.execute(
                select(sl.id, sl.size, sl.allocated, sl.permutation_key, sl.bits, sl.version)
                .where(sl.institution_id == self.institution_id, sl.purpose == purpose)
                .where(sl.allocated < sl.size)
                .order_by(sl.id.desc())
                .limit(1)
            )
            .mappings()
            .one()
        )

    def add(self, count: int, deadline: float) -> list[str]:
        """Insert ``count`` credentials, ``BATCH_ROWS`` to a transaction that also moves the
        lists on (so the server may run meanwhile); the ids of the active ones."""
        active: list[str] = []
        first = self.model["issued_at"] - timedelta(days=730)
        step = timedelta(days=730) / count
        for start in range(0, count, BATCH_ROWS):
            if time.monotonic() >= deadline:
                raise RuntimeError("the time limit passed while filling the database")
            n = min(BATCH_ROWS, count - start)
            with self.engine.begin() as conn:
                revocation = self.open_list(conn, "revocation")
                suspension = self.open_list(conn, "suspension")
                for status_list in (revocation, suspension):
                    if status_list["allocated"] + count - start > status_list["size"]:
                        raise SystemExit(
                            f"--fill-to: {count - start} more do not fit in the open list "
                            f"({status_list['allocated']} of {status_list['size']} allocated)"
                        )
                bits = bytearray(revocation["bits"])
                credentials, events = [], []
                for j in range(n):
                    rev = permuted_index(
                        revocation["permutation_key"], revocation["allocated"] + j,
                        revocation["size"],
                    )  # fmt: skip
                    sus = permuted_index(
                        suspension["permutation_key"], suspension["allocated"] + j,
                        suspension["size"],
                    )  # fmt: skip
                    credential_id = str(uuid.uuid4())
                    issued_at = first + step * (start + j)
                    revoked = random.random() < self.revoked_share
                    values = {_ID: credential_id, _REVOCATION: str(rev), _SUSPENSION: str(sus)}
                    credentials.append(
                        {
                            **self.model,
                            "id": credential_id,
                            "public_id": secrets.token_urlsafe(16),
                            # Stands for a hashed and sealed token (nobody opens these wallets).
                            "wallet_token_hash": secrets.token_hex(32),
                            "wallet_token_sealed": secrets.token_bytes(61),
                            "awarded_on": issued_at.date(),
                            "valid_from": issued_at,
                            "valid_until": issued_at + timedelta(days=5 * 365),
                            "issued_at": issued_at,
                            "status": "revoked" if revoked else "active",
                            "credential_json": "".join(
                                values.get(p, p) for p in self.pieces
                            ).encode(),
                            "request_hash": secrets.token_hex(32),
                            "revocation_list_id": revocation["id"],
                            "revocation_index": rev,
                            "suspension_list_id": suspension["id"],
                            "suspension_index": sus,
                        }
                    )
                    events.append(self.event("credential.issued", credential_id, issued_at))
                    if revoked:
                        set_bit(bits, rev, True)
                        revoked_at = issued_at + timedelta(days=30)
                        events.append(self.event("credential.revoked", credential_id, revoked_at))
                    else:
                        active.append(credential_id)
                conn.execute(insert(Credential.__table__), credentials)
                conn.execute(insert(Event.__table__), events)
                self.move_on(conn, revocation, n, bits)
                self.move_on(conn, suspension, n, suspension["bits"])
        return active

    @staticmethod
    def move_on(conn: Connection, status_list: dict[str, Any], n: int, bits: bytes) -> None:
        """The list after ``n`` more allocations (and a new version if a bit changed)."""
        changed = bits != status_list["bits"]
        sl = StatusList.__table__
        conn.execute(
            update(sl)
            .where(sl.c.id == status_list["id"])
            .values(
                allocated=status_list["allocated"] + n,
                bits=bytes(bits),
                version=status_list["version"] + changed,
                updated_at=datetime.now(UTC) if changed else sl.c.updated_at,
            )
        )

    def event(self, kind: str, subject: str, at: datetime) -> dict[str, Any]:
        data = {"source": "api"} if kind == "credential.issued" else {"reason": "filler"}
        return {
            "institution_id": self.institution_id,
            "kind": kind,
            "subject": subject,
            "actor": self.actor,
            "at": at,
            "data": data,
        }


def settle(engine: Engine) -> None:
    """What a database in use has after a bulk load: SQLite's WAL checkpointed (the server
    would do that itself over time), PostgreSQL's statistics (autovacuum's ANALYZE)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        else:
            cursor.execute("ANALYZE credential, event, status_list")
        cursor.close()
        raw.commit()
    finally:
        raw.close()


def credential_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(Credential.__table__)).scalar_one()
        )


# --- Status lists over HTTP -------------------------------------------------------------------


async def closed_loop(
    concurrency: int, seconds: float, request: Callable[[], Awaitable[None]]
) -> float:
    stop = time.perf_counter() + seconds

    async def worker() -> int:
        n = 0
        while time.perf_counter() < stop:
            await request()
            n += 1
        return n

    start = time.perf_counter()
    total = sum(await asyncio.gather(*(worker() for _ in range(concurrency))))
    return total / (time.perf_counter() - start)


@dataclass
class Gets:
    rates: dict[str, float]
    body_bytes: int
    cache_control: str


async def get_rates(served: Served, list_path: str, concurrency: int, deadline: float) -> Gets:
    """Best of ``ROUNDS`` interleaved rounds: /healthz, the full list (the stored signed copy,
    byte for byte) and 304 (the current ETag)."""
    async with async_client(served, concurrency) as c:
        primed = await c.get(list_path)  # signs the list if it changed since the last read
        assert primed.status_code == 200, primed.text
        body, etag = primed.content, primed.headers["etag"]
        if (again := await c.get(list_path)).content != body:
            raise RuntimeError("the unchanged list was signed again")
        problems: list[str] = []

        def expect(
            path: str, headers: dict[str, str], status: int, content: bytes
        ) -> Callable[[], Awaitable[None]]:
            async def request() -> None:
                r = await c.get(path, headers=headers)
                if r.status_code != status or (content and r.content != content):
                    problems.append(f"{path}: {r.status_code} {len(r.content)} bytes")

            return request

        scenarios = {
            "healthz": expect("/healthz", {}, 200, b""),
            "full": expect(list_path, {}, 200, body),
            "not_modified": expect(list_path, {"If-None-Match": etag}, 304, b""),
        }
        best = dict.fromkeys(scenarios, 0.0)
        for _ in range(ROUNDS):
            for name, request in scenarios.items():
                if time.monotonic() < deadline:
                    best[name] = max(
                        best[name], await closed_loop(concurrency, ROUND_SECONDS, request)
                    )
        if problems:
            raise RuntimeError(f"{len(problems)} unexpected responses: {problems[0]}")
        return Gets(best, len(body), again.headers["cache-control"])


@dataclass
class Latency:
    total_ms: list[float]  # revoke sent -> a served list shows the bit
    get_ms: list[float]  # the first GET after the revocation (re-signs the list)
    extra_gets: int  # GETs that did not show the bit yet


async def revocation_to_list(
    served: Served, issued: Issued, credentials: list[tuple[str, int, str]], deadline: float
) -> Latency:
    headers = {"Authorization": f"Bearer {issued.api_key}"}
    result = Latency([], [], 0)
    async with async_client(served, 1) as c:
        for credential_id, index, path in credentials:
            if time.monotonic() >= deadline:
                break
            sent = time.perf_counter()
            r = await c.post(f"/api/v1/credentials/{credential_id}/revoke", headers=headers)
            assert r.status_code == 200, r.text
            answered = time.perf_counter()
            first = True
            while True:
                r = await c.get(path)
                assert r.status_code == 200, r.text
                seen = time.perf_counter()
                if first:
                    result.get_ms.append((seen - answered) * 1000)
                    first = False
                bits = decode_bitstring(r.json()["credentialSubject"]["encodedList"])
                if get_bit(bits, index):
                    break
                result.extra_gets += 1
                if time.monotonic() >= deadline:
                    raise RuntimeError("the revocation never showed in the served list")
            result.total_ms.append((seen - sent) * 1000)
    return result


# --- One database -----------------------------------------------------------------------------


@dataclass
class Population:
    credentials: int
    revoked: int

    def __str__(self) -> str:
        return f"{self.credentials:,} ({self.revoked:,} revoked)"


def population(engine: Engine) -> Population:
    c = Credential.__table__.c
    with engine.connect() as conn:
        total, revoked = conn.execute(
            select(func.count(), func.count().filter(c.status == "revoked"))
        ).one()
    return Population(int(total), int(revoked))


@dataclass
class Run:
    http_small: Rate
    http_large: Rate
    in_process_small: Rate
    in_process_large: Rate
    # in the database at the start of each of those runs
    at_http_small: Population
    at_http_large: Population
    at_in_process_small: Population
    at_in_process_large: Population
    fill_rows: int
    fill_seconds: float
    gets: Gets
    latency: Latency
    issued: int
    lists: int  # revocation lists the credentials issued over HTTP went to


def measure(database_url: str | None, args: argparse.Namespace) -> Run:
    deadline = time.monotonic() + args.time_limit
    per_run = WARMUP + args.revocations
    with live_server(deadline, workers=args.workers, database_url=database_url) as served:
        issued = run_async(
            issue_over_http(served, 2 * per_run + LATENCY_SAMPLES, args.concurrency, deadline),
            deadline,
        )
        ids = [cid for cid, _, _ in issued.credentials]
        before, after = ids[:per_run], ids[per_run : 2 * per_run]
        with service_layer(served) as container:
            assert container.engine is not None
            engine = container.engine
            principal = container.auth.authenticate(issued.api_key)
            assert principal.institution_id is not None
            filler = Filler(engine, principal.institution_id, args.revoked_percent)

            at_http_small = population(engine)
            http_small = run_async(
                revoke_over_http(served, issued.api_key, before, args.concurrency, deadline),
                deadline,
            )
            reference = filler.add(REFERENCE_ROWS, deadline)
            at_in_process_small = population(engine)
            in_process_small = revoke_in_process(container, principal, reference, deadline)

            start = time.perf_counter()
            fill_rows = args.fill_to - population(engine).credentials
            active = filler.add(fill_rows, deadline)
            settle(engine)
            fill_seconds = time.perf_counter() - start
            sample = random.sample(active, min(REFERENCE_ROWS, len(active)))
            at_in_process_large = population(engine)
            in_process_large = revoke_in_process(container, principal, sample, deadline)
            at_http_large = population(engine)
            http_large = run_async(
                revoke_over_http(served, issued.api_key, after, args.concurrency, deadline),
                deadline,
            )
        gets = run_async(get_rates(served, issued.list_path, args.concurrency, deadline), deadline)
        latency = run_async(
            revocation_to_list(served, issued, issued.credentials[2 * per_run :], deadline),
            deadline,
        )
    return Run(
        http_small, http_large, in_process_small, in_process_large,
        at_http_small, at_http_large, at_in_process_small, at_in_process_large,
        fill_rows, fill_seconds, gets, latency, len(issued.credentials), issued.lists,
    )  # fmt: skip


# --- Report -----------------------------------------------------------------------------------


def row(scenario: str, rate: Rate | float, ratio: float, reference: str) -> None:
    per_second = rate if isinstance(rate, float) else rate.per_second
    if isinstance(rate, Rate) and rate.limited:
        scenario += f" [limit: {rate.done}]"
    print(f"{scenario:62} {per_second:8.1f} {ratio:6.2f}  {reference}")


def report(name: str, run: Run, args: argparse.Namespace) -> tuple[float, float]:
    ips, ipl = run.in_process_small.per_second, run.in_process_large.per_second
    hs, hl = run.http_small.per_second, run.http_large.per_second
    small_ref = f"in-process, {run.at_in_process_small.credentials:,}"
    print(f"\n{name}, serve --workers {args.workers}, {args.concurrency} in flight")
    print(f"{'scenario (credentials in the database)':62} {'per s':>8} {'ratio':>6}  to")
    row(f"in-process StatusService.change, {run.at_in_process_small}", ips, 1.0, "reference")
    row(f"HTTP revoke, {run.at_http_small}", run.http_small, div(hs, ips), small_ref)
    label = f"in-process StatusService.change, {run.at_in_process_large}"
    row(label, ipl, div(ipl, ips), small_ref)
    row(f"HTTP revoke, {run.at_http_large}", run.http_large, div(hl, hs),
        f"HTTP, {run.at_http_small.credentials:,}")  # fmt: skip
    row("  the same", hl, div(hl, ipl), f"in-process, {run.at_in_process_large.credentials:,}")
    healthz = run.gets.rates["healthz"]
    row("GET /healthz", healthz, 1.0, "reference")
    full, not_modified = run.gets.rates["full"], run.gets.rates["not_modified"]
    row(f"GET status list, full ({run.gets.body_bytes:,} B, the stored copy)", full,
        div(full, healthz), "GET /healthz")  # fmt: skip
    row("GET status list, 304 (If-None-Match)", not_modified, div(not_modified, healthz),
        "GET /healthz")  # fmt: skip
    total, get = run.latency.total_ms or [math.nan], run.latency.get_ms or [math.nan]
    print(
        f"revocation -> served list shows it: median {statistics.median(total):.1f} ms, "
        f"max {max(total):.1f} ms ({len(total)} revocations, {run.latency.extra_gets} GETs "
        f"without the bit yet); of that the first GET (re-signs the list): median "
        f"{statistics.median(get):.1f} ms, max {max(get):.1f} ms"
    )
    max_age = re.search(r"max-age=(\d+)", run.gets.cache_control)
    print(
        f"served Cache-Control: {run.gets.cache_control!r}: a verifier's cache may show a "
        f"revocation up to {max_age.group(1) if max_age else '?'} s later"
    )
    print(
        f"filled {run.fill_rows:,} credentials (+ events, lists) in {run.fill_seconds:.1f} s "
        f"({run.fill_rows / run.fill_seconds:,.0f}/s, incl. checkpoint/ANALYZE)"
    )
    if run.lists > 1:
        print(
            f"NOTE: the {run.issued} credentials issued over HTTP ({args.concurrency} in "
            f"flight) went to {run.lists} revocation lists, not one: the first allocations "
            "raced to create the institution's list"
        )
    return div(hl, hs), div(ipl, ips)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--revocations", type=int, default=175, help="timed HTTP revocations per size"
    )
    parser.add_argument("--fill-to", type=int, default=100_000, help="credentials in the large run")
    parser.add_argument(
        "--revoked-percent", type=float, default=1.0, help="share of the filler that is revoked"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--workers", type=int, default=2, help="`serve --workers`")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument(
        "--time-limit", type=float, default=80, help="hard limit per database, in seconds"
    )
    args = parser.parse_args()
    if not 1 <= args.concurrency <= 64 or args.revocations < 10:
        parser.error("--concurrency must be 1 to 64 and --revocations at least 10")
    if not 0 <= args.revoked_percent <= 100:
        parser.error("--revoked-percent must be 0 to 100")
    if args.fill_to < 10 * (2 * (WARMUP + args.revocations) + LATENCY_SAMPLES + REFERENCE_ROWS):
        parser.error("--fill-to must be at least ten times the credentials issued")
    if args.postgres:
        require_loopback(args.postgres)

    claims = []
    for name, admin_url in databases(args.postgres):
        with database(admin_url) as url:
            run = measure(url, args)
        claims.append((name, run, *report(name, run, args)))

    print()
    for name, run, http_ratio, in_process_ratio in claims:
        holds = min(http_ratio, in_process_ratio) >= SAME_COST
        print(
            f"claim ({name}): revocation with {run.at_http_large.credentials:,} credentials "
            f"costs the same as with {run.at_http_small.credentials:,}: HTTP {http_ratio:.2f}, "
            f"in-process {in_process_ratio:.2f} ({'holds' if holds else 'does not hold'}; "
            f"the bar: both >= {SAME_COST:.2f})"
        )
    notes = (
        f"Revocation rates: the best of {ROUNDS} rounds; over HTTP {args.revocations} "
        f"credentials per size after {WARMUP} warm-up, each issued through the API and "
        "answered 200 revoked; in-process one after another, filler credentials, "
        f"{ROUND_SECONDS} s rounds. In brackets: the revoked credentials, about the bits set in "
        f"the lists; the filler revokes {args.revoked_percent:g}% of itself and every run adds "
        f"its own. GETs: the best of {ROUNDS} interleaved rounds of "
        f"{ROUND_SECONDS} s; every full body is the stored signed list, byte for byte. "
        "Latency: one client, revoke, then GET without If-None-Match and check the bit. "
        f"os.cpu_count() = {os.cpu_count()}; the HTTP client shares the cores with the "
        "server: compare ratios, not absolute numbers."
    )
    print_notes(notes)


if __name__ == "__main__":
    main()
