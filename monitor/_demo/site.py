"""The bundled demo site: an in-process loopback HTTP server over the demo story.

The story lives in :mod:`monitor._demo._story`, the pages in :mod:`monitor._demo._pages`;
their public names are importable from here too.

The server (threaded, ``127.0.0.1``, port 0) serves what real sites serve:

- ``/shop/<lang>/lumio-s3/reviews?page=N``: a shop's review pages with schema.org
  Product/Review JSON-LD (and the same reviews as HTML), ``rel=next`` paging;
- ``/shop/brisa-x7/reviews``: the competitor's multilingual review page;
- ``/pricewatch/brisa-x7``: a page behind a bot wall (403 + challenge): a *blocked* source;
- ``/forum/<lang>/feed.xml`` and ``/news/feed.xml``: RSS 2.0 feeds;
- ``/api/v1/timelines/tag/<tag>``, ``/api/v2/search``: Mastodon API shapes, Link paging,
  ``since_id``/``max_id``;
- ``/api/v1/search_by_date``: Hacker News Algolia shape, ``numericFilters``, paging;
- ``/m/<id>``: a permalink page for every mention; ``/robots.txt`` allows everything.
"""

from __future__ import annotations

import json
import threading
import time as _time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit
from zoneinfo import ZoneInfo

from monitor._demo._pages import (
    ASK_HN_ID,
    CHALLENGE,
    PAGE_SIZE,
    PRODUCTS,
    SHOP_NAMES,
    hn_hits,
    index_page,
    mastodon_status,
    permalink,
    review_page,
    rss_feed,
    status_id,
)
from monitor._demo._story import BRAND, DEFAULT_TZ, LANGS, RIVAL, DemoMention, forum_name, place, story


@dataclass
class DemoSite:
    """The demo site on ``127.0.0.1`` (random free port) in a background thread."""

    now: datetime | None = None
    tz: str = DEFAULT_TZ
    extra: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0  # seconds per response (tests use it to be slow)
    blocked: bool = True  # serve the bot-walled pricewatch page
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    requests: int = 0

    def __post_init__(self) -> None:
        self.now = self.now or datetime.now(UTC)
        self.mentions = story(self.now, self.tz, self.extra)
        self.by_key = {m.key: m for m in self.mentions}

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the demo site is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def today(self) -> date:
        assert self.now is not None
        return self.now.astimezone(ZoneInfo(self.tz)).date()

    def start(self) -> str:
        site = self

        class Handler(_Handler):
            demo = site

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-site", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> DemoSite:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- selections -------------------------------------------------------------------

    def select(self, *, channel: str, lang: str | None = None, brand: str | None = None) -> list[DemoMention]:
        return [
            m
            for m in self.mentions
            if m.channel == channel
            and (lang is None or m.lang == lang)
            and (brand is None or m.brand == brand)
            and m.published_at <= (self.now or m.published_at)
        ]

    def sources(self) -> list[dict[str, Any]]:
        """Source entries (config dicts) for everything this site serves."""
        base = self.base_url
        out: list[dict[str, Any]] = []
        for lang in LANGS:
            out.append(
                {
                    "name": f"shop-{lang}",
                    "kind": "reviews",
                    "brand": BRAND,
                    "schedule": "6h",
                    "url": f"{base}/shop/{lang}/lumio-s3/reviews",
                }
            )
        out.append(
            {
                "name": "shop-brisa",
                "kind": "reviews",
                "brand": RIVAL,
                "schedule": "6h",
                "url": f"{base}/shop/brisa-x7/reviews",
            }
        )
        if self.blocked:
            out.append(
                {
                    "name": "pricewatch-brisa",
                    "kind": "reviews",
                    "brand": RIVAL,
                    "schedule": "12h",
                    "url": f"{base}/pricewatch/brisa-x7",
                }
            )
        for lang in ("sv", "tr", "bg", "hy"):
            out.append(
                {"name": f"forum-{lang}", "kind": "rss", "schedule": "1h", "url": f"{base}/forum/{lang}/feed.xml"}
            )
        out.append({"name": "gadget-desk", "kind": "rss", "schedule": "1h", "url": f"{base}/news/feed.xml"})
        for tag in ("lumio", "brisa"):
            out.append(
                {"name": f"mastodon-{tag}", "kind": "mastodon", "schedule": "30m", "url": base, "options": {"tag": tag}}
            )
            out.append(
                {
                    "name": f"hn-{tag}",
                    "kind": "hackernews",
                    "schedule": "30m",
                    "query": tag,
                    "url": f"{base}/api/v1/search_by_date",
                }
            )
        return out


class _Handler(BaseHTTPRequestHandler):
    demo: DemoSite
    server_version = "DemoSite/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: str | bytes, ctype: str, headers: Mapping[str, str] | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        site = self.demo
        site.requests += 1
        if site.delay:
            _time.sleep(site.delay)
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        base = site.base_url
        seg = path.strip("/").split("/")
        try:
            if path == "/robots.txt":
                return self._send(200, "User-agent: *\nAllow: /\n", "text/plain; charset=utf-8")
            if path == "/":
                return self._send(200, index_page(site.sources()), "text/html; charset=utf-8")
            if (len(seg) == 5 and seg[0] == "shop" and seg[2] == "lumio-s3" and seg[3] == "reviews") or (
                len(seg) == 4 and seg[0] == "shop" and seg[2] == "lumio-s3" and seg[3] == "reviews"
            ):
                lang = seg[1]
                if lang not in LANGS:
                    return self._send(404, "not found", "text/plain")
                items = site.select(channel="review", lang=lang, brand=BRAND)
                page = max(1, int(q.get("page", "1") or 1))
                return self._send(
                    200, review_page(base, path, items, page, lang=lang, brand=BRAND), "text/html; charset=utf-8"
                )
            if path == "/shop/brisa-x7/reviews":
                items = site.select(channel="review", brand=RIVAL)
                page = max(1, int(q.get("page", "1") or 1))
                return self._send(
                    200, review_page(base, path, items, page, lang="en", brand=RIVAL), "text/html; charset=utf-8"
                )
            if path == "/pricewatch/brisa-x7" and site.blocked:
                return self._send(403, CHALLENGE, "text/html; charset=utf-8", {"cf-mitigated": "challenge"})
            if len(seg) == 3 and seg[0] == "forum" and seg[2] == "feed.xml":
                lang = seg[1]
                doc = forum_name(lang)
                items = site.select(channel="rss", lang=lang)
                return self._send(
                    200, rss_feed(base, items, title=doc, lang=lang), "application/rss+xml; charset=utf-8"
                )
            if path == "/news/feed.xml":
                items = site.select(channel="rss", lang="en")
                return self._send(
                    200, rss_feed(base, items, title="The Gadget Desk", lang="en"), "application/rss+xml; charset=utf-8"
                )
            if path.startswith("/api/v1/timelines/tag/"):
                tag = seg[-1].lower()
                items = [m for m in site.select(channel="mastodon") if f"#{tag}" in m.text.casefold()]
                return self._mastodon(items, q, f"/api/v1/timelines/tag/{quote(tag)}")
            if path == "/api/v2/search":
                term = q.get("q", "").casefold().lstrip("#")
                items = [m for m in site.select(channel="mastodon") if term and term in m.text.casefold()]
                return self._mastodon(items, q, None)
            if path == "/api/v1/search_by_date":
                return self._hn(q)
            if len(seg) == 2 and seg[0] == "m" and seg[1] in site.by_key:
                return self._send(200, permalink(site.by_key[seg[1]]), "text/html; charset=utf-8")
        except (ValueError, KeyError):
            return self._send(400, "bad request", "text/plain")
        return self._send(404, "not found", "text/plain")

    def _mastodon(self, items: list[DemoMention], q: Mapping[str, str], path: str | None) -> None:
        base = self.demo.base_url
        newest = sorted(items, key=lambda m: int(status_id(m)), reverse=True)
        since = int(q["since_id"]) if q.get("since_id", "").isdigit() else None
        max_id = int(q["max_id"]) if q.get("max_id", "").isdigit() else None
        limit = min(int(q.get("limit", "20") or 20), 40)
        chosen = [
            m
            for m in newest
            if (since is None or int(status_id(m)) > since) and (max_id is None or int(status_id(m)) < max_id)
        ]
        page = chosen[:limit]
        statuses = [mastodon_status(base, m) for m in page]
        headers = {}
        if path is not None and len(chosen) > limit:
            headers["Link"] = f'<{base}{path}?max_id={status_id(page[-1])}&limit={limit}>; rel="next"'
        if path is None:
            return self._send(
                200,
                json.dumps({"accounts": [], "statuses": statuses, "hashtags": []}, ensure_ascii=False),
                "application/json; charset=utf-8",
            )
        return self._send(200, json.dumps(statuses, ensure_ascii=False), "application/json; charset=utf-8", headers)

    def _hn(self, q: Mapping[str, str]) -> None:
        site = self.demo
        term = q.get("query", "").casefold()
        items = [m for m in site.select(channel="hn") if term and term in m.text.casefold()]
        hits = hn_hits(site.base_url, items)
        tags = q.get("tags", "(story,comment)")
        allowed = {t for t in ("story", "comment") if t in tags}
        hits = [h for h in hits if set(h["_tags"]) & allowed]
        nf = q.get("numericFilters", "")
        if nf.startswith("created_at_i>"):
            after = int(nf.split(">", 1)[1].lstrip("="))
            hits = [h for h in hits if h["created_at_i"] > after]
        hits.sort(key=lambda h: h["created_at_i"], reverse=True)
        per = max(1, min(int(q.get("hitsPerPage", "20") or 20), 1000))
        page = max(0, int(q.get("page", "0") or 0))
        pages = max(1, -(-len(hits) // per))
        body = {
            "hits": hits[page * per : (page + 1) * per],
            "nbHits": len(hits),
            "page": page,
            "nbPages": pages,
            "hitsPerPage": per,
            "query": q.get("query", ""),
            "params": urlsplit(self.path).query,
        }
        return self._send(200, json.dumps(body, ensure_ascii=False), "application/json; charset=utf-8")


__all__ = [
    "ASK_HN_ID",
    "BRAND",
    "CHALLENGE",
    "DEFAULT_TZ",
    "LANGS",
    "PAGE_SIZE",
    "PRODUCTS",
    "RIVAL",
    "SHOP_NAMES",
    "DemoMention",
    "DemoSite",
    "hn_hits",
    "mastodon_status",
    "place",
    "review_page",
    "rss_feed",
    "status_id",
    "story",
]
