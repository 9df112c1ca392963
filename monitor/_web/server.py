"""Run the dashboard under uvicorn until SIGTERM or Ctrl-C, then return cleanly.

uvicorn finishes the requests in flight on the first signal and then re-raises it, so the
process would die by the signal (or a ``KeyboardInterrupt`` traceback); here the signal
is only recorded, and :func:`serve_until_stopped` returns its name. A second Ctrl-C stops
at once.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

HANDLED = (signal.SIGINT, signal.SIGTERM)


class _Server(uvicorn.Server):
    """uvicorn's server that shuts down on a signal and does not re-raise it afterwards."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.stopped_by: str | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.stopped_by is None:
            self.stopped_by = signal.Signals(sig).name
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in HANDLED}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def try_bind(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on now (``None``: it can), as uvicorn binds it."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"unknown address: {exc.strerror}"
    family, kind, proto, _name, addr = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def serve_until_stopped(app: ASGIApp, host: str, port: int) -> str | None:
    """Serve ``app`` on ``host:port``; the name of the signal that stopped it (``None``: none did)."""
    server = _Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            proxy_headers=False,  # the peer address is the client: no header may pose as another
            server_header=False,
            log_level="warning",
        )
    )
    server.run()
    return server.stopped_by


__all__ = ["serve_until_stopped", "try_bind"]
