"""verifier.fetch: the SSRF-guarded HTTP fetcher, against a loopback ``http.server`` that the
tests allow explicitly (``allow_hosts``), as a development server would be."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from verifier.fetch import Fetched, FetchError, HttpFetcher, address_allowed

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
        elif path == "/gzip":
            self._send(200, b"\x1f\x8b", {"Content-Encoding": "gzip"})
        else:
            self._send(404, b"not found", {"Content-Type": "text/plain"})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
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
