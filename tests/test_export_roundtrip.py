"""Export → import keeps meaning (issue 12, item 9) and CSV cells cannot run as formulas (item 6).

Mentions collected, scored, labelled by a person and rated in database A are exported
(CSV and JSONL) and imported into an empty database B: every mention comes back with its
brand, source, source kind, text, label, label origin, model version and probabilities.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor._api import MentionIndex
from monitor._exporter import export_mentions
from monitor._importer import import_file
from monitor._records import Mention, Prediction
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SCORE_T as SC
from monitor._store.tables import SOURCE_T as SRC
from tests.conftest import PG_ADMIN_URL
from tests.test_store import assert_rollups_exact

T0 = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
FORMULA = '=HYPERLINK("http://evil","x")'
MODEL, V1, V2 = "fake-model", "1.0+abc123", "2.0+def456"


@pytest.fixture
def other_db_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database of the same kind as ``db_url``."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'other.db'}"
        return
    import psycopg

    name = f"mm_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pred(label: str, probs: tuple[float, float, float]) -> Prediction:
    return Prediction(label, *probs, MODEL, V1)  # type: ignore[arg-type]


def fill(idx: MentionIndex) -> dict[str, int]:
    """Mentions of every label origin, in sources of several kinds; returns external id → id."""
    hn = [
        Mention("h1", FORMULA, url="https://news.example/1", author="@ann", lang="en", published_at=T0),
        Mention("h2", "-5 stars from me", lang="xx", published_at=T0),  # scored, not counted
        Mention("h3", "never scored yet", lang="en", published_at=T0),
        Mention("h4", "+1 and 'quoted", title="@title", lang="en", published_at=T0),
    ]
    shop = [
        Mention("s1", "Lovely lamp, Acme", rating=4, rating_scale=(1, 5), lang="en", published_at=T0),
        Mention("s2", "", rating=2, rating_scale=(1, 5), published_at=T0),  # label from stars
        Mention("s3", "Given by a file", label="neutral", rating=-2, rating_scale=(-5, 5), published_at=T0),
    ]
    idx.add_mentions("Acme", "hn", hn, source_kind="hackernews")
    idx.add_mentions("Acme", "shop-se", shop, source_kind="reviews")
    with idx.engine.connect() as conn:
        ids = dict(conn.execute(select(M.c.external_id, M.c.id)).all())
    idx.store.add_scores(
        [
            (ids["h1"], _pred("positive", (0.1, 0.2, 0.7)), True),
            (ids["h2"], _pred("negative", (0.5, 0.3, 0.2)), False),
            (ids["h4"], _pred("neutral", (0.25, 0.5, 0.25)), True),
            (ids["s1"], _pred("positive", (0.05, 0.15, 0.8)), True),
        ]
    )
    idx.set_label(ids["s1"], "negative")  # a person's correction over the model
    return ids


def snapshot(idx: MentionIndex) -> dict[str, tuple[object, ...]]:
    """Everything an export must carry, per external id."""
    q = select(M, SRC.c.name.label("src"), SRC.c.kind.label("kind")).join(SRC, SRC.c.id == M.c.source_id)
    with idx.engine.connect() as conn:
        rows = conn.execute(q).all()
        scores = conn.execute(
            select(SC.c.mention_id, SC.c.model_id, SC.c.model_version, SC.c.label, SC.c.counted)
        ).all()
    by_mention = {s.mention_id: (s.model_id, s.model_version, s.label, s.counted) for s in scores}
    out = {}
    for r in rows:
        model_score = by_mention.get(r.id) if r.label_origin not in ("manual", "import", "rating", None) else None
        pub = r.published_at.replace(tzinfo=None) if r.published_at.tzinfo else r.published_at
        out[r.external_id] = (
            r.src,
            r.kind,
            r.text,
            r.title,
            r.author,
            r.url,
            r.lang,
            pub,
            r.rating,
            r.rating_worst,
            r.rating_best,
            r.label,
            r.label_origin,
            r.manual_label,
            (r.p_negative, r.p_neutral, r.p_positive) if model_score else None,
            model_score,
        )
    return out


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_import_round_trip_keeps_meaning(tmp_path: Path, db_url: str, other_db_url: str, fmt: str) -> None:
    """BEFORE: every model label came back as an `import` label (never rescored), hn re-kinded `import`."""
    a = MentionIndex.open(db_url)
    fill(a)
    out = tmp_path / f"export.{fmt}"
    assert export_mentions(a, out) == 7
    b = MentionIndex.open(other_db_url)
    rep = import_file(b, out)
    assert (rep.new, rep.bad) == (7, 0), rep.errors
    want, got = snapshot(a), snapshot(b)
    assert got == want
    assert want["h1"][11:13] == ("positive", f"{MODEL}@{V1}") and want["s1"][11:14] == (
        "negative",
        "manual",
        "negative",
    )
    assert want["h2"][11] == "unscored" and want["h2"][15] == (MODEL, V1, "negative", False)
    # A model's label stays that model's score: a newer version rescores it; people's and files' labels stay.
    pending = {text for _id, text, _lang in b.store.pending_scoring(MODEL, V2, limit=100)}
    assert pending == {FORMULA, "-5 stars from me", "never scored yet", "@title. +1 and 'quoted"}
    assert {text for _id, text, _lang in b.store.pending_scoring(MODEL, V1, limit=100)} == {"never scored yet"}
    assert_rollups_exact(b)
    again = import_file(b, out)
    assert (again.new, again.duplicate) == (0, 7)


def test_csv_export_neutralises_formulas_and_reimports_them_exactly(tmp_path: Path, sqlite_url: str) -> None:
    """BEFORE: the cell was written as `=HYPERLINK(...)`, which a spreadsheet runs."""
    a = MentionIndex.open(sqlite_url)
    fill(a)
    out = tmp_path / "export.csv"
    export_mentions(a, out)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = {r["external_id"]: r for r in csv.DictReader(fh)}
    assert rows["h1"]["text"] == "'" + FORMULA
    assert rows["h2"]["text"] == "'-5 stars from me" and rows["h4"]["title"] == "'@title"
    assert rows["h4"]["text"] == "'+1 and 'quoted" and rows["s2"]["label_origin"] == "rating"
    assert rows["s3"]["rating"] == "'-2.0" and rows["s3"]["rating_scale"] == "'-5-5"
    for r in rows.values():
        for cell in r.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    b = MentionIndex.open(f"sqlite:///{tmp_path / 'b.db'}")
    import_file(b, out)
    with b.engine.connect() as conn:
        texts = dict(conn.execute(select(M.c.external_id, M.c.text)).all())
    assert texts["h1"] == FORMULA and texts["h4"] == "+1 and 'quoted"


def test_older_exports_without_the_new_columns_import_as_before(tmp_path: Path, sqlite_url: str) -> None:
    """An export from before: label_origin names a model but no model_version/probabilities."""
    f = tmp_path / "old.jsonl"
    row = {"brand": "Acme", "source": "hn", "external_id": "1", "text": "Great", "label": "positive"}
    f.write_text(json.dumps(row | {"label_origin": f"{MODEL}@{V1}"}) + "\n")
    idx = MentionIndex.open(sqlite_url)
    assert import_file(idx, f).new == 1
    with idx.engine.connect() as conn:
        r = conn.execute(select(M.c.label, M.c.label_origin, SRC.c.kind).join(SRC, SRC.c.id == M.c.source_id)).one()
    assert tuple(r) == ("positive", "import", "import")
