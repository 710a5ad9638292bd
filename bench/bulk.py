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
import base64
import cProfile
import csv
import io
import math
import os
import pstats
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import text
from sqlalchemy.engine import make_url

import keys
from app.container import Container
from app.db import make_engine, make_session_factory
from app.settings import Secrets, Settings
from issuer.credential import (
    AchievementSpec,
    Award,
    IssuerProfile,
    Learner,
    LearningOutcome,
    build_credential,
)
from issuer.data_integrity import add_proof
from issuer.vc_jose import encode_vc_jwt
from verifier.jsonld import bundled_document_loader
from verifier.status_list import status_entry

MICROCRED = Path(sys.executable).parent / "microcred"
LOOPBACK = "127.0.0.1"
SLUG = "ts-lj"
ROUNDS, ROUND_SECONDS = 3, 1.0  # in-process reference: the best of the rounds
POLL_SECONDS = 0.5  # GET /api/v1/batches/{id}
WORKER_POLL_SECONDS = 0.2  # an idle worker's sleep (MICROCRED_WORKER_POLL_SECONDS)
WINDOW = 1000  # rows in the "first" and "last" windows (smaller rosters: a fifth of them)
AIM_PER_CORE, AIM_FLAT = 0.70, 0.90

# A course with every optional element set and a learner with every field, as bench/issue.py
# issues them; each roster row is this learner with its own name, e-mail and identifier.
ACHIEVEMENT: dict[str, Any] = {
    "title": {"en": "3D printing: FDM basics", "sl": "3D tisk: osnove FDM"},
    "description": {"en": "Preparing, slicing and printing models on FDM printers."},
    "learning_outcomes": [
        {
            "title": {"en": "Prepares a model for printing", "sl": "Pripravi model za tisk"},
            "esco_skill": "http://data.europa.eu/esco/skill/0e3ae9e2-5cf5-4ea8-9b0a-4e1b8e6e8d5f",
        },
        {
            "title": {"en": "Operates an FDM printer safely", "sl": "Varno upravlja tiskalnik"},
            "esco_skill": "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
        },
    ],
    "ects": "2",
    "workload_hours": 50,
    "eqf_level": 4,
    "nqf_level": "SOK 4",
    "assessment_type": {"en": "Practical demonstration", "sl": "Praktični preizkus"},
    "participation_form": "blended",
    "quality_assurance": {"en": "Internal QA of the awarding body, accredited by the ministry"},
    "prerequisites": {"en": "Basic computer literacy"},
    "supervision": {"en": "Supervised on site, identity checked against an ID document"},
    "stackability": {"en": "Stacks into the 3D printing technician programme"},
    "further_information": {"en": "https://example.org/courses/3d-fdm"},
}
LEARNER_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
GRADE = "excellent (5)"
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
        "did": LEARNER_DID,
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


def rate(fn: Callable[[], object], seconds: float) -> float:
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        n += 1
    return n / elapsed


def best_rates(scenarios: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Each scenario's best rate over ``ROUNDS`` interleaved rounds of ``ROUND_SECONDS``."""
    for fn in scenarios.values():
        fn()
    best = dict.fromkeys(scenarios, 0.0)
    for _ in range(ROUNDS):
        for name, fn in scenarios.items():
            best[name] = max(best[name], rate(fn, ROUND_SECONDS))
    return best


def a_credential(
    base_url: str, issuer_did: str, now: datetime, status: list[dict[str, Any]] | None
) -> dict[str, Any]:
    a = ACHIEVEMENT
    spec = AchievementSpec(
        id=uuid.uuid4(),
        revision=1,
        title=a["title"],
        learning_outcomes=tuple(
            LearningOutcome(o["title"], o["esco_skill"]) for o in a["learning_outcomes"]
        ),
        eqf_level=a["eqf_level"],
        assessment_type=a["assessment_type"],
        participation_form=a["participation_form"],
        quality_assurance=a["quality_assurance"],
        ects=Decimal(a["ects"]),
        workload_hours=a["workload_hours"],
        description=a["description"],
        nqf_level=a["nqf_level"],
        prerequisites=a["prerequisites"],
        supervision=a["supervision"],
        stackability=a["stackability"],
        further_information=a["further_information"],
    )
    profile = IssuerProfile(
        did=issuer_did,
        name="Tehniški šolski center Ljubljana",
        country_alpha3="SVN",
        country_name="Slovenia",
        legal_id="5051631",
        homepage="https://www.tsc.si",
    )
    learner = Learner(
        given_name="Ana",
        family_name="Horvat",
        date_of_birth=date(2004, 3, 1),
        identifier="SI-EMSO-0103004505123",
        did=LEARNER_DID,
    )
    award = Award(
        credential_id=uuid.uuid4(),
        issued_at=now,
        awarded_on=now.date(),
        valid_from=now,
        valid_until=now + timedelta(days=5 * 365),
        grade=GRADE,
    )
    extra = {"credential_status": status} if status is not None else {}
    return build_credential(
        spec, profile, learner, award, context_url=base_url + "/contexts/microcred/v1", **extra
    )


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
            built = a_credential(base_url, did, now, status)
            add_proof(built, signer, created=now, loader=loader)
            encode_vc_jwt(built, signer)

        return one

    r = best_rates({"plain": build_both(False), "with_status": build_both(True)})
    return Reference(r["plain"], r["with_status"])


# --- The live server and the workers ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def require_loopback(url: str) -> None:
    host = make_url(url).host
    if host not in (None, "", "localhost", "127.0.0.1", "::1"):
        raise SystemExit(f"--postgres must point at a loopback address, not {host!r}")


@contextmanager
def postgres_schema(admin_url: str) -> Iterator[str]:
    """A fresh schema in ``admin_url``'s database (dropped at the end): its database URL."""
    schema = f"mc_bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in admin_url else "?"
        yield f"{admin_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class Served:
    url: str
    admin_token: str
    master_key: bytes
    data_dir: Path
    database_url: str
    env: dict[str, str]  # for `microcred worker` processes beside the server
    tmp: Path
    pid: int


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def live_server(database_url: str | None, deadline: float) -> Iterator[Served]:
    """``microcred serve`` (no embedded worker) on a free loopback port in a temp data dir."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        data_dir = Path(tmp) / "var"
        token = "mcadm_" + secrets.token_urlsafe(32)
        master = os.urandom(32)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MICROCRED_")}
        env.update(
            MICROCRED_DATA_DIR=str(data_dir),
            MICROCRED_BASE_URL=f"http://{LOOPBACK}:{port}",
            MICROCRED_ADMIN_TOKEN=token,
            MICROCRED_MASTER_KEY=base64.urlsafe_b64encode(master).decode(),
            MICROCRED_LOG_LEVEL="WARNING",
            MICROCRED_WORKER_IN_SERVE="false",
            MICROCRED_WORKER_POLL_SECONDS=str(WORKER_POLL_SECONDS),
        )
        if database_url:
            env["MICROCRED_DATABASE_URL"] = database_url
            subprocess.run(
                [MICROCRED, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=60
            )
        log_path = Path(tmp) / "serve.log"
        with log_path.open("w") as log:
            proc = subprocess.Popen(
                [MICROCRED, "serve", "--host", LOOPBACK, "--port", str(port)],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                url = f"http://{LOOPBACK}:{port}"
                wait_healthy(proc, url, min(deadline, time.monotonic() + 30), log_path)
                yield Served(
                    url,
                    token,
                    master,
                    data_dir,
                    database_url or f"sqlite:///{data_dir}/microcred.db",
                    env,
                    Path(tmp),
                    proc.pid,
                )
            finally:
                stop_process(proc)


def wait_healthy(proc: subprocess.Popen[bytes], url: str, deadline: float, log: Path) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"microcred serve exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"microcred serve did not become healthy:\n{log.read_text()}")


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
    r = client.post(
        "/api/v1/institutions",
        json={"slug": SLUG, "name": "Tehniški šolski center Ljubljana", "country": "SI",
              "legal_id": "5051631", "homepage": "https://www.tsc.si"},
        headers={"Authorization": f"Bearer {served.admin_token}"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    headers = {"Authorization": f"Bearer {r.json()['api_key']}"}
    r = client.post("/api/v1/achievements", json=ACHIEVEMENT, headers=headers)
    assert r.status_code == 201, r.text
    return headers, r.json()["id"]


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
    ("  BatchService.work_row", "batches.py", "work_row"),
    ("    IssuanceService.issue", "issuance.py", "issue"),
    ("      StatusService.allocate (status indexes)", "status.py", "allocate"),
    ("      build_credential", "credential.py", "build_credential"),
    ("      add_proof (Data Integrity)", "data_integrity.py", "add_proof"),
    ("      encode_vc_jwt", "vc_jose.py", "encode_vc_jwt"),
    ("      IssuanceService._store (credential + event)", "issuance.py", "_store"),
    ("    BatchRepository.finish_row", "repositories.py", "finish_row"),
    ("    BatchRepository.counts (batch done?)", "repositories.py", "counts"),
    ("all SQL: Session.execute", "session.py", "execute"),
    ("all commits: Session.commit", "session.py", "commit"),
]


@contextmanager
def in_process(served: Served) -> Iterator[Container]:
    """The service layer in this process, on the server's database."""
    settings = Settings(
        data_dir=served.data_dir, base_url=served.url, database_url=served.database_url
    )
    engine = make_engine(served.database_url)
    container = Container(
        settings,
        Secrets(served.master_key, served.admin_token),
        make_session_factory(engine),
        engine,
    )
    try:
        yield container
    finally:
        container.close()


def profile_rows(served: Served, client: httpx.Client, batch: Batch, rows: int) -> str:
    """cProfile ``BatchService.work_once`` in this process on a fresh roster of ``rows`` rows
    (after the main batch, with ``batch.total`` credentials in the database): ms per row."""
    achievement_id = client.get(batch.status_url, headers=batch.headers).json()["achievement_id"]
    extra = post_roster(client, batch.headers, achievement_id, rows)
    with in_process(served) as container:
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
        live_server(database_url, deadline) as served,
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


def verdict(value: float, aim: float) -> str:
    return "met" if value >= aim else "missed"


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
    databases: list[tuple[str, str | None]] = [("SQLite", None)]
    if args.postgres:
        databases.append(("PostgreSQL", args.postgres))
    worker_counts = [args.workers] + ([1] if args.also_one and args.workers != 1 else [])
    runs: list[tuple[str, Run]] = []
    for name, admin_url in databases:
        deadline = time.monotonic() + args.time_limit
        for workers in worker_counts:
            if time.monotonic() >= deadline:
                break
            if admin_url is None:
                runs.append((name, run_batch(None, workers, args, deadline)))
            else:
                with postgres_schema(admin_url) as url:
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
    print(textwrap.fill(notes, width=100, break_on_hyphens=False))
    if any(r.checked and r.checked.problems for _, r in runs):
        sys.exit(1)


if __name__ == "__main__":
    main()
