"""The batch worker loop: claim rows, issue them, sleep when there is nothing to do.

Runs as a thread inside ``microcred serve`` (the embedded default) or as ``microcred worker``
processes, any number on any host: claims are transactional, so they share the work.
"""

from __future__ import annotations

import logging
import threading

from app.services.batches import BatchService

log = logging.getLogger("microcred.worker")


def run_worker(
    batches: BatchService,
    worker: str,
    stop: threading.Event,
    *,
    poll_seconds: float = 1.0,
    claim_size: int = 25,
) -> None:
    """Work until ``stop`` is set; an unexpected error is logged and the loop goes on (the
    row's lease runs out and it is tried again, at most a few times)."""
    log.info("batch worker %s started", worker)
    while not stop.is_set():
        try:
            worked = batches.work_once(worker, claim_size)
        except Exception:
            log.exception("batch worker %s: unexpected error", worker)
            worked = 0
        if not worked:
            stop.wait(poll_seconds)
    log.info("batch worker %s stopped", worker)


def start_worker_thread(
    batches: BatchService, worker: str, *, poll_seconds: float = 1.0
) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker,
        args=(batches, worker, stop),
        kwargs={"poll_seconds": poll_seconds},
        name=f"batch-worker-{worker}",
        daemon=True,
    )
    thread.start()
    return thread, stop
