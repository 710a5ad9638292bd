"""A loopback HTTP host that serves given documents: an issuer identified by a URL (its
controlled identifier document, its JWT VC Issuer Metadata and JWK Set). The verifier's
:class:`verifier.fetch.HttpFetcher` reaches it only because tests allow-list its
``host_port`` (and plain http on 127.0.0.1), as a development host would be."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


class DocumentHost:
    """``with DocumentHost() as host:`` serves ``host.put(path, document)`` at
    ``host.url(path)`` (``http://127.0.0.1:<port><path>``); anything else is a 404, and a
    path given to :meth:`fail` answers 503. ``host.requests`` lists the paths asked for."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[str, bytes]] = {}
        self.failing: set[str] = set()
        self.requests: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                host.requests.append(self.path)
                if self.path in host.failing:
                    status, content_type, body = 503, "text/plain", b"try later"
                elif self.path in host.documents:
                    status, (content_type, body) = 200, host.documents[self.path]
                else:
                    status, content_type, body = 404, "text/plain", b"not found"
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.host_port = f"127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://{self.host_port}{path}"

    def put(self, path: str, document: Any, content_type: str = "application/json") -> None:
        self.documents[path] = (content_type, json.dumps(document).encode())

    def fail(self, path: str) -> None:
        self.failing.add(path)

    def __enter__(self) -> DocumentHost:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
