"""Benchmark: verifying a micro-credential, in-process and as the public verification page.

Prints, in one run: ``verify_credential`` per second in-process for JSON-LD Data Integrity
(Ed25519 and P-256) and vc+jwt (EdDSA and ES256), each as a ratio to the raw signature
verification rate of its key type (cryptography, a 64-byte message, the size of a Data
Integrity hash) measured in the same run, with and without the two status lists; and
``GET /v/<id>`` responses/s of a live ``microcred serve`` (HTML and the JSON result) as a
ratio to the raw Ed25519 rate and to ``GET /healthz`` of the same server and client; and one
outbound fetch of a DID document from a loopback server by ``HttpFetcher`` (no cache, one
deadline from DNS to the last byte: its own event loop per fetch) as a ratio to a plain
``httpx.Client`` GET of the same URL on a new connection, which is what a fetch cost before.

In-process, the credential is built like ``bench/issue.py`` builds it (2 learning outcomes,
every optional element set) with a revocation and a suspension entry; the issuer's did:web
document and its two signed status lists are served by an in-memory ``Fetcher``, so no
network is timed. The in-process scenarios run interleaved in short rounds and keep each one's
best round, so a burst of noise on this shared machine hits a ratio less than an absolute
number. ``--profile N`` also prints a cProfile of N JSON-LD (Ed25519) verifications.

    .venv/bin/python bench/verify.py [--count 300] [--concurrency 8] [--workers 2]
                                     [--time-limit 40] [--profile 50]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from harness import (
    Served,
    async_client,
    best_rates,
    create_course,
    credential_request,
    div,
    live_server,
    print_notes,
    sample_credential,
)

import keys
from issuer.data_integrity import add_proof
from issuer.status_list import bitstring_status_list_credential
from issuer.vc_jose import encode_vc_jwt
from verifier.completeness import _GRAPHS, completeness
from verifier.data_integrity import _DOCUMENT_HASHES, _proof_config_hash
from verifier.did_resolution import DidResolver
from verifier.errors import FetchError
from verifier.fetch import BudgetedFetcher, FetchBudget, Fetched, HttpFetcher
from verifier.jsonld import _EXPANDS, _EXPANSIONS, bundled_document_loader, canonicalize
from verifier.result import VerificationResult
from verifier.status_list import MIN_LIST_SIZE, set_bit, status_entry
from verifier.verify import verify_credential

ROUNDS, ROUND_SECONDS = 3, 0.5
LOOPBACK_HOST = "127.0.0.1"
WARMUP_REQUESTS = 24  # per page scenario, before the timed rounds (not timed)
BASE = "https://microcred.example"
CREDENTIAL_INDEX = 4711  # the credential's index in both lists (its bit is clear)
SET_BITS = 1300  # bits set in each in-process list: ~1% of 131,072 revoked / suspended
SIGNING = bundled_document_loader()  # the issuer's; the verifier has one of its own

# --- In-process: the issuers, their documents and lists behind an in-memory Fetcher ------------


class MemoryFetcher:
    """A :class:`verifier.fetch.Fetcher` over a dict: URL -> (content type, body)."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[str, bytes]] = {}

    def put(self, url: str, document: Any, content_type: str) -> None:
        body = document.encode() if isinstance(document, str) else json.dumps(document).encode()
        self.documents[url] = (content_type, body)

    def fetch(self, url: str, *, accept: str) -> Fetched:
        if url not in self.documents:
            raise FetchError("fetch_failed", f"{url}: HTTP 404")
        content_type, body = self.documents[url]
        return Fetched(url, 200, content_type, body)


@dataclass
class Issuer:
    did: str
    signer: keys.LocalSigner
    lists: tuple[str, str]  # revocation, suspension


def make_issuer(fetcher: MemoryFetcher, slug: str, key_type: str, now: datetime) -> Issuer:
    did = keys.did_web(BASE, "institutions", slug)
    method = f"{did}#key-1"
    master = os.urandom(32)
    sealed = keys.generate_sealed_key(key_type, master, method.encode())
    signer = keys.open_signer(sealed.sealed, master, method.encode(), method)
    fetcher.put(
        keys.did_web_url(did),
        keys.did_document(did, [("key-1", signer.public_key)]),
        "application/did+json",
    )
    urls = (f"{BASE}/status/{slug}/r1", f"{BASE}/status/{slug}/s1")
    rng = random.Random(slug)
    for url, purpose in zip(urls, ("revocation", "suspension"), strict=True):
        bits = bytearray(MIN_LIST_SIZE // 8)
        for index in rng.sample(range(MIN_LIST_SIZE), SET_BITS):
            if index != CREDENTIAL_INDEX:
                set_bit(bits, index, True)
        unsigned = bitstring_status_list_credential(
            list_url=url, issuer=did, purpose=purpose, bits=bytes(bits),
            valid_from=now - timedelta(days=30),
        )  # fmt: skip
        # As microcred serves a list to a verifier (Accept: JSON-LD first): Data Integrity.
        signed = add_proof(unsigned, signer, created=now - timedelta(days=1), loader=SIGNING)
        fetcher.put(url, signed, "application/vc+ld+json")
    return Issuer(did, signer, urls)


def the_credential(issuer: Issuer, now: datetime, *, with_status: bool) -> dict[str, Any]:
    status: Sequence[Mapping[str, Any]] = ()
    if with_status:
        status = [
            status_entry(issuer.lists[0], CREDENTIAL_INDEX, "revocation"),
            status_entry(issuer.lists[1], CREDENTIAL_INDEX, "suspension"),
        ]
    # Issued five days ago.
    return sample_credential(BASE, issuer.did, now - timedelta(days=5), status)


@dataclass(frozen=True)
class Scenario:
    label: str
    reference: str  # key of the reference rate
    run: Callable[[], object]


def in_process_scenarios() -> tuple[dict[str, Scenario], dict[str, Callable[[], object]]]:
    """The verification scenarios (each checked once here) and the references."""
    now = datetime.now(UTC)
    loader = bundled_document_loader()
    fetcher = MemoryFetcher()
    resolver = DidResolver(fetcher)
    ed = make_issuer(fetcher, "ts-lj", keys.ED25519, now)
    p256 = make_issuer(fetcher, "scng", keys.P256, now)

    def verifier(secured: Any, status: bool) -> Callable[[], VerificationResult]:
        def run() -> VerificationResult:
            return verify_credential(
                secured, resolver=resolver, fetcher=fetcher, document_loader=loader, now=now
            )

        result = run()
        bad = [(c.name, c.code, c.detail) for c in result.checks if c.failed]
        assert result.verified and result.verdict == "valid", bad
        for purpose in ("revocation", "suspension"):
            check = result.check(purpose)
            assert check is not None and check.status == ("passed" if status else "skipped")
        return run

    scenarios: dict[str, Scenario] = {}
    for issuer, ref, di_name, jwt_name in (
        (ed, "raw_ed25519", "JSON-LD Data Integrity, Ed25519", "vc+jwt, EdDSA"),
        (p256, "raw_p256", "JSON-LD Data Integrity, P-256", "vc+jwt, ES256"),
    ):
        for status in (True, False):
            credential = the_credential(issuer, now, with_status=status)
            di = add_proof(
                credential, issuer.signer, created=now - timedelta(days=5), loader=SIGNING
            )
            token = encode_vc_jwt(credential, issuer.signer)
            tag = "2 status lists" if status else "no credentialStatus"
            kind = "ed" if issuer is ed else "p256"
            scenarios[f"di_{kind}_{status}"] = Scenario(
                f"{di_name}, {tag}", ref, verifier(di, status)
            )
            scenarios[f"jwt_{kind}_{status}"] = Scenario(
                f"{jwt_name}, {tag}", ref, verifier(token, status)
            )

    # Issue 12: the JCS form of the same credential (no RDFC canonicalization, but still the
    # safe-mode expansion), and a proof set: the issuer's proof and a witness's (P-256, another
    # did:web), each over the credential without proofs.
    plain = the_credential(ed, now, with_status=False)
    created = now - timedelta(days=5)
    jcs = add_proof(plain, ed.signer, created=created, loader=SIGNING, jcs=True)
    scenarios["di_ed_jcs"] = Scenario(
        "Data Integrity eddsa-jcs-2022, no credentialStatus", "raw_ed25519", verifier(jcs, False)
    )
    by_issuer = add_proof(plain, ed.signer, created=created, loader=SIGNING)
    by_witness = add_proof(plain, p256.signer, created=created, loader=SIGNING)
    proof_set = {**plain, "proof": [by_issuer["proof"], by_witness["proof"]]}
    scenarios["di_ed_set"] = Scenario(
        "proof set: eddsa-rdfc-2022 issuer + ecdsa-rdfc-2019 witness, no credentialStatus",
        "raw_ed25519",
        verifier(proof_set, False),
    )

    # A first-seen credential: nothing the verifier remembers by digest (the canonical
    # document and proof-configuration hashes, the expanded graph for completeness) helps.
    first_seen = scenarios["di_ed_False"].run

    def cold() -> object:
        _proof_config_hash.cache_clear()
        _DOCUMENT_HASHES.clear()
        _EXPANDS.clear()
        _EXPANSIONS.clear()
        _GRAPHS.clear()
        return first_seen()

    scenarios["di_ed_cold"] = Scenario(
        "JSON-LD Data Integrity, Ed25519, no credentialStatus, first seen", "raw_ed25519", cold
    )

    message = os.urandom(64)
    ed_private = ed25519.Ed25519PrivateKey.generate()
    ed_public, ed_signature = ed_private.public_key(), ed_private.sign(message)
    p_private = ec.generate_private_key(ec.SECP256R1())
    ecdsa = ec.ECDSA(hashes.SHA256())
    p_public, p_signature = p_private.public_key(), p_private.sign(message, ecdsa)
    unsecured = the_credential(ed, now, with_status=True)
    no_status = the_credential(ed, now, with_status=False)
    status_list = json.loads(fetcher.documents[ed.lists[0]][1])
    status_list.pop("proof")
    references: dict[str, Callable[[], object]] = {
        "raw_ed25519": lambda: ed_public.verify(ed_signature, message),
        "raw_p256": lambda: p_public.verify(p_signature, message, ecdsa),
        "canon_credential": lambda: canonicalize(unsecured, loader),
        "canon_no_status": lambda: canonicalize(no_status, loader),
        "completeness": lambda: completeness(unsecured, loader),
        "canon_list": lambda: canonicalize(status_list, loader),
    }
    return scenarios, references


# --- One outbound fetch: HttpFetcher against a plain httpx GET -------------------------------


class _DidDocumentHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = b""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/did+json")
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(self.body)


@contextmanager
def did_document_server(document: bytes) -> Iterator[str]:
    """A loopback HTTP server answering every GET with ``document``: its host:port."""
    handler = type("Handler", (_DidDocumentHandler,), {"body": document})
    httpd = ThreadingHTTPServer((LOOPBACK_HOST, 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"{LOOPBACK_HOST}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def fetch_rates() -> dict[str, float]:
    """Fetches/s of one DID document over loopback: a plain ``httpx.Client`` GET on a new
    connection, ``HttpFetcher.fetch`` without cache, and the same through a fresh
    ``BudgetedFetcher`` (one verification's budget) each time."""
    issuer = make_issuer(MemoryFetcher(), "ts-lj", keys.ED25519, datetime.now(UTC))
    document = json.dumps(keys.did_document(issuer.did, [("key-1", issuer.signer.public_key)]))
    with did_document_server(document.encode()) as host_port:
        url = f"http://{host_port}/institutions/ts-lj/did.json"
        plain = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), trust_env=False)
        fetcher = HttpFetcher(allow_hosts=[host_port], cache=False)

        def budgeted() -> object:
            return BudgetedFetcher(fetcher, FetchBudget()).fetch(url, accept="*/*")

        try:
            return best_rates(
                {
                    "httpx_get": lambda: plain.get(url).raise_for_status(),
                    "http_fetcher": lambda: fetcher.fetch(url, accept="*/*"),
                    "budgeted": budgeted,
                },
                ROUNDS,
                ROUND_SECONDS,
            )
        finally:
            plain.close()


def profile(scenario: Scenario, n: int, top: int = 22) -> str:
    scenario.run()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        scenario.run()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --- The live server --------------------------------------------------------------------------


@dataclass
class PageRates:
    rates: dict[str, float]  # best complete round (a cut one if none is complete)
    done: dict[str, int]  # timed requests, all rounds
    limited: bool  # the deadline cut a round short
    html_bytes: int
    json_bytes: int


async def issue_one(client: httpx.AsyncClient, served: Served) -> str:
    """An Ed25519 institution, a course and one credential; its ``/v/<id>`` path."""
    api_key, achievement_id = await create_course(client, served)
    headers = {"Authorization": f"Bearer {api_key}"}
    body = credential_request(achievement_id)
    headers["Idempotency-Key"] = uuid.uuid4().hex
    r = await client.post("/api/v1/credentials", json=body, headers=headers)
    assert r.status_code == 201, r.text
    issued = r.json()
    assert issued["credential"]["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    purposes = sorted(e["statusPurpose"] for e in issued["credential"]["credentialStatus"])
    assert purposes == ["revocation", "suspension"], purposes
    return "/v/" + issued["verification_url"].rsplit("/", 1)[1]


async def page_rates(served: Served, count: int, concurrency: int, deadline: float) -> PageRates:
    """``/healthz``, the HTML page and the JSON result: ``ROUNDS`` interleaved rounds of about
    ``count / ROUNDS`` requests each (``count`` in all per scenario), the best round kept."""
    async with async_client(served, concurrency) as client:
        page = await issue_one(client, served)
        html = {"Accept": "text/html"}
        as_json = {"Accept": "application/json"}
        r = await client.get(page, headers=as_json)
        assert r.status_code == 200, r.text
        result = r.json()
        checks = {c["name"]: c["status"] for c in result["results"]}
        assert result["verified"] and result["verdict"] == "valid", result
        assert checks["revocation"] == checks["suspension"] == "passed", checks
        assert b'"verified": true' in r.content
        json_bytes = len(r.content)
        r = await client.get(page, headers=html)
        assert r.status_code == 200 and b'data-verdict="valid"' in r.content, r.text[:500]
        html_bytes = len(r.content)

        # path, headers, what every response must contain
        scenarios = {
            "healthz": ("/healthz", {}, b""),
            "html": (page, html, b'data-verdict="valid"'),
            "json": (page, as_json, b'"verified": true'),
        }
        problems: list[str] = []
        limited = False

        async def batch(name: str, n: int) -> tuple[int, float]:
            path, headers, marker = scenarios[name]
            pending = iter(range(n))

            async def worker() -> int:
                nonlocal limited
                done = 0
                for _ in pending:
                    if time.monotonic() >= deadline:
                        limited = True
                        break
                    r = await client.get(path, headers=headers)
                    if r.status_code != 200 or marker not in r.content:
                        problems.append(f"{name}: {r.status_code} {r.text[:200]}")
                    done += 1
                return done

            start = time.perf_counter()
            done = sum(await asyncio.gather(*(worker() for _ in range(concurrency))))
            return done, time.perf_counter() - start

        for name in scenarios:
            await batch(name, WARMUP_REQUESTS)
        best = dict.fromkeys(scenarios, 0.0)  # complete rounds
        partial = dict.fromkeys(scenarios, 0.0)  # rounds the deadline cut short
        total = dict.fromkeys(scenarios, 0)
        per_round = [count // ROUNDS + (i < count % ROUNDS) for i in range(ROUNDS)]
        for n in per_round:
            for name in scenarios:
                done, seconds = await batch(name, n)
                total[name] += done
                bucket = best if done == n else partial
                bucket[name] = max(bucket[name], done / seconds if done else 0.0)
        if problems:
            raise RuntimeError(f"{len(problems)} responses were not a good 200: {problems[0]}")
        rates = {name: best[name] or partial[name] for name in scenarios}
        return PageRates(rates, total, limited, html_bytes, json_bytes)


def pages(args: argparse.Namespace) -> PageRates:
    deadline = time.monotonic() + args.time_limit
    with live_server(deadline, workers=args.workers) as served:
        return asyncio.run(
            asyncio.wait_for(
                page_rates(served, args.count, args.concurrency, deadline),
                timeout=args.time_limit + 30,
            )
        )


# --- Report -----------------------------------------------------------------------------------


WIDTH = 72


def row(scenario: str, per_second: float, ratio: float | None, reference: str) -> None:
    if ratio is None:
        print(f"{scenario:{WIDTH}} {per_second:9.1f} {'':>8} {'':>7}  {reference}")
    elif ratio >= 0.1:
        print(f"{scenario:{WIDTH}} {per_second:9.1f} {ratio:8.3f} {'':>7}  {reference}")
    else:
        one_in = f"1/{1 / ratio:.0f}" if ratio > 0 else "-"
        print(f"{scenario:{WIDTH}} {per_second:9.1f} {ratio:8.5f} {one_in:>7}  {reference}")


REFERENCE_LABELS = {"raw_ed25519": "raw Ed25519", "raw_p256": "raw P-256"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300, help="requests per page scenario")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--workers", type=int, default=2, help="`serve --workers`")
    parser.add_argument(
        "--time-limit", type=float, default=40, help="hard limit on the server part, in seconds"
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N",
        help="also cProfile N JSON-LD (Ed25519, 2 status lists) verifications",
    )  # fmt: skip
    args = parser.parse_args()
    if not 1 <= args.concurrency <= 64 or args.count < ROUNDS * args.concurrency:
        parser.error(f"--concurrency must be 1 to 64 and --count at least {ROUNDS} x it")

    started = time.perf_counter()
    scenarios, references = in_process_scenarios()
    scenario_runs = {k: s.run for k, s in scenarios.items()}
    rates = best_rates({**references, **scenario_runs}, ROUNDS, ROUND_SECONDS)
    fetches = fetch_rates()
    served = pages(args)

    print(f"{'scenario':{WIDTH}} {'per s':>9} {'ratio':>8} {'(1/x)':>7}  to")
    print("references")
    row("  raw Ed25519 verification (cryptography, 64-byte message)", rates["raw_ed25519"],
        None, "")  # fmt: skip
    row("  raw P-256 verification (ECDSA SHA-256, 64-byte message)",
        rates["raw_p256"], div(rates["raw_p256"], rates["raw_ed25519"]), "raw Ed25519")  # fmt: skip
    row("  canonicalize (RDFC-1.0) the credential alone, no proof", rates["canon_credential"],
        div(rates["canon_credential"], rates["raw_ed25519"]), "raw Ed25519")  # fmt: skip
    row("  the same without credentialStatus", rates["canon_no_status"],
        div(rates["canon_no_status"], rates["raw_ed25519"]), "raw Ed25519")  # fmt: skip
    row("  canonicalize one status-list credential, no proof", rates["canon_list"],
        div(rates["canon_list"], rates["raw_ed25519"]), "raw Ed25519")  # fmt: skip
    row("  completeness() of the credential (it expands the JSON-LD again)",
        rates["completeness"], div(rates["completeness"], rates["raw_ed25519"]),
        "raw Ed25519")  # fmt: skip
    print("verify_credential in-process (DID document and status lists from memory)")
    for key, scenario in scenarios.items():
        per_second = rates[key]
        row(f"  {scenario.label}", per_second, div(per_second, rates[scenario.reference]),
            REFERENCE_LABELS[scenario.reference])  # fmt: skip
        if key in ("di_ed_jcs", "di_ed_set"):
            row("    the same", per_second, div(per_second, rates["di_ed_False"]),
                "eddsa-rdfc-2022, no credentialStatus")  # fmt: skip
        elif key.startswith("di_ed"):
            canon, what = (
                ("canon_credential", "credential")
                if key == "di_ed_True"
                else ("canon_no_status", "credential, no credentialStatus")
            )
            row("    the same", per_second, div(per_second, rates[canon]), f"canonicalize {what}")
    workers = f"serve --workers {args.workers}, {args.concurrency} in flight"
    print(f"GET /v/<id> of a live server ({workers}; a credential issued through the API)")
    healthz = served.rates["healthz"]
    row("  GET /healthz", healthz, div(healthz, rates["raw_ed25519"]), "raw Ed25519")
    for key, label, size in (
        ("html", "  GET /v/<id>, Accept: text/html (the page)", served.html_bytes),
        ("json", "  GET /v/<id>, Accept: application/json (the result)", served.json_bytes),
    ):
        per_second = served.rates[key]
        label += f", {size:,} B"
        row(label, per_second, div(per_second, rates["raw_ed25519"]), "raw Ed25519")
        row("    the same", per_second, div(per_second, healthz), "GET /healthz")
        row("    the same", per_second, div(per_second, rates["di_ed_True"]),
            "in-process JSON-LD Ed25519, 2 lists")  # fmt: skip
    print("one outbound fetch of a DID document over loopback, no cache")
    row("  httpx.Client GET, a new connection each (how a fetch was made before)",
        fetches["httpx_get"], None, "")  # fmt: skip
    for key, label in (
        ("http_fetcher", "  HttpFetcher.fetch: one deadline, DNS to last byte, own event loop"),
        ("budgeted", "  the same through a fresh BudgetedFetcher (one verification's budget)"),
    ):
        row(label, fetches[key], div(fetches[key], fetches["httpx_get"]), "httpx.Client GET")
    overhead_ms = (1 / fetches["http_fetcher"] - 1 / fetches["httpx_get"]) * 1000
    print(f"  HttpFetcher costs {overhead_ms:.2f} ms more per fetch than the plain GET")
    if served.limited:
        print(f"NOTE: --time-limit {args.time_limit:g} s cut the page rounds short: {served.done}")
    notes = (
        "A JSON-LD verification canonicalizes the credential and checks two status-list "
        "credentials, each a Data Integrity proof of its own: ~3 canonicalizations (one "
        "big, two small), 3 signature checks and 3 did:web resolutions; every verification "
        "also runs completeness(), a second JSON-LD expansion of the credential. The rows "
        "without credentialStatus leave out the lists and the two entries (whose contexts "
        "make the credential itself ~15% dearer to canonicalize). The vc+jwt rows fetch "
        "the same lists, as microcred serves them to a verifier (Accept: JSON-LD first), so "
        "they pay for 2 small canonicalizations; a JWT's own cost is its signature, "
        "completeness() and the safe-mode expansion of its payload (remembered by digest, "
        "as the RDFC hashes are). Each row verifies one credential over and over, so the hash of "
        "its canonical proof configuration is remembered (lru_cache); 'first seen' clears "
        "that cache before each verification. "
        f"In-process rates: the best of {ROUNDS} interleaved rounds of {ROUND_SECONDS} s. "
        f"Pages: the best of {ROUNDS} interleaved rounds, {args.count} requests per "
        f"scenario in all after {WARMUP_REQUESTS} warm-up, each a 200 with the 'valid' "
        "verdict; the server verifies on every request (its DID document and lists "
        "from its own database). "
        f"os.cpu_count() = {os.cpu_count()}; the HTTP client shares the cores with the "
        "server: compare ratios, not absolute numbers. "
        f"Wall time {time.perf_counter() - started:.1f} s."
    )
    print_notes(notes)
    if args.profile:
        print()
        print(f"cProfile of {args.profile} verifications: {scenarios['di_ed_True'].label}")
        print(profile(scenarios["di_ed_True"], args.profile))


if __name__ == "__main__":
    main()
