"""Output that cannot be turned against its reader: no terminal control sequences on the
CLI or in the text digest, CSV cells no spreadsheet runs as formulas, no database password
in any message or log."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from monitor._csvcells import FORMULA_STARTS, restore
from monitor._digest.context import AlertItem, SourceHealth, excerpt
from monitor._digest.deliver import render_all
from monitor._digest.render import render_markdown, render_text
from tests.test_digest_render import brand, digest, mention

CLEAR = "\x1b[2J\x1b[H"
OSC8 = "\x1b]8;;http://evil.example/\x1b\\click me\x1b]8;;\x1b\\"
C1_CSI = "\x9b31m"
BIDI = "\u202egnp.exe"
OTHERS = "bell\x07 back\x08space nul-ish\x7f del"
HOSTILE_TEXTS = [
    f"Great {CLEAR}kettle",
    f"Bad {OSC8} kettle",
    f"Red {C1_CSI} kettle",
    f"Odd {BIDI} kettle {OTHERS}",
    '=HYPERLINK("http://evil.example","ok") kettle',
    "+1+2 kettle",
    "-2+3 kettle",
    "@SUM(A1) kettle",
    "\tkettle with a tab",
    "\rkettle with a CR",
    "'quoted kettle",
]


def _bad_controls(text: str, allowed: str = "\n") -> list[str]:
    return [c for c in text if (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c == "\u202e") and c not in allowed]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        check=False,
    )


@pytest.fixture
def hostile_db(tmp_path: Path) -> str:
    from monitor._api import MentionIndex
    from monitor._importer import import_file

    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    rows = [
        {
            "text": t,
            "author": f"eve{i}{CLEAR}",
            "title": f"T{i}{OSC8}",
            "published_at": f"2026-11-02T10:{i:02d}:00Z",
            "label": "negative",
            "lang": "en",
        }
        for i, t in enumerate(HOSTILE_TEXTS)
    ]
    f = tmp_path / "m.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with MentionIndex.open(url) as idx:
        rep = import_file(idx, f, brand="Acme", source="shop")
    assert rep.new == len(HOSTILE_TEXTS), rep.errors
    # Import refuses control characters in names now; a database written before that may hold one.
    with sqlite3.connect(tmp_path / "hostile.db") as conn:
        conn.execute("UPDATE source SET name = ? WHERE name = 'shop'", ("shop\x1b[31m",))
    return url


def test_mentions_table_carries_no_control_characters(hostile_db: str) -> None:
    res = _cli("query", "mentions", "Acme", "--db", hostile_db)
    assert res.returncode == 0, res.stderr.decode()
    out = res.stdout.decode("utf-8")
    assert "kettle" in out and "eve1" in out
    assert b"\x1b" not in res.stdout
    assert _bad_controls(out) == []


def test_mentions_csv_is_neutralised_and_printable(hostile_db: str) -> None:
    res = _cli("query", "mentions", "Acme", "--csv", "--db", hostile_db)
    assert res.returncode == 0, res.stderr.decode()
    out = res.stdout.decode("utf-8")
    assert b"\x1b" not in res.stdout and _bad_controls(out, allowed="\n\r\t") == []
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == len(HOSTILE_TEXTS)
    for r in rows:
        for col, cell in r.items():
            assert not cell.startswith(FORMULA_STARTS), f"{col} cell {cell!r} would run as a formula"
    texts = {restore(r["text"]) for r in rows}
    # Formula-looking text comes back exactly once the apostrophe is removed.
    assert {'=HYPERLINK("http://evil.example","ok") kettle', "+1+2 kettle", "-2+3 kettle"} <= texts
    assert {"@SUM(A1) kettle", "'quoted kettle"} <= texts
    assert any(t.endswith("kettle with a tab") for t in texts)  # (the store may trim the tab)
    assert "Great kettle" in texts  # the escape sequence is gone, the words are kept


def test_json_output_is_left_as_data(hostile_db: str) -> None:
    res = _cli("query", "mentions", "Acme", "--json", "--db", hostile_db)
    texts = {m["text"] for m in json.loads(res.stdout)}
    assert f"Great {CLEAR}kettle" in texts and '=HYPERLINK("http://evil.example","ok") kettle' in texts
    assert b"\x1b" not in res.stdout  # json.dumps escapes C0 as \u001b


def test_emit_and_escape_clean_every_table_cell_and_title(capsys: pytest.CaptureFixture[str]) -> None:
    from monitor._cli.common import emit, err_console, escape

    rows = [{"source": f"shop{CLEAR}", "error": f"403 {OSC8}", "net": -0.25, "n": -3}]
    emit(rows, "table", title=f"Acme{C1_CSI}")
    err_console.print(f"[red]error:[/] {escape(f'reason {CLEAR}{BIDI}')}")
    out, err = capsys.readouterr()
    assert _bad_controls(out + err) == [] and "shop" in out and "click me" in out and "reason" in err
    emit(rows, "csv")
    cells = next(csv.DictReader(io.StringIO(capsys.readouterr().out, newline="")))
    assert cells == {"source": "shop", "error": "403 click me", "net": "-0.25", "n": "-3"}  # numbers stay numbers


def test_text_digest_carries_no_control_characters() -> None:
    title = f"Title{OSC8}\nsecond line"
    hostile = [mention(t, "en", title=title) for t in HOSTILE_TEXTS]
    d = digest(
        brand(
            f"Acme{CLEAR}",
            negatives=hostile[:5],
            positives=hostile[5:],
            alerts=[AlertItem("msi_below_bar", f"MSI {C1_CSI}under the bar", {"msi": 0.7})],
        ),
        problems=[SourceHealth(f"shop{CLEAR}", "reviews", None, "blocked", None, f"403 {OSC8}")],
    )
    for text in (render_text(d), render_all(d).text, render_markdown(d)):
        assert _bad_controls(text) == [], sorted(set(_bad_controls(text)))
        assert "kettle" in text and "click me" in text
    lines = render_text(d).splitlines()
    # A newline inside a title stays inside its mention's line.
    assert not any(line.strip() == "second line: " + excerpt(HOSTILE_TEXTS[0]) for line in lines)
    first = next(line for line in lines if "Great" in line)
    assert "second line" in first and "kettle" in first


def test_printable_strips_sequences_keeps_words() -> None:
    from monitor._textsafe import printable

    assert printable(f"a{CLEAR}b") == "ab"
    assert printable(f"x {OSC8} y") == "x click me y"
    assert printable(f"x{C1_CSI}y") == "xy"
    assert printable("a\u202eb\u2066c\u2069") == "abc"
    assert printable("line1\nline2\tz") == "line1 line2 z"
    assert printable("line1\nline2\tz", keep="\n\t") == "line1\nline2\tz"
    assert printable("Լիցքավորման կայանի") == "Լիցքավորման կայանի"


# --- database passwords ----------------------------------------------------------------

SECRET = "S3cretPass"


BAD_URLS = [
    f"postgresql://u:{SECRET}@127.0.0.1:1/x",  # connection refused
    f"mysql://u:{SECRET}@h/x",  # unsupported scheme
    f"postgresql://u:{SECRET}@127.0.0.1:5432/nosuchdb_{SECRET}",  # the server answers: no such role
    f"postgresql+nodriver://u:{SECRET}@127.0.0.1/x",  # driver not available
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_cli_never_shows_a_database_password(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from typer.testing import CliRunner

    from monitor._cli import _register  # noqa: F401
    from monitor._cli.app import app

    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    f = tmp_path / "c.toml"
    f.write_text(f'database_url = "{url}"\n', encoding="utf-8")
    for args in (
        ["status", "--db", url],
        ["query", "mentions", "Acme", "--db", url],
        ["db", "upgrade", "--db", url],
        ["status", "-c", str(f)],
    ):
        res = runner.invoke(app, args)
        assert res.exit_code != 0 and "error" in res.output.lower(), res.output
        assert SECRET not in res.output, res.output
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    res = runner.invoke(app, ["status"])
    assert res.exit_code != 0 and SECRET not in res.output, res.output
    assert SECRET not in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize("url", BAD_URLS)
def test_cli_process_never_prints_a_database_password(url: str) -> None:
    res = _cli("status", "--db", url)
    both = (res.stdout + res.stderr).decode("utf-8", "replace")
    assert res.returncode == 2 and "error" in both and SECRET not in both, both


@pytest.mark.parametrize(
    "url",
    [f"postgresql://u:{SECRET}@127.0.0.1:1/x", f"mysql://u:{SECRET}@h/x", f"sqlite+nodriver://u:{SECRET}@/x.db"],
)
def test_api_open_errors_and_logs_never_show_a_database_password(url: str, caplog: pytest.LogCaptureFixture) -> None:
    from monitor._api import MentionIndex
    from monitor.errors import MonitorError

    caplog.set_level(logging.DEBUG)
    with pytest.raises(MonitorError) as exc:
        MentionIndex.open(url)
    assert SECRET not in str(exc.value) and SECRET not in repr(exc.value)
    assert SECRET not in caplog.text
