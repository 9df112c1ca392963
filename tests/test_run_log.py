"""`monitor run` says what it did: one outcome line per job (and per `--once` step), routine
events at DEBUG, ISO 8601 times with the offset of `digest.timezone`, JSON lines for log
shippers, and never a secret.

The jobs are the real ones (collect → score → refresh, digest, retention), fired by the
real scheduler (``tick`` on an injected clock) against a feed, a blocked page, a webhook
and an SMTP server on 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import logging
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from monitor import _schedule as sch
from monitor._api import MentionIndex
from monitor._cli import _register  # noqa: F401  (registers every command module)
from monitor._cli.app import app
from monitor._config import Config, config_from_dict
from monitor._logs import JsonFormatter, TextFormatter, configure_logging, log_crash, outcome
from monitor._records import Prediction
from monitor._schedule.jobs import install_runtime
from monitor._stamps import iso_stamp
from monitor.errors import ConfigError, ModelError

try:
    from test_http_localserver import Handler, LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import Handler, LocalServer, Reply

STOCKHOLM = ZoneInfo("Europe/Stockholm")
#: Secrets that must never reach the log: a webhook's token (user, password, path, query),
#: a source URL's API key, an SMTP password.
SECRETS = ("hunter2", "SECRETPATH", "tok3n", "SOURCEKEY", "smtp-pa55")
STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}) (DEBUG|INFO|WARNING|ERROR|CRITICAL) +\S")
ITEMS = [
    ("1", "Acme drill broke after a week, very disappointed"),
    ("2", "Great Acme drill, works perfectly every single time"),
    ("3", "The Acme saw is fine, nothing special to report"),
]


class Keywords:
    """A stand-in model with a declared id and version: the words say the sentiment."""

    model_id = "keywords"
    model_version = "7"

    def predict(self, texts: list[str], langs: list[str] | None = None) -> list[Prediction]:
        out = []
        for t in texts:
            p = (0.9, 0.05, 0.05) if "broke" in t else (0.05, 0.05, 0.9) if "Great" in t else (0.1, 0.8, 0.1)
            label = ("negative", "neutral", "positive")[max(range(3), key=lambda i: p[i])]
            out.append(Prediction(label, *p, self.model_id, self.model_version))  # type: ignore[arg-type]
        return out


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def rss(items: list[tuple[str, str]]) -> str:
    published = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    body = "".join(
        f"<item><guid>{i}</guid><title>{t}</title><link>https://example.com/{i}</link>"
        f"<description>{t}</description><pubDate>{published}</pubDate></item>"
        for i, t in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{body}</channel></rss>'


@dataclass
class Site:
    """The feed (ETag, 304 when unchanged), a page that refuses us, a webhook, an SMTP server."""

    server: LocalServer
    inbox: Inbox
    smtp_port: int
    hooks: list[bytes] = field(default_factory=list)

    def feed(self, h: Handler) -> Reply:
        if h.request_info.headers.get("if-none-match") == '"v1"':
            return Reply(304, b"", headers={"ETag": '"v1"'})
        return Reply(200, rss(ITEMS), headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})

    def hook(self, h: Handler) -> Reply:
        self.hooks.append(h.request_info.body)
        return Reply(200, "ok")

    def config(self, tmp: Path, **digest: object) -> Config:
        base = self.server.base
        return config_from_dict(
            {
                "database_url": f"sqlite:///{tmp / 'm.db'}",
                "brands": [{"name": "Acme"}],
                "sources": [
                    {"name": "feed", "kind": "rss", "brand": "Acme", "url": f"{base}/feed.xml", "schedule": "30m"},
                    {
                        "name": "gone",
                        "kind": "rss",
                        "brand": "Acme",
                        "url": f"{base}/gone.xml?key=SOURCEKEY",
                        "schedule": "30m",
                    },
                ],
                "http": {"allow_private_addresses": True, "min_interval_s": 0, "retries": 0, "contact": "ops@example"},
                "index": {"timezone": "Europe/Stockholm"},
                "digest": {
                    "timezone": "Europe/Stockholm",
                    "out_dir": str(tmp / "digests"),
                    "delivery": ["file", "smtp", "webhook"],
                    "recipients": ["a@example.com", "b@example.com"],
                    "smtp_host": "127.0.0.1",
                    "smtp_port": self.smtp_port,
                    "smtp_security": "none",
                    **digest,
                },
            }
        )


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setattr(logging.getLogger("mail.log"), "level", logging.WARNING)  # the test's SMTP server
    inbox = Inbox()
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = int(free.getsockname()[1])
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with LocalServer() as server:
            s = Site(server, inbox, port)
            server.routes["/robots.txt"] = lambda h: Reply(200, "User-agent: *\nAllow: /\n")
            server.routes["/feed.xml"] = s.feed
            server.routes["/gone.xml"] = lambda h: Reply(403, "<html>Forbidden</html>")
            server.routes["/hooks/T0/SECRETPATH"] = s.hook
            url = f"http://hookuser:hunter2@{server.base.removeprefix('http://')}/hooks/T0/SECRETPATH?token=tok3n"
            monkeypatch.setenv("MONITOR_WEBHOOK_URL", url)
            monkeypatch.setenv("MONITOR_SMTP_PASSWORD", "smtp-pa55")
            monkeypatch.delenv("MONITOR_LOG_FORMAT", raising=False)
            yield s
    finally:
        controller.stop()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Logs:
    """What the log said, three ways: text at INFO, JSON at INFO, JSON at DEBUG."""

    text: io.StringIO = field(default_factory=io.StringIO)
    json: io.StringIO = field(default_factory=io.StringIO)
    debug: io.StringIO = field(default_factory=io.StringIO)

    def records(self, which: str = "json") -> list[dict[str, Any]]:
        return [json.loads(line) for line in getattr(self, which).getvalue().splitlines()]

    def outcomes(self) -> list[dict[str, Any]]:
        return [r for r in self.records() if "job" in r]

    def everything(self) -> str:
        return self.text.getvalue() + self.json.getvalue() + self.debug.getvalue()


@pytest.fixture
def logs() -> Iterator[Logs]:
    out = Logs()
    with (
        configure_logging(logging.INFO, fmt="text", tz=STOCKHOLM, stream=out.text),
        configure_logging(logging.INFO, fmt="json", tz=STOCKHOLM, stream=out.json),
        configure_logging(logging.DEBUG, fmt="json", tz=STOCKHOLM, stream=out.debug),
    ):
        yield out


def next_local(after: datetime, at: time) -> datetime:
    """The first ``at`` (Stockholm) at least a day after ``after``: every daily job is due then."""
    day = (after + timedelta(days=1)).astimezone(STOCKHOLM).date()
    when = datetime.combine(day, at, STOCKHOLM)
    return when if when >= after + timedelta(days=1) else when + timedelta(days=1)


def run_jobs_twice(cfg: Config) -> tuple[datetime, datetime]:
    """Fire the real jobs: the collect jobs at start-up, then (a day later) every job."""
    t0 = datetime.now(UTC).replace(microsecond=0)
    t1 = next_local(t0, time(8, 1)).astimezone(UTC)
    clock = Clock(t0)
    with MentionIndex.open(cfg) as idx:
        install_runtime(sch.Runtime(cfg=cfg, idx=idx, clock=clock, classifier_loader=Keywords))
        sched = sch.make_scheduler(idx.store.engine, clock=clock, inline=True, timezone_name="Europe/Stockholm")
        try:
            sched.open()
            sch.sync_jobs(sched, cfg)
            sched.tick(t0)
            clock.now = t1
            sched.tick(t1)
        finally:
            sched.shutdown()
            install_runtime(None)
    return t0, t1


# -- the scheduler's jobs ---------------------------------------------------------------


def test_each_job_logs_one_outcome_line_with_its_numbers(site: Site, logs: Logs, tmp_path: Path) -> None:
    run_jobs_twice(site.config(tmp_path))
    lines = logs.outcomes()
    jobs = [r["job"] for r in lines]
    # Two firings of each collect job, one digest, one retention: one line each.
    assert sorted(jobs) == ["collect:feed", "collect:feed", "collect:gone", "collect:gone", "digest", "retention"]

    first, second = [r for r in lines if r["job"] == "collect:feed"]
    assert first["level"] == "INFO" and first["status"] == "ok" and first["kind"] == "collect"
    assert first["source"] == "feed" and first["new"] == 3 and first["duplicate"] == 0 and first["skipped"] == 0
    assert first["scored"] == 3 and first["model"] == "keywords" and first["model_version"] == "7"
    assert first["refreshed"] >= 1 and isinstance(first["duration_s"], float)
    assert "collect:feed ok in " in first["message"] and "3 new" in first["message"]
    assert "scored 3 with keywords 7" in first["message"]
    # The second run got a 304: the job says so once, at INFO; nothing new, nothing scored.
    assert second["level"] == "INFO" and second["status"] == "not_modified"
    assert second["new"] == 0 and second["scored"] == 0

    for gone in (r for r in lines if r["job"] == "collect:gone"):
        assert gone["level"] == "WARNING" and gone["status"] == "blocked"
        assert "403" in gone["error"] and "403" in gone["message"]  # the reason, on the line itself

    [digest] = [r for r in lines if r["job"] == "digest"]
    assert digest["level"] == "INFO" and digest["status"] == "ok", digest
    channels = {d["channel"]: d for d in digest["delivered"]}
    assert channels["file"]["to"].endswith(f"digest-{digest['day']}.html") and Path(channels["file"]["to"]).is_file()
    assert channels["smtp"]["to"] == f"2 recipients via 127.0.0.1:{site.smtp_port}"
    assert channels["webhook"]["to"] == "127.0.0.1"  # the host only: the URL carries the token
    assert all(d["status"] == "delivered" for d in channels.values())
    assert f"digest {digest['day']} ok in " in digest["message"] and "webhook 127.0.0.1" in digest["message"]
    assert len(site.inbox.messages) == 1 and len(site.hooks) == 1  # really delivered

    [retention] = [r for r in lines if r["job"] == "retention"]
    assert retention["status"] == "ok" and {"mentions", "runs", "leases"} <= set(retention)

    # The text log has the same lines, one each.
    text = logs.text.getvalue().splitlines()
    assert sum(1 for ln in text if " collect:feed ok in " in ln) == 1
    assert sum(1 for ln in text if " collect:feed not_modified in " in ln) == 1
    assert sum(1 for ln in text if " WARNING collect:gone blocked in " in ln) == 2


def test_routine_events_are_debug_only(site: Site, logs: Logs, tmp_path: Path) -> None:
    run_jobs_twice(site.config(tmp_path))
    info = logs.records()
    debug = logs.records("debug")
    # The 304 itself is a DEBUG line of the HTTP layer; at INFO only the job's outcome says it.
    assert any(r["logger"] == "monitor._http" and "not_modified" in r["message"] for r in debug)
    assert not [r for r in info if r["logger"].startswith("monitor._http")]
    assert not [r for r in info if r["logger"].startswith(("monitor._digest", "monitor._collect", "httpx"))]
    # Every INFO-and-above line is an outcome line, an alert or a scheduler event: nothing routine.
    others = [r["message"] for r in info if "job" not in r and not r["message"].startswith("alert for ")]
    assert others == [], others


def test_times_are_iso_8601_with_the_offset_of_digest_timezone(site: Site, logs: Logs, tmp_path: Path) -> None:
    run_jobs_twice(site.config(tmp_path))
    text = logs.text.getvalue().splitlines()
    assert text
    for line in text:
        m = STAMP.match(line)
        assert m, f"not an ISO 8601 line: {line!r}"
        stamp = datetime.fromisoformat(m[1])
        assert stamp.utcoffset() == stamp.astimezone(STOCKHOLM).utcoffset(), line
        assert abs(stamp - datetime.now(UTC)) < timedelta(minutes=5)
    for rec in logs.records() + logs.records("debug"):
        stamp = datetime.fromisoformat(rec["ts"])
        assert stamp.utcoffset() == stamp.astimezone(STOCKHOLM).utcoffset() and rec["ts"][10] == "T"
    assert stamp.utcoffset() != timedelta(0)  # Stockholm is never UTC: the zone really is applied


def test_times_are_utc_when_digest_timezone_is_unset(site: Site, tmp_path: Path, keywords_model: None) -> None:
    cfg = write_config(site, tmp_path)
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('[digest]\ntimezone = "Europe/Stockholm"\n', "[digest]\n"))
    res = CliRunner().invoke(app, ["run", "--once", "--digest", "skip", "--config", str(cfg)])
    lines = res.stderr.splitlines()
    assert lines and all(ln[:25].endswith("+00:00") and STAMP.match(ln) for ln in lines), lines
    assert iso_stamp(datetime(2026, 12, 1, 13, 42, 12)) == "2026-12-01T13:42:12+00:00"  # naive is UTC


def test_json_lines_all_parse_and_carry_the_fields(site: Site, logs: Logs, tmp_path: Path) -> None:
    run_jobs_twice(site.config(tmp_path))
    for which in ("json", "debug"):
        raw = getattr(logs, which).getvalue().splitlines()
        assert raw
        for line in raw:
            rec = json.loads(line)  # every line is one JSON object
            assert {"ts", "level", "logger", "message"} <= set(rec), rec
    for rec in logs.outcomes():
        assert {"job", "kind", "status", "duration_s"} <= set(rec), rec


def test_secrets_never_reach_the_log(site: Site, logs: Logs, tmp_path: Path) -> None:
    run_jobs_twice(site.config(tmp_path))
    everything = logs.everything()
    assert "127.0.0.1" in everything and "SOURCEKEY" not in everything
    for secret in SECRETS:
        assert secret not in everything, secret


def test_a_failed_delivery_is_one_warning_with_the_reason_and_no_secret(site: Site, logs: Logs, tmp_path: Path) -> None:
    site.server.routes["/hooks/T0/SECRETPATH"] = lambda h: Reply(400, "invalid_token SECRETPATH")
    run_jobs_twice(site.config(tmp_path))
    [digest] = [r for r in logs.outcomes() if r["job"] == "digest"]
    assert digest["level"] == "WARNING" and digest["status"] == "partial"
    webhook = next(d for d in digest["delivered"] if d["channel"] == "webhook")
    assert webhook["status"] == "failed" and "HTTP 400" in webhook["error"] and webhook["kept"]
    assert "webhook 127.0.0.1 failed: webhook 127.0.0.1: HTTP 400" in digest["message"]
    assert "outbox" in digest["message"]
    warnings = [r for r in logs.records() if r["level"] in ("WARNING", "ERROR") and "400" in r["message"]]
    assert warnings == [digest]  # said once
    for secret in SECRETS:
        assert secret not in logs.everything(), secret


# -- an unexpected failure, a known one -------------------------------------------------


def _no_model() -> Keywords:
    raise ModelError("model 'mm-e5-small-sentiment' is not in the cache: run `monitor model download`")


def _broken_model() -> Keywords:
    raise ZeroDivisionError("a bug in a backend")


@pytest.mark.parametrize(("loader", "traceback"), [(_no_model, False), (_broken_model, True)])
def test_a_job_that_fails_says_why_once(site: Site, logs: Logs, tmp_path: Path, loader: Any, traceback: bool) -> None:
    cfg = site.config(tmp_path)
    with MentionIndex.open(cfg) as idx:
        install_runtime(sch.Runtime(cfg=cfg, idx=idx, classifier_loader=loader))
        try:
            result = sch.collect_job("feed")
        finally:
            install_runtime(None)
    assert result["status"] == "failed" and result["new"] == 3
    [line] = logs.outcomes()
    assert line["level"] == "WARNING" and line["status"] == "failed" and line["new"] == 3 and line["scored"] == 0
    assert "scoring failed" in line["error"] and ("model download" in line["error"] or "backend" in line["error"])
    problems = [r for r in logs.records() if r["level"] in ("WARNING", "ERROR")]
    if traceback:  # a bug: its traceback once, at ERROR, and the job's line
        [bug] = [r for r in problems if r is not line and "exc" in r]
        assert "ZeroDivisionError" in bug["exc"] and len(problems) == 2
    else:  # a known failure: one line, no traceback anywhere at INFO or above
        assert problems == [line] and "Traceback" not in logs.text.getvalue()


def test_an_unexpected_exception_is_one_error_with_its_traceback_a_known_one_has_none() -> None:
    buf = io.StringIO()
    with configure_logging(logging.INFO, fmt="json", stream=buf):
        try:
            raise ZeroDivisionError("division by zero in a job")
        except ZeroDivisionError as exc:
            log_crash("collect:feed", exc, 0.25)
        log_crash("digest", ConfigError("digest.out_dir: not writable"), 0.01)
    crash, known = (json.loads(line) for line in buf.getvalue().splitlines())
    assert crash["level"] == "ERROR" and crash["status"] == "failed" and crash["job"] == "collect:feed"
    assert "ZeroDivisionError" in crash["error"] and "Traceback" in crash["exc"]
    assert known["level"] == "ERROR" and known["error"] == "digest.out_dir: not writable" and "exc" not in known


def test_formatters_mask_secrets_and_control_characters() -> None:
    rec = logging.LogRecord(
        "monitor.run", logging.INFO, __file__, 1, "fetch %s\x1b[2J", ("https://u:hunter2@h/x?token=tok3n",), None
    )
    rec.created = datetime(2026, 12, 1, 13, 42, 12, tzinfo=UTC).timestamp()
    rec.monitor_fields = {"job": "x", "url": "https://h/?key=SOURCEKEY", "n": 3}
    text = TextFormatter(STOCKHOLM).format(rec)
    assert text == "2026-12-01T14:42:12+01:00 INFO    fetch https://u:REDACTED@h/x?token=REDACTED"  # no \x1b[2J
    obj = json.loads(JsonFormatter(UTC).format(rec))
    assert obj["ts"] == "2026-12-01T13:42:12+00:00" and obj["n"] == 3 and obj["job"] == "x"
    assert "SOURCEKEY" not in obj["url"] and "hunter2" not in obj["message"]


def test_outcome_fields_never_replace_the_base_keys() -> None:
    buf = io.StringIO()
    with configure_logging(logging.INFO, fmt="json", stream=buf):
        outcome(logging.getLogger("monitor.run"), logging.INFO, "said", {"message": "other", "level": "X", "k": 1})
    obj = json.loads(buf.getvalue())
    assert obj["message"] == "said" and obj["level"] == "INFO" and obj["k"] == 1


# -- the command line: run --once, --log-format, status -----------------------------------


def write_config(site: Site, tmp: Path) -> Path:
    cfg = site.config(tmp)
    base = site.server.base
    path = tmp / "monitor.toml"
    path.write_text(
        f"""
database_url = "{cfg.database_url}"
[http]
allow_private_addresses = true
min_interval_s = 0
retries = 0
contact = "ops@example"
[index]
timezone = "Europe/Stockholm"
[digest]
timezone = "Europe/Stockholm"
out_dir = "{tmp / "digests"}"
delivery = ["file", "webhook"]
[[brands]]
name = "Acme"
[[sources]]
name = "feed"
kind = "rss"
brand = "Acme"
url = "{base}/feed.xml"
[[sources]]
name = "gone"
kind = "rss"
brand = "Acme"
url = "{base}/gone.xml?key=SOURCEKEY"
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def keywords_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import monitor._sentiment

    monkeypatch.setattr(monitor._sentiment, "load_classifier", lambda _cfg: Keywords())


def test_run_once_log_format_json(site: Site, tmp_path: Path, keywords_model: None) -> None:
    cfg = write_config(site, tmp_path)
    res = CliRunner().invoke(app, ["run", "--once", "--digest", "force", "--config", str(cfg), "--log-format", "json"])
    assert res.exit_code in (0, 1), res.output  # (which one is the exit-code deliverable's business)
    records = [json.loads(line) for line in res.stderr.splitlines()]  # every line is JSON
    steps = {r["kind"]: r for r in records if r.get("logger") == "monitor.run"}
    assert list(steps) == ["collect", "score", "themes", "aspects", "refresh", "digest"]
    assert steps["collect"]["status"] == "partial" and steps["collect"]["level"] == "WARNING"
    assert steps["collect"]["new"] == 3 and steps["collect"]["sources"] == 2 and steps["collect"]["blocked"] == 1
    assert steps["score"]["scored"] == 3 and steps["score"]["model_version"] == "7"
    assert steps["refresh"]["status"] == "ok" and "alerts" in steps["refresh"]
    assert steps["digest"]["status"] == "ok" and {d["channel"] for d in steps["digest"]["delivered"]} == {
        "file",
        "webhook",
    }
    for r in records:
        stamp = datetime.fromisoformat(r["ts"])
        assert stamp.utcoffset() == stamp.astimezone(STOCKHOLM).utcoffset()
    for secret in SECRETS:
        assert secret not in res.output, secret


def test_log_format_from_the_environment_and_a_bad_one(site: Site, tmp_path: Path, keywords_model: None) -> None:
    cfg = write_config(site, tmp_path)
    runner = CliRunner()
    args = ["run", "--once", "--digest", "skip", "--config", str(cfg)]
    res = runner.invoke(app, args, env={"MONITOR_LOG_FORMAT": "json"})
    assert res.stderr and all(json.loads(line)["ts"] for line in res.stderr.splitlines())
    res = runner.invoke(app, ["run", "--once", "--config", str(cfg), "--log-format", "xml"])
    assert res.exit_code == 2 and "--log-format 'xml': expected text or json" in res.output
    res = runner.invoke(app, ["run", "--once", "--digest", "skip", "--config", str(cfg)])  # text by default
    lines = res.stderr.splitlines()
    assert lines and all(STAMP.match(ln) for ln in lines), lines


def test_status_shows_the_same_timestamps(site: Site, tmp_path: Path) -> None:
    cfg = write_config(site, tmp_path)
    from monitor._config import load_config

    with configure_logging(logging.CRITICAL, stream=io.StringIO()):
        run_jobs_twice(load_config(cfg))
    res = CliRunner().invoke(app, ["status", "--config", str(cfg)], env={"COLUMNS": "100"})
    assert res.exit_code == 0, res.output
    stamps = re.findall(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}\b", res.stdout)
    assert len(stamps) >= 4  # next runs, last runs, run starts, last successes
    for s in stamps:
        moment = datetime.fromisoformat(s)
        assert moment.utcoffset() == moment.astimezone(STOCKHOLM).utcoffset()
    assert max(len(ln) for ln in res.stdout.splitlines()) <= 100


# -- no false alarm: a run another thread of this process is running is not "abandoned" -------


def test_a_run_of_this_process_is_not_taken_for_abandoned(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from monitor import _liveness as liveness

    url = f"sqlite:///{tmp_path / 'm.db'}"
    with MentionIndex.open(url) as one, MentionIndex.open(url) as other:  # two jobs' stores, one process
        first = one.store.start_run("collect")
        with caplog.at_level(logging.WARNING):
            second = other.store.start_run("score")  # closed what it took for dead: nothing
        status = {r.id: r.status for r in one.recent_runs()}
        assert status == {first: "running", second: "running"}
        assert "abandoned" not in caplog.text
        one.store.finish_run(first, "ok", {}, [])
        other.store.finish_run(second, "ok", {}, [])
    owner, now = liveness.process_owner(), datetime.now(UTC)
    before = liveness.PROCESS_STARTED - timedelta(seconds=1)  # a row an earlier process with our pid left
    assert liveness.owner_gone(owner, now, now, started=before) is not None
    assert liveness.owner_gone(owner, now, now, started=now) is None


# -- the digest: the same timestamp format ------------------------------------------------


def test_the_digest_shows_instants_as_iso_8601_with_the_offset() -> None:
    from dataclasses import replace

    from monitor._digest.records import SourceHealth
    from monitor._digest.render import render_all

    try:
        from test_digest_render import brand, digest
    except ImportError:  # tests/ is a package
        from tests.test_digest_render import brand, digest

    shop = SourceHealth("shop", "reviews", "Acme", "blocked", datetime(2026, 11, 2, 12, 0, tzinfo=UTC), "HTTP 403")
    partial = replace(digest(brand("Acme"), problems=[shop]), generated_at=datetime(2026, 11, 3, 21, 5, 9, tzinfo=UTC))
    rendered = render_all(partial, markdown=True)
    as_of = "as of 2026-11-03T22:05:09+01:00 (Europe/Stockholm)"
    assert as_of in rendered.text and as_of in rendered.html_file
    assert rendered.markdown is not None and as_of in rendered.markdown  # our own text: not escaped
    assert "last success 2026-11-02T13:00:00+01:00" in rendered.html_file
