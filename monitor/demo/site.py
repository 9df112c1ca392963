"""The bundled demo site: data files plus an in-process loopback HTTP server.

The story (``data/<lang>.json``): *Lumio*, a fictional robot-vacuum maker, pushes firmware
4.2 thirteen days ago; docking breaks and maps vanish, owners complain for a week in
Armenian, Swedish, Turkish, Bulgarian and English; 4.2.1 fixes it, Lumio apologises with
an extra year of warranty, and sentiment recovers. *Brisa*, a competitor, gains a little
share of voice meanwhile. Each entry has a day offset (0 = today), a local time, a channel
and the mood its author meant (used only by tests' fake classifier, never by the index).

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

import html
import json
import threading
import time as _time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit
from zoneinfo import ZoneInfo

LANGS = ("hy", "sv", "tr", "bg", "en")
BRAND = "Lumio"
RIVAL = "Brisa"
PAGE_SIZE = 10
ASK_HN_ID = 41000001
DEFAULT_TZ = "Europe/Stockholm"
SHOP_NAMES = {
    "sv": "Hemelektronik.se",
    "tr": "EvTeknik",
    "bg": "Техномаркет",
    "hy": "Տեխնոշուկա",
    "en": "HomeTech Direct",
}
PRODUCTS = {BRAND: "Lumio S3", RIVAL: "Brisa X7"}


@dataclass(frozen=True, slots=True)
class DemoMention:
    """One mention of the demo story, placed in time."""

    key: str
    lang: str
    brand: str
    channel: str  # review | rss | mastodon | hn
    published_at: datetime
    author: str
    text: str
    title: str | None = None
    rating: int | None = None
    mood: str = "neu"
    story: bool = False
    forum: str = ""

    @property
    def epoch(self) -> int:
        return int(self.published_at.timestamp())


def _load_raw() -> dict[str, dict[str, Any]]:
    out = {}
    base = resources.files("monitor.demo") / "data"
    for lang in LANGS:
        out[lang] = json.loads((base / f"{lang}.json").read_text("utf-8"))
    return out


def place(day_offset: int, hhmm: str, now: datetime, tz: ZoneInfo) -> datetime:
    """The instant of a story time; today's times are squeezed into the part of today gone by."""
    local_now = now.astimezone(tz)
    day = local_now.date() + timedelta(days=day_offset)
    t = time.fromisoformat(hhmm)
    at = datetime.combine(day, t, tz)
    if day_offset == 0:
        start = datetime.combine(day, time(0), tz)
        span = (local_now - start).total_seconds()
        latest = 14 * 3600  # the story's last entry of a day is before 14:00
        if span < latest + 600:
            frac = (t.hour * 3600 + t.minute * 60) / latest
            at = start + timedelta(seconds=max(0.0, span - 120) * min(frac, 1.0))
        elif at > local_now:
            at = local_now - timedelta(minutes=2)
    return at.astimezone(UTC)


def story(
    now: datetime | None = None, tz: str = DEFAULT_TZ, extra: Iterable[Mapping[str, Any]] = ()
) -> list[DemoMention]:
    """Every demo mention, newest last; ``extra`` entries use the data files' format (+``lang``)."""
    now = now or datetime.now(UTC)
    zone = ZoneInfo(tz)
    raw = _load_raw()
    entries: list[tuple[str, str, Mapping[str, Any]]] = []
    for lang, doc in raw.items():
        for m in doc["mentions"]:
            entries.append((lang, doc.get("forum", ""), m))
    for m in extra:
        entries.append((str(m.get("lang", "en")), "", m))
    out = []
    for i, (lang, forum, m) in enumerate(entries):
        out.append(
            DemoMention(
                key=f"{lang}-{i:04d}",
                lang=lang,
                brand=str(m.get("brand", BRAND)),
                channel=str(m["ch"]),
                published_at=place(int(m["d"]), str(m["t"]), now, zone),
                author=str(m["by"]),
                text=str(m["text"]),
                title=m.get("title"),
                rating=m.get("r"),
                mood=str(m.get("mood", "neu")),
                story=bool(m.get("story", False)),
                forum=forum,
            )
        )
    out.sort(key=lambda x: (x.published_at, x.key))
    return out


# ---------------------------------------------------------------- page builders (pure)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _paged(items: list[DemoMention], page: int) -> tuple[list[DemoMention], bool]:
    start = (page - 1) * PAGE_SIZE
    return items[start : start + PAGE_SIZE], start + PAGE_SIZE < len(items)


def review_page(base: str, path: str, items: list[DemoMention], page: int, *, lang: str, brand: str) -> str:
    """A shop page with schema.org JSON-LD reviews, newest first, ``rel=next`` paging."""
    newest = sorted(items, key=lambda m: m.published_at, reverse=True)
    shown, more = _paged(newest, page)
    product = PRODUCTS[brand]
    rated = [m.rating for m in items if m.rating]
    ld = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product,
        "brand": {"@type": "Brand", "name": brand},
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": round(sum(rated) / len(rated), 1) if rated else None,
            "reviewCount": len(rated),
            "bestRating": 5,
            "worstRating": 1,
        },
        "review": [
            {
                "@type": "Review",
                "@id": f"{base}/m/{m.key}",
                "author": {"@type": "Person", "name": m.author},
                "datePublished": _iso(m.published_at),
                "name": m.title,
                "reviewBody": m.text,
                "inLanguage": m.lang,
                "reviewRating": {"@type": "Rating", "ratingValue": m.rating, "bestRating": 5, "worstRating": 1},
            }
            for m in shown
        ],
    }
    block = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
    shop = SHOP_NAMES.get(lang, "HomeTech Direct")
    rows = "\n".join(
        f'<article class="review" lang="{m.lang}"><h3>{html.escape(m.title or "")}</h3>'
        f'<p class="stars">{"★" * (m.rating or 0)}{"☆" * (5 - (m.rating or 0))}</p>'
        f"<p>{html.escape(m.text)}</p><footer>{html.escape(m.author)}, "
        f'<time datetime="{_iso(m.published_at)}">{m.published_at.date().isoformat()}</time></footer></article>'
        for m in shown
    )
    nxt = f'<link rel="next" href="{path}?page={page + 1}">' if more else ""
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(product)} – {html.escape(shop)}</title>{nxt}"
        f'<script type="application/ld+json">{block}</script></head>'
        f"<body><h1>{html.escape(product)}</h1><p>{html.escape(shop)}</p>{rows}</body></html>"
    )


def rss_feed(base: str, items: list[DemoMention], *, title: str, lang: str | None) -> str:
    newest = sorted(items, key=lambda m: m.published_at, reverse=True)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>',
        f"<title>{html.escape(title)}</title><link>{base}/</link>",
        f"<description>{html.escape(title)}</description>",
    ]
    if lang:
        parts.append(f"<language>{lang}</language>")
    for m in newest:
        parts.append(
            "<item>"
            f"<title>{html.escape(m.title or m.text[:60])}</title>"
            f"<link>{base}/m/{m.key}</link>"
            f'<guid isPermaLink="false">demo:{m.key}</guid>'
            f"<pubDate>{format_datetime(m.published_at)}</pubDate>"
            f"<dc:creator>{html.escape(m.author)}</dc:creator>"
            f"<description>{html.escape(m.text)}</description>"
            "</item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts)


def status_id(m: DemoMention) -> str:
    return str(m.epoch * 1000 + int(m.key.rsplit("-", 1)[1]) % 1000)


def mastodon_status(base: str, m: DemoMention) -> dict[str, Any]:
    user, _, instance = m.author.partition("@")
    tags = sorted({w.strip(".,!?").lstrip("#").lower() for w in m.text.split() if w.startswith("#")})
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in m.text.split("\n") if p.strip())
    return {
        "id": status_id(m),
        "created_at": _iso(m.published_at),
        "in_reply_to_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": m.lang,
        "uri": f"{base}/m/{m.key}",
        "url": f"{base}/m/{m.key}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 2,
        "content": paragraphs,
        "reblog": None,
        "account": {
            "id": str(zlib.crc32(m.author.encode("utf-8"))),
            "username": user,
            "acct": m.author if instance else user,
            "display_name": user.capitalize(),
            "url": f"https://{instance or 'mastodon.example'}/@{user}",
            "followers_count": 100 + len(m.author) * 17,
        },
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": t, "url": f"{base}/tags/{t}"} for t in tags],
        "emojis": [],
    }


def hn_hits(base: str, items: list[DemoMention]) -> list[dict[str, Any]]:
    """Algolia-shaped hits; comments hang off the latest story before them."""
    stories = [m for m in items if m.story]
    out = []
    for m in items:
        hid = 41000000 + 100 + int(m.key.rsplit("-", 1)[1])
        common = {
            "objectID": str(hid),
            "author": m.author,
            "created_at": _iso(m.published_at),
            "created_at_i": m.epoch,
        }
        if m.story:
            out.append(
                {
                    **common,
                    "title": m.text,
                    "url": f"{base}/m/{m.key}",
                    "story_text": None,
                    "comment_text": None,
                    "points": 120,
                    "num_comments": 40,
                    "story_id": hid,
                    "_tags": ["story", f"author_{m.author}", f"story_{hid}"],
                }
            )
            continue
        parent = None
        if m.brand == BRAND:
            before = [s for s in stories if s.published_at <= m.published_at and s.brand == BRAND]
            parent = before[-1] if before else None
        story_id = 41000000 + 100 + int(parent.key.rsplit("-", 1)[1]) if parent else ASK_HN_ID
        story_title = parent.text if parent else "Ask HN: Which robot vacuum works without the cloud?"
        out.append(
            {
                **common,
                "title": None,
                "url": None,
                "story_text": None,
                "comment_text": "<p>" + html.escape(m.text),
                "story_id": story_id,
                "story_title": story_title,
                "story_url": None,
                "parent_id": story_id,
                "points": None,
                "_tags": ["comment", f"author_{m.author}", f"story_{story_id}"],
            }
        )
    return out


CHALLENGE = (
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    "<h1>Checking your browser before accessing pricewatch</h1>"
    "<p>Please complete the captcha to continue.</p></body></html>"
)


# ---------------------------------------------------------------- the server


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
                return self._send(200, _index_page(site), "text/html; charset=utf-8")
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
                doc = _forum_name(lang)
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
                return self._send(200, _permalink(site.by_key[seg[1]]), "text/html; charset=utf-8")
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


def _forum_name(lang: str) -> str:
    try:
        return str(_load_raw()[lang].get("forum") or "Forum")
    except KeyError:
        return "Forum"


def _permalink(m: DemoMention) -> str:
    title = html.escape(m.title or f"{m.author} on {m.channel}")
    return (
        f'<!DOCTYPE html><html lang="{m.lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>{html.escape(m.text)}</p><p>— {html.escape(m.author)}, "
        f"{m.published_at.isoformat()}</p></body></html>"
    )


def _index_page(site: DemoSite) -> str:
    links = "".join(f'<li><a href="{html.escape(s["url"])}">{html.escape(s["name"])}</a></li>' for s in site.sources())
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Demo site</title></head>"
        f"<body><h1>mention-monitor demo site</h1><ul>{links}</ul></body></html>"
    )


__all__ = [
    "BRAND",
    "LANGS",
    "RIVAL",
    "DemoMention",
    "DemoSite",
    "hn_hits",
    "mastodon_status",
    "place",
    "review_page",
    "rss_feed",
    "story",
]
