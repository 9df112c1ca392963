"""``appstore``: Apple's customer-reviews JSON feed for one app.

``https://itunes.apple.com/<country>/rss/customerreviews/page=<N>/id=<app>/sortby=mostrecent/json``
— 50 reviews a page, at most 10 pages. Each entry: rating 1–5 (``im:rating``), title,
content, author, app version (``extra["version"]``), updated date. Older feeds put the
app itself as the first entry; it is skipped (it has no rating).

Config::

    [[sources]]
    name = "appstore-acme"
    kind = "appstore"
    brand = "Acme"
    options = { app_id = "284815942", country = "se" }

Options: ``app_id`` (required), ``country`` (default ``"us"``), ``sort``
(``"mostrecent"`` default, or ``"mosthelpful"``); ``url`` overrides the whole first-page
URL (``{page}`` is replaced by the page number).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from monitor._dates import parse_datetime
from monitor._http import FetchResult
from monitor._records import Mention
from monitor._sources._text import clean, field, parse_number, reach_of
from monitor._sources.base import FetchContext, Page, guard_parse, load_json, walk
from monitor.errors import ConfigError, ParseError

KIND = "appstore"
FEED = "https://itunes.apple.com/{country}/rss/customerreviews/page={page}/id={app}/sortby={sort}/json"
MAX_PAGES = 10


def _label(obj: Any, key: str) -> str | None:
    v = obj.get(key) if isinstance(obj, Mapping) else None
    if isinstance(v, Mapping):
        v = v.get("label")
    return str(v) if isinstance(v, str | int | float) and not isinstance(v, bool) else None


@guard_parse(KIND)
def parse(
    body: bytes | str, url: str, options: Mapping[str, Any] | None = None, *, content_type: str | None = None
) -> list[Mention]:
    """Reviews of one feed page."""
    data = load_json(body, f"appstore {url}", content_type)
    feed = data.get("feed") if isinstance(data, Mapping) else None
    if not isinstance(feed, Mapping):
        raise ParseError(f"appstore: {url} has no feed object")
    entries = feed.get("entry") or []
    if isinstance(entries, Mapping):  # a single entry is not wrapped in a list
        entries = [entries]
    out: list[Mention] = []
    for e in entries if isinstance(entries, list) else []:
        if not isinstance(e, Mapping):
            continue
        rating = parse_number(_label(e, "im:rating"))
        rid = _label(e, "id")
        if rating is None or not rid:
            continue  # the app's own entry in older feeds
        author = e.get("author") if isinstance(e.get("author"), Mapping) else {}
        link = e.get("link")
        href = None
        if isinstance(link, Mapping) and isinstance(link.get("attributes"), Mapping):
            href = link["attributes"].get("href")
        extra: dict[str, Any] = {}
        version = _label(e, "im:version")
        if version:
            extra["version"] = version
        votes = parse_number(_label(e, "im:voteCount"))
        if votes is not None:
            extra["votes"] = int(votes)
        out.append(
            Mention(
                external_id=rid,
                text=clean(_label(e, "content") or ""),
                url=str(href) if href else None,
                author=field(_label(author, "name")),
                title=field(_label(e, "title")),
                published_at=parse_datetime(_label(e, "updated")),
                rating=rating,
                rating_scale=(1.0, 5.0),
                extra=extra,
                **reach_of(_label(e, "im:voteSum"), "helpful_votes"),
            )
        )
    return out


async def fetch(ctx: FetchContext) -> AsyncIterator[Page]:
    opts = ctx.options
    template = ctx.source.url
    if not template:
        if not opts.get("app_id"):
            raise ConfigError(f"appstore source {ctx.source.name!r} needs options.app_id")
        template = FEED.format(
            country=opts.get("country", "us"),
            app=opts["app_id"],
            sort=opts.get("sort", "mostrecent"),
            page="{page}",
        )
    if "{page}" not in template:
        raise ConfigError(f"appstore source {ctx.source.name!r}: url needs a {{page}} placeholder")
    first = template.replace("{page}", "1")
    state = {"page": ctx.start_page(first)}  # a resumed walk starts past page 1

    def page(result: FetchResult) -> tuple[list[Mention], str | None]:
        mentions = parse(result.body, result.url, content_type=result.content_type)
        state["page"] += 1
        if not mentions or state["page"] > MAX_PAGES:
            return mentions, None
        return mentions, template.replace("{page}", str(state["page"]))

    async for p in walk(ctx, first, page):
        yield p


__all__ = ["fetch", "parse"]
