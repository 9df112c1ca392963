"""Outside a project nothing runs silently.

In an empty folder, with neither ``$MONITOR_CONFIG`` nor ``$MONITOR_DATABASE_URL`` set, every
command that needs a project says in one line which files it looked for and how to start
(``monitor init``), exits 2 and creates no file; the commands that need no project (init,
--version, --help, ``sources parse`` on a file, the model commands) still work. A database
named with ``--db``/``$MONITOR_DATABASE_URL`` or a config named by ``$MONITOR_CONFIG`` is a
project, from any folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import monitor
import monitor._sentiment
from monitor._cli import _register  # noqa: F401  (registers every command module)
from monitor._cli.app import app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]

#: Every command that needs a project, with the arguments it needs otherwise. Files named
#: are one folder up, outside the folder that must stay empty.
PROJECT_COMMANDS: list[list[str]] = [
    ["collect"],
    ["run"],
    ["run", "--once"],
    ["score"],
    ["digest"],
    ["status"],
    ["import", "../mentions.csv"],
    ["db", "upgrade"],
    ["label", "1", "negative"],
    ["query", "satisfaction", "Acme"],
    ["query", "breakdown", "Acme"],
    ["query", "mentions", "Acme"],
    ["query", "compare", "Acme", "Rival"],
    ["query", "alerts", "Acme"],
    ["query", "complaints", "Acme"],
    ["complaints", "answer", "1"],
    ["export", "../out.jsonl"],
    ["verify"],
    ["sources", "list"],
    ["serve"],
    ["worker"],
    ["user", "list"],
    ["user", "add", "lead", "--password-stdin"],
    ["user", "password", "lead", "--password-stdin"],
    ["user", "remove", "lead"],
    ["doctor"],  # its own report, the same words and the same exit code
    ["model", "check"],
    ["model", "adapt", "--dry-run"],
    ["query", "aspects"],
    ["query", "themes", "Acme"],
]
#: Commands that work without a project (each is exercised below or in its own tests).
NO_PROJECT = {
    "init",
    "demo",
    "sources parse",
    "model train",
    "model eval",
    "model info",
    "model cache",
    "model precisions",
}
RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    "<item><guid>1</guid><title>Acme</title><description>Acme is fine</description></item></channel></rss>"
)


class FakeModel:
    model_id, model_version = "fake", "0"

    def info(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "model_version": self.model_version, "backend": "fake"}


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty folder as the cwd, no project in the environment; files for the commands one level up."""
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "mentions.csv").write_text("text,brand\nAcme is great,Acme\n", encoding="utf-8")
    (tmp_path / "feed.xml").write_text(RSS, encoding="utf-8")
    monkeypatch.chdir(work)
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    monkeypatch.delenv("MONITOR_DATABASE_URL", raising=False)
    monkeypatch.setenv("MONITOR_CACHE_DIR", str(tmp_path / "cache"))
    yield work


def _leaves(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    subs = getattr(cmd, "commands", None)
    if subs:
        for name, sub in subs.items():
            yield from _leaves(sub, (*path, name))
    else:
        yield " ".join(path)


def test_every_command_is_classified() -> None:
    """A new command must say whether it needs a project (and then join the tests below)."""
    leaves = set(_leaves(typer.main.get_command(app)))
    needs = {next(" ".join(args[:i]) for i in (2, 1) if " ".join(args[:i]) in leaves) for args in PROJECT_COMMANDS}
    assert not leaves - needs - NO_PROJECT, f"not classified: {sorted(leaves - needs - NO_PROJECT)}"


@pytest.mark.parametrize("args", PROJECT_COMMANDS, ids=" ".join)
def test_a_command_outside_a_project_says_where_it_looked_and_creates_nothing(empty: Path, args: list[str]) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    text = res.output.strip()
    assert "no config file found; looked for: --config (not given); $MONITOR_CONFIG (not set)" in text
    assert f"{empty / 'monitor.toml'} (the current folder)" in text
    assert "`monitor init`" in text
    if args[0] != "doctor":  # the doctor adds its summary line
        assert text.startswith("error: ") and "\n" not in text, text  # one line, however narrow the terminal
    assert "Traceback" not in res.output
    assert list(empty.iterdir()) == []
    assert not (empty.parent / "out.jsonl").exists()


@pytest.mark.parametrize("args", [["run", "--once"], ["score"], ["db", "upgrade"]], ids=" ".join)
def test_the_real_process_says_one_line_and_leaves_the_folder_empty(empty: Path, args: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("MONITOR_CONFIG", "MONITOR_DATABASE_URL")}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-m", "monitor", *args], cwd=empty, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "looked for" in done.stderr and "`monitor init`" in done.stderr and "Traceback" not in done.stderr
    assert list(empty.iterdir()) == []


def test_version(empty: Path) -> None:
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output == f"mention-monitor {monitor.__version__}\n"
    assert list(empty.iterdir()) == []


def test_help_of_every_command_works_without_a_project_and_shows_no_bool_metavar(empty: Path) -> None:
    flags = 0
    for leaf in sorted(set(_leaves(typer.main.get_command(app))) | {""}):
        res = runner.invoke(app, [*leaf.split(), "--help"])
        assert res.exit_code == 0 and "Usage:" in res.output, f"monitor {leaf} --help: {res.output}"
        for metavar in ("<bool>", "BOOLEAN", "<BOOL>", "[bool]"):
            assert metavar not in res.output, f"monitor {leaf} --help shows {metavar}:\n{res.output}"
        for line in res.output.splitlines():  # a flag's line: its names, then its help
            words = line.split()
            if words and words[0].startswith("-") and words[0].rstrip(",") in ("--json", "--help", "--version"):
                flags += 1
                assert not words[1].startswith("<"), line
    assert flags > 20
    assert list(empty.iterdir()) == []


def test_sources_parse_and_the_model_commands_need_no_project(empty: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    res = runner.invoke(app, ["sources", "parse", "rss", "../feed.xml"])
    assert res.exit_code == 0 and '"external_id": "1"' in res.output, res.output
    res = runner.invoke(app, ["model", "cache"])
    assert res.exit_code == 0, res.output
    monkeypatch.setattr(monitor._sentiment, "load_classifier", lambda cfg: FakeModel())
    res = runner.invoke(app, ["model", "info", "--json"])
    assert res.exit_code == 0 and '"model_id": "fake"' in res.output, res.output
    assert list(empty.iterdir()) == []


def test_init_starts_a_project_and_then_commands_run(empty: Path) -> None:
    res = runner.invoke(app, ["init"])
    assert res.exit_code == 0, res.output
    assert [p.name for p in empty.iterdir()] == ["monitor.toml"]
    res = runner.invoke(app, ["status"])  # a project now: the database is created next to the config
    assert res.exit_code == 0, res.output
    assert (empty / "monitor.db").is_file()


def test_a_database_named_is_a_project(empty: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{empty.parent / 'elsewhere.db'}"
    res = runner.invoke(app, ["status", "--db", db])
    assert res.exit_code == 0, res.output
    monkeypatch.setenv("MONITOR_DATABASE_URL", db)
    res = runner.invoke(app, ["verify"])
    assert res.exit_code == 0, res.output
    assert list(empty.iterdir()) == [] and (empty.parent / "elsewhere.db").is_file()


@pytest.mark.parametrize("args", [["collect"], ["run"], ["run", "--once"]], ids=" ".join)
def test_a_database_alone_has_no_sources_to_collect_or_run(empty: Path, args: list[str]) -> None:
    res = runner.invoke(app, [*args, "--db", f"sqlite:///{empty.parent / 'elsewhere.db'}"])
    assert res.exit_code == 2, res.output
    assert res.output.startswith("error: no config file, so no ") and "`monitor init`" in res.output
    assert list(empty.iterdir()) == [] and not (empty.parent / "elsewhere.db").exists()


def test_monitor_config_names_the_project_from_any_folder(empty: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = empty.parent / "project"
    project.mkdir()
    (project / "monitor.toml").write_text('database_url = "sqlite:///monitor.db"\n', encoding="utf-8")
    monkeypatch.setenv("MONITOR_CONFIG", str(project / "monitor.toml"))
    res = runner.invoke(app, ["status"])
    assert res.exit_code == 0, res.output
    assert list(empty.iterdir()) == [] and (project / "monitor.db").is_file()
    monkeypatch.setenv("MONITOR_CONFIG", str(project / "gone.toml"))
    res = runner.invoke(app, ["status"])
    assert res.exit_code == 2
    assert res.output.startswith(f"error: {project / 'gone.toml'} (from $MONITOR_CONFIG): no such file"), res.output
    assert "`monitor init " in res.output


@pytest.mark.parametrize(
    ("toml", "missing"),
    [
        ("", "no [[brands]] and no [[sources]]"),
        ('[[brands]]\nname = "Acme"\n', "no [[sources]]"),
        ('[[sources]]\nname = "feed"\nkind = "rss"\nurl = "https://feed.example/rss"\n', "no [[brands]]"),
        (
            '[[brands]]\nname = "Acme"\n[[sources]]\nname = "feed"\nkind = "rss"\n'
            'url = "https://feed.example/rss"\nenabled = false\n',
            "no enabled [[sources]] (all 1 have enabled = false)",
        ),
    ],
    ids=["empty", "no-sources", "no-brands", "all-disabled"],
)
@pytest.mark.parametrize("once", [False, True], ids=["scheduler", "once"])
def test_run_refuses_a_config_that_gives_it_nothing_to_do(empty: Path, toml: str, missing: str, once: bool) -> None:
    cfg = empty.parent / "monitor.toml"
    cfg.write_text(f'database_url = "sqlite:///{empty.parent / "m.db"}"\n{toml}', encoding="utf-8")
    res = runner.invoke(app, ["run", "--config", str(cfg), *(["--once"] if once else [])])
    assert res.exit_code == 2, res.output
    assert res.output.startswith(f"error: {cfg}: {missing}: `monitor run` has nothing to do"), res.output
    assert "scheduler" not in res.output and not (empty.parent / "m.db").exists()


def test_the_readme_example_is_what_a_command_prints(empty: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    [example] = [b for b in readme.split("```text\n")[1:] if b.startswith("error: no config file found")]
    example = example.split("```", 1)[0].strip()
    res = runner.invoke(app, ["status"])
    assert res.exit_code == 2
    assert res.output.strip() == example.replace("/home/me", str(empty))
