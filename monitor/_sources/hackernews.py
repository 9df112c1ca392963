"""``hackernews``: Algolia's Hacker News search, newest first (stories and comments).

- ``https://hn.algolia.com/api/v1/search_by_date?query=…&tags=(story,comment)``.
- Paging by ``page`` up to ``nbPages``; incremental runs add
  ``numericFilters=created_at_i>N`` (N = the newest ``created_at_i`` of the last complete run).
- Comments: ``comment_text`` (HTML) → text, the story's title in ``extra['context_title']`` (not
  matched, not scored); stories and polls:
  title, ``story_text`` (or the title when there is none), the linked URL in ``extra``.

Config::

    [[sources]]
    name = "hn-acme"
    kind = "hackernews"
    query = "acme"

Options: ``tags`` (str, default ``"(story,comment)"``), ``hits_per_page`` (int ≤ 1000,
default 100); the source's ``url`` overrides the endpoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from monitor._dates import parse_datetime
from monitor._http import FetchResult
from monitor._records import Mention
from monitor._sources._text import field, html_to_text, reach_of
from monitor._sources.base import FetchContext, Page, guard_parse, load_json, walk
from monitor.errors import ParseError

KIND = "hackernews"
ENDPOINT = "https://hn.algolia.com/api/v1/search_by_date"
ITEM = "https://news.ycombinator.com/item?id={}"


def _hits(data: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(data, Mapping):
        if not isinstance(data.get("hits"), list):
            raise ParseError("hackernews: response has no hits[]")
        yield from (h for h in data["hits"] if isinstance(h, Mapping))
    elif isinstance(data, list):  # a saved bundle of {url, reply} pairs
        for entry in data:
            reply = entry.get("reply") if isinstance(entry, Mapping) else None
            if isinstance(reply, Mapping) and isinstance(reply.get("hits"), list):
                yield from (h for h in reply["hits"] if isinstance(h, Mapping))
    else:
        raise ParseError("hackernews: not a search response")


def _mention(h: Mapping[str, Any]) -> Mention | None:
    oid = h.get("objectID")
    if not oid:
        return None
    tags = [str(t) for t in h.get("_tags") or []]
    extra: dict[str, Any] = {"tags": [t for t in tags if "_" not in t]}
    if isinstance(h.get("points"), int):
        extra["points"] = h["points"]
    if h.get("comment_text"):
        text = html_to_text(str(h["comment_text"]))
        # The story's title is context, not the comment's words: it must not be matched or scored.
        title = None
        if h.get("story_title"):
            extra["context_title"] = field(h.get("story_title"))
        if h.get("story_id"):
            extra["story_id"] = h.get("story_id")
    else:
        title = field(h.get("title"))
        text = html_to_text(str(h.get("story_text") or "")) or (title or "")
        if h.get("url"):
            extra["link"] = h.get("url")
    when = parse_datetime(h.get("created_at_i")) or parse_datetime(h.get("created_at"))
    return Mention(
        external_id=str(oid),
        text=text,
        url=ITEM.format(oid),
        author=field(h.get("author")),
        title=title,
        published_at=when,
        extra=extra,
        **reach_of(h.get("points"), "upvotes"),
    )


@guard_parse(KIND)
def parse(
    body: bytes | str, url: str, options: Mapping[str, Any] | None = None, *, content_type: str | None = None
) -> list[Mention]:
    """Hits of one search response (or of a saved bundle of responses), once each."""
    data = load_json(body, f"hackernews {url}", content_type)
    out: list[Mention] = []
    seen: set[str] = set()
    for hit in _hits(data):
        m = _mention(hit)
        if m is not None and m.external_id not in seen and (m.text or m.title):
            seen.add(m.external_id)
            out.append(m)
    return out


async def fetch(ctx: FetchContext) -> AsyncIterator[Page]:
    opts = ctx.options
    params: dict[str, Any] = {
        "query": ctx.search_terms(),
        "tags": opts.get("tags", "(story,comment)"),
        "hitsPerPage": min(int(opts.get("hits_per_page", 100)), 1000),
        "page": 0,
    }
    newest = ctx.newest_seen
    if newest is not None:
        params["numericFilters"] = f"created_at_i>{int(newest.timestamp())}"
    state = {"page": 0, "pages": 1}

    def page(result: FetchResult) -> tuple[list[Mention], str | None]:
        mentions = parse(result.body, result.url, content_type=result.content_type)
        data = result.json()
        state["page"] = int(data.get("page", state["page"]))
        state["pages"] = int(data.get("nbPages", 1))
        return mentions, None

    def next_params(result: FetchResult, mentions: list[Mention]) -> Mapping[str, Any] | None:
        nxt = state["page"] + 1
        return {**params, "page": nxt} if nxt < state["pages"] else None

    url = ctx.source.url or ENDPOINT
    async for p in walk(ctx, url, page, params=params, next_params=next_params):
        yield p


__all__ = ["fetch", "parse"]
