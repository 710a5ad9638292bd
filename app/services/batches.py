"""Bulk issuance: a roster in, one credential per row out; safe to retry, observable.

A batch is stored with its rows in one transaction. Workers (a thread in ``microcred serve``,
or ``microcred worker`` processes on any host) claim rows in short transactions (``FOR UPDATE
SKIP LOCKED`` on PostgreSQL; SQLite's write lock serialises claims) with a lease, and issue
each row through :class:`~app.services.issuance.IssuanceService` under the Idempotency-Key
``batch:<batch id>:<row number>``. A worker killed mid-row leaves a claim whose lease runs out;
the next worker issues the row again under the same key and gets the same credential back, so
every row has exactly one credential, whatever dies when.

One claim takes rows of one batch only, so one institution's rows never share a transaction
with another's; and whatever happens while a row is worked (a stored row that no longer
validates, an unexpected error while it is built, signed or stored) fails that row alone.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from app.errors import AppError, Conflict, NotFound, Unprocessable
from app.http.text_input import control_character
from app.http.urls import PublicUrls
from app.observability.logs import bind, redacted
from app.observability.metrics import Metrics
from app.persistence.models import Batch, utcnow
from app.persistence.uow import UowFactory
from app.services.issuance import IssuanceFailed, IssuanceService, IssueResult
from app.services.issue_requests import IssueRequest, RosterRow
from app.services.principal import Principal
from app.services.roster import Roster, row_problems
from app.services.wallet_tokens import WalletTokens

MAX_ATTEMPTS = 5
log = logging.getLogger("microcred.batches")


@dataclass(frozen=True)
class BatchInfo:
    id: str
    achievement_id: str
    state: str  # queued | running | done
    total: int
    issued: int
    failed: int
    errors: tuple[dict[str, Any], ...]
    created_at: datetime
    finished_at: datetime | None


#: The columns of a batch's results table (the CSV of the API and the CLI).
RESULT_COLUMNS = ("row", "credential_id", "verification_url", "wallet_url", "error")
#: What a spreadsheet may read as a formula when a cell begins with it (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """``cell`` as a spreadsheet shows it as text: one that begins like a formula gets a
    leading single quote (OWASP's advice for CSV injection)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


@dataclass(frozen=True)
class ResultRow:
    row: int
    credential_id: str | None
    verification_url: str | None
    wallet_url: str | None
    error: str | None

    def cells(self) -> list[str]:
        """The row as :data:`RESULT_COLUMNS` cells; absent values are empty."""
        values = (self.credential_id, self.verification_url, self.wallet_url, self.error)
        return [str(self.row), *(value or "" for value in values)]


def results_table(results: list[ResultRow]) -> list[list[str]]:
    """The results as a table with a header row; no cell begins like a formula."""
    return [list(RESULT_COLUMNS), *([neutralised(c) for c in r.cells()] for r in results)]


def row_key(batch_id: str, row_number: int) -> str:
    """The Idempotency-Key a batch row is issued under."""
    return f"batch:{batch_id}:{row_number}"


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class BatchService:
    def __init__(
        self,
        uow_factory: UowFactory,
        issuance: IssuanceService,
        *,
        urls: PublicUrls,
        metrics: Metrics,
        wallet_tokens: WalletTokens,
        lease: timedelta = timedelta(seconds=60),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uow = uow_factory
        self._issuance = issuance
        self._urls = urls
        self._wallet_tokens = wallet_tokens
        self._metrics = metrics
        self._lease = lease
        self._clock = clock

    # -- the institution's side ------------------------------------------------------------

    def create(
        self, principal: Principal, achievement_id: str, roster: Roster, *, notify: bool = True
    ) -> BatchInfo:
        """Store the batch and its rows; bad rows are stored as failed with their reason.
        ``notify`` False: no learner of the batch is sent the wallet link by e-mail (each row
        says so, as a row's own ``notify`` column would)."""
        institution_id = principal.institution()
        batch_id = str(uuid.uuid4())
        reason = control_character(achievement_id)  # a form field or a CLI argument
        if reason:
            raise Unprocessable.field("achievement_id", reason)
        with self._uow() as uow:
            if uow.achievements.get(institution_id, achievement_id) is None:
                raise Unprocessable.field(
                    "achievement_id", f"no achievement {achievement_id!r} in this institution"
                )
            uow.batches.add(
                Batch(
                    id=batch_id,
                    institution_id=institution_id,
                    achievement_id=achievement_id,
                    actor=principal.actor,
                    total=roster.total,
                    errors=[],
                    created_at=self._clock(),
                )
            )
            uow.flush()
            base = {"batch_id": batch_id, "attempts": 0, "error": None}
            rows: list[dict[str, Any]] = [
                {
                    **base,
                    "row_number": number,
                    "data": data if notify else {**data, "notify": False},
                    "state": "pending",
                }
                for number, data in roster.rows
            ]
            rows += [
                {
                    **base,
                    "row_number": e["row"],
                    "data": {},
                    "state": "failed",
                    "error": e["reason"],
                }
                for e in roster.errors
            ]
            uow.batches.add_rows(rows)
            uow.commit()
        log.info(
            "batch queued",
            extra={"batch_id": batch_id, "institution": principal.institution_slug,
                   "rows": roster.total, "refused": len(roster.errors)},
        )  # fmt: skip
        if roster.errors:
            self._metrics.batch_rows.labels("refused").inc(len(roster.errors))
        return self.get(principal, batch_id)

    def get(self, principal: Principal, batch_id: str) -> BatchInfo:
        with self._uow(read_only=True) as uow:
            batch = uow.batches.get(principal.institution(), batch_id)
            if batch is None:
                raise NotFound(f"no batch {batch_id!r} in this institution")
            counts = uow.batches.counts(batch_id)
            errors = tuple(
                {"row": row, "reason": error or "failed"}
                for row, error in uow.batches.row_errors(batch_id)
            )
            open_rows = counts.get("pending", 0) + counts.get("claimed", 0)
            if open_rows == 0:
                state = "done"
            elif counts.get("claimed", 0) == 0 and counts.get("issued", 0) == 0:
                state = "queued"  # rows refused at upload are failed, but no worker started
            else:
                state = "running"
            return BatchInfo(
                id=batch.id,
                achievement_id=batch.achievement_id,
                state=state,
                total=batch.total,
                issued=counts.get("issued", 0),
                failed=counts.get("failed", 0),
                errors=errors,
                created_at=batch.created_at,
                finished_at=batch.finished_at,
            )

    def results(self, principal: Principal, batch_id: str) -> list[ResultRow]:
        """One line per row, once the batch is done (409 before)."""
        if self.get(principal, batch_id).state != "done":
            raise Conflict("the batch is still being worked; results come when it is done")
        with self._uow(read_only=True) as uow:
            errors = dict(uow.batches.row_errors(batch_id))
            return [
                ResultRow(
                    row=number,
                    credential_id=credential_id,
                    verification_url=self._urls.verification(public_id) if public_id else None,
                    wallet_url=(
                        self._urls.wallet(self._wallet_tokens.reveal(credential_id, sealed))
                        if credential_id and sealed
                        else None
                    ),
                    error=errors.get(number),
                )
                for number, credential_id, public_id, sealed in uow.batches.results(batch_id)
            ]

    # -- the workers' side -----------------------------------------------------------------

    def claim(self, worker: str, limit: int = 10) -> list[int]:
        """Claim up to ``limit`` rows of one batch for ``worker``, with a lease (one short
        transaction). Rows that took a worker down too often are failed on the way."""
        now = self._clock()
        ids: list[int] = []
        with self._uow() as uow:
            while not ids:
                rows = uow.batches.claimable(now, limit)
                if not rows:
                    break
                for row in rows:
                    if row.attempts >= MAX_ATTEMPTS:  # it took a worker down every time
                        row.state = "failed"
                        row.error = f"gave up after {row.attempts} attempts"
                        row.claimed_until = None
                        log.warning(
                            "batch row given up",
                            extra={"batch_id": row.batch_id, "row": row.row_number,
                                   "attempts": row.attempts},
                        )  # fmt: skip
                        self._metrics.batch_rows.labels("failed").inc()
                        continue
                    ids.append(row.id)
                    row.state = "claimed"
                    row.claimed_by = worker
                    row.claimed_until = now + self._lease
                    row.attempts += 1
                uow.flush()
            uow.commit()
        return ids

    def work_chunk(self, worker: str, row_ids: list[int]) -> None:
        """Issue claimed rows, a batch's rows together (one read, one status allocation and one
        write for the chunk), each under its own Idempotency-Key; record the outcomes. A row
        fails alone: what went wrong with it is its result, never the chunk's."""
        chunks: dict[str, list[tuple[int, int, dict[str, Any]]]] = {}
        owners: dict[str, tuple[Principal, str]] = {}
        with self._uow(read_only=True) as uow:
            for row in uow.batches.rows(row_ids):
                chunks.setdefault(row.batch_id, []).append((row.id, row.row_number, row.data))
                if row.batch_id not in owners:
                    batch = uow.batches.by_id(row.batch_id)
                    assert batch is not None
                    institution = uow.institutions.by_id(batch.institution_id)
                    assert institution is not None
                    principal = Principal.acting_for(
                        institution.id, institution.slug, f"batch:{batch.id}"
                    )
                    owners[row.batch_id] = (principal, batch.achievement_id)
        for batch_id, rows in chunks.items():
            principal, achievement_id = owners[batch_id]
            with bind(batch_id=batch_id):
                results = self._work_rows(principal, achievement_id, batch_id, rows)
                with self._uow() as uow:
                    uow.batches.finish_rows(
                        worker,
                        [
                            (row_id, None, result.detail)
                            if isinstance(result, AppError)
                            else (row_id, result[0].id, None)
                            for (row_id, _, _), result in zip(rows, results, strict=True)
                        ],
                    )
                    uow.commit()
                failed = sum(isinstance(r, AppError) for r in results)
                log.info(
                    "batch rows worked",
                    extra={"worker": worker, "issued": len(results) - failed, "failed": failed},
                )
                self._metrics.batch_rows.labels("issued").inc(len(results) - failed)
                self._metrics.batch_rows.labels("failed").inc(failed)
        self._mark_finished(set(chunks))

    def _work_rows(
        self,
        principal: Principal,
        achievement_id: str,
        batch_id: str,
        rows: list[tuple[int, int, dict[str, Any]]],
    ) -> list[IssueResult]:
        """Issue the rows of one batch: a result per row, in order. A stored row that does not
        validate (stored before a rule was tightened, or altered) fails with the reason; an
        unexpected error fails its row with a generic reason, and is logged with the row's
        number and the error's type and traceback (not its message, which may quote the
        learner)."""
        results: list[IssueResult | None] = []
        items: list[tuple[IssueRequest, str | None]] = []
        for _, number, data in rows:
            try:
                request = RosterRow.model_validate(data).request(achievement_id)
            except ValidationError as exc:
                results.append(Unprocessable(row_problems(exc), code="validation_error"))
                continue
            results.append(None)
            items.append((request, row_key(batch_id, number)))
        issued = iter(self._issuance.issue_many(principal, items) if items else [])
        done = [result if result is not None else next(issued) for result in results]
        for (_, number, _), result in zip(rows, done, strict=True):
            if isinstance(result, IssuanceFailed):
                log.error(
                    "batch row failed",
                    extra={"row": number, "error": type(result.cause).__name__},
                    exc_info=redacted(result.cause),
                )
        return done

    def _mark_finished(self, batch_ids: set[str]) -> None:
        """Stamp ``finished_at`` on the batches that have no open row left (once per chunk,
        not per row: the check is an indexed EXISTS)."""
        finished = []
        with self._uow(read_only=True) as uow:
            # Most chunks leave rows open: only a batch without any takes the write lock.
            batch_ids = {b for b in batch_ids if not uow.batches.has_open_rows(b)}
        if not batch_ids:
            return
        with self._uow() as uow:
            for batch_id in batch_ids:
                if not uow.batches.has_open_rows(batch_id):
                    batch = uow.batches.by_id(batch_id)
                    if batch is not None and batch.finished_at is None:
                        batch.finished_at = self._clock()
                        finished.append(batch_id)
            uow.commit()
        for batch_id in finished:
            log.info("batch done", extra={"batch_id": batch_id})

    def work_once(self, worker: str, limit: int = 25) -> int:
        """Claim and work up to ``limit`` rows; the number worked (0: nothing to do)."""
        ids = self.claim(worker, limit)
        if ids:
            self.work_chunk(worker, ids)
        return len(ids)
