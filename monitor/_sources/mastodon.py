"""``mastodon``: hashtag timelines and full-text search on a Mastodon instance.

- Tag timeline ``/api/v1/timelines/tag/<tag>`` (public, no token needed), or search
  ``/api/v2/search?type=statuses&q=…`` (most instances need a token for full-text search:
  set ``MONITOR_MASTODON_TOKEN``).
- Paging by the ``Link: <…max_id=…>; rel="next"`` header; incremental runs send
  ``since_id`` (the newest status id of the last complete run).
- HTML content becomes text; the status's ``language`` is kept as a hint only (the
  fixtures hold posts tagged ``sv`` that are English).
- ``in_reply_to_id`` is a status's ``reply_to`` and its account's URL its ``author_id``:
  a reply from a brand's own account marks the status answered (:mod:`monitor._replies`).
- A boost (reblog) carries the original's text with ``shared_from`` = the original's id:
  the store records it as a sighting of the original, not a second mention.

Config (``url`` is the instance)::

    [[sources]]
    name = "mastodon-acme"
    kind = "mastodon"
    url = "https://mastodon.social"
    options = { tag = "acme" }          # or: query = "acme widget"

Options: ``tag`` (str) or ``query`` (str; defaults to the source's ``query``),
``limit`` (int, ≤ 40, default 40), ``local`` (bool, default false).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from monitor._dates import parse_datetime
from monitor._http import FetchResult
from monitor._records import Mention
from monitor._sources._text import field, html_to_text, mapping, reach_of
from monitor._sources.base import FetchContext, Page, guard_parse, load_json, parse_link_header, walk
from monitor.errors import ConfigError, ParseError

KIND = "mastodon"


def _id(value: object) -> str | None:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) and str(value) else None


def _status(s: Mapping[str, Any]) -> Mention | None:
    sid = s.get("id")
    if not isinstance(sid, str | int) or isinstance(sid, bool):
        return None
    orig = s.get("reblog") if isinstance(s.get("reblog"), Mapping) else None
    body = orig or s
    account = mapping(body.get("account"))
    followers = account.get("followers_count")
    text = html_to_text(str(body.get("content") or ""))
    spoiler = field(body.get("spoiler_text"))
    extra: dict[str, Any] = {}
    tags = [t.get("name") for t in body.get("tags") or [] if isinstance(t, Mapping)]
    if tags:
        extra["tags"] = [str(t) for t in tags if t]
    for key in ("reblogs_count", "favourites_count", "replies_count"):
        if isinstance(body.get(key), int):
            extra[key] = body[key]
    if orig is not None:
        booster = mapping(s.get("account"))
        extra["boosted_by"] = field(booster.get("acct"))
    return Mention(
        external_id=str(sid),
        text=text,
        url=str(body.get("url") or body.get("uri") or "") or None,
        author=field(account.get("acct") or account.get("username")),
        title=spoiler,
        published_at=parse_datetime(body.get("created_at")),
        lang=str(body["language"]) if isinstance(body.get("language"), str) else None,
        **reach_of(followers, "followers"),
        shared_from=str(orig.get("id")) if orig is not None and orig.get("id") else None,
        reply_to=_id(body.get("in_reply_to_id")),
        author_id=_id(account.get("url")),
        extra=extra,
    )


@guard_parse(KIND)
def parse(
    body: bytes | str, url: str, options: Mapping[str, Any] | None = None, *, content_type: str | None = None
) -> list[Mention]:
    """Statuses of a timeline (a JSON array) or of ``/api/v2/search`` (``statuses``)."""
    data = load_json(body, f"mastodon {url}", content_type)
    if isinstance(data, Mapping):
        if "statuses" not in data:
            raise ParseError(f"mastodon: {url} holds neither statuses nor a timeline")
        data = data["statuses"]
    if not isinstance(data, list):
        raise ParseError(f"mastodon: {url} is not a list of statuses")
    statuses = [s for s in data if isinstance(s, Mapping) and "content" in s and "id" in s]
    if data and not statuses:
        raise ParseError(f"mastodon: {url} is a list, but not of statuses")
    return [m for s in statuses if (m := _status(s)) is not None]


def _max_id(mentions: list[Mention]) -> str | None:
    ids = [m.external_id for m in mentions if m.external_id.isdigit()]
    return max(ids, key=int) if ids else None


async def fetch(ctx: FetchContext) -> AsyncIterator[Page]:
    if not ctx.source.url:
        raise ConfigError(f"mastodon source {ctx.source.name!r} needs url = the instance")
    base = ctx.source.url.rstrip("/")
    opts = ctx.options
    limit = min(int(opts.get("limit", 40)), 40)
    params: dict[str, Any] = {"limit": limit}
    tag = opts.get("tag")
    if tag:
        first = f"{base}/api/v1/timelines/tag/{quote(str(tag).lstrip('#'), safe='')}"
        if opts.get("local"):
            params["local"] = "true"
    else:
        first = f"{base}/api/v2/search"
        params.update({"q": opts.get("query") or ctx.search_terms(), "type": "statuses"})
    since = ctx.cursor.get("since_id")
    if since:
        params["since_id"] = since
    headers: dict[str, str] = {"Accept": "application/json"}
    token = ctx.secrets.mastodon_token
    if token is not None:
        headers["Authorization"] = f"Bearer {token.get_secret_value()}"
    newest: list[str] = []

    def page(result: FetchResult) -> tuple[list[Mention], str | None]:
        mentions = parse(result.body, result.url, content_type=result.content_type)
        top = _max_id(mentions)
        if top:
            newest.append(top)
        nxt = parse_link_header(result.headers.get("link")).get("next")
        if nxt and since and "since_id=" not in nxt:
            nxt = str(httpx.URL(nxt).copy_merge_params({"since_id": since}))
        if not tag and mentions and not nxt:
            # v2 search pages by offset, not Link headers.
            offset = int(httpx.URL(result.url).params.get("offset", "0")) + len(mentions)
            nxt = str(httpx.URL(result.url).copy_set_param("offset", str(offset)))
        return mentions, nxt

    async for p in walk(ctx, first, page, params=params, headers=headers):
        yield p
    if newest:
        ctx.cursor_out["since_id"] = max(newest, key=int)


__all__ = ["fetch", "parse"]
