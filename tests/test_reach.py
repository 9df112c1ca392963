"""Reach: the weights and their cap (pure), what each source gives, hostile values, the API and CLI."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor import Mention, MentionIndex
from monitor._index.reach import (
    MAX_REACH,
    ReachTally,
    level_weight,
    reach_level,
    reach_problem,
    weight,
    weight_cap,
)
from monitor._mention_rules import check_mention
from monitor._sources import appstore, bluesky, hackernews, html, mastodon, reddit, reviews, youtube
from monitor._sources._text import count, helpful_votes
from monitor.errors import ImportDataError, InvalidArgument

REPO = Path(__file__).resolve().parents[1]
FIX = Path(os.environ.get("MONITOR_SHARED_DIR", REPO.parent / "shared")) / "fixtures"
DAY = date(2026, 11, 3)
T0 = datetime(2026, 11, 3, 9, tzinfo=UTC)


def tally(*groups: tuple[str, int | None, int]) -> ReachTally:
    """A period of ``(label, reach, mentions)`` groups."""
    t = ReachTally()
    for label, reach, n in groups:
        t.add(label, reach_level(reach), n)
    return t


# -- the weights and the cap ----------------------------------------------------------------


def test_weight_is_one_plus_log_of_reach_rounded_down_to_a_power_of_two() -> None:
    assert weight(None) == weight(0) == 1.0
    assert [reach_level(r) for r in (1, 2, 3, 1022, 1023, 10_000_000)] == [1, 1, 2, 9, 10, 23]
    assert weight(1022) == pytest.approx(1 + 9 * 0.6931471805599453)
    # never more than ln 2 below 1 + ln(1 + reach), never above it
    for r in (1, 7, 1000, 123_456, 10**9):
        from math import log, log1p

        assert 1 + log1p(r) - log(2) <= weight(r) <= 1 + log1p(r) + 1e-12


def test_the_cap_keeps_every_mention_at_or_under_five_percent() -> None:
    hist = {1.0: 99, level_weight(reach_level(10_000_000)): 1}
    cap = weight_cap(hist)
    total = 99 * 1.0 + min(level_weight(23), cap)
    assert cap / total == pytest.approx(0.05)
    assert weight_cap({1.0: 10, 17.0: 1}) == 1.0  # under 20 mentions: all weigh the same
    assert weight_cap({3.0: 40}) == 3.0  # equal weights: nothing to cap
    assert weight_cap({}) == 1.0


def test_one_viral_post_cannot_move_the_weighted_msi_more_than_the_cap_allows() -> None:
    # 95 positive mentions without reach, one negative post by an account with 10 million followers
    viral = tally(("positive", None, 95), ("negative", 10_000_000, 1)).point(DAY, 30)
    assert viral.msi == pytest.approx(95 / 96)
    assert viral.top_share == pytest.approx(0.05)
    # uncapped, the post would weigh 16.9 mentions (MSI 0.85); capped it is at most 5 % of the weight
    assert viral.weighted_msi == pytest.approx(0.95)
    assert viral.weighted_msi >= 0.95 - 1e-9
    assert viral.weighted_negative / (viral.weighted_positive + viral.weighted_negative) <= 0.05 + 1e-9
    # even 10^11 followers weigh no more
    bigger = tally(("positive", None, 95), ("negative", MAX_REACH, 1)).point(DAY, 30)
    assert bigger.weighted_msi == pytest.approx(viral.weighted_msi)
    # a small period cannot be taken over either: every mention weighs 1, the plain figure
    small = tally(("positive", None, 9), ("negative", 10_000_000, 1)).point(DAY, 30)
    assert small.weighted_msi == small.msi == 0.9 and small.weight_cap == 1.0


def test_weighted_and_plain_differ_as_reach_says_on_a_constructed_set() -> None:
    # 30 positive mentions by small accounts (reach 3: weight 1 + ln 2 · 2), 30 negative ones
    # by accounts with 1,000 followers (weight 1 + ln 2 · 9): plain MSI 0.5, weighted lower
    t = tally(("positive", 3, 30), ("negative", 1000, 30), ("neutral", None, 10), ("unscored", None, 5))
    p = t.point(DAY, 30)
    wp, wn = 30 * level_weight(2), 30 * level_weight(9)
    assert p.msi == 0.5 and p.volume == 75 and p.with_reach == 60
    assert p.weighted_msi == pytest.approx(wp / (wp + wn))  # no weight above 5 % here: uncapped
    assert p.weighted_msi_low < p.weighted_msi < p.weighted_msi_high
    assert p.weighted_volume == pytest.approx(wp + wn + 15)
    # Kish: unequal weights give an effective n below the 60 opinions
    assert p.effective_n == pytest.approx((wp + wn) ** 2 / (30 * level_weight(2) ** 2 + 30 * level_weight(9) ** 2))
    assert 30 < p.effective_n < 60 and not p.weighted_low_sample
    # equal weights: weighted = plain, n_eff = n
    same = tally(("positive", 100, 40), ("negative", 100, 10)).point(DAY, 30)
    assert same.weighted_msi == pytest.approx(same.msi) and same.effective_n == pytest.approx(50)
    assert same.weighted_msi_low == pytest.approx(same.msi_low)
    assert tally().point(DAY, 30).weighted_msi is None


# -- hostile values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "problem"),
    [
        (-5, "followers", "reach -5 is negative"),
        (10**15, "followers", "implausibly large"),
        ("12k", "followers", "is not a whole number"),
        (True, "likes", "is not a whole number"),
        (3.5, "likes", "is not a whole number"),
        (12, "retweets", "reach kind 'retweets' is not one of"),
        (12, None, "reach kind 'None' is not one of"),
        (None, "likes", "reach kind 'likes' without a reach"),
    ],
)
def test_a_bad_reach_is_dropped_by_name_and_the_mention_kept(value: object, kind: object, problem: str) -> None:
    assert problem in (reach_problem(value, kind) or "")
    item = Mention(external_id="1", text="Lumio is fine", reach=value, reach_kind=kind)  # type: ignore[arg-type]
    checked = check_mention(item)
    assert checked.item is not None and checked.item.reach is None and checked.item.reach_kind is None
    assert checked.repaired and problem in (checked.reason or "") and "(kept without reach)" in (checked.reason or "")
    # a bad rating and a bad reach at once: both dropped, the mention kept
    both = check_mention(replace(item, rating=9.0))
    assert both.item is not None and both.item.reach is None and both.item.rating is None
    assert check_mention(both.item).problem is None  # what the collector stores passes the store's own check


def test_good_reach_passes_and_counts_read_as_sources_write_them() -> None:
    assert check_mention(Mention(external_id="1", text="x", reach=0, reach_kind="upvotes")).problem is None
    assert [count(v) for v in (289, "289", "1,262", "1 262", 12.0, "-3", "12k", 1.5, True, None, {})] == [
        289, 289, 1262, 1262, 12, -3, None, None, None, None, None,
    ]  # fmt: skip
    assert [helpful_votes(t) for t in ("4 people found this helpful", "One person found this helpful")] == [4, 1]
    assert helpful_votes("921 persone l'hanno trovato utile") == 921
    assert helpful_votes("1,024 people found this helpful") == 1024
    assert helpful_votes("") is None and helpful_votes("Helpful") is None


def test_the_api_refuses_a_hostile_reach_by_name(tmp_path: Path) -> None:
    with MentionIndex.open(f"sqlite:///{tmp_path / 'r.db'}") as idx:
        bad = Mention(external_id="x", text="Lumio", reach=-1, reach_kind="followers", published_at=T0)
        with pytest.raises(ImportDataError, match="reach -1 is negative"):
            idx.add_mentions("Lumio", "masto", [bad])
        with pytest.raises(InvalidArgument, match="share_cap"):
            idx.reach("Lumio", share_cap=0)


# -- what each source gives -----------------------------------------------------------------


def test_the_projects_own_test_pages() -> None:
    boost = mastodon.parse((REPO / "tests/data/mastodon_boost.json").read_bytes(), "https://m.example/api")
    assert {(m.reach, m.reach_kind) for m in boost} == {(1200, "followers")}  # a boost: the original's author
    reposts = bluesky.parse((REPO / "tests/data/bluesky_feed_repost.json").read_bytes(), "https://b.example/xrpc")
    assert all(m.reach_kind in (None, "likes") for m in reposts)
    page = """<html><body><script type="application/ld+json">{"@context": "https://schema.org",
      "@type": "Product", "name": "Lumio X2", "review": [
        {"@type": "Review", "reviewBody": "Bra lampa", "author": "Ana", "upvoteCount": "14",
         "reviewRating": {"ratingValue": 5}},
        {"@type": "Review", "reviewBody": "Slutade fungera", "author": "Bo",
         "interactionStatistic": {"@type": "InteractionCounter",
           "interactionType": "https://schema.org/LikeAction", "userInteractionCount": 3},
         "reviewRating": {"ratingValue": 1}},
        {"@type": "Review", "reviewBody": "Okej", "author": "Cy", "upvoteCount": -4,
         "reviewRating": {"ratingValue": 3}}]}</script></body></html>"""
    got = reviews.parse(page, "https://shop.example/lumio")
    assert [(m.reach, m.reach_kind) for m in got] == [
        (14, "helpful_votes"),
        (3, "helpful_votes"),
        (-4, "helpful_votes"),
    ]
    assert check_mention(got[2]).reason == "reach -4 is negative (kept without reach)"


def fixture(rel: str) -> bytes:
    path = FIX / rel
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path.read_bytes()


def reaches(mentions: list[Mention]) -> list[tuple[int | None, str | None]]:
    return [(m.reach, m.reach_kind) for m in mentions]


@pytest.mark.shared
def test_social_fixtures_carry_their_reach() -> None:
    got = mastodon.parse(fixture("social-json/mastodon_social_timelines_tag_rstats.json"), "https://m/api")
    assert reaches(got) == [
        (656, "followers"),
        (722, "followers"),
        (573, "followers"),
        (93, "followers"),
        (7, "followers"),
    ]
    got = reddit.parse(fixture("social-json/reddit_search_r-all_q-praw-oauth-search.json"), "https://r/search.json")
    assert [r for r, _ in reaches(got)] == [0, 2, 2, 2, 2, 15] and {k for _, k in reaches(got)} == {"upvotes"}
    got = youtube.parse(fixture("social-json/youtube_commentThreads_by_video_page1.json"), "https://y/commentThreads")
    assert reaches(got) == [(0, "likes"), (1, "likes"), (4, "likes"), (1, "likes"), (0, "likes")]
    got = hackernews.parse(fixture("social-json/hn_algolia_search_bundle_2014.json"), "https://hn/search")
    stories = [m for m in got if m.title]
    assert stories and all(m.reach_kind == "upvotes" and (m.reach or 0) >= 0 for m in stories)
    assert reaches(got)[:3] == [(1081, "upvotes"), (1, "upvotes"), (2321, "upvotes")]
    got = bluesky.parse(fixture("social-json/bluesky_searchPosts_q-redistricting.json"), "https://b/searchPosts")
    assert len(got) == 25 and {k for _, k in reaches(got)} == {"likes"} and reaches(got)[3] == (13, "likes")
    got = appstore.parse(
        fixture("social-json/itunes_customerreviews_app_284815942_us_mostHelpful.json"), "https://a/json"
    )
    assert len(got) == 50 and reaches(got)[:3] == [
        (263, "helpful_votes"),
        (289, "helpful_votes"),
        (23, "helpful_votes"),
    ]
    assert all(check_mention(m).problem is None for m in got)


@pytest.mark.shared
def test_review_page_fixtures_carry_helpful_votes() -> None:
    opts = tomllib.loads((REPO / "config/html-amazon.example.toml").read_text())["sources"][0]["options"]
    got = html.parse(fixture("reviews-html/amazon_com_product-reviews_B0BBPNPZTC.html"), "https://amazon.com/r", opts)
    assert sorted(r for r, _ in reaches(got) if r is not None) == [1, 3, 4, 16, 22]  # "One person found this helpful"
    got = html.parse(
        fixture("reviews-html/amazon_it_product-reviews_B07747FR44_2019.html"), "https://amazon.it/r", opts
    )
    assert [r for r, _ in reaches(got)][:3] == [921, 669, 215]
    # schema.org review pages without votes give none (never a made-up 0)
    got = reviews.parse(fixture("reviews-html/allrecipes_com_recipe_jsonld-reviews.html"), "https://allrecipes.com/r")
    assert got and all(m.reach is None for m in got)


# -- API and CLI ----------------------------------------------------------------------------


def _story(idx: MentionIndex) -> None:
    pos = [Mention(external_id=f"p{i}", text=f"Lumio bra {i}", published_at=T0, label="positive") for i in range(40)]
    neg = [
        Mention(
            external_id=f"n{i}",
            text=f"Lumio dålig {i}",
            published_at=T0,
            label="negative",
            reach=r,
            reach_kind="followers",
        )
        for i, r in enumerate([10_000_000, 5000, 800])
    ]
    idx.add_mentions("Lumio", "masto", pos + neg, source_kind="mastodon")


def test_api_reach_beside_the_plain_figures(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    with MentionIndex.open(url) as idx:
        _story(idx)
        (p,) = idx.reach("Lumio", start=DAY, end=DAY, by=None)
        plain = idx.satisfaction("Lumio", start=DAY, end=DAY, by=None)[0]
        assert (p.volume, p.msi, p.msi_low) == (plain.volume, plain.msi, plain.msi_low) == (43, 40 / 43, plain.msi_low)
        assert p.with_reach == 3 and p.weighted_msi < p.msi and p.top_share <= 0.05 + 1e-9
        week = idx.reach("Lumio", start="2026-11-01", end="2026-11-30", by="week")
        assert sum(x.volume for x in week) == 43
        assert idx.reach("Lumio", start=DAY, end=DAY, source="mastodon")[0].volume == 43
        df = idx.reach("Lumio", start=DAY, end=DAY).to_pandas()
        assert {"msi", "weighted_msi", "volume", "weighted_volume", "effective_n"} <= set(df.columns)
        # a person's label moves the weighted figures with the plain ones
        viral = idx.mentions("Lumio", text="dålig 0")[0]
        idx.set_label(viral.id, "positive")
        after = idx.reach("Lumio", start=DAY, end=DAY, by=None)[0]
        assert (after.positive, after.negative) == (41, 2) and after.weighted_msi > p.weighted_msi
        assert idx.verify().rollups == []


def test_cli_satisfaction_with_reach(tmp_path: Path) -> None:
    from monitor._cli import _register  # noqa: F401
    from monitor._cli.app import app

    url = f"sqlite:///{tmp_path / 'r.db'}"
    with MentionIndex.open(url) as idx:
        _story(idx)
    runner = CliRunner()
    args = ["query", "satisfaction", "Lumio", "--db", url, "--since", "2026-11-03", "--until", "2026-11-03"]
    res = runner.invoke(app, [*args, "--reach"])
    assert res.exit_code == 0, res.output
    assert "w. MSI" in res.output and "eff. n" in res.output and "2026-11-03" in res.output
    assert "0.930" in res.output  # the plain MSI, 40/43, beside the weighted one
    res = runner.invoke(app, [*args, "--reach", "--json"])
    (row,) = json.loads(res.output)
    assert row["volume"] == 43 and row["with_reach"] == 3 and row["weighted_msi"] < row["msi"]
    plain = runner.invoke(app, args)
    assert "w. MSI" not in plain.output  # opt-in


def test_reach_survives_export_and_import_and_bad_rows_are_named(tmp_path: Path) -> None:
    from monitor._exporter import export_mentions
    from monitor._importer import import_file

    with MentionIndex.open(f"sqlite:///{tmp_path / 'a.db'}") as idx:
        _story(idx)
        out = tmp_path / "m.jsonl"
        assert export_mentions(idx, out, brand="Lumio") == 43
    bad = [
        {"brand": "Lumio", "source": "s", "external_id": "x1", "text": "t", "reach": -3, "reach_kind": "likes"},
        {"brand": "Lumio", "source": "s", "external_id": "x2", "text": "t", "reach": 5},
        {"brand": "Lumio", "source": "s", "external_id": "x3", "text": "t", "reach": 5, "reach_kind": "retweets"},
        {"brand": "Lumio", "source": "s", "external_id": "x4", "text": "t", "reach": "12k", "reach_kind": "likes"},
    ]
    with out.open("a") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in bad)
    with MentionIndex.open(f"sqlite:///{tmp_path / 'b.db'}") as idx:
        res = import_file(idx, out)
        assert res.new == 43
        problems = " | ".join(str(e) for e in res.errors)
        for why in ("reach -3 is negative", "give both", "'retweets' is not one of", "'12k' is not a whole number"):
            assert why in problems
        got = sorted((m.reach or 0) for m in idx.mentions("Lumio", limit=100) if m.reach_kind == "followers")
        assert got == [800, 5000, 10_000_000]
        assert idx.reach("Lumio", start=DAY, end=DAY, by=None)[0].with_reach == 3
