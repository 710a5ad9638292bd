"""The worker loops: claim work, do it, sleep when there is nothing to do.

Batches and the learners' e-mail are worked the same way: as a thread inside ``microcred
serve`` (the embedded default) or in ``microcred worker`` processes, any number on any host.
Claims are transactional, so they share the work.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from app.observability.logs import redacted
from app.services.batches import BatchService

__all__ = ["run_loop", "run_worker", "start_loop_thread", "start_worker_thread"]

log = logging.getLogger("microcred.worker")


def run_loop(
    kind: str,
    work_once: Callable[[], int],
    worker: str,
    stop: threading.Event,
    *,
    poll_seconds: float = 1.0,
) -> None:
    """Call ``work_once`` (how much it did) until ``stop`` is set, and wait ``poll_seconds``
    whenever it did nothing. An unexpected error is logged (its type and traceback, not its
    message, which may quote a learner) and the loop goes on: the claim's lease runs out and
    the work is tried again."""
    log.info("%s worker %s started", kind, worker)
    while not stop.is_set():
        try:
            worked = work_once()
        except Exception as exc:
            log.error("%s worker %s: unexpected error", kind, worker, exc_info=redacted(exc))
            worked = 0
        if not worked:
            stop.wait(poll_seconds)
    log.info("%s worker %s stopped", kind, worker)


def start_loop_thread(
    kind: str, work_once: Callable[[], int], worker: str, *, poll_seconds: float = 1.0
) -> tuple[threading.Thread, threading.Event]:
    """:func:`run_loop` in a daemon thread; the thread and the event that stops it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_loop,
        args=(kind, work_once, worker, stop),
        kwargs={"poll_seconds": poll_seconds},
        name=f"{kind}-worker-{worker}",
        daemon=True,
    )
    thread.start()
    return thread, stop


def run_worker(
    batches: BatchService,
    worker: str,
    stop: threading.Event,
    *,
    poll_seconds: float = 1.0,
    claim_size: int = 25,
) -> None:
    """Work batch rows until ``stop`` is set (:func:`run_loop`)."""
    run_loop(
        "batch",
        lambda: batches.work_once(worker, claim_size),
        worker,
        stop,
        poll_seconds=poll_seconds,
    )


def start_worker_thread(
    batches: BatchService, worker: str, *, poll_seconds: float = 1.0
) -> tuple[threading.Thread, threading.Event]:
    """:func:`run_worker` in a daemon thread."""
    return start_loop_thread(
        "batch", lambda: batches.work_once(worker, 25), worker, poll_seconds=poll_seconds
    )
