"""Store contract, writes: registry, ingest (dedup, sightings), scores, labels — SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from monitor._records import Mention
from monitor._store import Store, recount
from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import RATING_ROLLUP_T as RR
from monitor._store.tables import SCORE_T as SC
from monitor.errors import ImportDataError, StorageError
from tests.store.conftest import T0, pred

LONG = "The new firmware bricked my speaker, avoid it at all costs!"


def assert_rollups_match_recount(store: Store) -> None:
    with store.engine.connect() as conn:
        daily = Counter({tuple(r[:-1]): r[-1] for r in conn.execute(select(DR)) if r.n})
        rating = Counter({tuple(r[:-1]): r[-1] for r in conn.execute(select(RR)) if r.n})
        fresh_daily, fresh_rating = recount(conn)
    assert (daily, rating) == (+fresh_daily, +fresh_rating)


def labels(store: Store) -> dict[str, tuple[str, str | None]]:
    with store.engine.connect() as conn:
        return {r.external_id: (r.label, r.label_origin) for r in conn.execute(select(M))}


def test_registry_creates_caches_and_looks_up(store: Store) -> None:
    bid = store.ensure_brand("Acme", aliases=["ACME AB"])
    assert store.ensure_brand("Acme") == bid
    assert store.brand_id("acme") == bid  # case-insensitive fallback
    assert store.brand_id("Nope") is None
    assert store.brand_name(bid) == "Acme"
    sid, kind = store.ensure_source("mastodon:sv")
    assert kind == "mastodon:sv"
    assert store.ensure_source("mastodon:sv", "mastodon") == (sid, "mastodon")
    assert store.source_kind("mastodon:sv") == "mastodon"
    assert store.source_kind("nowhere") is None
    store.ensure_brand("Beta")
    assert store.brand_names() == ["Acme", "Beta"]
    with pytest.raises(ImportDataError, match="brand name is empty"):
        store.ensure_brand("  ")
    with pytest.raises(ImportDataError, match="source name is empty"):
        store.ensure_source("")


def test_ingest_is_idempotent_and_same_text_elsewhere_is_a_sighting(store: Store) -> None:
    r1 = store.add_mentions("Acme", "mastodon", [Mention("1", LONG, published_at=T0), Mention("1", LONG)])
    assert (r1.new, r1.duplicate, r1.sightings, len(r1.mention_ids)) == (1, 1, 0, 1)
    again = store.add_mentions("Acme", "mastodon", [Mention("1", LONG, published_at=T0)])
    assert (again.new, again.duplicate) == (0, 1)
    # same text (case, spaces folded) from another source: a sighting of the first mention
    r2 = store.add_mentions(
        "Acme", "bluesky", [Mention("b1", "  the NEW firmware bricked my speaker, AVOID it at all costs! ")]
    )
    assert (r2.new, r2.sightings) == (0, 1)
    assert store.mention_id_of("bluesky", "b1") == store.mention_id_of("mastodon", "1") == r1.mention_ids[0]
    assert store.mention_id_of("bluesky", "zz") is None
    # short texts are never merged across sources
    store.add_mentions("Acme", "mastodon", [Mention("2", "Love it!", published_at=T0)])
    r3 = store.add_mentions("Acme", "bluesky", [Mention("b2", "Love it!", published_at=T0)])
    assert r3.new == 1
    assert store.known_external_ids("bluesky", ["b1", "b2", "zz"]) == {"b1", "b2"}
    assert store.known_external_ids("unknown-source", ["b1"]) == set()
    # another brand may hold the same text as a mention of its own
    assert store.add_mentions("Beta", "bluesky", [Mention("b9", LONG, published_at=T0)]).new == 1
    assert_rollups_match_recount(store)


def test_add_groups_writes_groups_together_with_carried_scores(store: Store) -> None:
    groups = [
        ("Acme", "import", "csv", [Mention("a", "Fine enough product here", published_at=T0, label="neutral")]),
        (
            "Acme",
            "reviews",
            None,
            [Mention("r", "Broke after a week", published_at=T0, label="negative", score=pred("negative", "3"))],
        ),
        ("Beta", "import", "csv", [Mention("c", "", published_at=T0, rating=5, rating_scale=(1, 5))]),
    ]
    res = store.add_groups(groups)
    assert [r.new for r in res] == [1, 1, 1]
    assert labels(store) == {"a": ("neutral", "import"), "r": ("negative", "m@3"), "c": ("positive", "rating")}
    with store.engine.connect() as conn:
        assert conn.execute(select(SC.c.model_version, SC.c.counted)).all() == [("3", True)]
    assert_rollups_match_recount(store)
    with pytest.raises(ImportDataError, match="label 'great'"):
        store.add_mentions("Acme", "x", [Mention("z", "text", label="great")])  # type: ignore[arg-type]


def test_scores_pending_counted_and_rescored_by_newer_versions(store: Store) -> None:
    ids = store.add_mentions(
        "Acme",
        "mastodon",
        [
            Mention("1", "Great phone", title="Review", published_at=T0),
            Mention("2", "Meh", published_at=T0),
            Mention("3", "Given", published_at=T0, label="positive"),
        ],
    ).mention_ids
    assert store.count_pending("m", "1") == 2
    assert store.pending_scoring("m", "1", 10) == [(ids[0], "Review. Great phone", None), (ids[1], "Meh", None)]
    assert store.add_scores([(ids[0], pred("positive"), True), (ids[1], pred("negative"), False)]) == 2
    assert store.add_scores([(ids[0], pred("positive"), True)]) == 0  # already stored
    assert labels(store)["1"] == ("positive", "m@1")
    assert labels(store)["2"] == ("unscored", "m@1")  # not counted: stays unscored
    assert store.count_pending("m", "1") == 0
    assert store.count_pending("m", "2") == 2  # a newer version rescores model labels, never given ones
    store.add_scores([(ids[0], pred("negative", "2"), True)], now=T0 + timedelta(days=1))
    assert labels(store)["1"] == ("negative", "m@2")
    assert labels(store)["3"] == ("positive", "import")
    assert_rollups_match_recount(store)


def test_person_label_wins_and_clearing_it_returns_to_the_latest_score(store: Store) -> None:
    (mid,) = store.add_mentions("Acme", "mastodon", [Mention("1", "Hmm", published_at=T0)]).mention_ids
    store.add_scores([(mid, pred("negative"), True)], now=T0)
    store.set_label(mid, "positive")
    store.add_scores([(mid, pred("neutral", "2"), True)], now=T0 + timedelta(days=1))
    assert labels(store)["1"] == ("positive", "manual")
    store.set_label(mid, None)
    assert labels(store)["1"] == ("neutral", "m@2")
    (other,) = store.add_mentions("Acme", "mastodon", [Mention("2", "Unscored", published_at=T0)]).mention_ids
    store.set_label(other, "negative")
    store.set_label(other, None)
    assert labels(store)["2"] == ("unscored", None)
    with pytest.raises(StorageError, match="label 'good'"):
        store.set_label(mid, "good")
    with pytest.raises(StorageError, match="no mention with id 999999"):
        store.set_label(999999, "positive")
    assert_rollups_match_recount(store)
