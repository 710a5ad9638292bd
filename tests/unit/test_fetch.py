"""verifier.fetch: the SSRF-guarded HTTP fetcher, against a loopback ``http.server`` that the
tests allow explicitly (``allow_hosts``), as a development server would be; its one deadline
per fetch (against a host that trickles its headers, and a resolver that hangs); and the
fetch budget of one verification."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import anyio
import pytest

from tests.support.slow_host import TrickleHost
from verifier.fetch import (
    BudgetedFetcher,
    DeadlineFetcher,
    FetchBudget,
    Fetched,
    FetchError,
    HttpFetcher,
    address_allowed,
)

SLOW_SECONDS = 1.0


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(
        self, status: int, body: bytes, headers: dict[str, str], *, length: bool = True
    ) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if path == "/echo":
            body = json.dumps(
                {"accept": self.headers.get("Accept"), "host": self.headers.get("Host"),
                 "encoding": self.headers.get("Accept-Encoding")}
            ).encode()  # fmt: skip
            self._send(200, body, {"Content-Type": "application/json; charset=utf-8"})
        elif path == "/cached":
            headers = {"Content-Type": "application/json", "Cache-Control": "max-age=30"}
            self._send(200, b'{"n": %d}' % self.hits[self.path], headers)
        elif path == "/no-store":
            headers = {"Content-Type": "application/json", "Cache-Control": "no-store"}
            self._send(200, b"{}", headers)
        elif path == "/big":
            self._send(200, b"x" * 5000, {"Content-Type": "text/plain"})
        elif path == "/big-stream":  # no Content-Length: the body ends when the server closes
            self._send(200, b"x" * 5000, {"Content-Type": "text/plain"}, length=False)
        elif path == "/slow":
            time.sleep(SLOW_SECONDS)
            self._send(200, b"late", {"Content-Type": "text/plain"})
        elif path == "/redirect":
            self._send(302, b"", {"Location": "http://169.254.169.254/latest/meta-data"})
        elif path == "/unavailable":
            self._send(503, b"try later", {"Content-Type": "text/plain"})
        elif path == "/gzip":
            self._send(200, b"\x1f\x8b", {"Content-Encoding": "gzip"})
        else:
            self._send(404, b"not found", {"Content-Type": "text/plain"})


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up at its deadline: the handler's write fails, as expected


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fetcher(server: str, **options: object) -> HttpFetcher:
    return HttpFetcher(allow_hosts=[server], **options)  # type: ignore[arg-type]


def test_a_normal_fetch(server: str) -> None:
    with fetcher(server) as f:
        got = f.fetch(f"http://{server}/echo", accept="application/did+json")
    assert isinstance(got, Fetched)
    assert got.status == 200 and got.media_type == "application/json"
    assert got.url == f"http://{server}/echo"
    sent = json.loads(got.body)
    # Connected to the checked address, but the Host header keeps the name and port.
    assert sent == {"accept": "application/did+json", "host": server, "encoding": "identity"}


def test_a_name_is_resolved_and_each_address_tried(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    # localhost may resolve to ::1 first; the loopback server listens on 127.0.0.1 only.
    with HttpFetcher(allow_hosts=[f"localhost:{port}"]) as f:
        got = f.fetch(f"http://localhost:{port}/echo", accept="*/*")
    assert json.loads(got.body)["host"] == f"localhost:{port}"


@pytest.mark.parametrize("path", ["/big", "/big-stream"])
def test_the_size_limit(server: str, path: str) -> None:
    with fetcher(server, max_bytes=1000) as f:
        with pytest.raises(FetchError) as caught:
            f.fetch(f"http://{server}{path}", accept="*/*")
        assert caught.value.code == "fetch_too_large"
        assert len(f.fetch(f"http://{server}/echo", accept="*/*").body) < 1000


def test_a_timeout(server: str) -> None:
    started = time.monotonic()
    with fetcher(server, timeout=0.2) as f, pytest.raises(FetchError) as caught:
        f.fetch(f"http://{server}/slow", accept="*/*")
    assert caught.value.code == "fetch_timeout"
    assert time.monotonic() - started < SLOW_SECONDS


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/echo",  # loopback, but not this port's allow-listed
        "https://127.0.0.1/",
        "https://10.0.0.1/status/1",
        "https://192.168.1.10/did.json",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://[::1]/",
        "https://[fe80::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://localhost/",  # a name that resolves to loopback
        "http://example.org/did.json",  # plain http outside development hosts
        "file:///etc/passwd",
        "ftp://example.org/list",
        "gopher://example.org/",
        "https://user:secret@example.org/",
        "not a url",
    ],
)
def test_refused_before_any_connection(url: str) -> None:
    with HttpFetcher(allow_hosts=["127.0.0.1:1"]) as f, pytest.raises(FetchError) as caught:
        f.fetch(url.replace("{port}", "8000"), accept="*/*")
    assert caught.value.code == "fetch_refused", caught.value.detail


def test_every_address_of_a_name_must_be_public() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return {"mixed.example": ["93.184.216.34", "10.1.2.3"]}.get(host, ["127.0.0.1"])

    with HttpFetcher(resolver=resolver) as f:
        for url in ("https://mixed.example/did.json", "https://rebind.example/"):
            with pytest.raises(FetchError) as caught:
                f.fetch(url, accept="*/*")
            assert caught.value.code == "fetch_refused"


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("100.64.0.1", False),  # shared address space (carrier-grade NAT)
        ("169.254.169.254", False),
        ("::1", False),
        ("fc00::1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("255.255.255.255", False),
        ("not-an-ip", False),
        # One rule for IPv4 and IPv6: globally reachable by the IANA registries, IPv6 in
        # global unicast 2000::/3, IPv6 forms of an IPv4 address judged by that address.
        ("fec0::1", False),  # deprecated site-local (RFC 3879), let through before
        ("fec0:1234::10:1", False),
        ("feff::1", False),
        ("5f00::1", False),  # SRv6 SIDs, outside global unicast
        ("3fff::1", False),  # documentation (RFC 9637)
        ("2001:db8::1", False),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("2002:a00:1::", False),  # 6to4 of 10.0.0.1
        ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
        ("::ffff:8.8.8.8", True),  # IPv4-mapped public address: as 8.8.8.8
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("64:ff9b:1::a00:1", False),  # local-use NAT64 prefix (RFC 8215)
        ("::10.0.0.1", False),  # IPv4-compatible (deprecated)
        ("192.88.99.1", False),  # 6to4 relay anycast (deprecated, RFC 7526)
        ("198.18.0.1", False),  # benchmarking
        ("192.0.2.1", False),
        ("224.0.0.1", False),
        ("fe80::1%eth0", False),  # scoped
    ],
)
def test_address_allowed(address: str, allowed: bool) -> None:
    assert address_allowed(address) is allowed


@pytest.mark.parametrize(
    ("path", "code"), [("/redirect", "fetch_failed"), ("/missing", "fetch_failed"),
                       ("/gzip", "fetch_failed")],
)  # fmt: skip
def test_redirects_errors_and_codings_fail(server: str, path: str, code: str) -> None:
    with fetcher(server) as f, pytest.raises(FetchError) as caught:
        f.fetch(f"http://{server}{path}", accept="*/*")
    assert caught.value.code == code


def test_nothing_listens(server: str) -> None:
    with HttpFetcher(allow_hosts=["127.0.0.1:9"]) as f, pytest.raises(FetchError) as caught:
        f.fetch("http://127.0.0.1:9/", accept="*/*")
    assert caught.value.code == "fetch_failed"


def test_cache_hit_and_expiry_by_max_age(server: str) -> None:
    clock = Clock()
    url = f"http://{server}/cached?case=expiry"
    with fetcher(server, clock=clock, cache_ttl=60.0) as f:
        first = f.fetch(url, accept="application/json")
        assert f.fetch(url, accept="application/json") is first  # a hit
        assert f.fetch(url, accept="application/vc+jwt").body == b'{"n": 2}'  # keyed by Accept
        clock.now += 29
        assert f.fetch(url, accept="application/json") is first
        clock.now += 2  # max-age=30 is shorter than cache_ttl=60
        assert f.fetch(url, accept="application/json").body == b'{"n": 3}'


def test_cache_ttl_caps_max_age_and_no_store_is_honoured(server: str) -> None:
    clock = Clock()
    url = f"http://{server}/cached?case=ttl"
    with fetcher(server, clock=clock, cache_ttl=10.0) as f:
        f.fetch(url, accept="*/*")
        clock.now += 11
        assert f.fetch(url, accept="*/*").body == b'{"n": 2}'
        f.fetch(f"http://{server}/no-store", accept="*/*")
        f.fetch(f"http://{server}/no-store", accept="*/*")
    assert _Handler.hits["/no-store"] == 2


def test_the_cache_can_be_off_cleared_and_is_bounded(server: str) -> None:
    url = f"http://{server}/cached?case=%s"
    with fetcher(server, cache=False) as f:
        f.fetch(url % "off", accept="*/*")
        f.fetch(url % "off", accept="*/*")
        assert _Handler.hits["/cached?case=off"] == 2
        with f.no_cache() as g:
            g.fetch(url % "off", accept="*/*")
        assert _Handler.hits["/cached?case=off"] == 3
    with fetcher(server, max_cache_entries=2) as f:
        for case in ("a", "b", "a", "c", "a", "b"):  # b is evicted by c; a stays in use
            f.fetch(url % case, accept="*/*")
        assert [_Handler.hits[f"/cached?case={c}"] for c in "abc"] == [1, 2, 1]
        f.clear_cache()
        f.fetch(url % "a", accept="*/*")
        assert _Handler.hits["/cached?case=a"] == 2


def test_a_refusal_does_not_say_what_a_name_resolves_to() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.1.2.3", "fd12:3456::7"]

    with HttpFetcher(resolver=resolver) as f, pytest.raises(FetchError) as caught:
        f.fetch("https://inside.example/did.json", accept="*/*")
    assert caught.value.code == "fetch_refused"
    assert "inside.example" in caught.value.detail
    for address in resolver("", 0):
        assert address not in caught.value.detail and address not in str(caught.value)


def test_nor_does_a_connection_failure() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    with HttpFetcher(allow_hosts=["closed.example"], allow_http_hosts=["closed.example"],
                     resolver=resolver) as f, pytest.raises(FetchError) as caught:  # fmt: skip
        f.fetch("http://closed.example:9/", accept="*/*")
    assert caught.value.code == "fetch_failed" and caught.value.transient
    assert "127.0.0.1" not in str(caught.value)


@pytest.mark.parametrize(
    ("path", "code", "transient"),
    [("/unavailable", "fetch_failed", True), ("/missing", "fetch_failed", False),
     ("/redirect", "fetch_failed", False), ("/big", "fetch_too_large", False),
     ("/slow", "fetch_timeout", True)],
)  # fmt: skip
def test_transient_failures_are_told_from_answers(
    server: str, path: str, code: str, transient: bool
) -> None:
    with fetcher(server, timeout=0.3, max_bytes=1000) as f, pytest.raises(FetchError) as caught:
        f.fetch(f"http://{server}{path}", accept="*/*")
    assert (caught.value.code, caught.value.transient) == (code, transient)


def test_nothing_listening_is_transient(server: str) -> None:
    with HttpFetcher(allow_hosts=["127.0.0.1:9"]) as f, pytest.raises(FetchError) as caught:
        f.fetch("http://127.0.0.1:9/", accept="*/*")
    assert caught.value.transient


def test_a_host_that_trickles_its_headers_is_cut_at_the_deadline() -> None:
    # A byte every 50 ms resets any per-read timeout forever; only the whole fetch's deadline
    # ends it.
    with TrickleHost(interval=0.05, max_seconds=5) as host:
        f = HttpFetcher(timeout=0.5, allow_hosts=[host.host_port])
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            f.fetch(f"http://{host.host_port}/.well-known/did.json", accept="*/*")
        elapsed = time.monotonic() - started
    assert caught.value.code == "fetch_timeout" and caught.value.transient
    assert 0.45 < elapsed < 1.2, elapsed


def test_name_resolution_is_inside_the_deadline() -> None:
    def hanging_resolver(host: str, port: int) -> list[str]:
        time.sleep(3)
        return ["93.184.216.34"]

    with HttpFetcher(timeout=0.3, resolver=hanging_resolver) as f:
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            f.fetch("https://slow-dns.example/did.json", accept="*/*")
        elapsed = time.monotonic() - started
    assert caught.value.code == "fetch_timeout"
    assert elapsed < 1.0, elapsed


def test_a_fetch_can_be_given_less_time_than_its_timeout(server: str) -> None:
    with fetcher(server, timeout=5) as f:
        assert isinstance(f, DeadlineFetcher)
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            f.fetch_within(f"http://{server}/slow", accept="*/*", seconds=0.2)
        assert caught.value.code == "fetch_timeout"
        assert time.monotonic() - started < SLOW_SECONDS
        with pytest.raises(FetchError, match="no time left"):
            f.fetch_within(f"http://{server}/echo", accept="*/*", seconds=0)


def test_a_fetch_from_inside_an_event_loop_still_works(server: str) -> None:
    async def inside() -> Fetched:
        with fetcher(server) as f:
            return f.fetch(f"http://{server}/echo", accept="*/*")

    assert anyio.run(inside).status == 200


# --- the budget of one verification -------------------------------------------------------------


class Recording:
    """A fetcher that answers every URL, taking ``cost`` seconds of ``clock`` per fetch."""

    def __init__(self, clock: Clock, cost: float = 0.0) -> None:
        self.clock, self.cost = clock, cost
        self.requests: list[str] = []

    def fetch(self, url: str, *, accept: str) -> Fetched:
        self.requests.append(url)
        self.clock.now += self.cost
        if url.endswith("/missing"):
            raise FetchError("fetch_failed", f"{url}: HTTP 404")
        return Fetched(url, 200, "application/json", b"{}")


def test_the_budget_counts_distinct_urls_and_fetches_each_once() -> None:
    clock = Clock()
    inner = Recording(clock)
    budgeted = BudgetedFetcher(inner, FetchBudget(max_fetches=3, seconds=None, clock=clock))
    for url in ("https://a.example/1", "https://a.example/1", "https://a.example/missing"):
        try:
            budgeted.fetch(url, accept="*/*")
        except FetchError as exc:
            assert exc.code == "fetch_failed"
    with pytest.raises(FetchError):
        budgeted.fetch("https://a.example/missing", accept="*/*")  # the same answer again
    assert inner.requests == ["https://a.example/1", "https://a.example/missing"]
    budgeted.fetch("https://a.example/2", accept="*/*")  # the third distinct URL
    with pytest.raises(FetchError) as caught:
        budgeted.fetch("https://a.example/3", accept="*/*")
    assert caught.value.code == "fetch_budget_exceeded" and caught.value.transient
    assert "https://a.example/3" not in inner.requests
    assert budgeted.fetch("https://a.example/2", accept="*/*").status == 200  # still answered


def test_the_budget_counts_the_time_spent_fetching() -> None:
    clock = Clock()
    inner = Recording(clock, cost=4.0)
    budgeted = BudgetedFetcher(inner, FetchBudget(max_fetches=None, seconds=10.0, clock=clock))
    budgeted.fetch("https://a.example/1", accept="*/*")
    budgeted.fetch("https://a.example/2", accept="*/*")
    assert budgeted.budget.remaining == 2.0
    budgeted.fetch("https://a.example/3", accept="*/*")  # started with 2 s left; took 4
    with pytest.raises(FetchError) as caught:
        budgeted.fetch("https://a.example/4", accept="*/*")
    assert caught.value.code == "fetch_budget_exceeded"
    assert len(inner.requests) == 3


def test_a_deadline_fetcher_gets_what_is_left_of_the_budget(server: str) -> None:
    started = time.monotonic()
    with fetcher(server, timeout=5) as f:
        budgeted = BudgetedFetcher(f, FetchBudget(max_fetches=8, seconds=0.3))
        with pytest.raises(FetchError) as caught:
            budgeted.fetch(f"http://{server}/slow", accept="*/*")
    assert caught.value.code == "fetch_budget_exceeded"
    assert time.monotonic() - started < SLOW_SECONDS
    with pytest.raises(FetchError) as again:
        budgeted.fetch(f"http://{server}/echo", accept="*/*")
    assert again.value.code == "fetch_budget_exceeded"  # nothing left for another fetch


def test_the_fetch_timeout_is_not_the_budget(server: str) -> None:
    with fetcher(server, timeout=0.2) as f:
        budgeted = BudgetedFetcher(f, FetchBudget(max_fetches=8, seconds=10))
        with pytest.raises(FetchError) as caught:
            budgeted.fetch(f"http://{server}/slow", accept="*/*")
        assert caught.value.code == "fetch_timeout"
        assert budgeted.fetch(f"http://{server}/echo", accept="*/*").status == 200


def test_a_budget_is_not_negative() -> None:
    with pytest.raises(ValueError):
        FetchBudget(max_fetches=-1)
