"""Every code block of the README works as written (as sqlite-utils tests its docs).

- ``python`` blocks run, in an empty folder;
- ``bash`` blocks' ``monitor …`` commands (and the systemd unit's ``ExecStart``) parse:
  each command and option exists; the ``monitor query``/``export``/``verify`` examples
  also run, on the database the Python example wrote; scripts and files they name exist;
- ``toml`` blocks are valid configs; the ``text`` block is what a bad config prints.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor._cli import _register  # noqa: F401  (registers every command module)
from monitor._cli.app import app
from monitor._config import load_config

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
FENCE = re.compile(r"^```(?P<lang>[\w-]*)\n(?P<code>.*?)^```", re.S | re.M)
LANGS = {"bash", "python", "toml", "ini", "text"}
#: Commands run for real on the Python example's database (the rest only parse).
RUNS = ("query", "export", "verify", "db")
runner = CliRunner()


@dataclass(frozen=True)
class Block:
    lang: str
    code: str
    line: int

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.lang or 'no language'})"


def blocks(lang: str | None = None) -> list[Block]:
    text = README.read_text(encoding="utf-8")
    found = [
        Block(m["lang"], m["code"], text.count("\n", 0, m.start()) + 1)
        for m in FENCE.finditer(text)
        if lang is None or m["lang"] == lang
    ]
    assert found or lang is not None, "no code blocks found in the README"
    return found


def commands(block: Block) -> Iterator[list[str]]:
    """Each simple command of a shell block (continuations joined, comments dropped)."""
    for line in block.code.replace("\\\n", " ").splitlines():
        words: list[str] = []
        for token in shlex.split(line, comments=True):
            if token in ("&&", "||", ";", "|"):
                yield words
                words = []
            else:
                words.append(token)
        if words:
            yield words


def monitor_commands() -> list[tuple[Block, list[str]]]:
    """``monitor`` commands (arguments only) of every shell block and the systemd unit."""
    out = []
    for block in blocks("bash"):
        out += [(block, cmd[1:]) for cmd in commands(block) if cmd and Path(cmd[0]).name == "monitor"]
    for block in blocks("ini"):
        for line in block.code.splitlines():
            if line.startswith("ExecStart="):
                cmd = shlex.split(line.removeprefix("ExecStart="))
                assert Path(cmd[0]).name == "monitor", line
                out.append((block, cmd[1:]))
    return out


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder, as a reader's would be (no config from the environment)."""
    for var in ("MONITOR_CONFIG", "MONITOR_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_python_blocks(capsys: pytest.CaptureFixture[str]) -> str:
    for block in blocks("python"):
        exec(compile(block.code, str(block), "exec"), {"__name__": "__readme__"})
    return capsys.readouterr().out


def test_every_block_names_its_language() -> None:
    for block in blocks():
        assert block.lang in LANGS, f"{block}: say which language it is (one of {sorted(LANGS)})"
    assert blocks("python") and blocks("bash") and blocks("toml")


def test_python_blocks_run_as_written(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_python_blocks(capsys)
    weeks = [ln for ln in out.splitlines() if re.match(r"\d{4}-\d{2}-\d{2} ", ln)]
    assert len(weeks) >= 4, out  # the weekly points the example prints
    assert any(ln.split()[1] == "1" for ln in weeks)  # the week with the mention
    assert (folder / "monitor.db").is_file()


def test_monitor_commands_exist_with_their_options() -> None:
    cmds = monitor_commands()
    assert len(cmds) >= 20
    for block, args in cmds:
        res = runner.invoke(app, [*args, "--help"])
        assert res.exit_code == 0 and "Usage:" in res.output, f"{block}: `monitor {shlex.join(args)}`: {res.output}"


def test_store_examples_run_on_the_python_example_database(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_python_blocks(capsys)
    monkeypatch.setenv("MONITOR_DATABASE_URL", "sqlite:///monitor.db")
    ran = []
    for block, args in monitor_commands():
        if args[0] in RUNS and "--config" not in args:
            res = runner.invoke(app, args, env={"COLUMNS": "100"})
            assert res.exit_code == 0, f"{block}: `monitor {shlex.join(args)}` exits {res.exit_code}: {res.output}"
            ran.append(args[:2])
    assert ["query", "compare"] in ran and ["query", "satisfaction"] in ran and ["verify"] in ran
    [exported] = (folder / "mentions.jsonl").read_text(encoding="utf-8").splitlines()  # `--brand Acme`: Acme's one
    assert '"external_id": "42"' in exported and '"label": "negative"' in exported  # with the person's label


def test_files_the_shell_blocks_name_exist() -> None:
    for block in blocks("bash"):
        for cmd in commands(block):
            for word in cmd[1:]:
                if re.match(r"(benchmarks|config)/[\w./-]+$", word):
                    assert (REPO / word).exists(), f"{block}: {word} does not exist"


@pytest.mark.parametrize("block", blocks("toml"), ids=str)
def test_toml_blocks_are_valid_configs(block: Block, folder: Path) -> None:
    path = folder / "monitor.toml"
    path.write_text(block.code, encoding="utf-8")
    load_config(path)


def test_the_error_example_is_what_a_bad_schedule_prints(folder: Path) -> None:
    [example] = [b for b in blocks("text") if "invalid configuration" in b.code]
    walkthrough = next(b for b in blocks("toml") if "[[sources]]" in b.code)
    bad = walkthrough.code.replace(
        'query = "lumio OR brisa"\nschedule = "30m"', 'query = "lumio OR brisa"\nschedule = "sometimes"'
    )
    assert bad != walkthrough.code
    (folder / "monitor.toml").write_text(bad, encoding="utf-8")
    res = runner.invoke(app, ["status"], env={"COLUMNS": "300"})
    assert res.exit_code == 2
    assert " ".join(res.output.split()) == " ".join(example.code.split())
