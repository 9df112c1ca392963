"""The exit codes of the README's table, the same for every command.

0 all good; 1 something failed (a source blocked, failed or partly collected, a failed
delivery); 2 bad usage or configuration (no project, a bad config, a bad option value);
3 interrupted. Real loopback HTTP for the sources and the webhook, real SQLite files, a
stand-in for the sentiment model.

Exit code 3 end to end (a real process, SIGTERM mid-write) is held by tests/test_crash.py
(``run``, ``collect``, ``import``, ``score``), tests/test_pipeline.py (``run --once``) and
tests/test_scheduler.py (``run``); here, the one mechanism every command uses.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import monitor._sentiment
from monitor._cli import _register  # noqa: F401  (registers every command module)
from monitor._cli.app import app
from monitor._cli.common import interruptible
from monitor._records import Prediction

try:
    from test_http_localserver import LocalServer, Reply
    from test_no_project import PROJECT_COMMANDS
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import LocalServer, Reply
    from tests.test_no_project import PROJECT_COMMANDS

runner = CliRunner()
RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>news</title>'
    "<item><guid>1</guid><title>Acme</title><description>Acme support fixed my order within a day</description>"
    "<pubDate>Mon, 30 Nov 2026 10:00:00 GMT</pubDate></item>"
    "<item><guid>2</guid><title>Rival</title><description>Rival lost my parcel twice this month</description>"
    "<pubDate>Mon, 30 Nov 2026 11:00:00 GMT</pubDate></item>"
    "</channel></rss>"
)


class NeutralModel:
    """Stands in for the sentiment model: every text is neutral."""

    model_id, model_version = "neutral", "1"

    def predict(self, texts: list[str], langs: list[str | None] | None = None) -> list[Prediction]:
        return [Prediction("neutral", 0.1, 0.8, 0.1, self.model_id, self.model_version) for _ in texts]

    def info(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "model_version": self.model_version, "backend": "neutral"}


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        srv.routes["/feed"] = lambda h: Reply(body=RSS, headers={"Content-Type": "application/rss+xml"})
        srv.routes["/down"] = lambda h: Reply(500, "<html>down</html>")
        srv.routes["/hook"] = lambda h: Reply(400, "invalid_payload")
        yield srv


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cwd: an empty folder, no project in the environment, the stand-in model."""
    folder = tmp_path / "work"
    folder.mkdir()
    (tmp_path / "mentions.csv").write_text("text,brand\nAcme answered the phone at once,Acme\n", encoding="utf-8")
    monkeypatch.chdir(folder)
    for var in ("MONITOR_CONFIG", "MONITOR_DATABASE_URL", "MONITOR_WEBHOOK_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(monitor._sentiment, "load_classifier", lambda cfg=None, cache=None: NeutralModel())
    return folder


def write_config(folder: Path, server: LocalServer, *sources: str, delivery: str = '"file"') -> Path:
    """A project in ``folder`` reading the given paths of ``server``, one rss source each."""
    blocks = "".join(
        f'[[sources]]\nname = "{path.strip("/")}"\nkind = "rss"\nurl = "{server.url(path)}"\n' for path in sources
    )
    cfg = folder / "monitor.toml"
    cfg.write_text(
        f'database_url = "sqlite:///{folder / "monitor.db"}"\n'
        '[[brands]]\nname = "Acme"\n[[brands]]\nname = "Rival"\n'
        '[http]\ncontact = "ops@example.com"\nallow_private_addresses = true\nretries = 0\nmin_interval_s = 0\n'
        "timeout_s = 10\n"
        f'[digest]\ntimezone = "UTC"\nout_dir = "{folder / "digests"}"\ndelivery = [{delivery}]\n' + blocks,
        encoding="utf-8",
    )
    return cfg


def invoke(args: list[str]) -> Any:
    res = runner.invoke(app, args, env={"COLUMNS": "120"})
    assert "Traceback" not in res.output, res.output
    return res


# ---------------------------------------------------------------- 2: bad usage or configuration


@pytest.mark.parametrize("args", PROJECT_COMMANDS, ids=" ".join)
def test_no_project_exits_2(work: Path, args: list[str]) -> None:
    res = invoke(args)
    assert res.exit_code == 2 and "no config file found" in res.output, res.output


@pytest.mark.parametrize("args", PROJECT_COMMANDS, ids=" ".join)
def test_a_bad_config_exits_2(work: Path, args: list[str]) -> None:
    bad = work.parent / "bad.toml"
    bad.write_text('[[sources]]\nname = "hn"\nkind = "hackernews"\nquery = "acme"\nschedule = "sometimes"\n')
    res = invoke([*args, "--config", str(bad)])
    assert res.exit_code == 2, res.output
    assert "invalid configuration" in res.output and "schedule 'sometimes'" in res.output, res.output


BAD_OPTIONS: list[list[str]] = [
    ["collect", "--workers", "0"],
    ["collect", "--source", "nosuch"],
    ["run", "--digest", "never"],
    ["run", "--once", "--digest", "never"],
    ["score", "--batch", "0"],
    ["digest", "--to", "pigeon"],
    ["digest", "--date", "2026-13-01"],
    ["digest", "--brand", "Nobody"],
    ["status", "--runs", "many"],
    ["import", "../mentions.xlsx"],
    ["db", "upgrade", "--db", "ftp://db.example/monitor"],
    ["label", "1", "maybe"],
    ["query", "satisfaction", "Acme", "--by", "year"],
    ["query", "breakdown", "Acme", "--by", "colour"],
    ["query", "mentions", "Acme", "--limit", "0"],
    ["query", "mentions", "Acme", "--aspect", "colour"],
    ["query", "mentions", "Acme", "--theme", "999"],
    ["query", "compare", "Acme", "Rival", "--since", "soon"],
    ["query", "alerts", "Acme", "--json", "--csv"],
    ["query", "complaints", "Acme", "--status", "maybe"],
    ["complaints", "answer", "abc"],
    ["export", "../out.txt"],
    ["verify", "--repair", "yes"],
    ["sources", "list", "--format", "xml"],
    ["sources", "parse", "rss"],
    ["doctor", "--network", "yes"],
    ["serve", "--port", "http"],
    ["worker", "--concurrency", "0"],
    ["user", "add", "lead", "--role", "owner"],
    ["user", "list", "--json", "maybe"],
    ["user", "password"],
    ["user", "remove"],
    ["init", "--bogus"],
    ["demo", "--out"],
    ["model", "info", "--precision", "fp8"],
    ["model", "cache", "--prune", "now"],
    ["model", "train"],
    ["model", "eval"],
    ["model", "check", "--days", "0"],
    ["model", "check", "--brand", "Nobody"],
    ["model", "check", "--end", "someday"],
    ["model", "adapt", "--folds", "1"],
    ["model", "precisions", "--limit", "0"],
    ["query", "aspects", "--since", "soon"],
    ["query", "themes", "Acme", "--since", "soon"],
    ["--bogus"],
]


@pytest.mark.parametrize("args", BAD_OPTIONS, ids=" ".join)
def test_a_bad_option_value_exits_2(
    work: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("MONITOR_CONFIG", str(write_config(work, server, "/feed")))
    res = invoke(args)
    assert res.exit_code == 2, res.output
    assert "no config file found" not in res.output and "invalid configuration" not in res.output


def test_every_command_has_a_bad_option_case() -> None:
    covered = {" ".join(a for a in args[:3] if a.isalpha()) for args in BAD_OPTIONS}
    root = typer.main.get_command(app)
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        for sub in getattr(cmd, "commands", {None: cmd}):
            path = f"{name} {sub}" if sub else name
            assert any(c == path or c.startswith(path + " ") for c in covered), f"`monitor {path}`: no bad option case"


# ---------------------------------------------------------------- 1: something failed


@pytest.mark.parametrize("sources", [("/feed", "/down"), ("/down",)], ids=["one-of-two-fails", "all-fail"])
@pytest.mark.parametrize("args", [["collect"], ["run", "--once", "--digest", "skip"]], ids=" ".join)
def test_a_failing_source_exits_1(work: Path, server: LocalServer, sources: tuple[str, ...], args: list[str]) -> None:
    cfg = write_config(work, server, *sources)
    res = invoke([*args, "--config", str(cfg)])
    assert res.exit_code == 1, res.output
    assert re.search(r"down\b.*\bfailed", res.output) and "HTTP 500" in res.output, res.output


@pytest.mark.parametrize(
    "args", [["digest", "--to", "file", "--to", "webhook"], ["run", "--once", "--digest", "force"]], ids=" ".join
)
def test_a_failed_delivery_exits_1(
    work: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("MONITOR_WEBHOOK_URL", server.url("/hook"))
    cfg = write_config(work, server, "/feed", delivery='"file", "webhook"')
    res = invoke([*args, "--config", str(cfg)])
    assert res.exit_code == 1, res.output
    assert "HTTP 400" in res.output and server.hits("/hook")
    assert list((work / "digests").glob("digest-*.html"))  # the file channel still delivered


# ---------------------------------------------------------------- 0: all good

SUCCESS: list[list[str]] = [
    ["collect"],
    ["run", "--once", "--digest", "skip"],
    ["run", "--once", "--digest", "force"],
    ["score"],
    ["digest", "--to", "file"],
    ["status"],
    ["sources", "list"],
    ["import", "../mentions.csv"],
    ["db", "upgrade"],
    ["label", "1", "negative"],
    ["query", "satisfaction", "Acme"],
    ["query", "breakdown", "Acme"],
    ["query", "mentions", "Acme"],
    ["query", "mentions", "Acme", "--aspect", "service"],
    ["query", "compare", "Acme", "Rival"],
    ["query", "alerts", "Acme"],
    ["export", "../out.jsonl"],
    ["verify"],
    ["model", "check"],
    ["model", "check", "--brand", "Acme", "--json"],
]


@pytest.mark.parametrize("args", SUCCESS, ids=" ".join)
def test_success_exits_0(work: Path, server: LocalServer, args: list[str]) -> None:
    cfg = write_config(work, server, "/feed")
    first = invoke(["collect", "--config", str(cfg)])  # the project has mentions
    assert first.exit_code == 0, first.output
    res = invoke([*args, "--config", str(cfg)])
    assert res.exit_code == 0, res.output


# ---------------------------------------------------------------- 3: interrupted


def test_a_signal_in_a_command_exits_3() -> None:
    with pytest.raises(typer.Exit) as stopped, interruptible():
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs before the next statement
        raise AssertionError("the signal did not stop the command")
    assert stopped.value.exit_code == 3


def test_a_signal_during_a_write_to_stderr_still_stops_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """The handler must not write through sys.stderr: a signal that lands inside a buffered
    write there (a progress bar) made a second write raise "reentrant call", which a step's
    ``except Exception`` recorded as a failure instead of a stop (seen once on CI)."""
    import sys

    class MidWrite:
        def write(self, _text: str) -> int:
            raise RuntimeError("reentrant call inside <_io.BufferedWriter name='<stderr>'>")

        def flush(self) -> None:
            raise RuntimeError("reentrant call inside <_io.BufferedWriter name='<stderr>'>")

    caught: list[BaseException] = []
    with pytest.raises(typer.Exit) as stopped, interruptible():
        monkeypatch.setattr(sys, "stderr", MidWrite())
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            raise AssertionError("the signal did not stop the command")
        except Exception as exc:  # what score_step does: a failure, not a stop
            caught.append(exc)
        finally:
            monkeypatch.undo()
    assert caught == []
    assert stopped.value.exit_code == 3
