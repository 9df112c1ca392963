"""Importing CSV/JSONL: bad rows by line, idempotence, concurrent and interrupted imports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from monitor._api import MentionIndex
from monitor._importer import import_file
from monitor.errors import ConfigError
from tests.test_store import assert_rollups_exact


def write_jsonl(path: Path, n: int, *, brand: str = "Acme") -> Path:
    labels = ["positive", "negative", "neutral", None]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            row = {
                "brand": brand,
                "source": "csv-import",
                "external_id": f"r{i}",
                "text": f"Mention {i}: the Acme speaker is {'great' if i % 2 else 'awful'} (#{i})",
                "published_at": f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:15:00Z",
                "lang": ["en", "sv", "tr", "bg", "hy"][i % 5],
                "label": labels[i % 4],
                "rating": (i % 5) + 1,
                "rating_scale": "1-5",
            }
            fh.write(json.dumps(row) + "\n")
    return path


def test_csv_with_bad_rows_reports_lines_and_keeps_good_ones(tmp_path: Path, db_url: str) -> None:
    f = tmp_path / "m.csv"
    f.write_text(
        "text,published_at,label,rating,rating_scale,lang\n"
        "Love the Acme app,2026-11-02T10:00:00Z,positive,5,1-5,en\n"
        ",2026-11-02T10:00:00Z,positive,,,en\n"
        "Bad,not-a-date,,,,en\n"
        "Meh,2026-11-02,great,,,en\n"
        "Too high,2026-11-02,,7,1-5,en\n"
        '"Fine, thanks",2026-11-02 12:00,neutral,,,sv\n',
        encoding="utf-8",
    )
    idx = MentionIndex.open(db_url)
    rep = import_file(idx, f, brand="Acme")
    assert (rep.rows, rep.new, len(rep.errors)) == (6, 2, 4)
    lines = {ln: msg for ln, msg in rep.errors}
    assert set(lines) == {3, 4, 5, 6}
    assert "text" in lines[3] and "published_at" in lines[4] and "label" in lines[5] and "outside" in lines[6]
    again = import_file(idx, f, brand="Acme")
    assert (again.new, again.duplicate) == (0, 2)
    p = idx.satisfaction("Acme", date(2026, 11, 2), date(2026, 11, 2))[0]
    assert (p.positive, p.neutral, p.volume, p.csat) == (1, 1, 2, 1.0)


def test_jsonl_import_and_unknown_type(tmp_path: Path) -> None:
    idx = MentionIndex.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    f = write_jsonl(tmp_path / "m.jsonl", 100)
    (tmp_path / "bad.jsonl").write_text('{"text": "ok", "brand": "Acme"}\nnot json\n[1,2]\n', encoding="utf-8")
    rep = import_file(idx, f)
    assert rep.new == 100 and not rep.errors
    rep2 = import_file(idx, tmp_path / "bad.jsonl")
    assert rep2.new == 1 and [ln for ln, _ in rep2.errors] == [2, 3]
    with pytest.raises(ConfigError, match="unknown file type"):
        import_file(idx, tmp_path / "x.txt") if (tmp_path / "x.txt").write_text("a") else None
    assert_rollups_exact(idx)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_processes_importing_the_same_file(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    MentionIndex.open(url).close()  # schema first, like `monitor db upgrade`
    f = write_jsonl(tmp_path / "m.jsonl", 12_000)
    procs = [_cli("import", str(f), "--db", url) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err.decode()
    idx = MentionIndex.open(url)
    total = idx.satisfaction("Acme", date(2026, 11, 1), date(2026, 11, 30), by=None)[0]
    assert total.volume == 12_000
    assert_rollups_exact(idx)


def test_import_killed_half_way_then_rerun_ends_exact(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    MentionIndex.open(url).close()
    f = write_jsonl(tmp_path / "m.jsonl", 60_000)
    p = _cli("import", str(f), "--db", url)
    idx = MentionIndex.open(url)
    deadline = time.monotonic() + 120
    from sqlalchemy import func, select

    from monitor._store.tables import Mention

    m = Mention.__table__  # type: ignore[attr-defined]
    while time.monotonic() < deadline:
        with idx.engine.connect() as conn:
            n = conn.execute(select(func.count()).select_from(m)).scalar_one()
        if n > 0:
            break
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=30)
    with idx.engine.connect() as conn:
        partial = conn.execute(select(func.count()).select_from(m)).scalar_one()
    assert 0 < partial < 60_000, "the kill must land mid-import for this test to mean anything"
    assert_rollups_exact(idx)  # a killed batch rolled back whole
    rep = import_file(idx, f)
    assert rep.new == 60_000 - partial and rep.duplicate == partial
    assert idx.satisfaction("Acme", date(2026, 11, 1), date(2026, 11, 30), by=None)[0].volume == 60_000
    assert_rollups_exact(idx)
