"""``monitor demo --serve`` as a real process: the demo runs, then its data is served on
loopback behind the printed demo login; SIGTERM stops it with exit code 0."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.test_web_cli import _free_port

REPO = Path(__file__).resolve().parents[1]
# The real process, with the model replaced by the demo's own labels (the model's minute of
# conversion is what tests/test_demo.py's model test covers).
LAUNCH = (
    "import monitor._sentiment as s\n"
    "from tests.test_pipeline import MoodClassifier\n"
    "s.load_classifier = lambda cfg=None, cache=None: MoodClassifier()\n"
    "from monitor._cli import main\n"
    "main()\n"
)


def _read_until(proc: subprocess.Popen[str], pattern: str, seconds: float) -> tuple[re.Match[str], str]:
    assert proc.stdout is not None
    seen = ""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"monitor demo --serve ended ({proc.wait()}):\n{seen}")
        seen += line
        found = re.search(pattern, seen)
        if found:
            return found, seen
    pytest.fail(f"no {pattern!r} within {seconds} s:\n{seen}")


def test_demo_serve_over_loopback(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "demo", "--out", str(tmp_path / "demo"), "--serve", "--port", str(port)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url, out = _read_until(proc, r"dashboard on (http://127\.0\.0\.1:\d+/)", 240)
        assert url.group(1) == f"http://127.0.0.1:{port}/"
        assert "Digest:" in out and "Lumio" in out
        login, _ = _read_until(proc, r"log in as (\S+) with the password (\S+) ", 10)
        with httpx.Client(base_url=url.group(1), follow_redirects=False, timeout=10) as c:
            for _ in range(100):  # the line is printed just before uvicorn listens
                try:
                    assert c.get("/").status_code == 303  # a login is needed, even for the demo
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
            assert token
            r = c.post("/login", data={"name": login.group(1), "password": login.group(2), "csrf": token.group(1)})
            assert r.status_code == 303
            overview = c.get("/")
            assert overview.status_code == 200
            assert "Lumio" in overview.text and "Brisa" in overview.text
            assert "Lumio" in c.get("/brand", params={"name": "Lumio"}).text
            assert c.get("/mentions", params={"brand": "Lumio", "lang": "hy"}).status_code == 200
            assert "pricewatch-brisa" in c.get("/sources").text
    finally:
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, rest
    assert "SIGTERM: the dashboard stopped" in rest and "Traceback" not in rest


def test_demo_serve_refuses_a_busy_port_at_once(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        res = subprocess.run(
            [sys.executable, "-m", "monitor", "demo", "--out", str(tmp_path / "d"), "--serve", "--port", str(port)],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert res.returncode == 2, res.stdout + res.stderr
    assert f"cannot listen on 127.0.0.1 port {port}" in res.stderr and "--port" in res.stderr
    assert time.monotonic() - started < 30 and not (tmp_path / "d" / "demo.db").exists()  # before the demo ran
