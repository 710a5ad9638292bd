"""The tests' clock: a fixed moment that a test can move on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: The moment the in-process service lives at (the ``clock`` fixture).
NOW = datetime(2026, 3, 5, 14, 2, 7, tzinfo=UTC)


class FixedClock:
    """A clock that says ``now`` until it is moved: ``clock()``, ``clock.advance(...)``."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
