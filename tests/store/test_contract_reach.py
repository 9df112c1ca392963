"""Store contract, reach: stored with its kind, its rollup kept in step by every write — SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from monitor._index.reach import reach_level
from monitor._records import Mention
from monitor._store import Store, listings
from monitor._store.listings import MentionFilter
from monitor._store.reach import reach_tallies, recount_reach, stored_reach
from monitor._store.tables import MENTION_T as M
from tests.store.conftest import T0, TZ, pred


def assert_reach_rollup_matches_recount(store: Store) -> None:
    with store.engine.connect() as conn:
        assert +stored_reach(conn) == +recount_reach(conn)


def mentions() -> list[Mention]:
    return [
        Mention("a", "Lumio dock broke again", published_at=T0, reach=10_000_000, reach_kind="followers"),
        Mention("b", "Lumio is lovely", published_at=T0, reach=3, reach_kind="followers"),
        Mention("c", "Lumio, no reach", published_at=T0),
        Mention("d", "Lumio zero", published_at=T0 + timedelta(days=1), reach=0, reach_kind="upvotes"),
        Mention(
            "e", "Lumio rated", published_at=T0, rating=1, rating_scale=(1, 5), reach=40, reach_kind="helpful_votes"
        ),
    ]


def test_reach_round_trips_with_its_kind(store: Store) -> None:
    store.add_mentions("Lumio", "masto", mentions(), source_kind="mastodon")
    with store.engine.connect() as conn:
        got = {r.external_id: (r.reach, r.reach_kind) for r in conn.execute(select(M))}
    assert got == {
        "a": (10_000_000, "followers"),
        "b": (3, "followers"),
        "c": (None, None),
        "d": (0, "upvotes"),
        "e": (40, "helpful_votes"),
    }
    listed = {
        m.external_id: (m.reach, m.reach_kind) for m in listings.mentions(store.engine, None, None, MentionFilter(), 10)
    }
    assert listed == got
    assert_reach_rollup_matches_recount(store)


def test_the_reach_rollup_follows_labels_scores_and_rebuilds(store: Store) -> None:
    res = store.add_mentions("Lumio", "masto", mentions(), source_kind="mastodon")
    ids = dict(zip("abcde", res.mention_ids, strict=True))
    bid = store.brand_id("Lumio")
    assert bid is not None
    day = T0.astimezone(TZ).date()

    def levels() -> dict[str, Counter[int]]:
        t = reach_tallies(store.engine, [bid], day, day, None)[(None, day)]
        return {label: +c for label, c in t.levels.items() if +c}

    # "e" is labelled by its stars; the rest are unscored: level 0 holds those without reach
    assert levels() == {"negative": Counter({reach_level(40): 1}), "unscored": Counter({0: 1, 2: 1, 23: 1})}
    store.add_scores([(ids["a"], pred("negative"), True), (ids["b"], pred("positive"), True)])
    assert levels()["negative"] == Counter({23: 1, reach_level(40): 1})
    assert levels()["positive"] == Counter({2: 1})
    store.set_label(ids["a"], "positive")  # a person's label
    assert levels()["positive"] == Counter({23: 1, 2: 1})
    store.set_label(ids["a"], None)  # back to the model's
    assert levels()["negative"] == Counter({23: 1, reach_level(40): 1})
    change = store.relabel([ids["a"], ids["b"]], "neutral", by="ana", at=T0)
    assert levels()["neutral"] == Counter({23: 1, 2: 1})
    store.undo_relabel(change.id, by="ana", at=T0)
    assert_reach_rollup_matches_recount(store)
    before = levels()
    store.rebuild_rollups()
    assert levels() == before
    assert_reach_rollup_matches_recount(store)
    # the stars stop labelling reviews with words: "e" goes back to the model (unscored)
    store.sync_rating_rule()  # records the rule the labels follow (the stars')
    words_to_model = Store(store.engine, TZ, label_from_rating=False)
    assert words_to_model.sync_rating_rule() == 1
    assert levels()["negative"] == Counter({23: 1}) and levels()["unscored"][reach_level(40)] == 1
    assert_reach_rollup_matches_recount(store)
