"""``reddit``: search and subreddit listings (posts t3 and comments t1).

- ``search.json?q=…&sort=new`` (site-wide, or inside ``subreddit``), or
  ``/r/<subreddit>/new.json`` (posts) / ``/r/<subreddit>/comments.json`` (comments).
- Paging by the listing's ``after``; ``raw_json=1`` so bodies are not HTML-escaped.
- A comment thread (``/comments/<id>.json``: [post listing, comment listing]) is walked
  recursively; ``more`` stubs (ids that need another call) are counted by
  :func:`parse_page` and skipped.
- A comment's ``parent_id`` (the post's or comment's fullname, ``t3_…``/``t1_…``: the
  external id it is stored under) is its ``reply_to``; a reply by a brand's own account
  marks that mention answered (:mod:`monitor._replies`).
- OAuth (application-only) when ``MONITOR_REDDIT_CLIENT_ID`` and
  ``MONITOR_REDDIT_CLIENT_SECRET`` are set: requests go to ``oauth.reddit.com``.

Config::

    [[sources]]
    name = "reddit-acme"
    kind = "reddit"
    query = "acme"
    options = { subreddit = "BuyItForLife", listing = "search" }

Options: ``subreddit`` (str), ``listing`` (``"search"`` (default when there is a query),
``"new"`` or ``"comments"``), ``limit`` (int ≤ 100, default 100),
``url`` in the source overrides the host (for tests and mirrors).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from monitor._dates import parse_datetime
from monitor._http import FetchResult
from monitor._records import Mention
from monitor._sources._text import clean, count, field, reach_of
from monitor._sources.base import FetchContext, Page, guard_parse, load_json, walk
from monitor.errors import ConfigError, ParseError, SourceBlocked

KIND = "reddit"
SITE = "https://www.reddit.com"
_MAX_DEPTH = 60


def _things(node: Any, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, list):
        for n in node:
            yield from _things(n, depth + 1)
        return
    if not isinstance(node, Mapping):
        return
    kind, data = node.get("kind"), node.get("data")
    if not isinstance(data, Mapping):
        return
    if kind == "Listing":
        yield from _things(data.get("children") or [], depth + 1)
        return
    yield node
    replies = data.get("replies")
    if isinstance(replies, Mapping):
        yield from _things(replies, depth + 1)


def _upvotes(score: Any) -> dict[str, Any]:
    """Reach from a post's or comment's score (net upvotes; a downvoted one reached no one: 0)."""
    n = count(score)
    return reach_of(max(n, 0), "upvotes") if n is not None else {}


def _mention(kind: str, d: Mapping[str, Any]) -> Mention | None:
    name = d.get("name") or (f"{kind}_{d['id']}" if d.get("id") else None)
    if not name:
        return None
    permalink = d.get("permalink")
    url = f"{SITE}{permalink}" if isinstance(permalink, str) and permalink.startswith("/") else None
    extra: dict[str, Any] = {"subreddit": d.get("subreddit")}
    if isinstance(d.get("score"), int):
        extra["score"] = d["score"]
    if kind == "t3":
        title = field(d.get("title"))
        text = clean(str(d.get("selftext") or "")) or (title or "")
        if d.get("url") and d.get("url") != url:
            extra["link"] = d.get("url")
    else:
        title = None  # the post's title is context, not the comment's words
        if d.get("link_title"):
            extra["context_title"] = field(d.get("link_title"))
        text = clean(str(d.get("body") or ""))
        extra["link_id"] = d.get("link_id")
        link_id = d.get("link_id")
        if url is None and d.get("id"):
            if isinstance(d.get("link_permalink"), str):
                url = f"{d['link_permalink'].rstrip('/')}/{d['id']}/"
            elif isinstance(link_id, str) and link_id.startswith("t3_"):
                url = f"{SITE}/comments/{link_id[3:]}/_/{d['id']}/"
    author = d.get("author")
    parent = d.get("parent_id") if kind == "t1" else None
    return Mention(
        external_id=str(name),
        text=text,
        url=url,
        author=field(author) if author not in (None, "[deleted]") else None,
        title=title,
        published_at=parse_datetime(d.get("created_utc")),
        reply_to=parent if isinstance(parent, str) and parent else None,
        extra=extra,
        **_upvotes(d.get("score")),
    )


def _parse(body: bytes | str, url: str, content_type: str | None) -> tuple[list[Mention], str | None, int]:
    data = load_json(body, f"reddit {url}", content_type)
    if not isinstance(data, Mapping | list):
        raise ParseError(f"reddit: {url} is not a listing")
    if isinstance(data, Mapping) and data.get("kind") != "Listing":
        raise ParseError(f"reddit: {url} is not a listing (kind={data.get('kind')!r})")
    out: list[Mention] = []
    more = 0
    for thing in _things(data):
        kind = thing.get("kind")
        d = thing["data"]
        if kind in ("t1", "t3"):
            m = _mention(str(kind), d)
            if m is not None and (m.text or m.title):
                out.append(m)
        elif kind == "more":
            more += len(d.get("children") or [])
    after = None
    listing = data if isinstance(data, Mapping) else None
    if listing is not None and isinstance(listing.get("data"), Mapping):
        a = listing["data"].get("after")
        after = str(a) if a else None
    return out, after, more


@guard_parse(KIND)
def parse_page(
    body: bytes | str, url: str, *, content_type: str | None = None
) -> tuple[list[Mention], str | None, int]:
    """Mentions, the ``after`` cursor and the number of unexpanded ``more`` comments."""
    return _parse(body, url, content_type)


def parse(
    body: bytes | str, url: str, options: Mapping[str, Any] | None = None, *, content_type: str | None = None
) -> list[Mention]:
    """Posts and comments of one listing (or comment thread)."""
    return parse_page(body, url, content_type=content_type)[0]


async def _oauth_headers(ctx: FetchContext) -> dict[str, str]:
    cid, secret = ctx.secrets.reddit_client_id, ctx.secrets.reddit_client_secret
    if not cid or secret is None:
        return {}
    basic = base64.b64encode(f"{cid}:{secret.get_secret_value()}".encode()).decode()
    result = await ctx.http.fetch(
        f"{SITE}/api/v1/access_token",
        method="POST",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
        check_robots=False,  # an API token endpoint, not a crawled page
    )
    if result.status == "unreachable":
        result.raise_for_outcome("reddit OAuth token request")
    if not result.ok:
        raise SourceBlocked(f"reddit OAuth token request refused: {result.explain()}")
    token = result.json().get("access_token") if isinstance(result.json(), Mapping) else None
    if not token:
        raise SourceBlocked("reddit OAuth token response had no access_token")
    return {"Authorization": f"Bearer {token}"}


async def fetch(ctx: FetchContext) -> AsyncIterator[Page]:
    opts = ctx.options
    auth = await _oauth_headers(ctx)
    host = (ctx.source.url or ("https://oauth.reddit.com" if auth else SITE)).rstrip("/")
    sub = str(opts.get("subreddit") or "").strip("/").removeprefix("r/")
    listing = opts.get("listing") or ("search" if (ctx.source.query or opts.get("query")) else "new")
    params: dict[str, Any] = {"limit": min(int(opts.get("limit", 100)), 100), "raw_json": 1}
    if listing == "search":
        params.update({"q": opts.get("query") or ctx.search_terms(), "sort": "new"})
        if sub:
            params["restrict_sr"] = "on"
        first = f"{host}/r/{sub}/search.json" if sub else f"{host}/search.json"
    elif listing in ("new", "comments"):
        if not sub:
            raise ConfigError(f"reddit source {ctx.source.name!r}: listing {listing!r} needs subreddit")
        first = f"{host}/r/{sub}/{listing}.json"
    else:
        raise ConfigError(f"reddit source {ctx.source.name!r}: unknown listing {listing!r}")
    state: dict[str, str | None] = {"after": None}

    def page(result: FetchResult) -> tuple[list[Mention], str | None]:
        mentions, after, _more = parse_page(result.body, result.url, content_type=result.content_type)
        state["after"] = after
        return mentions, None

    def next_params(result: FetchResult, mentions: list[Mention]) -> Mapping[str, Any] | None:
        after = state["after"]
        return {**params, "after": after} if after else None

    headers = {"Accept": "application/json", **auth}
    async for p in walk(ctx, first, page, params=params, headers=headers, next_params=next_params):
        yield p


__all__ = ["fetch", "parse", "parse_page"]
