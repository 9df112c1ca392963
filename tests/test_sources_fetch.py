"""Each kind's ``fetch`` against a local server: paging, incremental stop, 304, blocked."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr

from monitor._config import HttpConfig, Secrets, SourceConfig
from monitor._http import HttpClient, MemoryValidators
from monitor._sources.base import FetchContext, Page, get_source
from monitor.errors import ConfigError

try:
    from test_http_localserver import Handler, LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import Handler, LocalServer, Reply

SHARED = Path(os.environ.get("MONITOR_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def run(
    src: SourceConfig,
    *,
    cursor: dict[str, Any] | None = None,
    known: Callable[[list[str]], set[str]] | None = None,
    secrets: Secrets | None = None,
    max_pages: int = 10,
    validators: MemoryValidators | None = None,
) -> tuple[list[Page], FetchContext]:
    async def go() -> tuple[list[Page], FetchContext]:
        cfg = HttpConfig(
            contact="test@example.com", min_interval_s=0, timeout_s=10, retries=0, allow_private_addresses=True
        )
        async with HttpClient(cfg, validators=validators, backoff_base_s=0.01) as http:
            ctx = FetchContext(
                source=src,
                http=http,
                secrets=secrets or Secrets(_env_file=None),
                max_pages=max_pages,
                cursor=cursor or {},
                known=known or (lambda ids: set()),
            )
            pages = [p async for p in get_source(src.kind).fetch(ctx)]
            if validators is not None and pages and pages[0].result.ok:
                http.remember(pages[0].result)
            return pages, ctx

    return asyncio.run(go())


def review_page(n: int, per: int = 3, *, dated: bool = True, next_href: str | None = None) -> str:
    reviews = []
    for i in range(per):
        r: dict[str, Any] = {
            "@type": "Review",
            "author": {"@type": "Person", "name": f"user{n}-{i}"},
            "reviewBody": f"Review {i} on page {n}: the widget works.",
            "reviewRating": {"@type": "Rating", "ratingValue": str(5 - i % 5), "bestRating": "5"},
        }
        if dated:
            r["datePublished"] = (T0 - timedelta(days=n * 10 + i)).isoformat()
        reviews.append(r)
    ld = json.dumps({"@context": "https://schema.org", "@type": "Product", "name": "Widget", "review": reviews})
    link = f'<link rel="next" href="{next_href}">' if next_href else ""
    script = f'<script type="application/ld+json">{ld}</script>'
    return f'<html lang="en"><head>{link}{script}</head><body></body></html>'


def serve_reviews(server: LocalServer, pages: int, **kw: Any) -> None:
    def route(h: Handler) -> Reply:
        n = int(h.request_info.query.get("page", ["1"])[0])
        nxt = f"/reviews?page={n + 1}" if n < pages else None
        return Reply(
            body=review_page(n, next_href=nxt, **kw),
            headers={"Content-Type": "text/html", "ETag": f'"p{n}"'},
        )

    server.routes["/reviews"] = route


def test_reviews_paging_by_rel_next_and_max_pages(server: LocalServer) -> None:
    serve_reviews(server, 4)
    src = SourceConfig(name="r", kind="reviews", url=server.url("/reviews"))
    pages, _ = run(src)
    assert [p.status for p in pages] == ["ok"] * 4
    assert sum(len(p.mentions) for p in pages) == 12
    pages, _ = run(src, max_pages=2)
    assert len(pages) == 2


def test_incremental_stop_by_date(server: LocalServer) -> None:
    serve_reviews(server, 4)
    src = SourceConfig(name="r", kind="reviews", url=server.url("/reviews"))
    newest_of_page2 = (T0 - timedelta(days=20)).isoformat()
    pages, _ = run(src, cursor={"newest": newest_of_page2})
    assert len(pages) == 2  # page 2 reaches items older than the last complete run's newest


def test_incremental_stop_by_known_ids_for_undated_items(server: LocalServer) -> None:
    serve_reviews(server, 4, dated=False)
    src = SourceConfig(name="r", kind="reviews", url=server.url("/reviews"))
    first, _ = run(src)
    page1_ids = {m.external_id for m in first[0].mentions}
    pages, _ = run(src, known=lambda ids: page1_ids & set(ids))
    assert len(pages) == 1


def test_url_template_paging(server: LocalServer) -> None:
    def route(h: Handler) -> Reply:
        n = int(h.request_info.query.get("p", ["1"])[0])
        return Reply(body=review_page(n) if n <= 3 else "<html></html>")

    server.routes["/t"] = route
    src = SourceConfig(
        name="r",
        kind="reviews",
        url=server.url("/t?p=1"),
        options={"page_url": server.url("/t?p={page}")},
    )
    pages, _ = run(src)
    assert [len(p.mentions) for p in pages] == [3, 3, 3, 0]


def test_first_page_304_means_not_modified(server: LocalServer) -> None:
    def route(h: Handler) -> Reply:
        if h.headers.get("If-None-Match") == '"v1"':
            return Reply(304)
        return Reply(body=review_page(1), headers={"ETag": '"v1"'})

    server.routes["/r"] = route
    src = SourceConfig(name="r", kind="reviews", url=server.url("/r"))
    store = MemoryValidators()
    first, _ = run(src, validators=store)
    assert first[0].status == "ok"
    again, _ = run(src, validators=store)
    assert [p.status for p in again] == ["not_modified"]


def test_blocked_page_ends_the_walk(server: LocalServer) -> None:
    def route(h: Handler) -> Reply:
        n = int(h.request_info.query.get("page", ["1"])[0])
        if n == 2:
            return Reply(403, "<html><title>Forbidden</title></html>")
        return Reply(body=review_page(n, next_href=f"/b?page={n + 1}"))

    server.routes["/b"] = route
    pages, _ = run(SourceConfig(name="r", kind="reviews", url=server.url("/b")))
    assert [p.status for p in pages] == ["ok", "blocked"]
    assert "403" in (pages[1].result.reason or "")


def test_parse_error_page_is_failed(server: LocalServer) -> None:
    server.routes["/api/v1/timelines/tag/x"] = lambda h: Reply(body="<html>not json</html>")
    pages, _ = run(SourceConfig(name="m", kind="mastodon", url=server.base, options={"tag": "x"}))
    assert [p.status for p in pages] == ["failed"] and "not JSON" in (pages[0].error or "")


def test_html_source_paging(server: LocalServer) -> None:
    def route(h: Handler) -> Reply:
        n = int(h.request_info.query.get("page", ["1"])[0])
        items = "".join(
            f'<div class="rev" id="r{n}-{i}">'
            f'<b class="stars">{i + 1},0 su 5 stelle</b><p>Testo {n}-{i}</p>'
            f'<span class="d">{10 + i} marzo 2024</span></div>'
            for i in range(2)
        )
        nxt = f'<a class="next" href="?page={n + 1}">›</a>' if n < 3 else ""
        return Reply(body=f"<html><body>{items}{nxt}</body></html>")

    server.routes["/h"] = route
    opts = {
        "item": "div.rev",
        "text": "p",
        "rating": ".stars",
        "rating_pattern": r"(?P<value>[\d,]+) su (?P<best>\d)",
        "date": ".d",
        "date_format": "%d %B %Y",
        "id_attr": "id",
        "next": "a.next",
    }
    pages, _ = run(SourceConfig(name="h", kind="html", url=server.url("/h"), options=opts))
    ms = [m for p in pages for m in p.mentions]
    assert len(pages) == 3 and len(ms) == 6
    assert ms[1].rating == 2.0 and ms[1].published_at == datetime(2024, 3, 11, tzinfo=UTC)
    assert ms[0].external_id == "r1-0"


# -- APIs --------------------------------------------------------------------------------


def cassette_pages() -> list[dict[str, Any]]:
    path = SHARED / "fixtures/cassettes/mastodon_social_tag_ichbinhanna_4pages_maxid_paging.vcr.yml"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return yaml.safe_load(path.read_text(encoding="utf-8"))["http_interactions"]


@pytest.mark.shared
def test_mastodon_link_header_paging_replays_the_real_cassette(server: LocalServer) -> None:
    recorded = cassette_pages()
    by_max_id: dict[str | None, dict[str, Any]] = {}
    for it in recorded:
        uri = it["request"]["uri"]
        max_id = uri.split("max_id=")[1].split("&")[0] if "max_id=" in uri else None
        by_max_id[max_id] = it["response"]

    def route(h: Handler) -> Reply:
        resp = by_max_id.get(h.request_info.query.get("max_id", [None])[0])
        if resp is None:
            return Reply(body="[]", headers={"Content-Type": "application/json"})
        link = resp["headers"]["link"].replace("https://mastodon.social", server.base)
        return Reply(body=resp["body"]["string"], headers={"Content-Type": "application/json", "Link": link})

    server.routes["/api/v1/timelines/tag/ichbinhanna"] = route
    src = SourceConfig(name="m", kind="mastodon", url=server.base, options={"tag": "#ichbinhanna"})
    pages, ctx = run(src)
    assert [len(p.mentions) for p in pages] == [40, 40, 40, 40, 0]
    first_ids = [m.external_id for m in pages[0].mentions]
    assert ctx.cursor_out["since_id"] == max(first_ids, key=int)
    # Incremental: since_id is sent, and the walk stops at items older than the last run's newest.
    newest = max(m.published_at for m in pages[0].mentions if m.published_at)
    server.requests.clear()
    again, _ = run(src, cursor={"since_id": ctx.cursor_out["since_id"], "newest": newest.isoformat()})
    assert len(again) == 1
    assert server.hits("/api/v1/timelines/tag/ichbinhanna")[0].query["since_id"] == [ctx.cursor_out["since_id"]]


def test_mastodon_search_with_token(server: LocalServer) -> None:
    status = {
        "id": "5",
        "created_at": "2025-01-01T00:00:00Z",
        "content": "<p>acme rocks</p>",
        "account": {"acct": "a"},
    }
    server.routes["/api/v2/search"] = lambda h: Reply(
        body=json.dumps({"statuses": [status] if "offset" not in h.request_info.query else []})
    )
    secrets = Secrets(_env_file=None, mastodon_token=SecretStr("tok123"))
    pages, _ = run(SourceConfig(name="m", kind="mastodon", url=server.base, query="acme"), secrets=secrets)
    assert [len(p.mentions) for p in pages] == [1, 0]
    req = server.hits("/api/v2/search")[0]
    assert req.headers["authorization"] == "Bearer tok123" and req.query["type"] == ["statuses"]


def test_reddit_after_paging(server: LocalServer) -> None:
    def route(h: Handler) -> Reply:
        after = h.request_info.query.get("after", [None])[0]
        n = 1 if after is None else int(after.split("_")[1])
        children = [
            {
                "kind": "t3",
                "data": {
                    "name": f"t3_{n}{i}",
                    "id": f"{n}{i}",
                    "title": f"post {n}{i}",
                    "selftext": "acme",
                    "author": "u",
                    "created_utc": (T0 - timedelta(hours=n * 10 + i)).timestamp(),
                    "permalink": f"/r/x/comments/{n}{i}/p/",
                    "subreddit": "x",
                },
            }
            for i in range(2)
        ]
        return Reply(
            body=json.dumps(
                {
                    "kind": "Listing",
                    "data": {"after": f"t3_{n + 1}" if n < 3 else None, "children": children},
                }
            )
        )

    server.routes["/search.json"] = route
    pages, _ = run(SourceConfig(name="r", kind="reddit", url=server.base, query="acme"))
    assert [len(p.mentions) for p in pages] == [2, 2, 2]
    q = server.hits("/search.json")[0].query
    assert q["q"] == ["acme"] and q["sort"] == ["new"] and q["raw_json"] == ["1"]
    assert server.hits("/search.json")[1].query["after"] == ["t3_2"]


def test_reddit_subreddit_listing_needs_subreddit() -> None:
    with pytest.raises(ConfigError):
        run(SourceConfig(name="r", kind="reddit", url="http://127.0.0.1:9", options={"listing": "new"}))


def test_hackernews_pages_and_numeric_filter(server: LocalServer) -> None:
    def route(h: Handler) -> Reply:
        page = int(h.request_info.query["page"][0])
        hits = [
            {
                "objectID": f"{page}{i}",
                "created_at_i": int((T0 - timedelta(hours=page * 5 + i)).timestamp()),
                "author": "pg",
                "comment_text": "acme <i>is</i> fine",
                "story_title": "S",
                "_tags": ["comment"],
            }
            for i in range(3)
        ]
        return Reply(body=json.dumps({"hits": hits, "page": page, "nbPages": 3, "hitsPerPage": 3}))

    server.routes["/search_by_date"] = route
    src = SourceConfig(name="hn", kind="hackernews", url=server.url("/search_by_date"), query="acme")
    pages, _ = run(src)
    assert [len(p.mentions) for p in pages] == [3, 3, 3]
    assert pages[0].mentions[0].text == "acme is fine"
    server.requests.clear()
    run(src, cursor={"newest": T0.isoformat()})
    assert server.hits("/search_by_date")[0].query["numericFilters"] == [f"created_at_i>{int(T0.timestamp())}"]


def test_bluesky_cursor_paging_and_since(server: LocalServer) -> None:
    def route(h: Handler) -> Reply:
        cur = int(h.request_info.query.get("cursor", ["0"])[0])
        posts = [
            {
                "uri": f"at://did:plc:x/app.bsky.feed.post/{cur}{i}",
                "author": {"handle": "a.bsky.social"},
                "record": {
                    "text": "acme!",
                    "createdAt": (T0 - timedelta(hours=cur + i)).isoformat(),
                    "langs": ["en"],
                },
            }
            for i in range(2)
        ]
        return Reply(body=json.dumps({"posts": posts, **({"cursor": str(cur + 2)} if cur < 4 else {})}))

    server.routes["/xrpc/app.bsky.feed.searchPosts"] = route
    src = SourceConfig(name="b", kind="bluesky", url=server.base, query="acme")
    pages, _ = run(src)
    assert [len(p.mentions) for p in pages] == [2, 2, 2]
    server.requests.clear()
    run(src, cursor={"newest": T0.isoformat()})
    assert server.hits("/xrpc/app.bsky.feed.searchPosts")[0].query["since"] == ["2025-03-01T12:00:00Z"]


def test_appstore_page_numbers(server: LocalServer) -> None:
    def route(h: Handler) -> Reply:
        page = int(h.request_info.path.split("page=")[1].split("/")[0]) if "page=" in h.request_info.path else 1
        entries = [
            {
                "id": {"label": f"{page}{i}"},
                "im:rating": {"label": "4"},
                "title": {"label": "t"},
                "content": {"label": "fine app"},
                "author": {"name": {"label": "x"}},
                "updated": {"label": (T0 - timedelta(days=page * 3 + i)).isoformat()},
            }
            for i in range(2)
        ]
        return Reply(body=json.dumps({"feed": {"entry": entries if page <= 2 else []}}))

    for n in (1, 2, 3):
        server.routes[f"/us/rss/customerreviews/page={n}/id=42/sortby=mostrecent/json"] = route
    src = SourceConfig(
        name="a",
        kind="appstore",
        url=server.url("/us/rss/customerreviews/page={page}/id=42/sortby=mostrecent/json"),
    )
    pages, _ = run(src)
    assert [len(p.mentions) for p in pages] == [2, 2, 0]


def test_youtube_page_token_and_key_never_leaks(server: LocalServer) -> None:
    def route(h: Handler) -> Reply:
        token = h.request_info.query.get("pageToken", [None])[0]
        if token == "boom":
            return Reply(500, "error")
        items = [
            {
                "kind": "youtube#commentThread",
                "id": f"c{token}",
                "snippet": {
                    "videoId": "v1",
                    "topLevelComment": {
                        "id": f"c{token}",
                        "snippet": {
                            "textOriginal": "nice",
                            "authorDisplayName": "a",
                            "publishedAt": T0.isoformat(),
                        },
                    },
                },
            }
        ]
        return Reply(body=json.dumps({"items": items, "nextPageToken": "p2" if token is None else "boom"}))

    server.routes["/commentThreads"] = route
    secrets = Secrets(_env_file=None, youtube_api_key=SecretStr("SECRETKEY"))
    src = SourceConfig(name="y", kind="youtube", url=server.base, options={"video_id": "v1"})
    pages, _ = run(src, secrets=secrets)
    assert [p.status for p in pages] == ["ok", "ok", "failed"]
    assert server.hits("/commentThreads")[0].query["key"] == ["SECRETKEY"]
    assert "SECRETKEY" not in pages[-1].result.describe() and "SECRETKEY" not in (pages[-1].result.reason or "")
    with pytest.raises(ConfigError, match="MONITOR_YOUTUBE_API_KEY"):
        run(src, secrets=Secrets(_env_file=None))


def test_rss_feed_fetch(server: LocalServer) -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><language>sv</language>'
        + "".join(
            f"<item><guid>g{i}</guid><title>Acme {i}</title><link>https://www.google.com/url?url=https://ex.com/{i}&amp;ct=ga</link>"
            "<description>&lt;b&gt;Acme&lt;/b&gt; är bra</description>"
            f"<pubDate>Sat, 01 Mar 2025 10:0{i}:00 GMT</pubDate></item>"
            for i in range(3)
        )
        + "</channel></rss>"
    )
    server.routes["/feed"] = lambda h: Reply(body=feed, headers={"Content-Type": "application/rss+xml"})
    pages, _ = run(SourceConfig(name="f", kind="rss", url=server.url("/feed")))
    [page] = pages
    assert [m.url for m in page.mentions] == [f"https://ex.com/{i}" for i in range(3)]
    assert page.mentions[0].text == "Acme är bra" and page.mentions[0].lang == "sv"


def test_unknown_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        get_source("myspace")
