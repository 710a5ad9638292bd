"""Prometheus metrics (prometheus-client), served at ``GET /metrics`` unless
``MICROCRED_METRICS=false``.

One :class:`Metrics` per service. With several worker processes (``serve --workers N``) the
client's multiprocess mode is on (``PROMETHEUS_MULTIPROC_DIR``, set by ``serve`` before the
workers start): each process writes its samples to files there and :meth:`Metrics.render`
adds up every process's, so any worker answers with the whole service's counts. Labels carry
kinds and outcomes only, never an id or personal data.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

__all__ = ["CONTENT_TYPE", "MULTIPROC_ENV", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The service's counters and histograms (names ``microcred_*``)."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.multiprocess = bool(os.environ.get(MULTIPROC_ENV))
        # In multiprocess mode the samples live in files, not in a registry of ours.
        self._registry = None if self.multiprocess else CollectorRegistry()
        registry = self._registry
        self.credentials_issued = Counter(
            "microcred_credentials_issued",
            "Credentials issued, by secured form and signing key type",
            ["format", "key_type"],
            registry=registry,
        )
        self.verifications = Counter(
            "microcred_verifications",
            "Credentials verified, by verdict",
            ["verdict"],
            registry=registry,
        )
        self.status_changes = Counter(
            "microcred_status_changes",
            "Status changes of credentials, by action",
            ["action"],
            registry=registry,
        )
        self.batch_rows = Counter(
            "microcred_batch_rows",
            "Roster rows worked, by outcome",
            ["outcome"],
            registry=registry,
        )
        self.mail = Counter(
            "microcred_mail",
            "E-mails to learners, by outcome: sent, retried (a temporary failure), failed",
            ["outcome"],
            registry=registry,
        )
        self.outbound_fetches = Counter(
            "microcred_outbound_fetches",
            "Outbound fetches (DID documents, status lists, credentials), by outcome",
            ["outcome"],
            registry=registry,
        )
        self.http_requests = Counter(
            "microcred_http_requests",
            "HTTP requests, by method, route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.canonicalizations = Counter(
            "microcred_canonicalizations",
            "RDFC-1.0 canonicalizations, by implementation (native, pyld) and the reason",
            ["path", "reason"],
            registry=registry,
        )
        self.credential_offers = Counter(
            "microcred_credential_offers",
            "OpenID4VCI credential offers made, by who asked (api, wallet, mail, cli)",
            ["source"],
            registry=registry,
        )
        self.wallet_deliveries = Counter(
            "microcred_wallet_deliveries",
            "Holder-bound credentials issued through OpenID4VCI, by format",
            ["format"],
            registry=registry,
        )
        self.issuance_seconds = Histogram(
            "microcred_issuance_seconds",
            "Time to issue: one credential (single) or one chunk of a batch (bulk)",
            ["mode"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.verification_seconds = Histogram(
            "microcred_verification_seconds",
            "Time to verify one credential",
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )

    def count_canonicalization(self, path: str, reason: str) -> None:
        """The hook of :func:`verifier.jsonld.configure_canonicalization`."""
        self.canonicalizations.labels(path=path, reason=reason).inc()

    @contextmanager
    def timed(self, histogram: Histogram, **labels: str) -> Iterator[None]:
        """Observe the time the block takes (also when it raises)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            target = histogram.labels(**labels) if labels else histogram
            target.observe(time.perf_counter() - start)

    def render(self) -> bytes:
        """The Prometheus text exposition of every process's samples."""
        if self._registry is not None:
            return generate_latest(self._registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
