"""Every parser against the real recorded responses in ../shared/fixtures (see SOURCES.md).

Skipped cleanly when ../shared is absent (set MONITOR_SHARED_DIR to point elsewhere).
"""

from __future__ import annotations

import os
import tomllib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from monitor._sources import (
    appstore,
    bluesky,
    hackernews,
    html,
    mastodon,
    reddit,
    reviews,
    rss,
    youtube,
)
from monitor._sources.base import parse_link_header

pytestmark = pytest.mark.shared

SHARED = Path(os.environ.get("MONITOR_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
FIX = SHARED / "fixtures"
REPO = Path(__file__).resolve().parents[1]


def body(rel: str) -> bytes:
    path = FIX / rel
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path.read_bytes()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# -- rss ---------------------------------------------------------------------------------


def test_google_alerts_atom() -> None:
    ms = rss.parse(
        body("feeds/google_alerts_atom_slack_2019_en.xml"),
        "https://www.google.com/alerts/feeds/1/2",
    )
    assert len(ms) == 20
    assert all(m.external_id.startswith("tag:google.com,2013:googlealerts/feed:") for m in ms)
    # google.com/url?…url=<real> unwrapped; <b> highlighting stripped from titles
    assert all(m.url and not m.url.startswith("https://www.google.com/url") for m in ms)
    assert ms[1].url == "https://investorplace.com/2019/07/slack-stock-truly-compelling/"
    assert all("<b>" not in (m.title or "") and "slack" in ((m.title or "") + m.text).lower() for m in ms)
    assert "&nbsp;" not in ms[0].text and ms[0].text.endswith("senior ...")
    assert ms[0].published_at == utc(2019, 7, 10, 11, 53, 37)
    assert all(m.author is None for m in ms)  # empty author/name


def test_reddit_dot_rss_is_atom_with_xhtml() -> None:
    ms = rss.parse(body("feeds/reddit_frontpage_dot-rss_atom.xml"), "https://www.reddit.com/.rss")
    assert len(ms) == 24
    first = ms[0]
    assert first.external_id == "t3_42tizy"
    assert first.author == "/u/AngryRedditorsBelow"
    assert first.extra["tags"] == ["/r/funny"]
    assert (
        first.url
        == "https://www.reddit.com/r/funny/comments/42tizy/how_the_british_as_seen_by_americans_and_europeans/"
    )
    assert first.published_at == utc(2016, 1, 26, 20, 31, 34)
    assert all("submitted by" not in m.text and "[link]" not in m.text for m in ms)
    assert sum(m.text != m.title for m in ms) >= 3  # self posts keep their own words


# -- reviews (JSON-LD and microdata) -----------------------------------------------------


def test_allrecipes_jsonld_reviews() -> None:
    page = body("reviews-html/allrecipes_com_recipe_jsonld-reviews.html")
    ms = reviews.parse(page, "https://www.allrecipes.com/recipe/1/")
    assert len(ms) == 10
    assert {m.rating for m in ms} <= {1.0, 2.0, 3.0, 4.0, 5.0} and all(m.rating_scale == (1.0, 5.0) for m in ms)
    assert ms[0].published_at is None  # the first review has no datePublished
    assert ms[1].published_at == datetime(2024, 3, 1, 23, 2, 55, 425000, tzinfo=UTC)
    assert all(m.author and m.text for m in ms)
    assert ms[0].extra["item"] == "Four Cheese Margherita Pizza"
    [agg] = reviews.aggregate_ratings(page)
    assert agg.value == 4.8 and agg.rating_count == 489


def test_realmomnutrition_100_reviews_mostly_rating_only() -> None:
    page = body("reviews-html/realmomnutrition_com_recipe_jsonld-100reviews.html")
    ms = reviews.parse(page, "https://www.realmomnutrition.com/lemonade/")
    assert len(ms) == 100
    assert len({m.external_id for m in ms}) == 100
    assert sum(bool(m.text) for m in ms) == 6  # only 6 of 100 have a reviewBody
    assert {m.rating for m in ms} <= {1.0, 2.0, 3.0, 4.0, 5.0} and all(m.rating is not None for m in ms)
    assert sum(m.author == "Anonymous" for m in ms) > 50
    assert ms[0].published_at == utc(2025, 1, 23, 22, 27, 30)
    [agg] = reviews.aggregate_ratings(page)
    assert agg.value == 4.6 and agg.review_count == 174


def test_recept_se_reviews_without_rating_or_date_fields() -> None:
    page = body("reviews-html/recept_se_chokladbollar_sv_jsonld-reviews.html")
    ms = reviews.parse(page, "https://recept.se/recept/chokladbollar")
    # 10 Review objects on the page, each review published twice: 5 distinct reviews.
    assert len(ms) == 5
    assert all(m.rating is None and m.rating_scale is None for m in ms)
    assert ms[0].author == "Tage" and "😁" in ms[0].text
    assert ms[0].lang == "se"  # declared (wrongly) by the page: a hint, not the truth
    assert ms[0].published_at == utc(2024, 1, 26)  # dateCreated


def test_williams_sonoma_microdata_reviews() -> None:
    page = body("reviews-html/williams-sonoma_com_recipe_microdata-8reviews.html")
    ms = reviews.parse(page, "https://www.williams-sonoma.com/recipe/cake.html")
    assert len(ms) == 8
    assert all(m.rating_scale == (1.0, 5.0) and 1 <= (m.rating or 0) <= 5 for m in ms)
    assert ms[0].title == "Chocolate Cake?" and ms[0].author == "Donnagar10" and ms[0].rating == 1.0
    assert ms[0].published_at == utc(2022, 10, 30)
    assert all(m.text for m in ms)
    assert reviews.aggregate_ratings(page)[0].value == 4.0


@pytest.mark.parametrize(
    ("name", "value", "count"),
    [
        ("ica_se_recipe_sv_jsonld-aggregaterating.html", 4.5, 1262),
        ("yemek_com_recipe_tr_jsonld-aggregaterating.html", 5.0, 3),
        ("dealerrater_dealer_reviews_page1_2022.html", 4.9, 2204),
        ("googleplay_app_page_2016_ja_microdata.html", 3.2479, 28855),
    ],
)
def test_aggregate_only_pages_have_no_review_mentions(name: str, value: float, count: int) -> None:
    page = body(f"reviews-html/{name}")
    assert reviews.parse(page, "https://example.com/") == []
    agg = reviews.aggregate_ratings(page)[0]
    assert agg.value == pytest.approx(value, abs=1e-3)
    assert agg.count == count


# -- html (CSS selectors from the config) -------------------------------------------------


def amazon_options() -> dict:
    cfg = tomllib.loads((REPO / "config/html-amazon.example.toml").read_text(encoding="utf-8"))
    return cfg["sources"][0]["options"]


def test_amazon_com_with_example_config() -> None:
    page = body("reviews-html/amazon_com_product-reviews_B0BBPNPZTC.html")
    ms, nxt = html.parse_page(page, "https://www.amazon.com/product-reviews/B0BBPNPZTC/", amazon_options())
    assert len(ms) == 10
    assert ms[0].external_id == "RIY0N097PYR7K"
    assert ms[0].rating == 5.0 and ms[0].rating_scale == (1.0, 5.0)
    assert ms[0].title == "Name brand and performance"  # the star text is not in the title
    assert ms[0].author == "Tina Haskett Cambar"
    assert ms[0].published_at == utc(2024, 7, 1)
    assert ms[0].text.startswith("This is the dish liquid I always buy")
    assert sorted(m.rating or 0.0 for m in ms) == [4.0] + [5.0] * 9
    assert nxt and "pageNumber=2" in nxt


def test_amazon_it_decimal_comma_and_italian_dates() -> None:
    page = body("reviews-html/amazon_it_product-reviews_B07747FR44_2019.html")
    ms = html.parse(page, "https://www.amazon.it/product-reviews/B07747FR44/", amazon_options())
    assert len(ms) == 10
    assert ms[0].rating == 5.0 and ms[2].rating == 2.0
    assert sorted(m.rating or 0.0 for m in ms) == [1.0, 1.0, 2.0, 3.0, 3.0, 4.0, 5.0, 5.0, 5.0, 5.0]
    assert ms[0].published_at == utc(2018, 11, 14)
    assert all(m.published_at and utc(2018, 11, 1) <= m.published_at <= utc(2019, 11, 30) for m in ms)
    assert ms[0].title == "SONO RIUSCITI A MIGLIORARLO ANCORA!!!"
    assert ms[0].lang == "it"


def test_dealerrater_with_selectors_and_class_rating() -> None:
    opts = {
        "item": "div.review-entry",
        "text": ".review-content, .review-whole",
        "title": ".review-title",
        "author": ".italic.font-18",
        "date": ".review-date div",
        "date_format": "%B %d, %Y",
        "rating": ".dealership-rating .rating-static",
        "rating_attr": "class",
        "rating_pattern": r"rating-(?P<value>\d+)",
        "rating_divisor": 10,
    }
    ms = html.parse(
        body("reviews-html/dealerrater_dealer_reviews_page1_2022.html"),
        "https://www.dealerrater.com/",
        opts,
    )
    assert len(ms) == 10
    assert all(m.rating == 5.0 for m in ms)
    assert ms[0].published_at == utc(2022, 2, 11)
    assert all(m.text for m in ms)


def test_google_play_2016_single_reviews_with_selectors() -> None:
    opts = {
        "item": "div.single-review",
        "title": ".review-title",
        "text": ".review-body",
        "author": ".author-name",
        "date": ".review-date",
        "date_format": "%Y年%m月%d日",
        "rating": ".current-rating",
        "rating_attr": "style",
        "rating_pattern": r"width:\s*(?P<value>\d+)%",
        "rating_divisor": 20,
    }
    ms = html.parse(
        body("reviews-html/googleplay_app_page_2016_ja_microdata.html"),
        "https://play.google.com/",
        opts,
    )
    assert len(ms) == 40
    assert Counter(m.rating for m in ms).keys() <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert ms[0].published_at is not None and ms[0].published_at.year == 2016


# -- mastodon ----------------------------------------------------------------------------


def test_mastodon_tag_timeline() -> None:
    ms = mastodon.parse(body("social-json/mastodon_social_timelines_tag_rstats.json"), "https://mastodon.social/")
    assert len(ms) == 5
    assert all(m.lang == "en" for m in ms)
    assert ms[0].author == "simonpcouch@rstats.me" and ms[0].reach == 656
    assert "<" not in ms[0].text and "#rstats" in ms[0].text
    assert ms[0].published_at == utc(2025, 7, 17, 19, 7, 48)
    assert ms[0].url == "https://rstats.me/@simonpcouch/114870142137562212"


def test_mastodon_local_test_instances() -> None:
    public = mastodon.parse(body("social-json/mastodon_timelines_public_localtest.json"), "http://localhost:3000/")
    assert len(public) == 8 and Counter(m.lang for m in public) == {"en": 6, "ja": 2}
    assert any(m.text == "Toot, finally!" for m in public)
    [hoot] = mastodon.parse(body("social-json/mastodon_timelines_tag_hoot_localtest.json"), "http://localhost:3000/")
    assert hoot.lang == "ja" and hoot.extra["tags"] == ["hoot"]
    assert mastodon.parse(body("social-json/mastodon_v2_search_localtest.json"), "http://localhost:3000/") == []


def test_mastodon_trends_is_not_a_timeline() -> None:
    from monitor.errors import ParseError

    with pytest.raises(ParseError):
        mastodon.parse(body("social-json/mastodon_tchncs_trends_tags.json"), "https://social.tchncs.de/")


def cassette() -> list[dict]:
    raw = body("cassettes/mastodon_social_tag_ichbinhanna_4pages_maxid_paging.vcr.yml")
    return yaml.safe_load(raw)["http_interactions"]


def test_mastodon_cassette_four_pages_with_link_headers() -> None:
    pages = cassette()
    assert len(pages) == 4
    langs: Counter[str | None] = Counter()
    ids: set[str] = set()
    for i, it in enumerate(pages):
        links = parse_link_header(it["response"]["headers"]["link"])
        assert "max_id=" in links["next"] and "min_id=" in links["prev"]
        ms = mastodon.parse(it["response"]["body"]["string"], it["request"]["uri"])
        assert len(ms) == 40
        langs.update(m.lang for m in ms)
        ids |= {m.external_id for m in ms}
        if i + 1 < len(pages):  # the next page's request is this page's rel=next max_id
            assert links["next"].split("max_id=")[1].split("&")[0] in pages[i + 1]["request"]["uri"]
    assert len(ids) == 160
    assert langs == {"de": 130, "en": 23, "sv": 4, None: 2, "fr": 1}


# -- reddit ------------------------------------------------------------------------------


def test_reddit_comment_thread_with_more_stubs() -> None:
    ms, after, more = reddit.parse_page(body("social-json/reddit_comments_thread_3hahrw_with_more.json"), "u")
    kinds = Counter(m.external_id[:3] for m in ms)
    assert kinds == {"t1_": 476, "t3_": 1}
    post = ms[0]
    assert post.title == "Ba Dum Tsss" and post.extra["subreddit"] == "funny"
    assert more > 0 and after is None


def test_reddit_all_comments_listing() -> None:
    ms, after, _ = reddit.parse_page(body("social-json/reddit_r-all_comments_listing.json"), "u")
    assert len(ms) == 100 and all(m.external_id.startswith("t1_") for m in ms)
    assert after == "t1_dbhn0yk"
    assert (
        ms[0].title is None
        and ms[0].extra["context_title"] == "What's this?"
        and ms[0].url == "https://www.reddit.com/comments/5jffj1/_/dbhn11d/"
    )
    assert ms[0].published_at == utc(2016, 12, 22, 2, 17, 20)


def test_reddit_search_posts() -> None:
    ms, after, _ = reddit.parse_page(body("social-json/reddit_search_r-all_q-praw-oauth-search.json"), "u")
    assert len(ms) == 6 and after is None
    assert {"redditdev", "learnpython", "bugs"} <= {m.extra["subreddit"] for m in ms}
    assert all(m.title and m.url and m.url.startswith("https://www.reddit.com/r/") for m in ms)


# -- hacker news -------------------------------------------------------------------------


def test_hn_algolia_bundle() -> None:
    ms = hackernews.parse(body("social-json/hn_algolia_search_bundle_2014.json"), "u")
    assert len(ms) == 18  # 24 hits, 18 distinct objectIDs
    by_id = {m.external_id: m for m in ms}
    zed = by_id["6805807"]
    assert zed.author == "zedshaw" and "it'll be alright" in zed.text and "&#x27;" not in zed.text
    assert zed.title is None and zed.extra["context_title"] == "Started a stupid company. Failed."
    assert zed.url == "https://news.ycombinator.com/item?id=6805807"
    assert zed.published_at == utc(2013, 11, 27, 2, 18, 36)
    jobs = by_id["3078128"]
    assert jobs.title == "Steve Jobs has passed away." and jobs.extra["link"] == "http://www.apple.com/stevejobs/"


# -- bluesky -----------------------------------------------------------------------------


def test_bluesky_search_posts() -> None:
    page = body("social-json/bluesky_searchPosts_q-redistricting.json")
    ms, cursor = bluesky.parse_page(page, "u")
    assert len(ms) == 25 and cursor == "25"
    assert Counter(m.lang for m in ms) == {"en": 21, None: 4}
    first = ms[0]
    assert first.external_id.startswith("at://did:plc:") and first.author == "socpaperbot.bsky.social"
    assert first.url == "https://bsky.app/profile/socpaperbot.bsky.social/post/3lpk2u6qo222m"
    assert "https://osf.io/v87fn" in first.text
    assert first.published_at == datetime(2025, 5, 19, 17, 10, 9, 561858, tzinfo=UTC)
    assert sum("quotes" in m.extra for m in ms) >= 1


def test_bluesky_facets_use_utf8_byte_offsets() -> None:
    text = "Åsa läser exa.com/long… nu"
    start = len("Åsa läser ".encode())
    end = start + len("exa.com/long…".encode())
    facets = [
        {
            "index": {"byteStart": start, "byteEnd": end},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://exa.com/long/path"}],
        }
    ]
    assert bluesky.expand_links(text, facets) == "Åsa läser https://exa.com/long/path nu"


# -- app store ---------------------------------------------------------------------------


def test_appstore_customer_reviews() -> None:
    ms = appstore.parse(body("social-json/itunes_customerreviews_app_284815942_us_mostHelpful.json"), "u")
    assert len(ms) == 50
    assert Counter(int(m.rating or 0) for m in ms) == {1: 11, 2: 16, 3: 12, 4: 4, 5: 7}
    first = ms[0]
    assert first.external_id == "8044879566" and first.title == "Usually interesting reading but"
    assert first.extra["version"] == "186.0" and first.author == "Lantana, FL"
    assert first.published_at == utc(2021, 11, 20, 17, 25, 34)  # -07:00 → UTC


# -- youtube -----------------------------------------------------------------------------


def test_youtube_comment_threads_and_replies() -> None:
    ms, token = youtube.parse_page(body("social-json/youtube_commentThreads_by_video_page1.json"), "u")
    assert len(ms) == 5 and token
    assert ms[0].author == "himani agarwal" and ms[0].text == "Google.com"
    assert ms[0].url == "https://www.youtube.com/watch?v=F1UP7wRCPH8&lc=UgyZ1jqkHKYvi1-ruOZ4AaABAg"
    assert ms[0].published_at == utc(2019, 11, 26, 15, 51, 44)
    [hello], token = youtube.parse_page(body("social-json/youtube_commentThreads_searchTerms.json"), "u")
    assert hello.text == "Hello" and hello.author == "DevRagz" and token is None
    assert hello.published_at is not None and hello.published_at.date().isoformat() == "2019-06-23"
    replies, token = youtube.parse_page(body("social-json/youtube_comments_by_parent_page1.json"), "u")
    assert len(replies) == 2 and token and all("parent_id" in m.extra for m in replies)
