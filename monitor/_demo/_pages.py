"""The demo site's pages, built from the story (pure: no I/O): shop pages with JSON-LD,
RSS feeds, Mastodon statuses, Hacker News hits, permalinks and the bot wall."""

from __future__ import annotations

import html
import json
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from monitor._demo._story import BRAND, RIVAL, DemoMention

PAGE_SIZE = 10
ASK_HN_ID = 41000001
SHOP_NAMES = {
    "sv": "Hemelektronik.se",
    "tr": "EvTeknik",
    "bg": "Техномаркет",
    "hy": "Տեխնոշուկա",
    "en": "HomeTech Direct",
}
PRODUCTS = {BRAND: "Lumio S3", RIVAL: "Brisa X7"}


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
    """An RSS 2.0 feed of ``items``, newest first."""
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
    """A Mastodon status id: time-ordered, unique per mention."""
    return str(m.epoch * 1000 + int(m.key.rsplit("-", 1)[1]) % 1000)


def mastodon_status(base: str, m: DemoMention) -> dict[str, Any]:
    """One mention in the shape of Mastodon's status JSON."""
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


def permalink(m: DemoMention) -> str:
    """The page ``/m/<key>`` shows."""
    title = html.escape(m.title or f"{m.author} on {m.channel}")
    return (
        f'<!DOCTYPE html><html lang="{m.lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>{html.escape(m.text)}</p><p>— {html.escape(m.author)}, "
        f"{m.published_at.isoformat()}</p></body></html>"
    )


def index_page(sources: Sequence[Mapping[str, Any]]) -> str:
    """The site's front page: a link to each source it serves."""
    links = "".join(f'<li><a href="{html.escape(s["url"])}">{html.escape(s["name"])}</a></li>' for s in sources)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Demo site</title></head>"
        f"<body><h1>mention-monitor demo site</h1><ul>{links}</ul></body></html>"
    )


__all__ = [
    "ASK_HN_ID",
    "CHALLENGE",
    "PAGE_SIZE",
    "PRODUCTS",
    "SHOP_NAMES",
    "hn_hits",
    "index_page",
    "mastodon_status",
    "permalink",
    "review_page",
    "rss_feed",
    "status_id",
]
