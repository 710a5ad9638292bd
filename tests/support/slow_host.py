"""A loopback host that answers every request by trickling its response headers one byte at
a time: what a hostile did:web or status-list host does to hold a verifier's threads. Each
byte resets an HTTP client's read timeout, so only a deadline on the whole fetch stops it."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

# A status line and then a header that never ends (until the client gives up).
_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/did+json\r\nX-Trickle: "


class TrickleHost:
    """``with TrickleHost(interval) as host:`` serves on ``host.host_port`` (127.0.0.1)
    until the block ends; ``host.connections`` counts the requests it got. Each connection
    is closed after ``max_seconds``, so a client without a deadline fails a test in bounded
    time instead of hanging it."""

    def __init__(self, interval: float = 0.05, max_seconds: float = 30.0) -> None:
        self.interval = interval
        self.max_seconds = max_seconds
        self.connections = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(256)
        self._listener.settimeout(0.1)
        self.port = int(self._listener.getsockname()[1])
        self.host_port = f"127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> TrickleHost:
        accepter = threading.Thread(target=self._accept, daemon=True)
        accepter.start()
        self._threads.append(accepter)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            thread = threading.Thread(target=self._trickle, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(1)
            try:
                conn.recv(65536)  # the request; its content does not matter
                sent = 0
                until = time.monotonic() + self.max_seconds
                while not self._stop.is_set() and time.monotonic() < until:
                    byte = _HEAD[sent : sent + 1] or b"a"
                    conn.sendall(byte)
                    sent += 1
                    time.sleep(self.interval)
            except OSError:
                return  # the client gave up
