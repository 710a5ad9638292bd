"""Fetching DID documents, status lists and credentials: the verifier's only network access.

The verifier reaches the network through the :class:`Fetcher` port only, so it stays offline
unless a caller hands it one (a test gives it a dict-backed fake; the service a fetcher that
answers its own URLs locally). :class:`HttpFetcher` is the outbound implementation, hardened
against server-side request forgery because the URLs it fetches come from the credentials it
is asked to verify (did:web hosts, ``statusListCredential``):

- Schemes: ``https`` only; ``http`` just for ``allow_http_hosts`` (did:web method,
  section 3.2 "Read": HTTPS, with plain HTTP for local development). ``file:``, ``ftp:``,
  URLs with user information: refused.
- Addresses: the host is resolved with :func:`socket.getaddrinfo` and **every** address it
  has must be globally routable (:func:`address_allowed`, one rule for IPv4 and IPv6: the
  IANA special-purpose registries' "globally reachable", IPv6 only in global unicast
  ``2000::/3``, and IPv6 forms that stand for an IPv4 address judged by that address);
  otherwise the fetch is refused (``fetch_refused``) unless ``host[:port]`` is in
  ``allow_hosts`` (development: the service's own base URL). The refusal does not say what
  the name resolved to. The connection is then made to the checked address itself (``Host``
  header and TLS SNI / certificate check still use the name), so DNS cannot answer
  differently between the check and the connection (DNS rebinding); connections are not
  kept alive, so none is ever reused for another name.
- Redirects are **not** followed: a 3xx is ``fetch_failed``. did:web documents and status
  lists are published at their own URLs, and a redirect would be one more URL to check.
- Size: the body is streamed and cut at ``max_bytes`` (``fetch_too_large``); only the
  ``identity`` content coding is accepted, so no decompression happens before the limit.
- Time: **one deadline per fetch**, ``timeout`` seconds (or less, :meth:`HttpFetcher.
  fetch_within`), covering DNS resolution, connecting, TLS, the response headers and the
  body (``fetch_timeout``). httpx's own timeouts bound each read, and a host that trickles
  its answer a byte at a time resets them forever; so the request runs on an event loop of
  its own under :func:`anyio.fail_after`, which cancels whatever is waiting when the
  deadline passes, and DNS runs in a worker thread that is abandoned at the deadline.
- Environment proxies (``HTTP_PROXY`` ...) are ignored: a proxy would connect on our behalf
  to addresses we did not check.
- Cache: successful responses are kept in memory per (URL, ``Accept``) for ``cache_ttl``
  seconds, or less when the response says ``Cache-Control: max-age`` (RFC 9111 section
  5.2.2.1; ``no-store`` and ``no-cache`` are not cached), at most ``max_cache_entries`` of
  them, least recently used out first. Status lists are published with ``max-age=60``.

:class:`BudgetedFetcher` bounds what one verification may fetch through any fetcher: at most
``max_fetches`` distinct URLs and ``seconds`` of fetching in all (``fetch_budget_exceeded``),
each URL fetched once.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable
from urllib.parse import urlsplit

import anyio
import httpx

from verifier.errors import FetchError

__all__ = [
    "DEFAULT_ALLOW_HTTP_HOSTS",
    "AddressResolver",
    "BudgetedFetcher",
    "DeadlineFetcher",
    "FetchBudget",
    "FetchError",
    "Fetched",
    "Fetcher",
    "HttpFetcher",
    "address_allowed",
]

DEFAULT_ALLOW_HTTP_HOSTS: tuple[str, ...] = ("localhost", "127.0.0.1")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_USER_AGENT = "microcred-verifier/0.1 (+https://www.w3.org/TR/vc-data-model-2.0/)"
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)
_NO_STORE = re.compile(r"(?:^|,)\s*(no-store|no-cache)\s*(?:[,=]|$)", re.IGNORECASE)
#: HTTP statuses that say "not now" rather than "not here" (RFC 9110 sections 15.5.9, 15.6;
#: RFC 6585 section 4): a later try may succeed.
_TRANSIENT_STATUSES = frozenset({408, 429})
#: getaddrinfo errors that are an answer ("no such name"), not a failure to get one.
_NO_SUCH_NAME = frozenset(
    code
    for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None))
    if code is not None
)

#: ``resolve(host, port) -> addresses``; :func:`socket.getaddrinfo` by default.
AddressResolver = Callable[[str, int], Sequence[str]]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Fetched:
    """A successful response: the URL asked for, its status, ``Content-Type`` and body."""

    url: str
    status: int
    content_type: str
    body: bytes

    @property
    def media_type(self) -> str:
        """The ``Content-Type`` without parameters, lower case (RFC 9110 section 8.3.1)."""
        return self.content_type.split(";", 1)[0].strip().lower()


class Fetcher(Protocol):
    """The port through which the verifier fetches DID documents and status lists.

    ``fetch`` returns a successful (2xx) response or raises :class:`FetchError` with a code:
    ``fetch_refused`` (scheme, host or address not allowed), ``fetch_timeout``,
    ``fetch_too_large``, ``fetch_failed`` (network error, HTTP error status, redirect),
    ``fetch_budget_exceeded``; its ``transient`` says whether the failure is an answer about
    the document or only a failure to get one.
    """

    def fetch(self, url: str, *, accept: str) -> Fetched:
        """GET ``url`` with the ``Accept`` header ``accept``."""
        ...


@runtime_checkable
class DeadlineFetcher(Protocol):
    """A :class:`Fetcher` that can be told to finish sooner than its own timeout: a
    :class:`BudgetedFetcher` hands it what is left of the budget."""

    def fetch(self, url: str, *, accept: str) -> Fetched: ...

    def fetch_within(self, url: str, *, accept: str, seconds: float) -> Fetched:
        """``fetch``, complete within ``seconds`` (or less) or ``fetch_timeout``."""
        ...


# --- which addresses may be fetched -----------------------------------------------------------

_net = ipaddress.ip_network
#: IPv4 blocks of the IANA special-purpose registry (RFC 6890 and its updates) that are not
#: globally reachable, listed so the answer does not depend on the Python version's tables.
_IPV4_NOT_GLOBAL = tuple(
    _net(block)
    for block in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    )
)  # fmt: skip
#: Global unicast IPv6 (RFC 4291 section 2.4; IANA): nothing outside it is fetched.
_IPV6_GLOBAL_UNICAST = _net("2000::/3")
#: Blocks inside 2000::/3 that are not globally reachable (IANA IPv6 special-purpose registry):
#: IETF protocol assignments and Teredo (2001::/23), documentation (2001:db8::/32, 3fff::/20).
_IPV6_NOT_GLOBAL = tuple(_net(b) for b in ("2001::/23", "2001:db8::/32", "3fff::/20"))
#: IPv6 forms that stand for an IPv4 address (IPv4-mapped, RFC 4291 section 2.5.5.2; the
#: NAT64 well-known prefix, RFC 6052): reachable exactly when that IPv4 address is.
_IPV4_IN_IPV6 = (_net("::ffff:0:0/96"), _net("64:ff9b::/96"))


def _ipv4_allowed(ip: ipaddress.IPv4Address) -> bool:
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or any(ip in block for block in _IPV4_NOT_GLOBAL)
    )


def _ipv6_allowed(ip: ipaddress.IPv6Address) -> bool:
    if any(ip in prefix for prefix in _IPV4_IN_IPV6):
        return _ipv4_allowed(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None and not _ipv4_allowed(ip.sixtofour):
        return False  # 6to4 (2002::/16) reaches the IPv4 address inside it
    return (
        ip in _IPV6_GLOBAL_UNICAST
        and ip.is_global
        and not (
            ip.is_private
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_site_local
            or ip.is_multicast
            or ip.is_reserved
            or ip.is_unspecified
            or ip.teredo is not None
            or any(ip in block for block in _IPV6_NOT_GLOBAL)
        )
    )


def address_allowed(address: str) -> bool:
    """True when ``address`` is a globally routable unicast IP address.

    One rule for IPv4 and IPv6: the address must be globally reachable by the IANA
    special-purpose address registries, so private, shared (100.64/10), loopback,
    link-local (cloud metadata at 169.254.169.254), documentation, benchmarking, multicast,
    reserved and unspecified addresses are refused, and IPv6 must moreover be global
    unicast (``2000::/3``), which refuses unique-local ``fc00::/7``, the deprecated
    site-local ``fec0::/10`` and the rest of the unassigned space. An IPv6 address that
    stands for an IPv4 address (IPv4-mapped, NAT64 ``64:ff9b::/96``, 6to4) is allowed exactly
    when that IPv4 address is; Teredo is refused. A scoped address (``%zone``) is refused.
    """
    if "%" in address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv4Address):
        return _ipv4_allowed(ip)
    return _ipv6_allowed(ip)


def _system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        definite = isinstance(exc, UnicodeError) or exc.errno in _NO_SUCH_NAME
        raise FetchError(
            "fetch_failed", f"cannot resolve {host!r}: {exc}", transient=not definite
        ) from exc
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _run_blocking(run: Callable[[], Awaitable[_T]]) -> _T:
    """Run the coroutine function ``run`` to its end on an event loop of its own.

    From a thread that already runs a loop (an ``async`` caller that did not move the
    blocking fetch to a worker thread) it runs in a helper thread instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return anyio.run(run)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="microcred-fetch") as pool:
        return pool.submit(anyio.run, run).result()


@dataclass(frozen=True)
class _Target:
    url: str
    host: str  # hostname, without brackets
    port: int
    host_header: str


class HttpFetcher:
    """A :class:`Fetcher` over httpx with the SSRF guards of the module docstring.

    ``timeout`` bounds each fetch as a whole, from DNS to the last byte. ``allow_hosts``
    lists ``host:port`` (or bare ``host``, any port) whose addresses are not checked;
    ``allow_http_hosts`` the hosts for which plain ``http`` is allowed (their addresses are
    still checked unless also in ``allow_hosts``). ``clock`` (monotonic seconds) drives the
    cache only; ``resolver`` maps a host to its addresses (tests). Safe to share between
    threads.
    """

    def __init__(
        self,
        timeout: float = 5.0,
        max_bytes: int = 1_048_576,
        allow_hosts: Collection[str] = (),
        allow_http_hosts: Collection[str] = DEFAULT_ALLOW_HTTP_HOSTS,
        cache_ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        cache: bool = True,
        max_cache_entries: int = 256,
        resolver: AddressResolver | None = None,
    ) -> None:
        if timeout <= 0 or max_bytes <= 0:
            raise ValueError("timeout and max_bytes must be positive")
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allow_hosts = frozenset(h.lower() for h in allow_hosts)
        self.allow_http_hosts = frozenset(h.lower().strip("[]") for h in allow_http_hosts)
        self.cache_ttl = cache_ttl if cache else 0.0
        self.max_cache_entries = max_cache_entries
        self._clock = clock
        self._resolve: AddressResolver = resolver or _system_resolver
        self._cache: OrderedDict[tuple[str, str], tuple[float, Fetched]] = OrderedDict()
        self._lock = threading.Lock()
        # Made once: loading the CA bundle costs milliseconds, and every fetch has a client
        # of its own (an async client belongs to the event loop it first ran on).
        self._ssl_context: ssl.SSLContext = httpx.create_ssl_context(trust_env=False)

    # --- public API ---------------------------------------------------------------------

    def fetch(self, url: str, *, accept: str) -> Fetched:
        """GET ``url`` (see :class:`Fetcher`) within ``timeout`` seconds, from the cache
        when a fresh copy is there."""
        return self.fetch_within(url, accept=accept, seconds=self.timeout)

    def fetch_within(self, url: str, *, accept: str, seconds: float) -> Fetched:
        """:meth:`fetch`, complete within ``min(seconds, timeout)`` seconds (DNS, connect,
        TLS, headers and body together) or ``fetch_timeout``."""
        key = (url, accept)
        if self.cache_ttl > 0:
            with self._lock:
                cached = self._cache.get(key)
                if cached is not None:
                    if cached[0] > self._clock():
                        self._cache.move_to_end(key)
                        return cached[1]
                    del self._cache[key]
        fetched, ttl = self._get(url, accept, min(seconds, self.timeout))
        if ttl > 0 and self.cache_ttl > 0 and self.max_cache_entries > 0:
            with self._lock:
                self._cache[key] = (self._clock() + ttl, fetched)
                self._cache.move_to_end(key)
                while len(self._cache) > self.max_cache_entries:
                    self._cache.popitem(last=False)
        return fetched

    def no_cache(self) -> HttpFetcher:
        """A fetcher with the same limits and allow-lists that never caches."""
        return HttpFetcher(
            self.timeout,
            self.max_bytes,
            self.allow_hosts,
            self.allow_http_hosts,
            0.0,
            self._clock,
            cache=False,
            resolver=self._resolve,
        )

    def clear_cache(self) -> None:
        """Forget every cached response."""
        with self._lock:
            self._cache.clear()

    def close(self) -> None:
        """Release what the fetcher holds (each fetch closes its own connection)."""
        self.clear_cache()

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- internals ----------------------------------------------------------------------

    def _target(self, url: str) -> tuple[_Target, bool]:
        """The parsed URL and whether its host is allow-listed; refuses bad schemes."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise FetchError("fetch_refused", f"{url!r} is not a valid URL: {exc}") from exc
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        if scheme not in _DEFAULT_PORTS:
            raise FetchError("fetch_refused", f"scheme {scheme or '(none)'!r} is not allowed")
        if not host:
            raise FetchError("fetch_refused", f"{url!r} has no host")
        if parts.username is not None or parts.password is not None:
            raise FetchError("fetch_refused", "URLs with user information are not fetched")
        if scheme == "http" and host not in self.allow_http_hosts:
            raise FetchError("fetch_refused", f"plain http is not allowed for {host!r}")
        port = port if port is not None else _DEFAULT_PORTS[scheme]
        host_port = _host_port(host, port)
        allowed = host_port in self.allow_hosts or host in self.allow_hosts
        allowed = allowed or (":" in host and f"[{host}]" in self.allow_hosts)
        default_port = port == _DEFAULT_PORTS[scheme]
        host_header = host_port if not default_port else (f"[{host}]" if ":" in host else host)
        return _Target(url, host, port, host_header), allowed

    async def _addresses(self, target: _Target, allowed: bool) -> list[str]:
        if _is_ip_literal(target.host):
            addresses = [target.host]
        else:
            # getaddrinfo cannot be cancelled: at the deadline its thread is left to finish
            # on its own, and the fetch fails at once.
            found = await anyio.to_thread.run_sync(
                self._resolve, target.host, target.port, abandon_on_cancel=True
            )
            addresses = list(found)
        if not addresses:
            raise FetchError("fetch_failed", f"{target.host!r} has no address")
        if not allowed and not all(address_allowed(a) for a in addresses):
            # Which address it was is the caller's business only if the name was theirs to
            # resolve: the detail reaches anonymous callers, so it names none.
            raise FetchError("fetch_refused", f"{target.host!r} is not at a public address")
        return addresses

    def _get(self, url: str, accept: str, seconds: float) -> tuple[Fetched, float]:
        target, allowed = self._target(url)
        if seconds <= 0:
            raise FetchError("fetch_timeout", f"{url}: no time left to fetch it")

        async def within_deadline() -> tuple[Fetched, float]:
            try:
                with anyio.fail_after(seconds):
                    return await self._get_async(target, allowed, accept, seconds)
            except TimeoutError as exc:
                raise FetchError(
                    "fetch_timeout", f"{url}: no complete answer within {seconds:g} s"
                ) from exc

        return _run_blocking(within_deadline)

    async def _get_async(
        self, target: _Target, allowed: bool, accept: str, seconds: float
    ) -> tuple[Fetched, float]:
        addresses = await self._addresses(target, allowed)
        async with httpx.AsyncClient(
            verify=self._ssl_context,
            timeout=httpx.Timeout(seconds),
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"User-Agent": _USER_AGENT},
        ) as client:
            for address in addresses:
                try:
                    return await self._get_from(client, target, address, accept)
                except _ConnectFailed:
                    continue
        raise FetchError("fetch_failed", f"cannot connect to {target.host_header}", transient=True)

    async def _get_from(
        self, client: httpx.AsyncClient, target: _Target, address: str, accept: str
    ) -> tuple[Fetched, float]:
        pinned = httpx.URL(target.url).copy_with(host=address.split("%", 1)[0])
        request = client.build_request(
            "GET",
            pinned,
            headers={"Host": target.host_header, "Accept": accept, "Accept-Encoding": "identity"},
            extensions={"sni_hostname": target.host},
        )
        try:
            response = await client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise FetchError("fetch_timeout", f"{target.url}: no answer in time") from exc
        except httpx.ConnectError as exc:
            raise _ConnectFailed from exc
        except httpx.HTTPError as exc:
            # The exception's text may name the address connected to: say only its kind.
            raise FetchError(
                "fetch_failed", f"{target.url}: {type(exc).__name__}", transient=True
            ) from exc
        try:
            return await self._read(target.url, response)
        finally:
            await response.aclose()

    async def _read(self, url: str, response: httpx.Response) -> tuple[Fetched, float]:
        if response.is_redirect:
            location = response.headers.get("Location", "")
            raise FetchError("fetch_failed", f"{url}: redirect to {location!r} not followed")
        if not response.is_success:
            status = response.status_code
            transient = status >= 500 or status in _TRANSIENT_STATUSES
            raise FetchError("fetch_failed", f"{url}: HTTP {status}", transient=transient)
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise FetchError("fetch_failed", f"{url}: unrequested content coding {encoding!r}")
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise FetchError("fetch_too_large", f"{url}: {length} bytes > {self.max_bytes}")
        body = bytearray()
        try:
            async for chunk in response.aiter_raw():
                body += chunk
                if len(body) > self.max_bytes:
                    raise FetchError("fetch_too_large", f"{url}: more than {self.max_bytes} bytes")
        except httpx.TimeoutException as exc:
            raise FetchError("fetch_timeout", f"{url}: the body did not arrive in time") from exc
        except httpx.HTTPError as exc:
            raise FetchError(
                "fetch_failed", f"{url}: {type(exc).__name__}", transient=True
            ) from exc
        content_type = response.headers.get("Content-Type", "")
        fetched = Fetched(url, response.status_code, content_type, bytes(body))
        return fetched, self._ttl(response.headers.get("Cache-Control", ""), response)

    def _ttl(self, cache_control: str, response: httpx.Response) -> float:
        """Seconds to keep a response: ``cache_ttl``, or less by ``max-age`` minus ``Age``."""
        if _NO_STORE.search(cache_control):
            return 0.0
        ttl = self.cache_ttl
        match = _MAX_AGE.search(cache_control)
        if match:
            age = response.headers.get("Age", "0").strip()
            ttl = min(ttl, int(match.group(1)) - (int(age) if age.isdigit() else 0))
        return max(ttl, 0.0)


class _ConnectFailed(Exception):
    """This address did not accept the connection; the next one is tried."""


# --- a budget per verification ----------------------------------------------------------------


class FetchBudget:
    """What one verification may fetch: at most ``max_fetches`` distinct URLs, and
    ``seconds`` spent fetching in all (None: no limit). ``clock`` gives monotonic seconds.

    Not shared between verifications, nor between threads: make one per verification.
    """

    def __init__(
        self,
        max_fetches: int | None = 8,
        seconds: float | None = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (max_fetches is not None and max_fetches < 0) or (seconds is not None and seconds < 0):
            raise ValueError("max_fetches and seconds must not be negative")
        self.max_fetches = max_fetches
        self.seconds = seconds
        self.clock = clock
        self.urls: set[str] = set()
        self.spent = 0.0

    @property
    def remaining(self) -> float | None:
        """Seconds of fetching left (None: no time limit)."""
        return None if self.seconds is None else max(self.seconds - self.spent, 0.0)

    def admit(self, url: str) -> None:
        """Count ``url`` (once) or raise ``fetch_budget_exceeded``."""
        remaining = self.remaining
        if remaining is not None and remaining <= 0:
            raise FetchError(
                "fetch_budget_exceeded",
                f"{url}: not fetched, the {self.seconds:g} s for fetching are spent",
            )
        if url in self.urls:
            return
        if self.max_fetches is not None and len(self.urls) >= self.max_fetches:
            raise FetchError(
                "fetch_budget_exceeded",
                f"{url}: not fetched, a verification fetches at most {self.max_fetches} documents",
            )
        self.urls.add(url)


class BudgetedFetcher:
    """A :class:`Fetcher` that spends a :class:`FetchBudget`: the fetches of one
    verification through ``fetcher`` together stay within it.

    Each (URL, ``Accept``) is fetched once; a repeat gets the same answer or error. A fetch
    past the budget fails with ``fetch_budget_exceeded`` (transient: the document was not
    looked at). When ``fetcher`` is a :class:`DeadlineFetcher` (:class:`HttpFetcher` is) it
    is told to finish within what is left of the budget, and a fetch that the budget cut
    short fails with ``fetch_budget_exceeded`` too; any other fetcher's time is counted
    after it returns.
    """

    def __init__(self, fetcher: Fetcher, budget: FetchBudget | None = None) -> None:
        self.fetcher = fetcher
        self.budget = budget if budget is not None else FetchBudget()
        self._answers: dict[tuple[str, str], Fetched | FetchError] = {}

    def fetch(self, url: str, *, accept: str) -> Fetched:
        return self.fetch_within(url, accept=accept, seconds=None)

    def fetch_within(self, url: str, *, accept: str, seconds: float | None) -> Fetched:
        """:meth:`fetch` within ``seconds`` and the budget (see :class:`DeadlineFetcher`)."""
        key = (url, accept)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = self._fetch(url, accept, seconds)
        if isinstance(answer, FetchError):
            raise answer
        return answer

    def _fetch(self, url: str, accept: str, seconds: float | None) -> Fetched | FetchError:
        budget = self.budget
        try:
            budget.admit(url)
        except FetchError as exc:
            return exc
        limits = [s for s in (seconds, budget.remaining) if s is not None]
        started = budget.clock()
        try:
            if limits and isinstance(self.fetcher, DeadlineFetcher):
                return self.fetcher.fetch_within(url, accept=accept, seconds=min(limits))
            return self.fetcher.fetch(url, accept=accept)
        except FetchError as exc:
            error = exc
        finally:
            budget.spent += budget.clock() - started
        if error.code == "fetch_timeout" and budget.remaining == 0:
            # It ran until the budget's deadline: what ran out was the budget.
            return FetchError(
                "fetch_budget_exceeded",
                f"{url}: not complete when the {budget.seconds:g} s for fetching ran out",
            )
        return error
