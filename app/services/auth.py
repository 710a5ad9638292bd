"""Authentication: the principal behind a bearer token (the admin token or an institution API
key), with constant-time comparisons throughout, and the throttling of clients that keep
failing.

:class:`FailureThrottle` counts each client's failed authentications in a sliding window of a
minute; a client past the limit gets 429 (with ``Retry-After``) on every authenticated
request until its failures age out, even with a correct token, so guessing does not pay.
The counts live in the process: with N server processes a client may fail up to N times the
limit before all of them refuse it.
"""

from __future__ import annotations

import hmac
import logging
import math
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime

from app.errors import TooManyRequests, Unauthorized
from app.persistence.models import utcnow
from app.persistence.uow import UowFactory
from app.services.api_keys import api_key_prefix, hash_secret
from app.services.principal import Principal

__all__ = ["Authenticator", "FailureThrottle"]

log = logging.getLogger("microcred.auth")

WINDOW_SECONDS = 60.0
#: Clients remembered at once; past that the least recently failing are forgotten first.
_MAX_CLIENTS = 100_000


class FailureThrottle:
    """Failed authentications per client (its IP address) in a sliding one-minute window."""

    def __init__(
        self,
        limit: int,
        *,
        clock: Callable[[], datetime] = utcnow,
        window: float = WINDOW_SECONDS,
        max_clients: int = _MAX_CLIENTS,
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._window = window
        self._max_clients = max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _now(self) -> float:
        return self._clock().timestamp()

    def _recent(self, client: str, now: float) -> deque[float] | None:
        times = self._failures.get(client)
        if times is None:
            return None
        while times and times[0] <= now - self._window:
            times.popleft()
        if not times:
            del self._failures[client]
            return None
        return times

    def retry_after(self, client: str) -> int | None:
        """Seconds until ``client`` may try again; None when it is not throttled."""
        now = self._now()
        with self._lock:
            times = self._recent(client, now)
            if times is None or len(times) < self.limit:
                return None
            # Allowed again once enough of its failures have left the window.
            frees_at = times[len(times) - self.limit] + self._window
        return max(1, math.ceil(frees_at - now))

    def failed(self, client: str) -> None:
        now = self._now()
        with self._lock:
            times = self._recent(client, now)
            if times is None:
                times = self._failures[client] = deque()
            times.append(now)
            self._failures.move_to_end(client)
            while len(self._failures) > self._max_clients:
                self._failures.popitem(last=False)


class Authenticator:
    def __init__(
        self,
        uow_factory: UowFactory,
        *,
        admin_token: Callable[[], str],
        throttle: FailureThrottle,
    ) -> None:
        self._uow = uow_factory
        self._admin_token = admin_token
        self._throttle = throttle

    def authenticate(self, token: str | None, client: str = "-") -> Principal:
        """The principal behind ``token``; :class:`Unauthorized` for anything else, and
        :class:`TooManyRequests` while ``client`` has failed too often."""
        wait = self._throttle.retry_after(client)
        if wait is not None:
            log.warning("authentication throttled", extra={"retry_after": wait})
            raise TooManyRequests(
                f"too many failed authentications from this client "
                f"(more than {self._throttle.limit} a minute): try again in {wait} s",
                code="authentication_throttled",
                headers={"Retry-After": str(wait)},
            )
        try:
            return self._authenticate(token)
        except Unauthorized:
            self._throttle.failed(client)
            raise

    def _authenticate(self, token: str | None) -> Principal:
        if not token:
            log.info("authentication failed", extra={"reason": "no bearer token"})
            raise Unauthorized("send 'Authorization: Bearer <admin token or API key>'")
        if hmac.compare_digest(hash_secret(token), hash_secret(self._admin_token())):
            return Principal.admin()
        prefix = api_key_prefix(token)
        if prefix is not None:
            with self._uow(read_only=True) as uow:
                found = uow.api_keys.by_prefix_with_institution(prefix)
                if found is not None:
                    row, institution = found
                    if not hmac.compare_digest(row.secret_hash, hash_secret(token)):
                        reason = "wrong secret for this API key prefix"
                    elif row.revoked_at is not None:
                        reason = "revoked API key"
                    else:
                        return Principal("institution", institution.id, institution.slug, row.id)
                else:
                    reason = "unknown API key prefix"
            log.warning("authentication failed", extra={"reason": reason, "key_prefix": prefix})
        else:
            log.warning(
                "authentication failed", extra={"reason": "not an API key or the admin token"}
            )
        raise Unauthorized("the bearer token is not a valid admin token or API key")
