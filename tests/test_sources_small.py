"""Parsers on small hand-written fixtures (tests/data) covering edge cases the real ones lack."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitor._dates import parse_datetime
from monitor._sources import appstore, bluesky, mastodon, reviews, rss
from monitor._sources._text import html_to_text, parse_number

DATA = Path(__file__).resolve().parent / "data"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_jsonld_graph_nested_item_and_ten_point_scale() -> None:
    page = read("reviews_jsonld_graph.html")
    ms, nxt = reviews.parse_page(page, "https://shop.example/p/1")
    assert nxt == "https://shop.example/p/1/reviews?page=2"
    assert [m.external_id for m in ms] == ["https://shop.example/p/1#r1", "https://shop.example/p/1#r2"]
    r1, r2 = ms
    assert r1.rating == 9.0 and r1.rating_scale == (0.0, 10.0)
    assert r1.author == "Ayşe Yılmaz" and r1.title == "Çok iyi" and r1.lang == "tr"
    assert r1.text == 'Çok güçlü bir matkap, "pil" uzun dayanıyor.\nTavsiye ederim!'
    assert r1.published_at == datetime(2024, 6, 1, 7, 15, tzinfo=UTC)
    assert r1.extra["item"] == "Acme Matkap X2"
    assert r2.rating == 3.0 and r2.rating_scale == (1.0, 5.0) and r2.author == "İbrahim"
    assert r2.text.startswith("Fena değil") and r2.lang == "tr"
    [agg] = reviews.aggregate_ratings(page)
    assert agg.value == 8.4 and agg.scale == (0.0, 10.0) and agg.count == 57


def test_rss2_latin1_google_redirects_and_missing_guid() -> None:
    ms = rss.parse(read("feed_rss2_google_alerts_style.xml"), "https://www.google.com/alerts/feeds/1")
    assert len(ms) == 2
    a, b = ms
    assert a.url == "https://nyheter.example.se/acme-malmo"
    assert a.title == "Acme öppnar butik i Malmö" and a.text == "Kedjan Acme satsar på Skåne ..."
    assert a.published_at == datetime(2024, 6, 4, 5, 30, tzinfo=UTC) and a.lang == "sv-SE"
    assert b.external_id == "https://nyheter.example.se/annat" and "Åsa och Örjan" in b.text


def test_rdf_feed() -> None:
    [m] = rss.parse(read("feed_rdf.xml"), "https://blog.example/rdf")
    assert m.author == "Jane Roe" and m.published_at == datetime(2024, 3, 5, 9, tzinfo=UTC)
    assert m.url == "https://blog.example/2024/acme-review" and m.text == "The Acme drill is solid."


def test_mastodon_boost_is_a_sighting_of_the_original() -> None:
    boost, orig = mastodon.parse(read("mastodon_boost.json"), "https://m.example/")
    assert boost.external_id == "200" and boost.shared_from == "100"
    assert boost.text == orig.text == "The #Acme drill is great & cheap\n\nSecond paragraph"
    assert boost.author == "orig" and boost.extra["boosted_by"] == "booster@example.social"
    assert orig.title == "cw: tools" and orig.reach == 1200


def test_bluesky_repost_in_a_feed() -> None:
    repost, post = bluesky.parse(read("bluesky_feed_repost.json"), "u")
    assert repost.shared_from == post.external_id == "at://did:plc:abc/app.bsky.feed.post/3k1"
    assert repost.external_id.endswith("#repost:did:plc:xyz") and repost.extra["reposted_by"] == "bob.bsky.social"
    assert post.lang == "sv" and post.url == "https://bsky.app/profile/ann.bsky.social/post/3k1"


def test_appstore_old_feed_skips_the_app_entry() -> None:
    [m] = appstore.parse(read("appstore_old_feed_app_entry.json"), "u")
    assert m.external_id == "9001" and m.rating == 2.0 and m.extra["version"] == "3.1"
    assert m.published_at == datetime(2024, 1, 5, 19, tzinfo=UTC)


def test_text_helpers() -> None:
    assert html_to_text("<p>a<br>b</p><script>x()</script><p>c &amp; d</p>") == "a\nb\n\nc & d"
    assert html_to_text("plain &lt;b&gt; text") == "plain <b> text"
    assert parse_datetime("2024-03-01T23:02:55.4251234Z") == datetime(2024, 3, 1, 23, 2, 55, 425123, tzinfo=UTC)
    assert parse_datetime("1611106445") == datetime(2021, 1, 20, 1, 34, 5, tzinfo=UTC)
    assert parse_datetime("not a date") is None and parse_datetime(float("nan")) is None
    assert parse_number("4,5") == 4.5 and parse_number("5.0 out of 5") == 5.0 and parse_number(True) is None
