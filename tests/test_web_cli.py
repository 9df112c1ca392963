"""``monitor user …`` and ``monitor serve`` for real: a server process on loopback, over HTTP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from monitor._cli import _register  # noqa: F401  (registers every command module)
from monitor._cli.app import app

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return f"sqlite:///{tmp_path / 'm.db'}"


def test_user_commands(db: str) -> None:
    add = runner.invoke(
        app, ["user", "add", "ana", "--role", "editor", "--password-stdin", "--db", db], input="s3cret-pass\n"
    )
    assert add.exit_code == 0 and "added user ana (editor)" in add.output
    again = runner.invoke(app, ["user", "add", "ana", "--password-stdin", "--db", db], input="s3cret-pass\n")
    assert again.exit_code == 2 and "already exists" in again.output
    short = runner.invoke(app, ["user", "add", "bo", "--password-stdin", "--db", db], input="short\n")
    assert short.exit_code == 2 and "at least 8" in short.output
    role = runner.invoke(app, ["user", "add", "bo", "--role", "root", "--password-stdin", "--db", db], input="x" * 9)
    assert role.exit_code == 2 and "expected viewer, editor, admin" in role.output
    name = runner.invoke(app, ["user", "add", "bo bo", "--password-stdin", "--db", db], input="x" * 9)
    assert name.exit_code == 2 and "no spaces" in name.output
    listed = runner.invoke(app, ["user", "list", "--json", "--db", db])
    assert [u["name"] for u in json.loads(listed.output)] == ["ana"]
    assert (
        runner.invoke(
            app, ["user", "password", "ana", "--password-stdin", "--db", db], input="n3w-password\n"
        ).exit_code
        == 0
    )
    assert runner.invoke(app, ["user", "remove", "ana", "--db", db]).exit_code == 0
    gone = runner.invoke(app, ["user", "remove", "ana", "--db", db])
    assert gone.exit_code == 2 and "no user 'ana'" in gone.output


def test_serve_refuses_no_auth_off_loopback(db: str) -> None:
    res = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--read-only-no-auth", "--db", db])
    assert res.exit_code == 2 and "loopback" in res.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(db: str, tmp_path: Path) -> Iterator[str]:
    assert (
        runner.invoke(
            app, ["user", "add", "ed", "--role", "editor", "--password-stdin", "--db", db], input="pass-word-1\n"
        ).exit_code
        == 0
    )
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "serve", "--port", str(port), "--db", db],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).text == "ok":
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("monitor serve did not answer within 60 s")
        yield base
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode()
        assert proc.returncode in (0, -15), out
        assert "Traceback" not in out, out


def test_serve_over_loopback(server: str) -> None:
    with httpx.Client(base_url=server, follow_redirects=False, timeout=10) as c:
        assert c.get("/").status_code == 303
        token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        r = c.post("/login", data={"name": "ed", "password": "pass-word-1", "csrf": token, "next": "/mentions"})
        assert r.status_code == 303 and r.headers["location"] == "/mentions"
        page = c.get("/mentions")
        assert page.status_code == 200 and "ed" in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert "server" not in page.headers  # no server banner
        assert c.post("/relabel", data={"label": "positive", "ids": "1"}).status_code == 403  # no CSRF token
        assert c.get("/static/style.css").headers["content-type"].startswith("text/css")
