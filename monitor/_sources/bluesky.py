"""``bluesky``: ``app.bsky.feed.searchPosts`` with cursor paging.

- Public AppView ``https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts?q=…&sort=latest``;
  with ``MONITOR_BLUESKY_HANDLE`` and ``MONITOR_BLUESKY_APP_PASSWORD`` set, an app-password
  session is opened (``com.atproto.server.createSession``) and requests carry its token.
- Paging by ``cursor``; incremental runs send ``since`` (the newest ``createdAt`` seen).
- Text is ``record.text`` with truncated link labels expanded to the facet's full URI
  (facet offsets are UTF-8 *byte* offsets); ``langs[0]`` is kept as a hint.
- Feed items (``{post, reason}``) with ``reasonRepost`` are reposts: the original's text
  with ``shared_from`` = the original's URI (a sighting, not a new mention).

Config::

    [[sources]]
    name = "bluesky-acme"
    kind = "bluesky"
    query = "acme"

Options: ``limit`` (int ≤ 100, default 100), ``lang`` (str: only posts in that language);
the source's ``url`` overrides the XRPC host.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from monitor._dates import parse_datetime
from monitor._http import FetchResult
from monitor._records import Mention
from monitor._sources._text import clean, field, mapping, reach_of
from monitor._sources.base import FetchContext, Page, guard_parse, load_json, walk
from monitor.errors import ParseError, SourceBlocked

KIND = "bluesky"
PUBLIC = "https://public.api.bsky.app"
PDS = "https://bsky.social"
SEARCH = "/xrpc/app.bsky.feed.searchPosts"


def expand_links(text: str, facets: Any) -> str:
    """Replace link labels (often shortened "example.com/pa...") by the facet's URI."""
    if not isinstance(facets, list):
        return text
    raw = text.encode("utf-8")
    spans: list[tuple[int, int, str]] = []
    for f in facets:
        if not isinstance(f, Mapping) or not isinstance(f.get("index"), Mapping):
            continue
        start, end = f["index"].get("byteStart"), f["index"].get("byteEnd")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(raw)):
            continue
        for feat in f.get("features") or []:
            if (
                isinstance(feat, Mapping)
                and str(feat.get("$type", "")).endswith("#link")
                and isinstance(feat.get("uri"), str)
            ):
                spans.append((start, end, feat["uri"]))
    for start, end, uri in sorted(spans, reverse=True):
        label = raw[start:end].decode("utf-8", "replace")
        if label.rstrip(".…").rstrip(".") in uri or label.endswith(("...", "…")):
            raw = raw[:start] + uri.encode("utf-8") + raw[end:]
    return raw.decode("utf-8", "replace")


def _web_url(post: Mapping[str, Any], handle: str | None) -> str | None:
    uri = str(post.get("uri") or "")
    if not uri.startswith("at://") or "/app.bsky.feed.post/" not in uri:
        return None
    rkey = uri.rsplit("/", 1)[-1]
    who = handle or uri[5:].split("/", 1)[0]
    return f"https://bsky.app/profile/{who}/post/{rkey}"


def _post(post: Mapping[str, Any], repost_by: Mapping[str, Any] | None = None) -> Mention | None:
    uri = post.get("uri")
    record = post.get("record")
    if not isinstance(uri, str) or not isinstance(record, Mapping):
        return None
    author = mapping(post.get("author"))
    handle = field(author.get("handle"))
    langs = record.get("langs")
    lang = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
    text = clean(expand_links(str(record.get("text") or ""), record.get("facets")))
    extra: dict[str, Any] = {"display_name": field(author.get("displayName"))}
    for key in ("likeCount", "repostCount", "replyCount", "quoteCount"):
        if isinstance(post.get(key), int):
            extra[key] = post[key]
    embed = record.get("embed")
    if isinstance(embed, Mapping) and isinstance(embed.get("record"), Mapping):
        quoted = embed["record"].get("uri")
        if quoted:
            extra["quotes"] = quoted
    ext, shared = uri, None
    if repost_by is not None:
        by = mapping(repost_by.get("by"))
        ext = f"{uri}#repost:{by.get('did') or by.get('handle') or '?'}"
        shared = uri
        extra["reposted_by"] = field(by.get("handle"))
    return Mention(
        external_id=ext,
        text=text,
        url=_web_url(post, handle),
        author=handle,
        published_at=parse_datetime(record.get("createdAt")) or parse_datetime(post.get("indexedAt")),
        lang=lang,
        shared_from=shared,
        extra=extra,
        **reach_of(post.get("likeCount"), "likes"),
    )


@guard_parse(KIND)
def parse_page(body: bytes | str, url: str, *, content_type: str | None = None) -> tuple[list[Mention], str | None]:
    """Posts of one searchPosts (``posts``) or feed (``feed``) response, and the cursor."""
    data = load_json(body, f"bluesky {url}", content_type)
    if not isinstance(data, Mapping) or not ("posts" in data or "feed" in data):
        raise ParseError(f"bluesky: {url} holds neither posts nor feed")
    out: list[Mention] = []
    for post in data.get("posts") or []:
        if isinstance(post, Mapping) and (m := _post(post)) is not None:
            out.append(m)
    for item in data.get("feed") or []:
        if not isinstance(item, Mapping) or not isinstance(item.get("post"), Mapping):
            continue
        reason = item.get("reason") if isinstance(item.get("reason"), Mapping) else None
        repost = reason if reason and str(reason.get("$type", "")).endswith("reasonRepost") else None
        if (m := _post(item["post"], repost)) is not None:
            out.append(m)
    cursor = data.get("cursor")
    return out, str(cursor) if cursor else None


def parse(
    body: bytes | str, url: str, options: Mapping[str, Any] | None = None, *, content_type: str | None = None
) -> list[Mention]:
    return parse_page(body, url, content_type=content_type)[0]


async def _session(ctx: FetchContext) -> tuple[str, dict[str, str]]:
    handle, password = ctx.secrets.bluesky_handle, ctx.secrets.bluesky_app_password
    if not handle or password is None:
        return PUBLIC, {}
    host = (ctx.source.url or PDS).rstrip("/")
    result = await ctx.http.fetch(
        f"{host}/xrpc/com.atproto.server.createSession",
        method="POST",
        json={"identifier": handle, "password": password.get_secret_value()},
        check_robots=False,  # an API login endpoint, not a crawled page
    )
    if result.status == "unreachable":
        result.raise_for_outcome(f"bluesky session for {handle}")
    data = result.json() if result.ok else None
    if not isinstance(data, Mapping) or not data.get("accessJwt"):
        raise SourceBlocked(f"bluesky session for {handle} refused: {result.reason or 'no token'}")
    return host, {"Authorization": f"Bearer {data['accessJwt']}"}


async def fetch(ctx: FetchContext) -> AsyncIterator[Page]:
    opts = ctx.options
    host, headers = await _session(ctx)
    if ctx.source.url and not headers:
        host = ctx.source.url.rstrip("/")
    params: dict[str, Any] = {
        "q": ctx.search_terms(),
        "sort": "latest",
        "limit": min(int(opts.get("limit", 100)), 100),
    }
    if opts.get("lang"):
        params["lang"] = opts["lang"]
    newest = ctx.newest_seen
    if newest is not None:
        params["since"] = newest.isoformat().replace("+00:00", "Z")
    state: dict[str, str | None] = {"cursor": None}

    def page(result: FetchResult) -> tuple[list[Mention], str | None]:
        mentions, cursor = parse_page(result.body, result.url, content_type=result.content_type)
        state["cursor"] = cursor
        return mentions, None

    def next_params(result: FetchResult, mentions: list[Mention]) -> Mapping[str, Any] | None:
        return {**params, "cursor": state["cursor"]} if state["cursor"] else None

    async for p in walk(ctx, host + SEARCH, page, params=params, headers=headers, next_params=next_params):
        yield p


__all__ = ["expand_links", "fetch", "parse", "parse_page"]
