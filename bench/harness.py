"""What the benchmarks in bench/ share: the sample course, learner and credential, the "best of
N interleaved rounds" rate, a live ``microcred serve`` in a temp data dir (and PostgreSQL
schemas for ``--postgres``), the service layer on its database, and small report helpers.

The scripts run as ``.venv/bin/python bench/<name>.py``, so this module is imported as a
sibling: ``from harness import ...``.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.container import Container
from app.documents.page_image import page_images
from app.persistence.db import make_engine, make_session_factory
from app.settings import Secrets, Settings
from issuer.credential import (
    AchievementSpec,
    Award,
    IssuerProfile,
    Learner,
    LearningOutcome,
    build_credential,
)
from issuer.edc import build_edc_credential

MICROCRED = Path(sys.executable).parent / "microcred"
LOOPBACK = "127.0.0.1"
SLUG = "ts-lj"

# --- The sample course, learner and credential ------------------------------------------------

# The institution, achievement and learner as the HTTP API takes them; the in-process credential
# (``sample_credential``) is built from the same values, so both sides sign the same credential
# (up to ids and timestamps): 2 learning outcomes, every optional element set.
INSTITUTION: dict[str, Any] = {
    "slug": SLUG,
    "name": "Tehniški šolski center Ljubljana",
    "country": "SI",
    "legal_id": "5051631",
    "homepage": "https://www.tsc.si",
}
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
LEARNER: dict[str, Any] = {
    "given_name": "Ana",
    "family_name": "Horvat",
    "email": "ana@example.org",
    "date_of_birth": "2004-03-01",
    "identifier": "SI-EMSO-0103004505123",
    "did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
}
GRADE = "excellent (5)"


def sample_inputs(
    issuer_did: str, issued_at: datetime, *, nqf_level: str | None = None
) -> tuple[AchievementSpec, IssuerProfile, Learner, Award]:
    """What the credential of ``ACHIEVEMENT`` for ``LEARNER`` is built from (``nqf_level``
    replaces the sample's, e.g. with a QDR concept for the EDC profile)."""
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
        nqf_level=nqf_level or a["nqf_level"],
        prerequisites=a["prerequisites"],
        supervision=a["supervision"],
        stackability=a["stackability"],
        further_information=a["further_information"],
    )
    profile = IssuerProfile(
        did=issuer_did,
        name=INSTITUTION["name"],
        country_alpha3="SVN",
        country_name="Slovenia",
        legal_id=INSTITUTION["legal_id"],
        homepage=INSTITUTION["homepage"],
    )
    learner = Learner(
        given_name=LEARNER["given_name"],
        family_name=LEARNER["family_name"],
        date_of_birth=date.fromisoformat(LEARNER["date_of_birth"]),
        identifier=LEARNER["identifier"],
        did=LEARNER["did"],
    )
    award = Award(
        credential_id=uuid.uuid4(),
        issued_at=issued_at,
        awarded_on=issued_at.date(),
        valid_from=issued_at,
        valid_until=issued_at + timedelta(days=5 * 365),
        grade=GRADE,
    )
    return spec, profile, learner, award


def sample_credential(
    base_url: str,
    issuer_did: str,
    issued_at: datetime,
    credential_status: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The unsigned credential of ``ACHIEVEMENT`` for ``LEARNER``, issued by ``issuer_did`` at
    ``issued_at`` (valid five years), with the microcred context at its permanent URL, as the
    service issues it (``base_url`` names the deployment)."""
    spec, profile, learner, award = sample_inputs(issuer_did, issued_at)
    return build_credential(
        spec, profile, learner, award, credential_status=credential_status
    )  # the context at its permanent URL, as the service issues it


#: The NQF level of the EDC-profile sample: a concept of the EU Qualification Dataset Register.
QDR_LEVEL = "http://data.europa.eu/snb/qdr/c_c392e7a2"


def sample_edc_credential(
    base_url: str,
    issuer_did: str,
    issued_at: datetime,
    revocation_entry: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The same credential in the EDC profile, as the service issues it: the certificate's
    first page rendered and rasterized in each language of the title (en, sl), then the EDC
    document with those images and one revocation entry."""
    spec, profile, learner, award = sample_inputs(issuer_did, issued_at, nqf_level=QDR_LEVEL)
    plain = build_credential(spec, profile, learner, award)
    pages = page_images(plain, list(spec.title), verification_url=f"{base_url}/v/bench")
    return build_edc_credential(
        spec, profile, learner, award, pages=pages, revocation_entry=revocation_entry
    )


# --- Rates ------------------------------------------------------------------------------------


def rate(fn: Callable[[], object], seconds: float) -> float:
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        n += 1
    return n / elapsed


def best_rates(
    scenarios: Mapping[str, Callable[[], object]], rounds: int, seconds: float
) -> dict[str, float]:
    """Each scenario's best rate over ``rounds`` interleaved rounds of ``seconds`` (each run once
    first, untimed)."""
    for fn in scenarios.values():
        fn()
    best = dict.fromkeys(scenarios, 0.0)
    for _ in range(rounds):
        for name, fn in scenarios.items():
            best[name] = max(best[name], rate(fn, seconds))
    return best


# --- Databases --------------------------------------------------------------------------------


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


def databases(postgres: str | None) -> list[tuple[str, str | None]]:
    """(name, admin URL) of the databases to run on: SQLite (None), then ``--postgres``."""
    return [("SQLite", None)] + ([("PostgreSQL", postgres)] if postgres else [])


@contextmanager
def database(admin_url: str | None) -> Iterator[str | None]:
    """The database URL for one run: None (the server's own SQLite) or a fresh schema."""
    if admin_url is None:
        yield None
    else:
        with postgres_schema(admin_url) as url:
            yield url


# --- The live server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    url: str
    admin_token: str
    master_key: bytes
    data_dir: Path
    database_url: str
    env: dict[str, str]  # for `microcred` processes beside the server
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
def live_server(
    deadline: float,
    *,
    workers: int | None = None,
    database_url: str | None = None,
    env_extra: Mapping[str, str] | None = None,
) -> Iterator[Served]:
    """``microcred serve`` on a free loopback port in a temp data dir; stopped on the way out.

    With ``database_url`` (PostgreSQL) the schema is upgraded first; ``workers`` is passed as
    ``serve --workers``; ``env_extra`` adds ``MICROCRED_*`` settings."""
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
        )
        env.update(env_extra or {})
        if database_url:
            env["MICROCRED_DATABASE_URL"] = database_url
            subprocess.run(
                [MICROCRED, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=60
            )
        command = [MICROCRED, "serve", "--host", LOOPBACK, "--port", str(port)]
        if workers is not None:
            command += ["--workers", str(workers)]
        log_path = Path(tmp) / "serve.log"
        with log_path.open("w") as log:
            proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                url = f"http://{LOOPBACK}:{port}"
                wait_healthy(proc, url, min(deadline, time.monotonic() + 90), log_path)
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


def async_client(served: Served, concurrency: int) -> httpx.AsyncClient:
    """A client of the server with ``concurrency`` connections."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(base_url=served.url, limits=limits, timeout=30)


async def create_course(client: httpx.AsyncClient, served: Served) -> tuple[str, str]:
    """``INSTITUTION`` and its ``ACHIEVEMENT`` through the API: (its API key, the course's id)."""
    admin = {"Authorization": f"Bearer {served.admin_token}"}
    r = await client.post("/api/v1/institutions", json=INSTITUTION, headers=admin)
    assert r.status_code == 201, r.text
    api_key = r.json()["api_key"]
    headers = {"Authorization": f"Bearer {api_key}"}
    r = await client.post("/api/v1/achievements", json=ACHIEVEMENT, headers=headers)
    assert r.status_code == 201, r.text
    return api_key, r.json()["id"]


def credential_request(achievement_id: str) -> dict[str, Any]:
    """The body of ``POST /api/v1/credentials``: ``LEARNER`` on the course, valid five years."""
    return {
        "achievement_id": achievement_id,
        "learner": LEARNER,
        "grade": GRADE,
        "valid_until": (datetime.now(UTC) + timedelta(days=5 * 365)).isoformat(),
    }


def create_course_sync(client: httpx.Client, served: Served) -> tuple[str, str]:
    """:func:`create_course` with a synchronous client."""
    admin = {"Authorization": f"Bearer {served.admin_token}"}
    r = client.post("/api/v1/institutions", json=INSTITUTION, headers=admin)
    assert r.status_code == 201, r.text
    api_key = r.json()["api_key"]
    headers = {"Authorization": f"Bearer {api_key}"}
    r = client.post("/api/v1/achievements", json=ACHIEVEMENT, headers=headers)
    assert r.status_code == 201, r.text
    return api_key, r.json()["id"]


@contextmanager
def service_layer(served: Served) -> Iterator[Container]:
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


# --- Report -----------------------------------------------------------------------------------


def div(a: float, b: float) -> float:
    return a / b if b else float("nan")


def verdict(value: float, aim: float) -> str:
    return "met" if value >= aim else "missed"


def print_notes(notes: str) -> None:
    print(textwrap.fill(notes, width=100, break_on_hyphens=False))
