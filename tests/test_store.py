"""The store on SQLite and on real PostgreSQL: idempotence, sightings, labels, scores, rollups."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from monitor._api import MentionIndex
from monitor._records import Mention, Prediction
from monitor._store import recount
from monitor._store.tables import DailyRollup, RatingRollup, Score, Sighting
from monitor.errors import ConfigError, StorageError

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def pred(label: str, version: str = "1", model: str = "m") -> Prediction:
    probs = {"negative": (0.8, 0.1, 0.1), "neutral": (0.1, 0.8, 0.1), "positive": (0.1, 0.1, 0.8)}[label]
    return Prediction(label, *probs, model_id=model, model_version=version)  # type: ignore[arg-type]


def rollups(idx: MentionIndex) -> tuple[Counter, Counter]:
    dr, rr = DailyRollup.__table__, RatingRollup.__table__  # type: ignore[attr-defined]
    with idx.engine.connect() as conn:
        c = Counter({tuple(r[:-1]): r[-1] for r in conn.execute(select(dr)) if r.n})
        r2 = Counter({tuple(r[:-1]): r[-1] for r in conn.execute(select(rr)) if r.n})
        fresh_c, fresh_r = recount(conn)
    return (c, r2), (+fresh_c, +fresh_r)  # type: ignore[return-value]


def assert_rollups_exact(idx: MentionIndex) -> None:
    stored, fresh = rollups(idx)
    assert stored == fresh


def test_add_mention_is_idempotent(db_url: str) -> None:
    idx = MentionIndex.open(db_url)
    a = idx.add_mention(
        brand="Acme",
        source="import",
        external_id="42",
        text="Great phone",
        published_at=T0,
        lang="sv",
        rating=4,
        rating_scale=(1, 5),
        label="positive",
    )
    b = idx.add_mention(brand="Acme", source="import", external_id="42", text="Great phone", published_at=T0)
    assert a == b
    p = idx.satisfaction("Acme", start=date(2026, 11, 3), end=date(2026, 11, 3))[0]
    assert (p.positive, p.volume, p.csat, p.csat_n) == (1, 1, 1.0, 1)
    assert_rollups_exact(idx)


def test_same_text_from_another_source_is_a_sighting(db_url: str) -> None:
    idx = MentionIndex.open(db_url)
    text = "The new firmware bricked my speaker, avoid!"
    r1 = idx.add_mentions("Acme", "mastodon", [Mention("1", text, published_at=T0)])
    r2 = idx.add_mentions(
        "Acme", "bluesky", [Mention("b1", "  the NEW firmware bricked my speaker,   avoid! ", published_at=T0)]
    )
    r3 = idx.add_mentions("Acme", "bluesky", [Mention("b1", text, published_at=T0)])
    assert (r1.new, r2.new, r2.sightings, r3.duplicate) == (1, 0, 1, 1)
    with idx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Sighting.__table__)).scalar_one() == 1  # type: ignore[attr-defined]
    assert idx.satisfaction("Acme", "2026-11-03", "2026-11-03")[0].volume == 1
    # short texts are never merged: two different people can both write "Love it!"
    idx.add_mentions("Acme", "mastodon", [Mention("2", "Love it!", published_at=T0)])
    r = idx.add_mentions("Acme", "bluesky", [Mention("b2", "Love it!", published_at=T0)])
    assert r.new == 1
    assert idx.store.known_external_ids("bluesky", ["b1", "b2", "zz"]) == {"b1", "b2"}


def test_manual_label_wins_over_model_scores(db_url: str) -> None:
    idx = MentionIndex.open(db_url)
    mid = idx.add_mention(brand="Acme", source="s", external_id="1", text="meh", published_at=T0)
    assert idx.store.pending_scoring("m", "1", 1000) == [(mid, "meh", None)]
    idx.store.add_scores([(mid, pred("positive"), True)])
    idx.refresh()
    assert idx.store.pending_scoring("m", "1", 1000) == []
    assert idx.satisfaction("Acme", "2026-11-03", "2026-11-03")[0].positive == 1
    idx.set_label(mid, "negative")
    idx.store.add_scores([(mid, pred("positive", version="2"), True)])  # a newer model: history kept, label kept
    idx.refresh()
    p = idx.satisfaction("Acme", "2026-11-03", "2026-11-03")[0]
    assert (p.positive, p.negative) == (0, 1)
    with idx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Score.__table__)).scalar_one() == 2  # type: ignore[attr-defined]
    idx.set_label(mid, None)  # clearing falls back to the newest score
    p = idx.satisfaction("Acme", "2026-11-03", "2026-11-03")[0]
    assert (p.positive, p.negative) == (1, 0)
    assert_rollups_exact(idx)


def test_uncounted_score_stays_unscored(db_url: str) -> None:
    idx = MentionIndex.open(db_url)
    mid = idx.add_mention(brand="Acme", source="s", external_id="1", text="Բարև ձեզ", published_at=T0, lang="xx")
    idx.store.add_scores([(mid, pred("neutral"), False)])
    idx.refresh()
    p = idx.satisfaction("Acme", "2026-11-03", "2026-11-03")[0]
    assert (p.neutral, p.unscored, p.volume, p.msi) == (0, 1, 1, None)


def test_new_model_version_rescores_without_overwriting(db_url: str) -> None:
    idx = MentionIndex.open(db_url)
    mid = idx.add_mention(brand="Acme", source="s", external_id="1", text="ok", published_at=T0)
    idx.store.add_scores([(mid, pred("neutral", "1"), True)])
    idx.refresh()
    assert idx.store.pending_scoring("m", "2", 1000) == [(mid, "ok", None)]
    idx.store.add_scores([(mid, pred("positive", "2"), True)])
    idx.refresh()
    idx.store.add_scores([(mid, pred("negative", "2"), True)])  # same version again: ignored
    idx.refresh()
    snap = idx.snapshots("Acme", "2026-11-03", "2026-11-03")[0]
    assert snap.point.positive == 1
    assert snap.model_versions == ["m@2"]


def test_snapshots_per_scope_and_refresh(db_url: str) -> None:
    idx = MentionIndex.open(db_url)
    idx.add_mentions(
        "Acme",
        "rev",
        [Mention("1", "fine", published_at=T0, lang="sv", label="positive", rating=5, rating_scale=(1, 5))],
        source_kind="reviews",
    )
    idx.add_mentions(
        "Acme", "hn", [Mention("2", "bad", published_at=T0, lang="en", label="negative")], source_kind="hackernews"
    )
    snaps = {
        (s.scope, s.scope_value): s.point
        for s in [
            *idx.snapshots("Acme", "2026-11-03", "2026-11-03", scope="all"),
            *idx.snapshots("Acme", "2026-11-03", "2026-11-03", scope="source"),
            *idx.snapshots("Acme", "2026-11-03", "2026-11-03", scope="lang"),
        ]
    }
    assert snaps[("all", "")].msi == 0.5
    assert snaps[("source", "reviews")].csat == 1.0
    assert snaps[("lang", "en")].negative == 1


def test_days_follow_the_index_timezone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from monitor._config import config_from_dict

    url = f"sqlite:///{tmp_path / 'tz.db'}"
    late = datetime(2026, 11, 3, 23, 30, tzinfo=UTC)  # already Nov 4 in Stockholm
    idx = MentionIndex.open(url)
    idx.add_mention(brand="Acme", source="s", external_id="1", text="x", published_at=late, label="positive")
    assert idx.satisfaction("Acme", "2026-11-03", "2026-11-04")[0].positive == 1
    idx.close()
    cfg = config_from_dict({"database_url": url, "index": {"timezone": "Europe/Stockholm"}})
    idx2 = MentionIndex.open(cfg)  # a new timezone rebuilds rollups
    pts = idx2.satisfaction("Acme", "2026-11-03", "2026-11-04")
    assert (pts[0].positive, pts[1].positive) == (0, 1)
    assert_rollups_exact(idx2)


def test_bad_inputs_are_named(db_url: str) -> None:
    idx = MentionIndex.open(db_url)
    with pytest.raises(StorageError, match="label"):
        idx.add_mention(brand="Acme", source="s", external_id="1", text="x", published_at=T0, label="great")
    with pytest.raises(StorageError, match="no mention"):
        idx.set_label(999, "positive")
    with pytest.raises(ConfigError, match="unknown brand"):
        idx.satisfaction("Nope")
    with pytest.raises(ConfigError, match="by="):
        idx.satisfaction("Acme", by="year")  # type: ignore[arg-type]


ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("add"),
            st.integers(0, 11),
            st.sampled_from(["s1", "s2"]),
            st.integers(0, 3),
            st.sampled_from([None, "positive", "negative", "neutral"]),
            st.sampled_from([None, 1, 3, 5]),
        ),
        st.tuples(st.just("label"), st.integers(0, 40), st.sampled_from([None, "positive", "negative", "neutral"])),
        st.tuples(
            st.just("score"),
            st.integers(0, 40),
            st.sampled_from(["positive", "negative", "neutral"]),
            st.sampled_from(["1", "2"]),
            st.booleans(),
        ),
    ),
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=ops)
def test_rollups_equal_recount_after_random_operations(tmp_path_factory: pytest.TempPathFactory, ops: list) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.db'}"
    idx = MentionIndex.open(url)
    idx.store.ensure_brand("Acme")
    texts = [f"mention number {i} is about the acme speaker" for i in range(12)]
    ids: list[int] = []
    for op in ops:
        if op[0] == "add":
            _, n, src, day, label, rating = op
            mid = idx.add_mention(
                brand="Acme",
                source=src,
                external_id=str(n),
                text=texts[n],
                published_at=T0 + timedelta(days=day),
                label=label,
                rating=rating,
            )
            ids.append(mid)
        elif op[0] == "label" and ids:
            idx.set_label(ids[op[1] % len(ids)], op[2])
        elif op[0] == "score" and ids:
            idx.store.add_scores([(ids[op[1] % len(ids)], pred(op[2], op[3]), op[4])])
            idx.refresh()
    assert_rollups_exact(idx)
    # and the index from rollups equals a count of effective labels
    total = idx.satisfaction("Acme", "2026-11-01", "2026-11-10", by=None)[0]
    with idx.engine.connect() as conn:
        from monitor._store.tables import Mention as MentionRow

        m = MentionRow.__table__  # type: ignore[attr-defined]
        labels = Counter(r[0] for r in conn.execute(select(m.c.label)))
    assert (total.positive, total.negative, total.neutral, total.unscored) == (
        labels["positive"],
        labels["negative"],
        labels["neutral"],
        labels["unscored"],
    )
    idx.close()


def test_retention_keeps_index_history(db_url: str) -> None:
    idx = MentionIndex.open(db_url)
    old = datetime(2024, 1, 5, tzinfo=UTC)
    idx.add_mentions(
        "Acme",
        "s",
        [
            Mention("1", "old but gold", published_at=old, label="positive"),
            Mention("2", "fresh", published_at=T0, label="negative"),
        ],
    )
    before = idx.satisfaction("Acme", date(2024, 1, 5), date(2024, 1, 5))[0]
    keep = idx.config.retention
    removed = idx.store.apply_retention(keep.mention_days, keep.run_days, now=datetime(2026, 11, 20, tzinfo=UTC))
    assert removed["mentions"] == 1
    assert len(idx.mentions("Acme", limit=10)) == 1
    assert idx.satisfaction("Acme", date(2024, 1, 5), date(2024, 1, 5))[0] == before
    assert idx.snapshots("Acme", date(2024, 1, 5), date(2024, 1, 5))[0].point.positive == 1


def test_rating_only_reviews_take_their_label_from_the_stars(db_url: str) -> None:
    idx = MentionIndex.open(db_url)
    items = [Mention(str(i), "", published_at=T0, rating=r, rating_scale=(1, 5)) for i, r in enumerate([1, 2, 3, 4, 5])]
    idx.add_mentions("Acme", "reviews", items)
    p = idx.satisfaction("Acme", "2026-11-03", "2026-11-03")[0]
    assert (p.negative, p.neutral, p.positive, p.csat) == (2, 1, 2, 0.4)
    assert idx.store.pending_scoring("m", "1", 1000) == []  # nothing for the model to read
