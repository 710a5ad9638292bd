"""How many anonymous verifications one process runs at once.

A verification that a caller anyone can be may fetch from hosts the caller chose, and a slow
host holds it for up to the fetch budget; each one also holds a worker thread. Without a limit
enough of them at once take every thread, and issuance, status lists and ``/healthz`` wait
behind them. :class:`VerificationSlots` is a non-blocking limit: a request that finds every
slot taken is refused at once with :class:`app.errors.TooManyRequests` (429, ``Retry-After``)
instead of queueing. One per process, made by the container.
"""

from __future__ import annotations

import threading
from types import TracebackType

from app.errors import TooManyRequests

__all__ = ["Ticket", "VerificationSlots"]


class VerificationSlots:
    """At most ``capacity`` tickets taken at once; ``retry_after`` is the ``Retry-After`` (in
    seconds) of a refusal: by then a verification that held a slot has used up its budget."""

    def __init__(self, capacity: int, *, retry_after: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.retry_after = retry_after
        self._free = threading.BoundedSemaphore(capacity)

    def ticket(self) -> Ticket:
        """A ticket for one request, not yet holding a slot (see :meth:`Ticket.take`)."""
        return Ticket(self)

    def _take(self) -> None:
        if not self._free.acquire(blocking=False):
            raise TooManyRequests(
                f"{self.capacity} verifications are running; try again in {self.retry_after} s",
                headers={"Retry-After": str(self.retry_after)},
            )

    def _give_back(self) -> None:
        self._free.release()


class Ticket:
    """One request's claim on a slot: :meth:`take` it (at once, or only when the work turns
    out to need one) and :meth:`release` it (or leave the ``with`` block) when done. Taking
    twice holds one slot; releasing an untaken ticket does nothing."""

    def __init__(self, slots: VerificationSlots) -> None:
        self._slots = slots
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def take(self) -> None:
        """Hold a slot, or raise :class:`TooManyRequests` when none is free."""
        if not self._held:
            self._slots._take()
            self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._slots._give_back()

    def __enter__(self) -> Ticket:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
