"""Benchmark: issuing one micro-credential, against canonicalization and raw JWT encoding.

Prints, in one run on the same credential (2 learning outcomes, every optional element set):
Data Integrity credentials/s (``add_proof``) as a ratio to RDF canonicalization alone, vc+jwt
credentials/s (``encode_vc_jwt``) as a ratio to raw PyJWT encoding with the same key, build +
both formats in-process, the same for the EDC profile (page images of the certificate in two
languages, the EDC document, both formats) as a ratio to the compact profile, and end-to-end
HTTP issuance/s (compact profile) against a live ``microcred serve`` with its database
(SQLite; PostgreSQL too with ``--postgres URL``) as a ratio to the in-process rate. The
in-process scenarios run interleaved in short rounds and keep each one's best round,
so a burst of noise on this shared machine hits a ratio less than an absolute number.

The reference of issue 14: Digital Bazaar's in-process ``vc.issue`` (Node, ``@digitalbazaar/vc``
with ``eddsa-rdfc-2022``: tests/interop/bench_issue.mjs) of the same unsigned credential,
compact and EDC (with its page images), measured in the same run. End-to-end HTTP issuance of
each profile is reported as a ratio to it (aim >= 1.0 with ``serve --workers 2``); the EDC
profile runs on its own server with an EDC institution (``--edc-count`` credentials).

``--profile N`` instead issues N credentials in-process through the service layer (the code a
server worker runs, on a fresh SQLite database or ``--postgres``) under cProfile and prints
where the time per credential goes: signing, the database, the rest.

    .venv/bin/python bench/issue.py [--count 1000] [--edc-count 200] [--concurrency 12]
                                    [--workers 2 1] [--reference-seconds 2]
                                    [--postgres postgresql+psycopg://postgres@127.0.0.1/test]
    .venv/bin/python bench/issue.py --profile 300 [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ed25519
from harness import (
    ACHIEVEMENT,
    GRADE,
    INSTITUTION,
    LEARNER,
    QDR_LEVEL,
    Served,
    async_client,
    best_rates,
    create_course,
    credential_request,
    database,
    databases,
    live_server,
    print_notes,
    require_loopback,
    sample_credential,
    sample_edc_credential,
    verdict,
)
from pyld import jsonld

import keys
from app.container import Container
from app.persistence.db import make_engine, make_session_factory, upgrade
from app.services.institutions import NewInstitution
from app.services.issue_requests import IssueRequest
from app.services.principal import Principal
from app.settings import Secrets, Settings
from issuer.credential import Learner
from issuer.data_integrity import add_proof
from issuer.vc_jose import encode_vc_jwt
from verifier.jsonld import bundled_document_loader, canonicalize

ROUNDS, ROUND_SECONDS = 3, 0.5
WARMUP_REQUESTS = 50
AIM_PROOF, AIM_JWT, AIM_END_TO_END = 0.90, 0.80, 200.0
#: Issue 14: end-to-end HTTP issuance with `serve --workers 2` >= 1.0 x Digital Bazaar's
#: in-process vc.issue of the same credential, per profile.
AIM_REFERENCE, AIM_REFERENCE_WORKERS = 1.0, 2
INTEROP_DIR = Path(__file__).resolve().parents[1] / "tests" / "interop"


# --- In-process -------------------------------------------------------------------------------


def in_process() -> dict[str, float]:
    base_url = "http://127.0.0.1:8000"
    did = keys.did_web(base_url, "institutions", "ts-lj")
    private = ed25519.Ed25519PrivateKey.generate()
    public = keys.PublicKey(keys.ED25519, private.public_key().public_bytes_raw())
    signer = keys.LocalSigner(f"{did}#key-1", private, public)
    loader = bundled_document_loader()
    now = datetime.now(UTC)
    document = sample_credential(base_url, did, now)
    plain_options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "base": None,
        "rdfDirection": "i18n-datatype",
        "documentLoader": loader,
    }
    jwt_headers = {"typ": "vc+jwt", "cty": "vc", "kid": signer.id}

    def build_and_both() -> None:
        built = sample_credential(base_url, did, now)
        add_proof(built, signer, created=now, loader=loader)
        encode_vc_jwt(built, signer)

    revocation = {
        "id": f"{base_url}/status/ts-lj/bench#7",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "7",
        "statusListCredential": f"{base_url}/status/ts-lj/bench",
    }

    def edc_build_and_both() -> None:
        built = sample_edc_credential(base_url, did, now, revocation)
        add_proof(built, signer, created=now, loader=loader)
        encode_vc_jwt(built, signer)

    rates = best_rates(
        {
            "canonicalize": lambda: canonicalize(document, loader),
            "normalize": lambda: jsonld.normalize(document, plain_options),
            # A new id each time: the verifier remembers the hash of a document it has seen
            # (verifier.digest_cache), and issuance never signs the same document twice.
            "add_proof": lambda: add_proof(
                {**document, "id": f"urn:uuid:{uuid.uuid4()}"}, signer, created=now, loader=loader
            ),
            "pyjwt": lambda: jwt.encode(document, private, algorithm="EdDSA", headers=jwt_headers),
            "encode_vc_jwt": lambda: encode_vc_jwt(document, signer),
            "build_both": build_and_both,
            "edc_build_both": edc_build_and_both,
        },
        ROUNDS,
        ROUND_SECONDS,
    )
    return rates, {
        "compact": document,
        "edc": sample_edc_credential(base_url, did, now, revocation),
    }


# --- Digital Bazaar's vc.issue (the reference) ------------------------------------------------


def reference_rate(credential: dict[str, Any], seconds: float) -> float:
    """Digital Bazaar's in-process ``vc.issue`` of ``credential`` per second (best round)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise SystemExit("the reference needs Node.js >= 20 with npm on PATH")
    if not (INTEROP_DIR / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=INTEROP_DIR, check=True)
    job = {"credential": credential, "seconds": seconds, "rounds": ROUNDS}
    result = subprocess.run(
        [node, str(INTEROP_DIR / "bench_issue.mjs")],
        cwd=INTEROP_DIR,
        input=json.dumps(job, default=str),
        capture_output=True,
        text=True,
        timeout=120 + 2 * seconds * ROUNDS,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench_issue.mjs exited {result.returncode}:\n{result.stderr}")
    return float(json.loads(result.stdout)["per_second"])


# --- End to end -------------------------------------------------------------------------------


@dataclass
class Outcome:
    issued: int
    seconds: float
    timed_out: bool

    @property
    def rate(self) -> float:
        return self.issued / self.seconds


async def create_edc_course(client: Any, served: Served) -> tuple[str, str]:
    """An EDC-profile institution and the sample course (its NQF level a QDR concept)."""
    admin = {"Authorization": f"Bearer {served.admin_token}"}
    r = await client.post(
        "/api/v1/institutions", json={**INSTITUTION, "profile": "edc"}, headers=admin
    )
    assert r.status_code == 201, r.text
    api_key = r.json()["api_key"]
    r = await client.post(
        "/api/v1/achievements",
        json={**ACHIEVEMENT, "nqf_level": QDR_LEVEL},
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert r.status_code == 201, r.text
    return api_key, r.json()["id"]


async def issue_over_http(
    served: Served, count: int, concurrency: int, deadline: float, profile: str = "compact"
) -> Outcome:
    async with async_client(served, concurrency) as client:
        make = create_edc_course if profile == "edc" else create_course
        api_key, achievement_id = await make(client, served)
        headers = {"Authorization": f"Bearer {api_key}"}
        body = credential_request(achievement_id)
        run = uuid.uuid4().hex[:8]
        failures: list[str] = []

        async def one(key: str) -> None:
            r = await client.post(
                "/api/v1/credentials", json=body, headers={**headers, "Idempotency-Key": key}
            )
            if r.status_code != 201 or "idempotent-replayed" in r.headers:
                failures.append(f"{r.status_code} {r.text[:300]}")

        async def batch(prefix: str, n: int, stop_at: float) -> int:
            counter = iter(range(n))

            async def worker() -> int:
                done = 0
                for i in counter:
                    if time.monotonic() >= stop_at:
                        break
                    await one(f"{run}-{prefix}-{i}")
                    done += 1
                return done

            return sum(await asyncio.gather(*(worker() for _ in range(concurrency))))

        first = await client.post(
            "/api/v1/credentials", json=body, headers={**headers, "Idempotency-Key": run}
        )
        assert first.status_code == 201, first.text
        assert {"credential", "jwt"} <= first.json().keys()
        assert first.json()["credential"]["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
        await batch("warm", WARMUP_REQUESTS, deadline)
        start = time.perf_counter()
        issued = await batch("run", count, deadline)
        elapsed = time.perf_counter() - start
        if failures:
            raise RuntimeError(f"{len(failures)} requests were not a fresh 201: {failures[0]}")
        return Outcome(issued, elapsed, issued < count)


def end_to_end(
    database_url: str | None, workers: int, args: argparse.Namespace, profile: str = "compact"
) -> Outcome:
    deadline = time.monotonic() + args.time_limit
    count = args.edc_count if profile == "edc" else args.count
    with live_server(deadline, workers=workers, database_url=database_url) as served:
        return asyncio.run(
            asyncio.wait_for(
                issue_over_http(served, count, args.concurrency, deadline, profile),
                timeout=args.time_limit + 30,
            )
        )


# --- Where the time goes (--profile) ----------------------------------------------------------

#: (label, function name, file suffix): cumulative time per credential, as shares of issuance.
_PROFILE_PARTS = (
    ("issue (service layer, all of it)", "issue", "services/issuance.py"),
    ("  add_proof (JSON-LD, canonicalization)", "add_proof", "issuer/data_integrity.py"),
    ("  encode_vc_jwt", "encode_vc_jwt", "issuer/vc_jose.py"),
    ("  build_credential", "build_credential", "issuer/credential.py"),
    ("  read before signing (cache misses, Idempotency-Key)", "_check", "services/issuance.py"),
    ("  status allocation", "allocate_many", "services/status.py"),
    ("  store (one write transaction)", "store", "services/credential_store.py"),
    ("    of it: the check of issuer, key, achievement", "issuing_state", "repositories.py"),
    ("    of it: commit", "commit", "persistence/uow.py"),
)


def profile_service_layer(count: int, admin_url: str | None) -> None:
    """Issue ``count`` credentials in-process through the service layer under cProfile."""
    with tempfile.TemporaryDirectory() as tmp, database(admin_url) as url:
        engine = make_engine(url or f"sqlite:///{tmp}/microcred.db")
        upgrade(engine)
        container = Container(
            Settings(data_dir=Path(tmp), base_url="http://127.0.0.1:8000"),
            Secrets(os.urandom(32), "mcadm_" + uuid.uuid4().hex),
            make_session_factory(engine),
            engine,
        )
        container.institutions.create(
            NewInstitution(INSTITUTION["slug"], INSTITUTION["name"], "SI", "5051631"), actor="b"
        )
        with container.uow(read_only=True) as uow:
            institution = uow.institutions.by_slug(INSTITUTION["slug"])
            assert institution is not None
            principal = Principal("institution", institution.id, institution.slug, "bench")
        course = container.achievements.create(principal.institution(), ACHIEVEMENT, actor="b")
        learner = Learner(
            LEARNER["given_name"],
            LEARNER["family_name"],
            date_of_birth=date.fromisoformat(LEARNER["date_of_birth"]),
        )
        request = IssueRequest(course.id, learner, grade=GRADE)

        def issue(n: int) -> None:
            container.issuance.issue(principal, request, idempotency_key=f"bench-{n}")

        for n in range(WARMUP_REQUESTS):
            issue(-n - 1)
        start = time.perf_counter()
        for n in range(count):
            issue(n)
        plain = count / (time.perf_counter() - start)
        profiler = cProfile.Profile()
        profiler.enable()
        for n in range(count):
            issue(count + n)
        profiler.disable()
        container.close()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    cumulative = {
        label: sum(
            v[3] for (file, _, fn), v in stats.items() if fn == name and file.endswith(suffix)
        )
        for label, name, suffix in _PROFILE_PARTS
    }
    total = cumulative[_PROFILE_PARTS[0][0]] or float("nan")
    print(f"service-layer issuance, {'PostgreSQL' if admin_url else 'SQLite'}: {plain:.1f}/s "
          f"unprofiled; under cProfile ({count} credentials), per credential:")  # fmt: skip
    for label, _, _ in _PROFILE_PARTS:
        share = cumulative[label] / total
        print(f"  {label:58} {cumulative[label] / count * 1000:7.2f} ms {share:6.1%}")


# --- Report -----------------------------------------------------------------------------------


def row(scenario: str, per_second: float, ratio: float, reference: str) -> None:
    print(f"{scenario:50} {per_second:9.1f} {ratio:7.2f}  {reference}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="credentials per server run")
    parser.add_argument("--concurrency", type=int, default=12, help="requests in flight (8-16)")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[2, 1], help="`serve --workers` values to run"
    )
    parser.add_argument(
        "--edc-count", type=int, default=200, help="EDC-profile credentials per server run"
    )
    parser.add_argument(
        "--reference-seconds",
        type=float,
        default=2.0,
        help="seconds per round of Digital Bazaar's vc.issue (3 rounds, the best counts)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        help="instead: profile N service-layer issuances (SQLite, or --postgres)",
    )
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument(
        "--time-limit", type=float, default=120, help="hard limit per server run, in seconds"
    )
    args = parser.parse_args()
    if args.count < 1 or not 1 <= args.concurrency <= 64:
        parser.error("--count must be positive and --concurrency 1 to 64")
    if args.postgres:
        require_loopback(args.postgres)
    if args.profile:
        profile_service_layer(args.profile, args.postgres)
        return
    cpus = os.cpu_count() or 1

    r, documents = in_process()
    reference = {
        profile: reference_rate(document, args.reference_seconds)
        for profile, document in documents.items()
    }
    canon, pyjwt, both = r["canonicalize"], r["pyjwt"], r["build_both"]
    proof_ratio, jwt_ratio = r["add_proof"] / canon, r["encode_vc_jwt"] / pyjwt
    print(f"{'scenario':50} {'per s':>9} {'ratio':>7}  to")
    row("canonicalize, safe mode (reference)", canon, 1.0, "itself")
    row("pyld jsonld.normalize, plain", r["normalize"], r["normalize"] / canon, "canonicalize")
    row("Data Integrity: add_proof (eddsa-rdfc-2022)", r["add_proof"], proof_ratio, "canonicalize")
    row("raw PyJWT jwt.encode, EdDSA (reference)", pyjwt, 1.0, "itself")
    row("vc+jwt: encode_vc_jwt", r["encode_vc_jwt"], jwt_ratio, "raw PyJWT")
    row("build + add_proof + encode_vc_jwt", both, both / canon, "canonicalize")
    edc = r["edc_build_both"]
    row("EDC profile: 2 page images + build + both", edc, edc / both, "compact build + both")

    row("Digital Bazaar vc.issue, compact (reference)", reference["compact"], 1.0, "itself")
    row("Digital Bazaar vc.issue, EDC (reference)", reference["edc"], 1.0, "itself")

    best_end_to_end = 0.0
    against_reference: dict[tuple[str, str], float] = {}
    for name, admin_url in databases(args.postgres):
        for workers in args.workers:
            for profile in ("compact", "edc"):
                with database(admin_url) as url:
                    outcome = end_to_end(url, workers, args, profile)
                cores = min(workers, cpus)
                label = f"HTTP issuance ({name}, serve --workers {workers})"
                if profile == "edc":
                    label = f"EDC {label}"
                if outcome.timed_out:
                    label += f" [limit: {outcome.issued}]"
                ratio = outcome.rate / reference[profile]
                if workers == AIM_REFERENCE_WORKERS:
                    against_reference[(name, profile)] = ratio
                row(label, outcome.rate, ratio, f"Digital Bazaar vc.issue, {profile}")
                if profile == "edc":
                    row(
                        "  the same",
                        outcome.rate,
                        outcome.rate / edc,
                        "in-process EDC build + both",
                    )
                    continue
                best_end_to_end = max(best_end_to_end, outcome.rate)
                row("  the same", outcome.rate, outcome.rate / both, "in-process build + both")
                row(
                    f"  the same per core used ({cores})",
                    outcome.rate / cores,
                    outcome.rate / (both * cores),
                    f"in-process build + both x {cores}",
                )

    print()
    print(
        f"aims: add_proof >= {AIM_PROOF:.2f} x canonicalize: {proof_ratio:.2f} "
        f"({verdict(proof_ratio, AIM_PROOF)}); encode_vc_jwt >= {AIM_JWT:.2f} x PyJWT: "
        f"{jwt_ratio:.2f} ({verdict(jwt_ratio, AIM_JWT)}); end-to-end >= "
        f"{AIM_END_TO_END:.0f}/s: {best_end_to_end:.0f}/s "
        f"({verdict(best_end_to_end, AIM_END_TO_END)})"
    )
    for (name, profile), ratio in against_reference.items():
        print(
            f"aim (issue 14): {profile} HTTP issuance on {name} with serve --workers "
            f"{AIM_REFERENCE_WORKERS} >= {AIM_REFERENCE:.1f} x Digital Bazaar's vc.issue of "
            f"the same credential: {ratio:.2f} ({verdict(ratio, AIM_REFERENCE)})"
        )
    print(
        f"EDC profile issuance in-process: {edc:.1f}/s, {edc / both:.3f} x the compact profile "
        f"({both:.1f}/s) in the same run"
    )
    notes = (
        "The EDC profile renders the certificate PDF once per language of the title and "
        "rasterizes its first page (pypdfium2, 72 dpi, JPEG); that rendering is most of its "
        "cost. "
        "add_proof canonicalizes the credential and its small proof configuration, so it runs a "
        f"little below canonicalize alone. In-process rates: the best of {ROUNDS} interleaved "
        f"rounds of {ROUND_SECONDS} s each. End-to-end: {args.count} credentials per server "
        f"after {WARMUP_REQUESTS} warm-up requests, {args.concurrency} in flight, each with its "
        "own Idempotency-Key, every response a fresh 201. "
        "Digital Bazaar's vc.issue: tests/interop/bench_issue.mjs in Node, the best of "
        f"{ROUNDS} rounds of {args.reference_seconds} s, the same unsigned credential (a new "
        "id each time), the EDC one with its page images already in it (the service renders "
        f"them per credential). EDC end-to-end: {args.edc_count} credentials per server. "
        f"os.cpu_count() = {cpus}. These machines are noisy and the HTTP client shares the cores "
        "with the server: compare ratios, not absolute numbers."
    )
    print_notes(notes)


if __name__ == "__main__":
    main()
