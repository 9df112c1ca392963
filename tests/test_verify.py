"""`monitor verify`: rollups, snapshots, duplicated texts and running runs, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from typer.testing import CliRunner

from monitor._api import MentionIndex
from monitor._cli import _register  # noqa: F401
from monitor._cli.app import app
from monitor._integrity import VerifyReport
from monitor._records import Mention, Prediction
from monitor._store.tables import MENTION_T

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
runner = CliRunner()


def _populated(url: str) -> MentionIndex:
    """Three days of mentions from two sources: scores, ratings, a manual label, a sighting."""
    idx = MentionIndex.open(url)
    items = [
        Mention(
            external_id=f"f{i}",
            text=f"Forum post number {i} about the Acme kettle and its lid",
            published_at=T0 + timedelta(hours=7 * i),
            lang="en" if i % 3 else "sv",
            rating=(i % 5) + 1 if i % 2 else None,
        )
        for i in range(12)
    ]
    idx.add_mentions("Acme", "forum", items)
    shop = [Mention(external_id="s1", text=items[0].text, published_at=T0)]  # a sighting
    shop.append(Mention(external_id="s2", text="Fine.", published_at=T0, rating=4))
    assert idx.add_mentions("Acme", "shop", shop).sightings == 1
    ids = [r[0] for r in idx.store.pending_scoring("m", "1", 100)]
    labels = ("negative", "neutral", "positive")
    idx.store.add_scores(
        [
            (mid, Prediction(labels[k % 3], 0.2, 0.3, 0.5, model_id="m", model_version="1"), k % 4 != 0)
            for k, mid in enumerate(ids)
        ]
    )
    idx.set_label(ids[1], "negative")
    idx.refresh()
    return idx


def _cli(url: str, *args: str) -> tuple[int, dict]:
    res = runner.invoke(app, ["verify", "--db", url, "--json", *args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    return res.exit_code, json.loads(res.stdout.strip().splitlines()[-1])


def test_clean_database_verifies_clean(db_url: str) -> None:
    idx = _populated(db_url)
    report = idx.verify()
    assert isinstance(report, VerifyReport)
    assert report.ok, report.to_dict()
    assert (report.mentions, report.days_checked, report.days_skipped_retention) == (13, 4, 0)
    code, out = _cli(db_url)
    assert (code, out["ok"], out["rollups"], out["snapshots"], out["duplicates"]) == (0, True, [], [], [])
    plain = runner.invoke(app, ["verify", "--db", db_url])
    assert plain.exit_code == 0 and "clean" in plain.stdout


def test_corrupt_rollups_and_snapshot_are_reported_and_repaired(db_url: str) -> None:
    idx = _populated(db_url)
    with idx.engine.begin() as conn:
        conn.execute(text("UPDATE daily_rollup SET n = n + 5 WHERE day = '2026-11-03' AND label = 'negative'"))
        conn.execute(text("DELETE FROM rating_rollup WHERE day = '2026-11-04'"))
        conn.execute(
            text("UPDATE index_snapshot SET positive = 99, msi = 0.5 WHERE day = '2026-11-05' AND scope = 'all'")
        )
    code, out = _cli(db_url)
    assert code == 1 and not out["ok"]
    tables = {(d["table"], d["key"]["day"]) for d in out["rollups"]}
    assert ("daily_rollup", "2026-11-03") in tables and ("rating_rollup", "2026-11-04") in tables
    bad = next(d for d in out["rollups"] if d["table"] == "daily_rollup")
    assert bad["stored"] == bad["recounted"] + 5 and bad["key"]["brand"] == "Acme"
    snap = [s for s in out["snapshots"] if s["day"] == "2026-11-05" and s["scope"] == "all"]
    assert snap and snap[0]["fields"]["positive"][0] == 99 and "msi" in snap[0]["fields"]
    plain = runner.invoke(app, ["verify", "--db", db_url])
    assert plain.exit_code == 1 and "stored" in plain.stdout and "daily_rollup" in plain.stdout

    code, out = _cli(db_url, "--repair")
    assert (code, out["ok"]) == (0, True), out
    assert out["repaired"]["rollup_days"] == 2 and out["repaired"]["snapshot_days"] >= 1
    assert idx.verify().ok
    assert idx.satisfaction("Acme", start=T0.date(), end=T0.date())[0].volume == 4  # the index reads the repair


def test_duplicate_text_from_two_sources_is_reported_not_deleted(db_url: str) -> None:
    idx = _populated(db_url)
    with idx.engine.begin() as conn:
        src = conn.execute(text("SELECT id FROM source WHERE name = 'shop'")).scalar_one()
        row = conn.execute(select(MENTION_T).where(MENTION_T.c.external_id == "f3")).one()._asdict()
        row.pop("id")
        row.update(source_id=src, external_id="dup-1", text=row["text"].upper() + "  ")  # same normalised text
        conn.execute(MENTION_T.insert(), [row])
        # short texts are never merged across sources: not a duplicate
        short = dict(row, external_id="short", text="Fine.", content_hash="x" * 16)
        forum = conn.execute(text("SELECT id FROM source WHERE name = 'forum'")).scalar_one()
        short2 = dict(short, source_id=forum, external_id="short2")
        conn.execute(MENTION_T.insert(), [short, short2])
    report = idx.verify()
    assert not report.ok
    assert len(report.duplicates) == 1
    dup = report.duplicates[0]
    assert (dup.brand, dup.sources, len(dup.mention_ids)) == ("Acme", ["forum", "shop"], 2)
    assert any("never merged or deleted" in n for n in report.notes)
    after = idx.verify(repair=True)
    assert [d.mention_ids for d in after.duplicates] == [dup.mention_ids]  # still reported, nothing deleted
    assert not after.rollups and not after.snapshots  # the rollups now count the extra rows
    with idx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(MENTION_T)).scalar_one() == 16
    code, out = _cli(db_url)
    assert code == 1 and out["duplicates"][0]["content_hash"] == dup.content_hash


def test_run_left_running_is_reported(db_url: str) -> None:
    idx = _populated(db_url)
    done = idx.store.start_run("score")
    idx.store.finish_run(done, "ok", {}, [])
    rid = idx.store.start_run("collect")
    report = idx.verify()
    assert [(r.id, r.kind) for r in report.running_runs] == [(rid, "collect")]
    assert report.running_runs[0].age_s >= 0 and not report.ok
    code, out = _cli(db_url)
    assert code == 1 and out["running_runs"][0]["id"] == rid and out["running_runs"][0]["started_at"]
    plain = runner.invoke(app, ["verify", "--db", db_url])
    assert f"run {rid} (collect)" in plain.stdout


def test_days_thinned_by_retention_are_skipped_and_said(db_url: str) -> None:
    idx = _populated(db_url)
    removed = idx.store.apply_retention(1, 400, now=T0 + timedelta(days=2, hours=12))
    assert removed["mentions"] > 0
    report = idx.verify()
    assert report.ok, report.to_dict()
    assert report.days_skipped_retention >= 2 and report.days_checked >= 1
    assert any("retention cutoff" in n for n in report.notes)
