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
  has must be globally routable: private, loopback, link-local (cloud metadata at
  169.254.169.254), multicast, reserved, unspecified, shared (100.64/10) and IPv4-mapped or
  NAT64 forms of those are refused (``fetch_refused``) unless ``host[:port]`` is in
  ``allow_hosts`` (development: the service's own base URL). The connection is then made to
  the checked address itself (``Host`` header and TLS SNI / certificate check still use the
  name), so DNS cannot answer differently between the check and the connection (DNS
  rebinding); connections are not kept alive, so none is ever reused for another name.
- Redirects are **not** followed: a 3xx is ``fetch_failed``. did:web documents and status
  lists are published at their own URLs, and a redirect would be one more URL to check.
- Size: the body is streamed and cut at ``max_bytes`` (``fetch_too_large``); only the
  ``identity`` content coding is accepted, so no decompression happens before the limit.
- Time: ``timeout`` bounds every network phase and the whole fetch (``fetch_timeout``).
  DNS resolution is the system resolver's and is not bounded by it.
- Environment proxies (``HTTP_PROXY`` ...) are ignored: a proxy would connect on our behalf
  to addresses we did not check.
- Cache: successful responses are kept in memory per (URL, ``Accept``) for ``cache_ttl``
  seconds, or less when the response says ``Cache-Control: max-age`` (RFC 9111 section
  5.2.2.1; ``no-store`` and ``no-cache`` are not cached), at most ``max_cache_entries`` of
  them, least recently used out first. Status lists are published with ``max-age=60``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from verifier.errors import FetchError

__all__ = [
    "DEFAULT_ALLOW_HTTP_HOSTS",
    "AddressResolver",
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

#: ``resolve(host, port) -> addresses``; :func:`socket.getaddrinfo` by default.
AddressResolver = Callable[[str, int], Sequence[str]]


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
    ``fetch_too_large``, ``fetch_failed`` (network error, HTTP error status, redirect).
    """

    def fetch(self, url: str, *, accept: str) -> Fetched:
        """GET ``url`` with the ``Accept`` header ``accept``."""
        ...


def address_allowed(address: str) -> bool:
    """True when ``address`` is a globally routable unicast IP address.

    Refuses what is private, loopback, link-local, multicast, reserved, unspecified or
    otherwise not global (IANA special-purpose registries, as :mod:`ipaddress` knows them),
    and IPv6 forms that embed such an IPv4 address (IPv4-mapped, 6to4, Teredo, NAT64).
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not address_allowed(str(embedded)):
            return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError("fetch_failed", f"cannot resolve {host!r}: {exc}") from exc
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(frozen=True)
class _Target:
    url: str
    host: str  # hostname, without brackets
    port: int
    host_header: str


class HttpFetcher:
    """A :class:`Fetcher` over httpx with the SSRF guards of the module docstring.

    ``allow_hosts`` lists ``host:port`` (or bare ``host``, any port) whose addresses are not
    checked; ``allow_http_hosts`` the hosts for which plain ``http`` is allowed (their
    addresses are still checked unless also in ``allow_hosts``). ``clock`` (monotonic
    seconds) drives the cache only; ``resolver`` maps a host to its addresses (tests).
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
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"User-Agent": _USER_AGENT},
        )

    # --- public API ---------------------------------------------------------------------

    def fetch(self, url: str, *, accept: str) -> Fetched:
        """GET ``url`` (see :class:`Fetcher`), from the cache when a fresh copy is there."""
        key = (url, accept)
        if self.cache_ttl > 0:
            with self._lock:
                cached = self._cache.get(key)
                if cached is not None:
                    if cached[0] > self._clock():
                        self._cache.move_to_end(key)
                        return cached[1]
                    del self._cache[key]
        fetched, ttl = self._get(url, accept)
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
        """Close the underlying HTTP client."""
        self._client.close()

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

    def _addresses(self, target: _Target, allowed: bool) -> list[str]:
        addresses = list(self._resolve(target.host, target.port))
        if not addresses:
            raise FetchError("fetch_failed", f"{target.host!r} has no address")
        if not allowed:
            refused = [a for a in addresses if not address_allowed(a)]
            if refused:
                raise FetchError(
                    "fetch_refused",
                    f"{target.host!r} resolves to {refused[0]}, which is not a public address",
                )
        return addresses

    def _get(self, url: str, accept: str) -> tuple[Fetched, float]:
        target, allowed = self._target(url)
        addresses = self._addresses(target, allowed)
        deadline = time.monotonic() + self.timeout
        last_error: FetchError | None = None
        for address in addresses:
            try:
                return self._get_from(target, address, accept, deadline)
            except _ConnectFailed as exc:
                last_error = FetchError("fetch_failed", f"cannot connect to {url}: {exc}")
        assert last_error is not None
        raise last_error

    def _get_from(
        self, target: _Target, address: str, accept: str, deadline: float
    ) -> tuple[Fetched, float]:
        pinned = httpx.URL(target.url).copy_with(host=address.split("%", 1)[0])
        request = self._client.build_request(
            "GET",
            pinned,
            headers={"Host": target.host_header, "Accept": accept, "Accept-Encoding": "identity"},
            extensions={"sni_hostname": target.host},
        )
        try:
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise FetchError("fetch_timeout", f"{target.url}: no answer in time") from exc
        except httpx.ConnectError as exc:
            raise _ConnectFailed(str(exc)) from exc
        except httpx.HTTPError as exc:
            raise FetchError("fetch_failed", f"{target.url}: {exc}") from exc
        try:
            return self._read(target.url, response, deadline)
        finally:
            response.close()

    def _read(self, url: str, response: httpx.Response, deadline: float) -> tuple[Fetched, float]:
        if response.is_redirect:
            location = response.headers.get("Location", "")
            raise FetchError("fetch_failed", f"{url}: redirect to {location!r} not followed")
        if not response.is_success:
            raise FetchError("fetch_failed", f"{url}: HTTP {response.status_code}")
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise FetchError("fetch_failed", f"{url}: unrequested content coding {encoding!r}")
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise FetchError("fetch_too_large", f"{url}: {length} bytes > {self.max_bytes}")
        body = bytearray()
        try:
            for chunk in _chunks(response):
                body += chunk
                if len(body) > self.max_bytes:
                    raise FetchError("fetch_too_large", f"{url}: more than {self.max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise FetchError("fetch_timeout", f"{url}: not complete in {self.timeout} s")
        except httpx.TimeoutException as exc:
            raise FetchError("fetch_timeout", f"{url}: the body did not arrive in time") from exc
        except httpx.HTTPError as exc:
            raise FetchError("fetch_failed", f"{url}: {exc}") from exc
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


def _chunks(response: httpx.Response) -> Iterator[bytes]:
    yield from response.iter_raw()
