"""``youtube``: comments through the YouTube Data API v3 (needs an API key).

``commentThreads.list`` by video (``video_id``), by channel (``channel_id``:
``allThreadsRelatedToChannelId``), optionally narrowed by ``searchTerms`` (the source's
``query``); ``comments.list`` responses (replies by ``parentId``) parse too. Paging by
``nextPageToken``; ``order=time`` so the incremental stop works. A reply's ``parentId`` is its ``reply_to``
and the author's channel id its ``author_id``: a reply from a brand's own channel marks
the comment answered (:mod:`monitor._replies`).

The key comes from ``MONITOR_YOUTUBE_API_KEY`` (never the config file); it travels in the
query string, so every URL that reaches a log or an error is redacted. Without a key the
source turns itself off with a :class:`~monitor.errors.ConfigError` naming the variable.

Config::

    [[sources]]
    name = "youtube-acme"
    kind = "youtube"
    query = "acme"                        # optional searchTerms
    options = { video_id = "F1UP7wRCPH8" }  # or channel_id = "UC…"

Options: ``video_id`` or ``channel_id`` (one is required), ``max_results`` (≤ 100,
default 100); the source's ``url`` overrides the API base.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from monitor._dates import parse_datetime
from monitor._http import FetchResult
from monitor._records import Mention
from monitor._sources._text import clean, field, html_to_text, mapping, reach_of
from monitor._sources.base import FetchContext, Page, guard_parse, load_json, walk
from monitor.errors import ConfigError, ParseError

KIND = "youtube"
API = "https://www.googleapis.com/youtube/v3"


def _comment(c: Mapping[str, Any], thread: Mapping[str, Any] | None) -> Mention | None:
    cid = c.get("id")
    sn = c.get("snippet")
    if not isinstance(cid, str) or not isinstance(sn, Mapping):
        return None
    text = clean(str(sn.get("textOriginal") or "")) or html_to_text(str(sn.get("textDisplay") or ""))
    video = sn.get("videoId") or (thread or {}).get("videoId")
    url = f"https://www.youtube.com/watch?v={video}&lc={cid}" if video else None
    extra: dict[str, Any] = {}
    if isinstance(sn.get("likeCount"), int):
        extra["likes"] = sn["likeCount"]
    if thread is not None and isinstance(thread.get("totalReplyCount"), int):
        extra["replies"] = thread["totalReplyCount"]
    if sn.get("parentId"):
        extra["parent_id"] = sn["parentId"]
    if video:
        extra["video_id"] = video
    channel = sn.get("authorChannelId")
    channel_id = channel.get("value") if isinstance(channel, Mapping) else None
    if isinstance(channel_id, str) and channel_id:
        extra["author_channel"] = channel_id
    parent = sn.get("parentId")
    return Mention(
        external_id=cid,
        text=text,
        url=url,
        author=field(sn.get("authorDisplayName")),
        published_at=parse_datetime(sn.get("publishedAt")),
        reply_to=parent if isinstance(parent, str) and parent else None,
        author_id=channel_id if isinstance(channel_id, str) and channel_id else None,
        extra=extra,
        **reach_of(sn.get("likeCount"), "likes"),
    )


@guard_parse(KIND)
def parse_page(body: bytes | str, url: str, *, content_type: str | None = None) -> tuple[list[Mention], str | None]:
    """Comments of one commentThreads/comments response, and ``nextPageToken``."""
    data = load_json(body, f"youtube {url}", content_type)
    if not isinstance(data, Mapping) or not isinstance(data.get("items", []), list):
        raise ParseError(f"youtube: {url} is not a list response")
    if "error" in data and "items" not in data:
        raise ParseError(f"youtube: API error: {str(data['error'])[:200]}")
    out: list[Mention] = []
    for item in data.get("items") or []:
        if not isinstance(item, Mapping):
            continue
        if item.get("kind") == "youtube#commentThread":
            sn = mapping(item.get("snippet"))
            top = sn.get("topLevelComment")
            if isinstance(top, Mapping) and (m := _comment(top, sn)) is not None:
                out.append(m)
            replies = item.get("replies")
            if isinstance(replies, Mapping):
                for r in replies.get("comments") or []:
                    if isinstance(r, Mapping) and (m := _comment(r, sn)) is not None:
                        out.append(m)
        elif (m := _comment(item, None)) is not None:
            out.append(m)
    token = data.get("nextPageToken")
    return out, str(token) if token else None


def parse(
    body: bytes | str, url: str, options: Mapping[str, Any] | None = None, *, content_type: str | None = None
) -> list[Mention]:
    return parse_page(body, url, content_type=content_type)[0]


async def fetch(ctx: FetchContext) -> AsyncIterator[Page]:
    key = ctx.secrets.youtube_api_key
    if key is None:
        raise ConfigError(f"youtube source {ctx.source.name!r} needs MONITOR_YOUTUBE_API_KEY in the environment")
    opts = ctx.options
    params: dict[str, Any] = {
        "part": "snippet,replies",
        "maxResults": min(int(opts.get("max_results", 100)), 100),
        "order": "time",
        "textFormat": "plainText",
        "key": key.get_secret_value(),
    }
    if opts.get("video_id"):
        params["videoId"] = opts["video_id"]
    elif opts.get("channel_id"):
        params["allThreadsRelatedToChannelId"] = opts["channel_id"]
    else:
        raise ConfigError(f"youtube source {ctx.source.name!r} needs options.video_id or channel_id")
    if ctx.source.query:
        params["searchTerms"] = ctx.source.query
    state: dict[str, str | None] = {"token": None}

    def page(result: FetchResult) -> tuple[list[Mention], str | None]:
        mentions, token = parse_page(result.body, result.safe_url, content_type=result.content_type)
        state["token"] = token
        return mentions, None

    def next_params(result: FetchResult, mentions: list[Mention]) -> Mapping[str, Any] | None:
        return {**params, "pageToken": state["token"]} if state["token"] else None

    base = (ctx.source.url or API).rstrip("/")
    # Paging by token restarts at the newest; API pages carry no validators worth keeping.
    async for p in walk(
        ctx,
        f"{base}/commentThreads",
        page,
        params=params,
        next_params=next_params,
        conditional=False,
    ):
        yield p


__all__ = ["fetch", "parse", "parse_page"]
