"""``rss``: RSS 0.9x/2.0, Atom and RDF feeds (feedparser), including Google Alerts and
Reddit's ``.rss``.

- Google Alerts links (``https://www.google.com/url?…&url=<real>&…``) are unwrapped to
  the real article URL, and the ``<b>…</b>`` highlighting is stripped from titles.
- Reddit's ``.rss`` is Atom with inline XHTML; the "submitted by /u/… to /r/… [link]
  [N comments]" footer is dropped so only the post's own words remain.
- Paging follows an RFC 5005 ``<link rel="next">`` when the feed has one.

Config (``url`` is the feed)::

    [[sources]]
    name = "alerts-acme"
    kind = "rss"
    url = "https://www.google.com/alerts/feeds/00000000000000000000/1111111111111111111"
    brand = "Acme"          # optional: bind to a brand to skip matching

Options: none required. ``lang`` (str) declares the feed's language when it does not.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import feedparser

from monitor._dates import parse_datetime
from monitor._http import FetchResult
from monitor._records import Mention
from monitor._sources._text import field, html_to_text, stable_id
from monitor._sources.base import FetchContext, Page, as_text, guard_parse, walk
from monitor.errors import ConfigError, ParseError

KIND = "rss"
_REDDIT_FOOTER = re.compile(r"\s*submitted by\s+/u/\S+.*$", re.S)


def unwrap_google_url(url: str | None) -> str | None:
    """The real target of a ``google.*/url?…url=…`` redirect link; others unchanged."""
    if not url:
        return url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.path == "/url" and (host.startswith("google.") or ".google." in host):
        qs = parse_qs(parts.query)
        for key in ("url", "q"):
            if qs.get(key) and qs[key][0].startswith(("http://", "https://")):
                return qs[key][0]
    return url


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        st = entry.get(key)
        if isinstance(st, time.struct_time):
            when = parse_datetime(calendar.timegm(st))
            if when is not None:
                return when
    for key in ("published", "updated"):
        dt = parse_datetime(entry.get(key))
        if dt is not None:
            return dt
    return None


def _body(entry: Any) -> str:
    contents = entry.get("content") or []
    for c in contents:
        value = c.get("value") if isinstance(c, Mapping) else None
        if value:
            return str(value)
    return str(entry.get("summary") or entry.get("description") or "")


@guard_parse(KIND)
def _parse_feed(
    body: bytes | str, url: str, options: Mapping[str, Any] | None, content_type: str | None = None
) -> tuple[list[Mention], str | None]:
    opts = dict(options or {})
    # Decoded here like every other kind (header charset, then the XML declaration, then
    # detection), handed to feedparser as UTF-8 said to be UTF-8. Always bytes: feedparser
    # *fetches* a str that looks like a URL. No sanitising or URI resolution: the markup
    # is reduced to plain text below anyway.
    text = as_text(body, content_type, f"rss {url}")
    parsed = feedparser.parse(
        text.encode("utf-8", errors="replace"),
        sanitize_html=False,
        resolve_relative_uris=False,
        response_headers={"content-type": "application/xml; charset=utf-8"},
    )
    entries = parsed.get("entries") or []
    if not parsed.get("version") and not entries:
        reason = parsed.get("bozo_exception")
        raise ParseError(f"rss: {url} is not an RSS/Atom/RDF feed" + (f" ({reason})" if reason else ""))
    feed = parsed.get("feed") or {}
    feed_lang = opts.get("lang") or feed.get("language") or None
    reddit = "reddit.com" in url or any("reddit.com" in str(link.get("href", "")) for link in feed.get("links", []))
    out: list[Mention] = []
    for entry in entries:
        link = unwrap_google_url(urljoin(url, entry["link"]) if entry.get("link") else None)
        title = field(html_to_text(entry.get("title") or ""))
        text = html_to_text(_body(entry))
        if reddit:
            text = _REDDIT_FOOTER.sub("", text).strip()
        author = field(entry.get("author")) or None
        published = _when(entry)
        ext = str(entry.get("id") or link or "").strip()
        if ext.startswith("/t3_") or ext.startswith("/t1_"):
            ext = ext[1:]
        if not ext:
            ext = stable_id(title, text, published)
        lang = None
        detail = entry.get("title_detail") or {}
        lang = detail.get("language") if isinstance(detail, Mapping) else None
        extra: dict[str, Any] = {}
        tags = [t.get("label") or t.get("term") for t in entry.get("tags") or [] if isinstance(t, Mapping)]
        if tags:
            extra["tags"] = [str(t) for t in tags if t]
        out.append(
            Mention(
                external_id=ext[:500],
                text=text or (title or ""),
                url=link,
                author=author,
                title=title,
                published_at=published,
                lang=lang or feed_lang,
                extra=extra,
            )
        )
    next_url = None
    for link in feed.get("links", []) or []:
        if isinstance(link, Mapping) and link.get("rel") == "next" and link.get("href"):
            next_url = urljoin(url, str(link["href"]))
    return out, next_url


def parse(
    body: bytes | str, url: str, options: Mapping[str, Any] | None = None, *, content_type: str | None = None
) -> list[Mention]:
    """Mentions in one feed document."""
    return _parse_feed(body, url, options, content_type)[0]


async def fetch(ctx: FetchContext) -> AsyncIterator[Page]:
    if not ctx.source.url:
        raise ConfigError(f"rss source {ctx.source.name!r} needs a url (the feed)")
    options = ctx.options

    def page(result: FetchResult) -> tuple[list[Mention], str | None]:
        return _parse_feed(result.body, result.final_url or result.url, options, result.content_type)

    async for p in walk(ctx, ctx.source.url, page):
        yield p


__all__ = ["fetch", "parse", "unwrap_google_url"]
