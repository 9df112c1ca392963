"""A real-socket HTTP server on 127.0.0.1 for the HTTP-layer and source tests.

Other test modules import :class:`LocalServer` from here (``tests/`` has no conftest of
ours). Routes are plain functions ``route(req) -> Reply | None``; a route may also write
raw bytes itself (truncated bodies, resets) and return ``None``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0

    def raw(self) -> bytes:
        body = self.body.encode("utf-8") if isinstance(self.body, str) else self.body
        headers = {"Content-Length": str(len(body)), "Connection": "close", **self.headers}
        head = f"HTTP/1.1 {self.status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return head.encode("latin-1") + b"\r\n" + body


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float
    body: bytes = b""


Route = Callable[["Handler"], "Reply | None"]


class Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        req = Request(
            self.command,
            parts.path,
            parse_qs(parts.query),
            {k.lower(): v for k, v in self.headers.items()},
            time.monotonic(),
            body,
        )
        self.request_info = req
        self.server.owner.requests.append(req)
        route = self.server.owner.routes.get(parts.path)
        if route is None:
            reply: Reply | None = Reply(404, b"not found")
        else:
            reply = route(self)
        if reply is not None:
            if reply.delay_s:
                time.sleep(reply.delay_s)
            try:
                self.wfile.write(reply.raw())
                self.wfile.flush()
            except OSError:
                pass
        self.close_connection = True

    do_GET = do_POST = do_HEAD = _handle

    def raw(self, data: bytes) -> None:
        """Write raw bytes (for malformed responses)."""
        self.wfile.write(data)
        self.wfile.flush()

    def reset(self) -> None:
        """Abort the connection with a TCP RST."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: LocalServer


class LocalServer:
    """``with LocalServer() as srv: srv.routes["/x"] = lambda h: Reply(body=b"hi")``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._server = _Server((host, 0), Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def test_local_server_serves_routes(server: LocalServer) -> None:
    server.routes["/hello"] = lambda h: Reply(body="hej", headers={"X-Test": "1"})
    r = httpx.get(server.url("/hello?a=1"))
    assert r.status_code == 200 and r.text == "hej" and r.headers["x-test"] == "1"
    assert server.hits("/hello")[0].query == {"a": ["1"]}
    assert httpx.get(server.url("/missing")).status_code == 404
