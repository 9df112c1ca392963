"""``monitor doctor``: real SQLite files, real loopback HTTP/SMTP servers, a fake model loader.

The model check loads the real model only in the ``slow`` test; the others substitute a
loader through the CLI's seam (``doctor_cmds.make_seams``).
"""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor._cli import (
    _register,  # noqa: F401
    doctor_cmds,
)
from monitor._cli.app import app
from monitor._config import ModelConfig, config_from_dict
from monitor._doctor import Seams, run_doctor
from monitor._doctor.local import check_database, check_model
from monitor._doctor.report import Check
from monitor._doctor.sources import reach_of
from monitor._http import FetchResult
from monitor._store.engine import make_engine, upgrade
from monitor._store.health import head_revisions
from monitor.errors import ModelError

try:
    from test_http_localserver import LocalServer, Reply
except ImportError:  # pragma: no cover
    from tests.test_http_localserver import LocalServer, Reply

runner = CliRunner()
DISALLOW_US = "User-agent: mention-monitor\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


class FakeModel:
    def __init__(self, precision: str = "onnx-fp32") -> None:
        self.precision = precision

    def info(self) -> Mapping[str, object]:
        return {"model_id": "fake-model", "model_version": "9.9.9+abc", "precision": self.precision, "runtime": "fake"}


def fake_loader(cfg: ModelConfig) -> FakeModel:
    return FakeModel()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ambient config, database URL, secrets or cache; the fake model unless a test says otherwise."""
    for var in (
        "MONITOR_CONFIG",
        "MONITOR_DATABASE_URL",
        "MONITOR_BROKER_URL",
        "MONITOR_WEBHOOK_URL",
        "MONITOR_SMTP_USER",
        "MONITOR_SMTP_PASSWORD",
        "MONITOR_YOUTUBE_API_KEY",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MONITOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(doctor_cmds, "make_seams", lambda: Seams(model_loader=fake_loader))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(folder: Path, sources: str = "", digest: str = "", *, private: bool = True) -> Path:
    """A valid config in ``folder`` whose database is ``folder/monitor.db``."""
    path = folder / "monitor.toml"
    path.write_text(
        f"""
database_url = "sqlite:///monitor.db"

[http]
contact = "ops@example.com"
allow_private_addresses = {str(private).lower()}

[[brands]]
name = "Acme"

[digest]
out_dir = "{folder / "digests"}"
{digest}
{sources}
""",
        encoding="utf-8",
    )
    return path


def rss_source(name: str, url: str) -> str:
    return f'\n[[sources]]\nname = "{name}"\nkind = "rss"\nurl = "{url}"\n'


def migrated(folder: Path, revision: str = "head") -> Path:
    db = folder / "monitor.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine, revision)
    engine.dispose()
    return db


def doctor(*args: str) -> Any:
    return runner.invoke(app, ["doctor", *args])


def lines(output: str) -> list[str]:
    return [ln for ln in output.splitlines() if ln.strip()]


def line_of(output: str, label: str) -> str:
    found = [ln for ln in lines(output) if ln[6:].startswith(label + ":")]
    assert len(found) == 1, output
    return found[0]


# -- the whole command ---------------------------------------------------------------------


def test_a_good_config_is_all_ok(tmp_path: Path, server: LocalServer) -> None:
    server.routes["/feed"] = lambda h: Reply(body=RSS, headers={"Content-Type": "application/rss+xml"})
    cfg = write_config(tmp_path, rss_source("feed", server.url("/feed")))
    migrated(tmp_path)
    res = doctor("--config", str(cfg))
    assert res.exit_code == 0, res.output
    checks = lines(res.output)[:-1]
    assert [ln[:4] for ln in checks] == ["ok  "] * len(checks), res.output
    labels = [ln[6:].split(":", 1)[0] for ln in checks]
    assert labels == ["config", "database", "model mm-e5-small-sentiment", "cache", "source feed", "delivery file"]
    assert f"at revision {head_revisions()[0]} (head), 0 mention(s)" in line_of(res.output, "database")
    assert "fake-model 9.9.9+abc, precision onnx-fp32 (from auto)" in res.output
    assert "CPU: " in res.output
    assert lines(res.output)[-1] == f"{len(checks)} ok, 0 warning(s), 0 failed"
    assert server.requests == []  # offline unless --network
    assert not (tmp_path / "cache").exists() and not (tmp_path / "digests").exists()  # nothing created


def test_the_config_in_the_current_folder_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path)
    migrated(tmp_path)
    monkeypatch.chdir(tmp_path)
    res = doctor()
    assert f"{tmp_path / 'monitor.toml'} (from the current folder): valid; 1 brand(s), 0 source(s)" in res.output
    assert "warn  config sources: no enabled [[sources]]" in res.output and "→ fix: add a source" in res.output
    assert res.exit_code == 0, res.output  # a warning is not a failure


@pytest.mark.parametrize("state", ["missing", "empty", "old"])
def test_an_unmigrated_database_fails_with_the_fix(tmp_path: Path, state: str) -> None:
    cfg = write_config(tmp_path)
    db = tmp_path / "monitor.db"
    if state == "empty":
        sqlite3.connect(db).close()
    elif state == "old":
        migrated(tmp_path, "0001")
    res = doctor("--config", str(cfg))
    assert res.exit_code == 1, res.output
    line = line_of(res.output, "database")
    assert line.startswith("fail") and "→ fix: run `monitor db upgrade`" in line
    expected = {
        "missing": "no database file there yet",
        "empty": "no schema (never migrated",
        "old": f"at revision 0001, head is {head_revisions()[0]}",
    }[state]
    assert expected in line
    assert db.exists() == (state != "missing")  # the doctor creates no database
    assert lines(res.output)[-1].endswith("1 failed")


def test_database_status_on_sqlite_and_postgresql(db_url: str) -> None:
    from monitor._api import MentionIndex
    from monitor._store.health import database_status

    if db_url.startswith("sqlite"):
        sqlite3.connect(db_url.removeprefix("sqlite:///")).close()
    before = database_status(db_url)
    assert before.exists and before.current is None and not before.at_head and before.mentions is None
    idx = MentionIndex.open(config_from_dict({"database_url": db_url, "brands": [{"name": "Acme"}]}))
    try:
        idx.add_mention(brand="Acme", source="test", external_id="1", text="great vacuum", lang="en")
    finally:
        idx.close()
    after = database_status(db_url)
    assert after.at_head and after.current == head_revisions()[0] and after.mentions == 1


def test_a_database_path_that_cannot_be_one_fails(tmp_path: Path) -> None:
    check = check_database(config_from_dict({"database_url": f"sqlite:///{tmp_path / 'no' / 'such' / 'x.db'}"}))
    assert check.status == "fail" and f"database folder {tmp_path / 'no' / 'such'} does not exist" in check.detail
    check = check_database(config_from_dict({"database_url": f"sqlite:///{tmp_path}"}))
    assert check.status == "fail" and f"database {tmp_path} is not a file" in check.detail
    assert not (tmp_path / "no").exists()


def test_a_database_from_a_newer_version_says_so(tmp_path: Path) -> None:
    db = migrated(tmp_path)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    check = check_database(config_from_dict({"database_url": f"sqlite:///{db}"}))
    assert check.status == "fail" and "9999_future, which this version does not know" in check.detail
    assert "upgrade mention-monitor" in check.fix


def test_an_unreachable_database_fails_without_showing_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"postgresql://nobody:hunter2@127.0.0.1:{free_port()}/x")
    res = doctor()  # no config file: the defaults with $MONITOR_DATABASE_URL
    assert res.exit_code == 1, res.output
    assert line_of(res.output, "config").startswith("warn") and "using the defaults" in res.output
    line = line_of(res.output, "database")
    assert line.startswith("fail") and "cannot open the database" in line and "fix: check database_url" in line
    assert "hunter2" not in res.output
    monkeypatch.setenv("MONITOR_DATABASE_URL", "mysql://nobody:hunter2@127.0.0.1/x")
    res = doctor()
    assert res.exit_code == 2 and "MONITOR_DATABASE_URL" in res.output and "hunter2" not in res.output


@pytest.mark.parametrize("scheme", ["amqp", "redis"])
def test_an_unreachable_broker_fails_without_showing_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    """The real probe against a port nobody listens on: one fail line, the URL redacted, exit 1."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"postgresql://nobody@127.0.0.1:{free_port()}/x")
    port = free_port()
    monkeypatch.setenv("MONITOR_BROKER_URL", f"{scheme}://monitor:hunter2@127.0.0.1:{port}/0")
    res = doctor()
    assert res.exit_code == 1, res.output
    line = line_of(res.output, "broker")
    assert line.startswith("fail") and f"{scheme}://REDACTED@127.0.0.1:{port}/0: unreachable:" in line, line
    assert "fix: check [workers] broker_url (or $MONITOR_BROKER_URL)" in line
    assert "hunter2" not in res.output and "broker workers" not in res.output


def test_the_broker_checks_report_queues_dead_letters_and_workers() -> None:
    from monitor._doctor.broker import BrokerState, check_broker

    cfg = config_from_dict(
        {
            "database_url": "postgresql://u@h/d",
            "workers": {"broker_url": "amqp://u:pw@rabbit:5672//", "queue_prefix": "mm"},
        }
    )
    depths = {"mm.collect.0": 0, "mm.collect.1": None, "mm.score": 7, "mm.index": 2, "mm.digest": 0, "mm.dead": 3}

    def probe(found: dict[str, list[str]]) -> Callable[[Any], BrokerState]:
        return lambda _cfg: BrokerState(depths=depths, dead_queue="mm.dead", workers=found)

    checks = {c.label: c for c in check_broker(cfg, probe({}))}
    assert checks["broker"].status == "ok"
    assert (
        checks["broker"].detail
        == "amqp://REDACTED@rabbit:5672//: reachable; 5 queues, 9 task(s) waiting (mm.score 7, mm.index 2)"
    )
    assert (
        checks["broker queues"].status == "warn" and checks["broker queues"].detail == "not declared yet: mm.collect.1"
    )
    assert checks["broker dead letters"].detail == "3 task(s) failed for good and wait in mm.dead"
    assert checks["broker workers"].status == "warn" and "no worker answered a ping" in checks["broker workers"].detail
    some = {"w1@a": ["mm.score", "mm.index"], "w2@b": ["mm.collect.0", "mm.collect.1"]}
    [workers] = [c for c in check_broker(cfg, probe(some)) if c.label == "broker workers"]
    assert workers.status == "warn" and workers.detail.endswith("but none consumes mm.digest")
    every = {**some, "w3@c": ["mm.digest"]}
    [workers] = [c for c in check_broker(cfg, probe(every)) if c.label == "broker workers"]
    assert workers.status == "ok" and workers.detail == "3 worker(s) answer (w1@a, w2@b, w3@c); every queue is consumed"


def test_no_config_exits_2_naming_the_files_looked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = doctor()
    assert res.exit_code == 2, res.output
    out = " ".join(res.output.split())
    assert "fail config: no config file found; looked for: --config (not given); $MONITOR_CONFIG (not set)" in out
    assert f"{tmp_path / 'monitor.toml'} (the current folder)" in out
    assert "fix: create one with `monitor init`" in out
    assert "nothing else was checked" in out
    assert list(tmp_path.iterdir()) == []  # no database, no digests folder


def test_a_named_config_that_is_missing_or_invalid_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gone = tmp_path / "nowhere.toml"
    monkeypatch.setenv("MONITOR_CONFIG", str(gone))
    res = doctor()
    assert res.exit_code == 2 and f"{gone} (from $MONITOR_CONFIG): no such file" in " ".join(res.output.split())
    bad = tmp_path / "bad.toml"
    bad.write_text('[[brands]]\nname = "Acme"\nalises = ["x"]\n', encoding="utf-8")
    res = doctor("--config", str(bad))
    assert res.exit_code == 2, res.output
    assert "invalid configuration" in res.output and "alises" in res.output
    assert f"fix: correct {bad}" in " ".join(res.output.split())


# -- sources over the network --------------------------------------------------------------


def test_network_tells_blocked_from_unreachable(tmp_path: Path, server: LocalServer) -> None:
    server.routes["/feed"] = lambda h: Reply(body=RSS, headers={"Content-Type": "application/rss+xml"})
    server.routes["/walled"] = lambda h: Reply(403, "Forbidden")
    with LocalServer() as strict:
        strict.routes["/robots.txt"] = lambda h: Reply(body=DISALLOW_US, headers={"Content-Type": "text/plain"})
        strict.routes["/feed"] = lambda h: Reply(body=RSS)
        closed = f"http://127.0.0.1:{free_port()}/feed"
        sources = (
            rss_source("fine", server.url("/feed"))
            + rss_source("fine-too", server.url("/feed"))
            + rss_source("disallowed", strict.url("/feed"))
            + rss_source("closed", closed)
            + rss_source("walled", server.url("/walled"))
        )
        cfg = write_config(tmp_path, sources)
        migrated(tmp_path)
        res = doctor("--config", str(cfg), "--network")
        assert strict.hits("/feed") == []  # robots.txt said no: the page is not fetched
    assert res.exit_code == 1, res.output
    fine = line_of(res.output, "network fine")
    assert (
        fine.startswith("ok") and "no robots.txt (HTTP 404): all allowed;" in fine and "/feed answers HTTP 200" in fine
    )
    blocked = line_of(res.output, "network disallowed")
    assert blocked.startswith("fail") and "blocked: robots.txt disallows /feed for mention-monitor" in blocked
    assert "fix: robots.txt asks crawlers like ours to keep out" in blocked
    down = line_of(res.output, "network closed")
    assert down.startswith("fail") and "unreachable: cannot connect to" in down and "blocked" not in down
    assert "fix: check the URL's host and port" in down
    walled = line_of(res.output, "network walled")
    assert walled.startswith("fail") and "blocked: HTTP 403" in walled and "unreachable" not in walled
    [robots] = server.hits("/robots.txt")  # once per host, however many sources it serves
    ua = robots.headers["user-agent"]
    assert ua.startswith("mention-monitor/") and "ops@example.com" in ua  # the project's own client
    assert [ln[6:].split(":")[0] for ln in lines(res.output) if ln.startswith("fail")] == [
        "network disallowed",
        "network closed",
        "network walled",
    ]


def test_private_addresses_are_refused_unless_allowed(tmp_path: Path, server: LocalServer) -> None:
    cfg = write_config(tmp_path, rss_source("local", server.url("/feed")), private=False)
    migrated(tmp_path)
    res = doctor("--config", str(cfg), "--network")
    assert res.exit_code == 1, res.output
    line = line_of(res.output, "source local")
    assert "its host 127.0.0.1 is a loopback address, which the collector refuses" in line
    assert "allow_private_addresses = true" in line
    assert server.requests == []  # refused before any connection


@pytest.mark.parametrize(
    ("result", "reach"),
    [
        (FetchResult("u", "ok", http_status=200), "answers"),
        (FetchResult("u", "failed", "HTTP 404 Not Found", http_status=404), "answers"),
        (FetchResult("u", "blocked", "HTTP 403 Forbidden", http_status=403), "answers"),
        (FetchResult("u", "unreachable", "cannot connect to x:80 (connection refused)"), "unreachable"),
        (FetchResult("u", "unreachable", "timed out after 10 s connecting to x:80 after 1 attempt(s)"), "unreachable"),
        # the words alone decide nothing: the client's status does (monitor._http.reach)
        (FetchResult("u", "failed", "connection reset by x:80 before it answered after 1 attempt(s)"), "failed"),
        (FetchResult("u", "failed", "refused: URL host 10.0.0.1 (private address); set …"), "refused"),
        (FetchResult("u", "failed", "body over 5000000 bytes"), "failed"),
    ],
)
def test_reach_of_a_fetch_result(result: FetchResult, reach: str) -> None:
    assert reach_of(result) == reach


# -- delivery --------------------------------------------------------------------------------


def test_send_test_posts_one_message_to_the_webhook(
    tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.routes["/hook"] = lambda h: Reply(200, "ok")
    monkeypatch.setenv("MONITOR_WEBHOOK_URL", server.url("/hook") + "?token=s3cr3t")
    cfg = write_config(tmp_path, digest='delivery = ["file", "webhook"]')
    migrated(tmp_path)
    res = doctor("--config", str(cfg))
    assert res.exit_code == 0 and server.requests == []  # settings only, nothing sent
    assert "ok    delivery webhook: to 127.0.0.1 (URL from MONITOR_WEBHOOK_URL)" in res.output
    res = doctor("--config", str(cfg), "--send-test")
    assert res.exit_code == 0, res.output
    [hit] = server.hits("/hook")
    assert hit.method == "POST" and "doctor: test message" in json.loads(hit.body)["text"]
    assert "ok    send-test webhook: 127.0.0.1 accepted a test message" in res.output
    assert "s3cr3t" not in res.output


def test_send_test_reports_a_refusing_webhook_and_a_missing_url(
    tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = write_config(tmp_path, digest='delivery = ["file", "webhook"]')
    migrated(tmp_path)
    res = doctor("--config", str(cfg))
    assert res.exit_code == 1 and "MONITOR_WEBHOOK_URL is not set → fix: export MONITOR_WEBHOOK_URL" in res.output
    server.routes["/hook"] = lambda h: Reply(404, "no such hook")
    monkeypatch.setenv("MONITOR_WEBHOOK_URL", server.url("/hook"))
    res = doctor("--config", str(cfg), "--send-test")
    assert res.exit_code == 1 and len(server.hits("/hook")) == 1
    assert "fail  send-test webhook: webhook 127.0.0.1: HTTP 404" in res.output


def test_smtp_settings_and_a_test_email(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Inbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope.original_content or envelope.content)
            return "250 Message accepted for delivery"

    port = free_port()
    digest = (
        f'delivery = ["file", "smtp"]\nrecipients = ["ops@example.com"]\n'
        f'smtp_host = "127.0.0.1"\nsmtp_port = {port}\nsmtp_security = "none"'
    )
    cfg = write_config(tmp_path, digest=digest)
    migrated(tmp_path)
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        res = doctor("--config", str(cfg), "--send-test")
    finally:
        controller.stop()
    assert res.exit_code == 0, res.output
    assert (
        f"ok    delivery smtp: 127.0.0.1:{port} (none) from mention-monitor@localhost to 1 recipient(s)" in res.output
    )
    assert f"127.0.0.1:{port} accepted a test e-mail to ops@example.com" in res.output
    assert len(received) == 1 and b"Subject: mention-monitor doctor: test message" in received[0]
    res = doctor("--config", str(cfg), "--send-test")  # the server is gone now
    assert res.exit_code == 1 and "fail  send-test smtp:" in res.output and "ConnectionRefusedError" in res.output


def test_smtp_without_recipients_fails(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, digest='delivery = ["smtp"]')
    migrated(tmp_path)
    res = doctor("--config", str(cfg))
    assert res.exit_code == 1 and "digest.recipients is empty → fix: set digest.recipients" in res.output


# -- the model -------------------------------------------------------------------------------


def test_model_check_reports_failure_and_emulated_bf16() -> None:
    def broken(cfg: ModelConfig) -> FakeModel:
        raise ModelError("models/x: cannot read model config (No such file)")

    check = check_model(ModelConfig(), broken, cpu_flags=lambda: frozenset({"avx2"}))
    assert check.status == "fail" and "does not load: models/x" in check.detail and "CPU: avx2" in check.detail
    ticks = iter([10.0, 12.5])
    slow = check_model(
        ModelConfig(precision="bf16"),
        lambda cfg: FakeModel("bf16"),
        cpu_flags=lambda: frozenset({"avx2", "avx512f"}),
        clock=lambda: next(ticks),
    )
    assert slow.status == "warn" and "loaded in 2.5 s" in slow.detail and "emulates bf16" in slow.detail
    assert slow.fix == 'set [model] precision = "auto"'
    native = frozenset({"amx_bf16"})
    fast = check_model(ModelConfig(precision="bf16"), lambda cfg: FakeModel("bf16"), cpu_flags=lambda: native)
    assert fast.status == "ok"


def test_cpu_flags_are_the_kernels_list() -> None:
    from monitor._sentiment.loader import cpu_flags, cpu_has_fast_bf16

    info = Path("/proc/cpuinfo")
    if not info.is_file():
        assert cpu_flags() == frozenset() and not cpu_has_fast_bf16()
        return
    first = next(ln for ln in info.read_text().splitlines() if ln.split(":")[0].strip() in ("flags", "Features"))
    assert cpu_flags() == frozenset(first.split(":", 1)[1].split())
    assert cpu_has_fast_bf16() == bool({"avx512_bf16", "amx_bf16"} & cpu_flags())


def test_a_check_that_raises_becomes_a_fail_line(tmp_path: Path) -> None:
    write_config(tmp_path)
    migrated(tmp_path)

    def explode(cfg: ModelConfig) -> FakeModel:
        raise RuntimeError("surprise")

    seen: list[Check] = []
    report = run_doctor(
        tmp_path / "monitor.toml", seams=Seams(model_loader=explode), env={}, cwd=tmp_path, on_check=seen.append
    )
    [model] = [c for c in report.checks if c.area == "model"]
    assert model.status == "fail" and "RuntimeError: surprise" in model.detail
    assert [c.area for c in seen][-1] == "delivery"  # the checks after it still ran
    assert report.exit_code == 1


def test_output_is_escaped(tmp_path: Path) -> None:
    from rich.console import Console

    line = doctor_cmds.format_check(Check("network", "x", "fail", "blocked: \x1b[31mred[/] [bold]x\u202e", "fix [it]"))
    console = Console(record=True, width=200, force_terminal=True)
    console.print(line, soft_wrap=True)
    text = console.export_text()
    assert "\x1b" not in text and "\u202e" not in text and "[bold]x" in text and "fix [it]" in text


@pytest.mark.slow
@pytest.mark.model
def test_the_real_model_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITOR_CACHE_DIR")  # the converted base model lives in the user's cache
    check = check_model(ModelConfig())
    assert check.status == "ok", check
    assert (
        check.detail.startswith("mm-e5-small-sentiment ") and "precision " in check.detail and "CPU: " in check.detail
    )


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv
