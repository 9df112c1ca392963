"""The CLI: every command has help; init, import, query and export work end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer.main
from typer.testing import CliRunner

from monitor._cli import _register  # noqa: F401
from monitor._cli.app import app

runner = CliRunner()


def _walk(cmd: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = [(path, cmd)]
    if hasattr(cmd, "commands"):
        for name, sub in cmd.commands.items():
            out.extend(_walk(sub, (*path, name)))
    return out


def test_every_command_and_option_has_help() -> None:
    root = typer.main.get_command(app)
    commands = _walk(root)
    names = {" ".join(p) for p, _ in commands}
    assert {"init", "import", "export", "db upgrade", "query satisfaction", "query mentions"} <= names
    for path, cmd in commands:
        assert (cmd.help or "").strip(), f"`monitor {' '.join(path)}` has no help text"
        for param in cmd.params:
            if getattr(param, "param_type_name", "") == "option" and param.name != "help":
                assert (param.help or "").strip(), f"`monitor {' '.join(path)}` option {param.opts} has no help"
        res = runner.invoke(app, [*path, "--help"])
        assert res.exit_code == 0, res.output


def test_init_import_query_export(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert runner.invoke(app, ["init"]).exit_code == 2  # refuses to overwrite
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    f = tmp_path / "m.csv"
    f.write_text(
        "text,published_at,label,lang\nGreat,2026-11-02T10:00:00Z,positive,en\n"
        "Awful,2026-11-02T11:00:00Z,negative,en\nbroken row,yesterday,,\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["import", str(f), "--brand", "Acme", "--db", db])
    assert res.exit_code == 1  # a bad row makes the exit code say so
    assert "line 4" in res.output and "2 new" in res.output
    res = runner.invoke(
        app,
        [
            "query",
            "satisfaction",
            "Acme",
            "--by",
            "day",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-03",
            "--json",
            "--db",
            db,
        ],
    )
    assert res.exit_code == 0, res.output
    pts = json.loads(res.output)
    assert [p["volume"] for p in pts] == [0, 2, 0] and pts[1]["msi"] == 0.5
    res = runner.invoke(
        app, ["query", "satisfaction", "Acme", "--csv", "--since", "2026-11-02", "--until", "2026-11-02", "--db", db]
    )
    assert res.output.splitlines()[0].startswith("period_start,volume")
    res = runner.invoke(app, ["query", "mentions", "Acme", "--sentiment", "negative", "--json", "--db", db])
    assert [m["text"] for m in json.loads(res.output)] == ["Awful"]
    res = runner.invoke(app, ["query", "mentions", "Acme", "--text", "GREAT", "--json", "--db", db])
    assert [m["text"] for m in json.loads(res.output)] == ["Great"]
    res = runner.invoke(app, ["query", "mentions", "Acme", "--text", "w" * 201, "--db", db])
    assert res.exit_code == 2 and "at most 200" in res.output
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, ["export", str(out), "--db", db]).exit_code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    res = runner.invoke(app, ["query", "satisfaction", "Nobody", "--db", db])
    assert res.exit_code == 2 and "unknown brand" in res.output
    res = runner.invoke(app, ["query", "satisfaction", "Acme", "--since", "last week", "--db", db])
    assert res.exit_code == 2 and "--since" in res.output
