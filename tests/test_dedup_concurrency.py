"""Cross-source de-duplication holds when two writers store the same texts at once.

Two processes (multiprocessing with a barrier, and two real ``monitor import`` commands)
store the same texts from two different sources into one database: each text must be
stored once and the other copy recorded as a sighting of it.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from monitor._records import Mention

REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _texts(n: int, tag: str) -> list[str]:
    return [f"Review {tag}-{i}: the Acme kettle boils water quickly, item {i}" for i in range(n)]


def _writer(url: str, brand: str, source: str, texts: list[str], barrier: mp.synchronize.Barrier) -> None:
    from monitor._api import MentionIndex

    idx = MentionIndex.open(url)
    items = [
        Mention(external_id=f"{source}-{i}", text=t, published_at=T0 + timedelta(minutes=i % 600))
        for i, t in enumerate(texts)
    ]
    idx.store.ensure_brand(brand)
    idx.store.ensure_source(source, "import")
    barrier.wait(timeout=60)
    idx.store.add_mentions(brand, source, items)
    idx.close()


def _counts(url: str, brand: str) -> tuple[int, int, int]:
    """(mentions, distinct content hashes, cross-source sightings) of one brand."""
    eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with eng.connect() as conn:
        bid = conn.execute(text("SELECT id FROM brand WHERE name = :b"), {"b": brand}).scalar_one()
        m = conn.execute(text("SELECT count(*) FROM mention WHERE brand_id = :b"), {"b": bid}).scalar_one()
        h = conn.execute(
            text("SELECT count(DISTINCT content_hash) FROM mention WHERE brand_id = :b"), {"b": bid}
        ).scalar_one()
        s = conn.execute(
            text(
                "SELECT count(*) FROM sighting s JOIN mention m ON m.id = s.mention_id "
                "WHERE m.brand_id = :b AND s.source_id != m.source_id"
            ),
            {"b": bid},
        ).scalar_one()
    eng.dispose()
    return int(m), int(h), int(s)


def _race(url: str, n: int, rounds: int) -> list[tuple[int, int, int]]:
    from monitor._api import MentionIndex

    MentionIndex.open(url).close()  # migrate once, before the writers start
    ctx = mp.get_context("fork")  # the children skip re-importing the project
    out = []
    for r in range(rounds):
        brand = f"Acme{r}"
        texts = _texts(n, str(r))
        barrier = ctx.Barrier(2)
        procs = [ctx.Process(target=_writer, args=(url, brand, f"src{r}{s}", texts, barrier)) for s in "ab"]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
            assert p.exitcode == 0
        out.append(_counts(url, brand))
    return out


def test_two_writers_store_each_text_once(db_url: str) -> None:
    """2,000 identical texts from two sources at once, three rounds: no text stored twice."""
    n = 2000
    got = _race(db_url, n, rounds=3)
    assert got == [(n, n, n)] * 3


@pytest.mark.slow
@pytest.mark.postgres
def test_two_imports_of_20000_texts_at_once(pg_url: str, tmp_path: Path) -> None:
    """The issue's case: two `monitor import` of the same 20,000 texts from two sources."""
    n = 20_000
    texts = _texts(n, "imp")
    files = []
    for s in "ab":
        f = tmp_path / f"{s}.jsonl"
        with f.open("w", encoding="utf-8") as fh:
            for i, t in enumerate(texts):
                row = {"external_id": f"{s}-{i}", "text": t, "published_at": (T0 + timedelta(minutes=i)).isoformat()}
                fh.write(json.dumps(row) + "\n")
        files.append(f)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-m", "monitor", "db", "upgrade", "--db", pg_url], check=True, env=env)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "monitor._cli",
                "import",
                str(f),
                "--brand",
                "Acme",
                "--source",
                f"src-{s}",
                "--db",
                pg_url,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for s, f in zip("ab", files, strict=True)
    ]
    for p in procs:
        assert p.wait(180) == 0
    assert _counts(pg_url, "Acme") == (n, n, n)
