"""Store contract, reads and maintenance: index reads, snapshots, listings, exports, rollup
rebuild, retention and verify — SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from monitor._records import Mention
from monitor._store import RETENTION_CUTOFF, Store, listings, reads, snapshots, verify
from monitor._store.exports import exported_mentions
from monitor._store.listings import MentionFilter
from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import MENTION_T as M
from monitor.errors import StorageError
from tests.store.conftest import T0, TZ, pred

DAY = date(2026, 11, 3)


def seed(store: Store) -> list[int]:
    """Acme: 2 positive (sv, mastodon), 1 negative (en, reviews, 2 stars); Beta: 1 neutral."""
    ids = store.add_mentions(
        "Acme",
        "mastodon:sv",
        [
            Mention("m1", "Riktigt bra telefon", published_at=T0, lang="sv"),
            Mention("m2", "Toppen", published_at=T0, lang="sv"),
        ],
        source_kind="mastodon",
    ).mention_ids
    ids += store.add_mentions(
        "Acme",
        "reviews",
        [
            Mention(
                "r1", "Broke in a week", published_at=T0 + timedelta(hours=1), lang="en", rating=2, rating_scale=(1, 5)
            )
        ],
    ).mention_ids
    ids += store.add_mentions("Beta", "reviews", [Mention("b1", "It is fine I guess", published_at=T0)]).mention_ids
    store.add_scores(
        [
            (ids[0], pred("positive"), True),
            (ids[1], pred("positive"), True),
            (ids[2], pred("negative"), True),
            (ids[3], pred("neutral"), True),
        ],
        now=T0,
    )
    return ids


def test_tallies_series_and_alert_windows_read_the_rollups(store: Store) -> None:
    seed(store)
    acme = store.brand_id("Acme")
    beta = store.brand_id("Beta")
    assert acme is not None and beta is not None
    by_source = reads.tallies(store.engine, [acme], DAY, DAY, None, group="source")
    assert {k: (t.positive, t.negative) for (k, _), t in by_source.items()} == {"mastodon": (2, 0), "reviews": (0, 1)}
    by_lang = reads.tallies(store.engine, [acme], DAY, DAY, "day", group="lang")
    assert {k: t.positive + t.negative for (k, _), t in by_lang.items()} == {"sv": 2, "en": 1}
    by_brand = reads.tallies(store.engine, [acme, beta], DAY, DAY, None, group="brand")
    assert {k: t.neutral for (k, _), t in by_brand.items()} == {acme: 0, beta: 1}
    assert reads.tallies(store.engine, [acme], DAY, DAY, None, source="nowhere") == {}
    points = reads.series(store.engine, [acme], DAY - timedelta(days=1), DAY, "day", 1)
    assert [(p.period_start, p.volume) for p in points] == [(DAY - timedelta(days=1), 0), (DAY, 3)]
    assert points[1].csat_n == 1 and points[1].csat == 0.0  # two stars of five: not satisfied
    edges = [T0 - timedelta(hours=2), T0 + timedelta(minutes=30), T0 + timedelta(hours=2)]
    assert reads.window_counts(store.engine, acme, edges) == [
        {"positive": 2, "neutral": 0, "negative": 0, "unscored": 0},
        {"positive": 0, "neutral": 0, "negative": 1, "unscored": 0},
    ]


def test_snapshots_refresh_dirty_days_and_answer_like_the_rollups(store: Store) -> None:
    seed(store)
    acme = store.brand_id("Acme")
    assert acme is not None
    from_rollups = reads.tallies(store.engine, [acme], DAY, DAY, None, group="lang")
    assert snapshots.refresh(store.engine, 1) == 2  # Acme's and Beta's day
    assert snapshots.refresh(store.engine, 1) == 0
    from_snapshots = reads.tallies(store.engine, [acme], DAY, DAY, None, group="lang")
    assert from_snapshots == from_rollups
    stored = listings.snapshots(store.engine, acme, DAY, DAY, "all")
    # what labelled the day: the model, and the stars of the rated review
    assert [(s.day, s.scope, s.point.volume, s.model_versions) for s in stored] == [(DAY, "all", 3, ["m@1", "rating"])]
    assert [s.scope_value for s in listings.snapshots(store.engine, acme, DAY, DAY, "source")] == [
        "mastodon",
        "reviews",
    ]


def test_mention_listings_filter_and_exports_carry_the_score_behind_the_label(store: Store) -> None:
    seed(store)
    acme = store.brand_id("Acme")
    assert acme is not None
    every = listings.mentions(store.engine, acme, "Acme", MentionFilter(), 10)
    assert [m.external_id for m in every] == ["r1", "m2", "m1"]  # newest first, then by id
    assert every[0].rating_scale == (1.0, 5.0) and every[0].brand == "Acme"
    only = MentionFilter(sentiment="positive", lang="sv", source="mastodon", since=T0, until=T0 + timedelta(minutes=1))
    assert {m.external_id for m in listings.mentions(store.engine, acme, "Acme", only, 10)} == {"m1", "m2"}
    assert listings.mentions(store.engine, acme, "Acme", MentionFilter(source="reviews"), 10)[0].label == "negative"
    assert (
        len(listings.mentions(store.engine, acme, "Acme", MentionFilter(sentiment="positive", strongest=True), 1)) == 1
    )
    rows = list(exported_mentions(store.engine, brand="Acme", since=DAY, until=DAY))
    assert [(r.external_id, r.label_origin, r.model_version, r.rating_worst) for r in rows] == [
        ("m1", "m@1", "1", None),
        ("m2", "m@1", "1", None),
        ("r1", "rating", None, 1.0),  # the stars are behind its label (the model's score stays in `score`)
    ]
    assert list(exported_mentions(store.engine, brand="Acme", since=DAY + timedelta(days=1), until=None)) == []


def test_rebuild_rollups_moves_days_to_a_new_timezone(store: Store) -> None:
    late = datetime(2026, 11, 3, 23, 30, tzinfo=UTC)  # 4 November in Stockholm, 3 November in UTC
    utc_store = Store(store.engine, ZoneInfo("UTC"))
    utc_store.add_mentions("Acme", "mastodon", [Mention("1", "Late night post", published_at=late)])
    with store.engine.connect() as conn:
        assert conn.execute(select(M.c.day)).scalar_one() == DAY
    store.rebuild_rollups()  # the store's timezone is Stockholm
    with store.engine.connect() as conn:
        assert conn.execute(select(M.c.day)).scalar_one() == date(2026, 11, 4)
        assert conn.execute(select(DR.c.day, DR.c.n)).all() == [(date(2026, 11, 4), 1)]
    assert verify.verify(store.engine, TZ, 1).rollups == []


def test_retention_keeps_the_index_and_then_refuses_a_rebuild(store: Store) -> None:
    seed(store)
    store.add_mentions("Acme", "mastodon:sv", [Mention("new", "Still here", published_at=T0 + timedelta(days=100))])
    acme = store.brand_id("Acme")
    assert acme is not None
    run = store.start_run("collect")
    store.finish_run(run, "ok", {}, [])
    removed = store.apply_retention(30, 0, now=T0 + timedelta(days=60))
    assert removed == {"mentions": 4, "runs": 1}
    assert store.get_meta(RETENTION_CUTOFF) == (T0 + timedelta(days=30)).isoformat()
    assert reads.series(store.engine, [acme], DAY, DAY, None, 1)[0].volume == 3  # the rollups stay
    with pytest.raises(StorageError, match="removed by retention"):
        store.rebuild_rollups()


def test_verify_finds_a_wrong_rollup_and_repair_fixes_it(store: Store) -> None:
    seed(store)
    snapshots.refresh(store.engine, 1)
    assert verify.verify(store.engine, TZ, 1).ok
    with store.engine.begin() as conn:
        conn.execute(update(DR).where(DR.c.label == "negative").values(n=DR.c.n + 5))
    found = verify.verify(store.engine, TZ, 1)
    assert not found.ok and len(found.rollups) == 1
    assert verify.repair(store.engine, TZ, 1).ok
    assert verify.verify(store.engine, TZ, 1).ok
