"""Benchmark: bulk issuance of a roster by ``microcred worker`` processes, as a rate per core.

Prints, against a live ``microcred serve`` (SQLite; PostgreSQL too with ``--postgres URL``) with
its embedded worker off: one roster of ``--count`` rows (default 10,000) posted as CSV to
``POST /api/v1/batches`` and issued by ``--workers`` ``microcred worker`` processes (default:
one per core), each row a credential in both formats (Data Integrity proof and vc+jwt) with a
revocation and a suspension status entry, stored in the database. The rate, from the first
issued row to the last, is given as a ratio to the in-process signing rate of one credential
on one core (``build_credential`` + ``add_proof`` + ``encode_vc_jwt``, measured in the same run)
and that ratio per core used (the aim: at least 0.70), and the rates of the first and the last
thousand rows and their ratio (the aim: flat). The progress is polled with
``GET /api/v1/batches/{id}``; at the end every row must be issued, the results must name as
many distinct credentials, and one of them is read back and checked.

    .venv/bin/python bench/bulk.py [--count 10000] [--workers N] [--also-one]
                                   [--time-limit 600] [--profile 200]
                                   [--postgres postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import math
import os
import pstats
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519
from harness import (
    GRADE,
    LEARNER,
    MICROCRED,
    SLUG,
    Served,
    best_rates,
    create_course_sync,
    database,
    databases,
    live_server,
    print_notes,
    require_loopback,
    sample_credential,
    service_layer,
    stop_process,
    verdict,
)

import keys
from issuer.data_integrity import add_proof
from issuer.vc_jose import encode_vc_jwt
from verifier.jsonld import bundled_document_loader
from verifier.status_list import status_entry

ROUNDS, ROUND_SECONDS = 3, 1.0  # in-process reference: the best of the rounds
POLL_SECONDS = 0.5  # GET /api/v1/batches/{id}
WORKER_POLL_SECONDS = 0.2  # an idle worker's sleep (MICROCRED_WORKER_POLL_SECONDS)
WINDOW = 1000  # rows in the "first" and "last" windows (smaller rosters: a fifth of them)
AIM_PER_CORE, AIM_FLAT = 0.70, 0.90

# Each roster row is harness.LEARNER (bench/issue.py's) with its own name, e-mail and identifier.
ROSTER_COLUMNS = (
    "given_name", "family_name", "email", "date_of_birth", "identifier", "did", "grade",
    "valid_until",
)  # fmt: skip


def learner_row(i: int, valid_until: datetime) -> dict[str, str]:
    return {
        "given_name": f"Ana{i}",
        "family_name": "Horvat",
        "email": f"ana{i}@example.org",
        "date_of_birth": "2004-03-01",
        "identifier": f"SI-EMSO-{i:013d}",
        "did": LEARNER["did"],
        "grade": GRADE,
        "valid_until": valid_until.isoformat(),
    }


def roster_csv(count: int) -> bytes:
    valid_until = (datetime.now(UTC) + timedelta(days=5 * 365)).replace(microsecond=0)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ROSTER_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(learner_row(i, valid_until) for i in range(count))
    return out.getvalue().encode()


# --- In-process reference ---------------------------------------------------------------------


@dataclass
class Reference:
    plain: float  # bench/issue.py's "build + add_proof + encode_vc_jwt": no status entries
    with_status: float  # the same with a revocation and a suspension entry, as a batch row


def in_process_reference() -> Reference:
    """Credentials/s of build + add_proof + encode_vc_jwt on one core (this process)."""
    base_url = "http://127.0.0.1:8000"
    did = keys.did_web(base_url, "institutions", SLUG)
    private = ed25519.Ed25519PrivateKey.generate()
    public = keys.PublicKey(keys.ED25519, private.public_key().public_bytes_raw())
    signer = keys.LocalSigner(f"{did}#key-1", private, public)
    loader = bundled_document_loader()
    now = datetime.now(UTC)
    lists = f"{base_url}/status/{SLUG}/"
    rng = random.Random(7)

    def build_both(with_status: bool) -> Callable[[], None]:
        def one() -> None:
            status = (
                [
                    status_entry(lists + "r3vOcAt1onL1st", rng.randrange(131072), "revocation"),
                    status_entry(lists + "suSp3ns1onL1st", rng.randrange(131072), "suspension"),
                ]
                if with_status
                else None
            )
            built = sample_credential(base_url, did, now, status or ())
            add_proof(built, signer, created=now, loader=loader)
            encode_vc_jwt(built, signer)

        return one

    r = best_rates(
        {"plain": build_both(False), "with_status": build_both(True)}, ROUNDS, ROUND_SECONDS
    )
    return Reference(r["plain"], r["with_status"])


# --- The live server and the workers ----------------------------------------------------------


def bulk_server(database_url: str | None, deadline: float) -> AbstractContextManager[Served]:
    """``microcred serve`` with its embedded worker off: ``worker_processes`` do the work."""
    return live_server(
        deadline,
        database_url=database_url,
        env_extra={
            "MICROCRED_WORKER_IN_SERVE": "false",
            "MICROCRED_WORKER_POLL_SECONDS": str(WORKER_POLL_SECONDS),
        },
    )


@contextmanager
def worker_processes(served: Served, count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` ``microcred worker`` processes; SIGTERM (then SIGKILL) on the way out."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for n in range(count):
            with (served.tmp / f"worker-{n}.log").open("w") as log:
                procs.append(
                    subprocess.Popen(
                        [MICROCRED, "worker"], env=served.env, stdout=log, stderr=subprocess.STDOUT
                    )
                )
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            stop_process(proc)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_logs(served: Served) -> str:
    return "\n".join(
        f"--- {p.name}:\n{p.read_text()[-2000:]}" for p in sorted(served.tmp.glob("worker-*.log"))
    )


# --- One batch --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    t: float  # seconds since the workers were started
    issued: int
    failed: int
    state: str
    finished: float | None = None  # the batch's finished_at, in seconds since then


@dataclass
class Batch:
    headers: dict[str, str]
    status_url: str
    total: int


def setup(client: httpx.Client, served: Served) -> tuple[dict[str, str], str]:
    """An institution (its API key's headers) and an achievement (its id)."""
    api_key, achievement_id = create_course_sync(client, served)
    return {"Authorization": f"Bearer {api_key}"}, achievement_id


def post_roster(
    client: httpx.Client, headers: dict[str, str], achievement_id: str, count: int
) -> Batch:
    r = client.post(
        "/api/v1/batches",
        params={"achievement_id": achievement_id},
        content=roster_csv(count),
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert r.status_code == 202, r.text
    body = r.json()
    assert (body["total"], body["failed"]) == (count, 0), body
    return Batch(headers, body["status_url"], count)


def poll(
    client: httpx.Client,
    batch: Batch,
    procs: list[subprocess.Popen[bytes]],
    started: tuple[float, float],
    deadline: float,
    served: Served,
) -> tuple[list[Sample], bool]:
    """(time, issued) samples every ``POLL_SECONDS`` until the batch is done (or the deadline:
    then the second value is True). ``started``: ``time.perf_counter()`` and ``time.time()``
    when the workers were started."""
    samples: list[Sample] = []
    while True:
        r = client.get(batch.status_url, headers=batch.headers)
        assert r.status_code == 200, r.text
        body = r.json()
        finished = body["finished_at"] and (
            datetime.fromisoformat(body["finished_at"]).timestamp() - started[1]
        )
        samples.append(
            Sample(
                time.perf_counter() - started[0],
                body["issued"],
                body["failed"],
                body["state"],
                finished or None,
            )
        )
        if body["state"] == "done":
            return samples, False
        if time.monotonic() >= deadline:
            return samples, True
        if all(p.poll() is not None for p in procs):
            logs = worker_logs(served)
            raise RuntimeError(f"every worker exited before the batch was done\n{logs}")
        time.sleep(POLL_SECONDS)


@dataclass
class Checked:
    results: int = 0  # result lines
    distinct: int = 0  # distinct non-empty credential ids in them
    spot: str = ""  # what the read-back credential showed
    problems: list[str] = field(default_factory=list)


def check(client: httpx.Client, batch: Batch, final: Sample) -> Checked:
    out = Checked()
    if (final.issued, final.failed) != (batch.total, 0):
        out.problems.append(f"issued {final.issued}, failed {final.failed} of {batch.total}")
    r = client.get(batch.status_url + "/results", headers=batch.headers)
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.text)))
    ids = [row["credential_id"] for row in rows if row["credential_id"]]
    out.results, out.distinct = len(rows), len(set(ids))
    if out.distinct != batch.total:
        out.problems.append(f"{out.distinct} distinct credential ids in {len(rows)} result rows")
    if not ids:
        return out
    one = random.choice(ids)
    r = client.get(f"/api/v1/credentials/{one}", headers=batch.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    credential = body["credential"]
    proof = credential.get("proof") or {}
    status = credential.get("credentialStatus") or []
    purposes = sorted(e.get("statusPurpose", "?") for e in status)
    jwt = body.get("jwt") or ""
    out.spot = (
        f"{one}: proof {proof.get('cryptosuite', 'MISSING')}, jwt {len(jwt)} chars, "
        f"credentialStatus {purposes}"
    )
    if proof.get("cryptosuite") != "eddsa-rdfc-2022" or not proof.get("proofValue"):
        out.problems.append(f"credential {one} has no eddsa-rdfc-2022 proof")
    if jwt.count(".") != 2:
        out.problems.append(f"credential {one} has no vc+jwt")
    if purposes != ["revocation", "suspension"]:
        out.problems.append(f"credential {one} has status entries {purposes}")
    return out


# --- Rates from the samples -------------------------------------------------------------------


def reached(samples: list[Sample], k: int) -> float:
    """The time ``issued`` reached ``k``, interpolated linearly between samples; for the last
    row of a finished batch, the batch's ``finished_at`` (set as its last row is recorded)."""
    last = samples[-1]
    if k == last.issued and last.finished is not None and samples[-2].issued < k:
        return max(samples[-2].t, min(last.finished, last.t))
    if samples[0].issued >= k:
        return samples[0].t
    for a, b in pairwise(samples):
        if a.issued < k <= b.issued:
            return a.t + (b.t - a.t) * (k - a.issued) / (b.issued - a.issued)
    raise ValueError(f"issued never reached {k}")


@dataclass
class Rates:
    start: Sample  # the first sample with a row issued
    end_issued: int
    seconds: float  # from ``start`` to the last row issued
    from_workers: float  # credentials/s from starting the workers to the last row
    window: int
    first: float  # the first ``window`` rows after ``start``
    last: float  # the last ``window`` rows
    per_window: list[float]  # consecutive windows after ``start``

    @property
    def total(self) -> float:
        return (self.end_issued - self.start.issued) / self.seconds


def rates(samples: list[Sample], count: int) -> Rates | None:
    start = next((s for s in samples if s.issued > 0), None)
    end_issued = samples[-1].issued
    if start is None or end_issued - start.issued < 2:
        return None
    end = reached(samples, end_issued)
    window = WINDOW if count >= 5 * WINDOW else max(1, count // 5)
    window = min(window, (end_issued - start.issued) // 2) or 1
    first = window / (reached(samples, start.issued + window) - start.t)
    last = window / (end - reached(samples, end_issued - window))
    marks = list(range(start.issued, end_issued + 1, window))
    per_window = [window / (reached(samples, b) - reached(samples, a)) for a, b in pairwise(marks)]
    return Rates(
        start, end_issued, end - start.t, end_issued / end, window, first, last, per_window
    )


# --- Profile ----------------------------------------------------------------------------------

# (label, file name, function) of the calls the per-row profile breaks a row into.
PROFILED = [
    ("BatchService.work_once (claim + work rows)", "batches.py", "work_once"),
    ("  BatchService.claim", "batches.py", "claim"),
    ("  BatchService.work_chunk", "batches.py", "work_chunk"),
    ("    IssuanceService.issue_many", "issuance.py", "issue_many"),
    ("      StatusService.allocate_many (status indexes)", "status.py", "allocate_many"),
    ("      the read before signing (Idempotency-Keys)", "issuance.py", "_check"),
    ("      build_credential", "credential.py", "build_credential"),
    ("      add_proof (Data Integrity)", "data_integrity.py", "add_proof"),
    ("      encode_vc_jwt", "vc_jose.py", "encode_vc_jwt"),
    ("      CredentialStore.store (credentials + events)", "credential_store.py", "store"),
    ("        of it: the check of issuer, key, achievement", "repositories.py", "issuing_state"),
    ("    BatchRepository.finish_rows (one executemany)", "repositories.py", "finish_rows"),
    ("    BatchRepository.has_open_rows (batch done?)", "repositories.py", "has_open_rows"),
    ("all SQL: Session.execute", "session.py", "execute"),
    ("all commits: Session.commit", "session.py", "commit"),
]


def profile_rows(served: Served, client: httpx.Client, batch: Batch, rows: int) -> str:
    """cProfile ``BatchService.work_once`` in this process on a fresh roster of ``rows`` rows
    (after the main batch, with ``batch.total`` credentials in the database): ms per row."""
    achievement_id = client.get(batch.status_url, headers=batch.headers).json()["achievement_id"]
    extra = post_roster(client, batch.headers, achievement_id, rows)
    with service_layer(served) as container:
        worker = "bench-profile"
        warm = container.batches.work_once(worker, 10)  # the signer cache, pools, contexts
        done, start = 0, time.perf_counter()
        profiler = cProfile.Profile()
        profiler.enable()
        while n := container.batches.work_once(worker, 10):
            done += n
        profiler.disable()
        elapsed = time.perf_counter() - start
    final = client.get(extra.status_url, headers=extra.headers).json()
    assert (final["issued"], final["failed"]) == (rows, 0), final
    profiled = done
    assert warm + profiled == rows, (warm, profiled)
    stats = pstats.Stats(profiler)
    cumulative: dict[tuple[str, str], float] = {}
    for (filename, _, name), (_, _, _, ct, _) in stats.stats.items():  # type: ignore[attr-defined]
        key = (Path(filename).name, name)
        cumulative[key] = max(cumulative.get(key, 0.0), ct)
    lines = [
        f"cProfile of BatchService.work_once in-process ({profiled} rows, one worker, "
        f"{profiled / elapsed:.1f} rows/s under the profiler), ms per row (cumulative; the "
        "profiler slows pyld's pure-Python canonicalization about 3x, SQL calls less):"
    ]
    for label, filename, name in PROFILED:
        ms = 1000 * cumulative.get((filename, name), 0.0) / profiled
        lines.append(f"  {label:55} {ms:8.2f}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(15)
    body = out.getvalue()
    lines.append("top functions by own time:")
    lines += [f"  {line}" for line in body[body.find("ncalls") :].rstrip().splitlines()]
    return "\n".join(lines)


# --- One database -----------------------------------------------------------------------------


@dataclass
class Run:
    workers: int
    count: int
    samples: list[Sample]
    timed_out: bool
    rates: Rates | None
    checked: Checked | None
    busy: float  # the workers' CPU seconds / (workers x seconds from their start to done)
    server_busy: float  # the server's CPU seconds in that time / those seconds
    profile: str = ""


def run_batch(
    database_url: str | None, workers: int, args: argparse.Namespace, deadline: float
) -> Run:
    with (
        bulk_server(database_url, deadline) as served,
        httpx.Client(base_url=served.url, timeout=60) as client,
    ):
        headers, achievement_id = setup(client, served)
        batch = post_roster(client, headers, achievement_id, args.count)
        server_cpu = cpu_seconds(served.pid)
        with worker_processes(served, workers) as procs:
            started = time.perf_counter(), time.time()
            samples, timed_out = poll(client, batch, procs, started, deadline, served)
            wall = time.perf_counter() - started[0]
            busy = sum(cpu_seconds(p.pid) for p in procs) / (workers * wall)
            server_busy = (cpu_seconds(served.pid) - server_cpu) / wall
        run = Run(
            workers, args.count, samples, timed_out, rates(samples, args.count), None, busy,
            server_busy,
        )  # fmt: skip
        if not timed_out:
            run.checked = check(client, batch, samples[-1])
            if args.profile and time.monotonic() < deadline:
                run.profile = profile_rows(served, client, batch, args.profile)
        return run


# --- Report -----------------------------------------------------------------------------------


def row(scenario: str, per_second: float, ratio: float, reference: str) -> None:
    print(f"{scenario:58} {per_second:9.1f} {ratio:7.2f}  {reference}")


def report(name: str, run: Run, ref: float, cpus: int) -> list[str]:
    """Print one run's rows; return its aim lines."""
    cores = min(run.workers, cpus)
    label = f"{name}, {run.workers} worker{'s' if run.workers > 1 else ''}"
    r = run.rates
    if r is None:
        print(f"{label}: no rows issued before the limit ({run.samples[-1]})")
        return [f"{label}: no rate (nothing issued)"]
    if run.timed_out:
        label += f" [limit: {r.end_issued:,} of {run.count:,}]"
    ratio = r.total / ref
    row(f"{label}: issued/s", r.total, ratio, "in-process signing, 1 core")
    row(f"  per core used ({cores})", r.total / cores, ratio / cores, f"the same x {cores}")
    row("  from starting the workers", r.from_workers, r.from_workers / ref, "in-process")
    w = f"{r.window:,}"
    row(f"  first {w} rows", r.first, r.first / ref, "in-process")
    row(f"  last {w} rows", r.last, r.last / r.first, f"first {w}")
    print(
        f"  per {w} rows: " + " ".join(f"{x:.0f}" for x in r.per_window) + f" /s; "
        f"{r.end_issued - r.start.issued:,} rows in {r.seconds:.1f} s from the first sample "
        f"with a row issued ({r.start.issued} at {r.start.t:.1f} s), {len(run.samples)} samples"
    )
    print(
        f"  CPU: the workers busy {run.busy:.0%} of their time (from their start to done), "
        f"the server (answering the polls) {run.server_busy:.0%} of a core"
    )
    if run.checked is not None:
        c = run.checked
        print(
            f"  checked: {run.samples[-1].issued:,} issued, {run.samples[-1].failed} failed, "
            f"{c.results:,} result rows with {c.distinct:,} distinct credential ids; {c.spot}"
        )
        for problem in c.problems:
            print(f"  PROBLEM: {problem}")
    if run.profile:
        print(textwrap.indent(run.profile, "  "))
    return [
        f"{label}: {ratio / cores:.2f} of in-process x {cores} core{'s' if cores > 1 else ''} "
        f"(aim >= {AIM_PER_CORE:.2f}: {verdict(ratio / cores, AIM_PER_CORE)}); last/first "
        f"{w}: {r.last / r.first:.2f} (aim >= {AIM_FLAT:.2f}, flat: "
        f"{verdict(r.last / r.first, AIM_FLAT)}); the slowest {w} / the first: "
        f"{min(r.per_window, default=r.last) / r.first:.2f}"
        + ("" if run.checked is None or not run.checked.problems else "; CHECKS FAILED")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cpus = os.cpu_count() or 1
    parser.add_argument("--count", type=int, default=10_000, help="rows in the roster")
    parser.add_argument(
        "--workers", type=int, default=cpus, help="`microcred worker` processes (default: cores)"
    )
    parser.add_argument("--also-one", action="store_true", help="also run with one worker")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument(
        "--time-limit", type=float, default=600, help="hard limit per database, in seconds"
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N",
        help="also cProfile BatchService.work_once in-process on N more rows",
    )  # fmt: skip
    args = parser.parse_args()
    if not 10 <= args.count <= 50_000 or not 1 <= args.workers <= 64:
        parser.error("--count must be 10 to 50,000 and --workers 1 to 64")
    if args.postgres:
        require_loopback(args.postgres)

    before = in_process_reference()
    worker_counts = [args.workers] + ([1] if args.also_one and args.workers != 1 else [])
    runs: list[tuple[str, Run]] = []
    for name, admin_url in databases(args.postgres):
        deadline = time.monotonic() + args.time_limit
        for workers in worker_counts:
            if time.monotonic() >= deadline:
                break
            with database(admin_url) as url:
                runs.append((name, run_batch(url, workers, args, deadline)))
    after = in_process_reference()
    ref = max(before.plain, after.plain)

    print(f"{'scenario':58} {'per s':>9} {'ratio':>7}  to")
    row("in-process build + add_proof + encode_vc_jwt (reference)", ref, 1.0, "itself")
    with_status = max(before.with_status, after.with_status)
    row("  the same with 2 status entries (as a batch row)", with_status, with_status / ref,
        "reference")  # fmt: skip
    aims = [line for name, run in runs for line in report(name, run, ref, cpus)]
    print()
    for line in aims:
        print("aim: " + line)
    notes = (
        f"Reference: one core in this process, the best of {ROUNDS} interleaved rounds of "
        f"{ROUND_SECONDS:g} s, measured before and after the server runs (the higher counts: "
        f"{before.plain:.1f} and {after.plain:.1f}/s), on bench/issue.py's credential. "
        f"Bulk: a fresh server and database per run (embedded worker off, idle workers poll "
        f"every {WORKER_POLL_SECONDS:g} s), one CSV roster of {args.count:,} rows, every learner "
        f"field set; progress polled every {POLL_SECONDS:g} s; rates from the first sample with "
        "a row issued to the last row (the batch's finished_at), other times interpolated "
        "linearly between samples; cores "
        f"used: min(workers, os.cpu_count() = {cpus}). The server and this process share the "
        "cores with the workers: compare ratios, not absolute numbers."
    )
    print_notes(notes)
    if any(r.checked and r.checked.problems for _, r in runs):
        sys.exit(1)


if __name__ == "__main__":
    main()
