"""``monitor query complaints`` and ``monitor complaints answer``: end to end on a SQLite file."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor._api import MentionIndex
from monitor._cli import _register  # noqa: F401  (registers every command module)
from monitor._cli.app import app
from monitor._records import Mention
from monitor._stamps import duration

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """A config (answer target 2 days) and a database with complaints 4 days and 1 hour old."""
    db = tmp_path / "m.db"
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(
        f'database_url = "sqlite:///{db}"\n'
        '[[brands]]\nname = "Lumio"\naccounts = ["@LumioHelp"]\n'
        '[complaints]\nanswer_within = "2d"\n',
        encoding="utf-8",
    )
    now = datetime.now(UTC)
    with MentionIndex.open(str(cfg)) as idx:
        idx.add_mentions(
            "Lumio",
            "masto",
            [
                Mention("old", "Lumio, why is your dock dead?", published_at=now - timedelta(days=4), label="negative"),
                Mention("new", "@LumioHelp snälla hjälp", published_at=now - timedelta(hours=1), label="negative"),
                Mention("evil", "=HYPERLINK(1) \x1b[31mrefund please", published_at=now, label="negative"),
                Mention("plain", "The dock is dead", published_at=now, label="negative"),
                Mention("happy", "Lumio, do you ship?", published_at=now, label="positive"),
            ],
            source_kind="mastodon",
        )
        ids = {m.external_id: m.id for m in idx.mentions("Lumio", limit=10)}
    return cfg, ids


def invoke(cfg: Path, *args: str) -> tuple[int, str]:
    res = runner.invoke(app, [*args, "--config", str(cfg)])
    return res.exit_code, res.output


def test_query_complaints_table_json_csv(project: tuple[Path, dict[str, int]]) -> None:
    cfg, ids = project
    code, out = invoke(cfg, "query", "complaints", "Lumio")
    assert code == 0, out
    assert "open complaints (answer target 2d" in out
    assert "4d 0h" in out and "late" in out and "open" in out and "question, addressed" in out
    assert "\x1b" not in out  # scraped text cannot drive the terminal
    code, out = invoke(cfg, "query", "complaints", "--json", "--order", "oldest")
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [ids["old"], ids["new"], ids["evil"]]
    assert rows[0]["reasons"] == ["question", "addressed"] and rows[0]["overdue"] is True
    assert rows[0]["age_s"] == pytest.approx(4 * 86400, abs=120) and rows[0]["answered_at"] is None
    code, out = invoke(cfg, "query", "complaints", "Lumio", "--csv", "--lang", "xx")
    assert code == 2 and "--lang xx" in out
    code, out = invoke(cfg, "query", "complaints", "Lumio", "--csv")
    evil = next(r for r in csv.DictReader(io.StringIO(out)) if r["id"] == str(ids["evil"]))
    assert evil["text"].startswith("'=") and "\x1b" not in evil["text"]  # formula-safe, no control characters
    code, out = invoke(cfg, "query", "complaints", "Lumio", "--limit", "1")
    assert code == 0 and "refund please" in out and "dock dead" not in out


def test_answer_undo_and_figures(project: tuple[Path, dict[str, int]]) -> None:
    cfg, ids = project
    code, out = invoke(cfg, "complaints", "answer", str(ids["new"]))
    assert code == 0 and f"Mention {ids['new']}: answered at" in out and "(cli)" in out
    code, out = invoke(cfg, "complaints", "answer", str(ids["new"]))
    assert code == 0 and "was already answered" in out
    code, out = invoke(cfg, "query", "complaints", "--status", "answered", "--json")
    assert [(r["id"], r["answered_by"]) for r in json.loads(out)] == [(ids["new"], "cli")]
    day = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    code, out = invoke(cfg, "complaints", "answer", str(ids["old"]), "--at", day, "--by", "ana")
    assert code == 0 and "(ana)" in out
    code, out = invoke(cfg, "query", "complaints", "--figures", "--json")
    figs = {r["source"]: r for r in json.loads(out)}
    assert figs[None]["answered"] == 2 and figs[None]["open"] == 1 and figs["masto"]["complaints"] == 3
    assert figs[None]["answered_in_time"] == 2 and figs[None]["answered_in_time_share"] == 1.0
    code, out = invoke(cfg, "query", "complaints", "--figures")
    assert code == 0 and "100 %" in out and "(all)" in out
    code, out = invoke(cfg, "complaints", "answer", str(ids["new"]), "--undo")
    assert code == 0 and "open again" in out
    code, out = invoke(cfg, "complaints", "answer", str(ids["happy"]))
    assert code == 0 and "not a negative one" in out


def test_clear_errors(project: tuple[Path, dict[str, int]]) -> None:
    cfg, ids = project
    for args, needle in [
        (("query", "complaints", "Lumo"), "unknown brand 'Lumo'; did you mean 'Lumio'?"),
        (("query", "complaints", "--status", "opne"), "--status opne: expected 'open', 'answered' or 'all'; did you"),
        (("query", "complaints", "--order", "new"), "--order new: expected 'newest' or 'oldest'; did you mean"),
        (("query", "complaints", "--source", "mastodn"), "did you mean 'mastodon'?"),
        (("complaints", "answer", "999"), "no mention with id 999"),
        (("complaints", "answer", "abc"), "mention id 'abc' is not a number"),
        (("complaints", "answer", str(ids["old"]), "--at", "soon"), "--at 'soon' is not a day"),
        (("complaints", "answer", str(ids["old"]), "--at", "2001-01-01"), "an answer cannot come before it"),
        (("complaints", "answer", str(ids["old"]), "--undo", "--at", "2001-01-01"), "--undo and --at: choose one"),
    ]:
        code, out = invoke(cfg, *args)
        assert code == 2 and needle in " ".join(out.split()), (args, out)


def test_duration_cells() -> None:
    assert [duration(s) for s in (None, 59, 60 * 12, 3600 * 5 + 600, 86400 * 2 + 3 * 3600 + 59)] == [
        "—",
        "0m",
        "12m",
        "5h 10m",
        "2d 3h",
    ]
