"""Peak memory and time of one fetch of a hostile body, served by a real loopback server.

Each case runs ``HttpClient.fetch`` in a fresh subprocess and reports the child's peak RSS
(``ru_maxrss``) and wall seconds: compression bombs that expand to 1 GB (``gzip, gzip``,
single gzip, deflate, brotli, ``gzip, br``) and a slowloris that drips one byte a second.

    python benchmarks/http_bombs.py [--cases gzip-gzip,gzip] [--size-mb 1024] [--json]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

CHUNK = 1 << 20


def _zeros(total: int) -> Iterator[bytes]:
    block = bytes(CHUNK)
    for start in range(0, total, CHUNK):
        yield block[: min(CHUNK, total - start)]


def _zlib_stream(chunks: Iterator[bytes], wbits: int) -> Iterator[bytes]:
    z = zlib.compressobj(9, zlib.DEFLATED, wbits)
    for c in chunks:
        out = z.compress(c)
        if out:
            yield out
    yield z.flush()


def _brotli_stream(chunks: Iterator[bytes]) -> Iterator[bytes]:
    import brotli  # type: ignore[import-untyped]

    c = brotli.Compressor(quality=5)
    for chunk in chunks:
        out = c.process(chunk)
        if out:
            yield out
    yield c.finish()


def gzip_bytes(data: Iterator[bytes]) -> Iterator[bytes]:
    return _zlib_stream(data, 31)


ENCODERS: dict[str, Callable[[Iterator[bytes]], Iterator[bytes]]] = {
    "gzip": gzip_bytes,
    "deflate": lambda d: _zlib_stream(d, 15),
    "br": _brotli_stream,
}


def bomb(encodings: list[str], size: int) -> bytes:
    """``size`` zero bytes encoded by ``encodings`` in order (as Content-Encoding lists them)."""
    stream: Iterator[bytes] = _zeros(size)
    for name in encodings:
        stream = ENCODERS[name](stream)
    return b"".join(stream)


class BombServer:
    """A loopback server: ``/bomb`` serves the body with its Content-Encoding; ``/drip`` drips."""

    def __init__(self, body: bytes, encoding: str) -> None:
        self.body, self.encoding = body, encoding
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            req = b""
            while b"\r\n\r\n" not in req:
                got = conn.recv(4096)
                if not got:
                    return
                req += got
            path = req.split(b" ", 2)[1]
            try:
                if path == b"/robots.txt":
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                elif path == b"/drip":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n")
                    for _ in range(100000):
                        conn.sendall(b"x")
                        time.sleep(1.0)
                else:
                    head = (
                        f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: {self.encoding}\r\n"
                        f"Content-Length: {len(self.body)}\r\nConnection: close\r\n\r\n"
                    )
                    conn.sendall(head.encode("ascii") + self.body)
            except OSError:
                return

    def close(self) -> None:
        self.sock.close()


CHILD = r"""
import asyncio, json, resource, sys, time
from monitor._config import HttpConfig
from monitor._http import HttpClient
url, timeout = sys.argv[1], float(sys.argv[2])
def peak_kb():  # VmHWM is this process's own peak; ru_maxrss can carry the forking parent's
    try:
        return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1])
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
async def go():
    cfg = HttpConfig(contact="bench@example.com", min_interval_s=0, retries=0, timeout_s=timeout,
                     allow_private_addresses=True)
    async with HttpClient(cfg) as c:
        return await c.fetch(url)
t = time.monotonic()
r = asyncio.run(go())
print(json.dumps({"status": r.status, "reason": r.reason, "body_bytes": len(r.body),
                  "seconds": round(time.monotonic() - t, 2),
                  "peak_rss_mb": round(peak_kb() / 1024, 1)}))
"""

CASES: dict[str, list[str]] = {
    "gzip-gzip": ["gzip", "gzip"],
    "gzip": ["gzip"],
    "deflate": ["deflate"],
    "br": ["br"],
    "gzip-br": ["gzip", "br"],
}


def run_case(name: str, size: int, timeout_s: float, cache: Path) -> dict[str, object]:
    if name == "slowloris":
        server, path = BombServer(b"", "identity"), "/drip"
    else:
        encs = CASES[name]
        f = cache / f"{name}-{size}.bin"
        if not f.exists():
            f.write_bytes(bomb(encs, size))
        # Content-Encoding lists codings in the order they were applied.
        server, path = BombServer(f.read_bytes(), ", ".join(encs)), "/bomb"
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, f"http://127.0.0.1:{server.port}{path}", str(timeout_s)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if out.returncode != 0:
            return {"case": name, "error": out.stderr.strip().splitlines()[-1:]}
        res: dict[str, object] = {"case": name, "wire_bytes": len(server.body), **json.loads(out.stdout)}
        return res
    finally:
        server.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="gzip-gzip,gzip,deflate,br,gzip-br,slowloris")
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--timeout", type=float, default=2.0, help="[http] timeout_s for the fetch")
    ap.add_argument("--cache", default=tempfile.gettempdir())
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = [run_case(c, args.size_mb << 20, args.timeout, Path(args.cache)) for c in args.cases.split(",")]
    for row in rows:
        print(json.dumps(row) if args.json else "  ".join(f"{k}={v}" for k, v in row.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
