"""What a source is, the registry of source kinds, and the shared paging walk.

Every kind is one module ``monitor._sources.<kind>`` with two functions:

``parse(body, url, options=None, *, content_type=None) -> list[Mention]``
    Pure: bytes or text of one saved response in, mentions out. Bytes are decoded with
    the ``charset`` of ``content_type`` (the response's header) when given, else by what
    the document declares or detection (:mod:`monitor._http.charset`). Raises nothing but
    :class:`~monitor.errors.ParseError`, whatever the bytes.
``fetch(ctx) -> AsyncIterator[Page]``
    I/O through the shared :class:`~monitor._http.HttpClient` only: builds the request,
    follows the kind's paging and stops incrementally. One :class:`Page` per response;
    a page that is not ``ok`` (blocked, failed, not modified) ends the walk.

Kinds that read structured data (``reviews``, ``html``) also have
``aggregate(body, url, options=None, *, content_type=None) -> AggregateRating | None``
(the page's schema.org AggregateRating) and set :attr:`Page.aggregate` while fetching.

The registry maps a kind to its module and imports it on first use (no import-time work);
:func:`get_source` raises :class:`~monitor.errors.ConfigError` for an unknown kind.

Incremental stop (see :meth:`FetchContext.stop_after`): the cursor of the last *complete*
run holds ``newest`` (the newest ``published_at`` it saw). A page holding a mention older
than that ends the walk; for undated items, a page whose ids are all already stored does.
The cursor only advances when a run completes, so a run killed half-way is simply walked
again (already-stored mentions are duplicates, not losses). A walk that reaches
``max_pages`` with pages left sets :attr:`FetchContext.left_off`; given it back as
:attr:`FetchContext.resume`, the next walk starts there (see :func:`walk`).

Page parsers run in a worker thread (``asyncio.to_thread``): parsing is CPU work, and one
slow page must not stall the other sources' fetches on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, ParamSpec, Protocol, TypeVar, cast

from monitor._config import SOURCE_KINDS, BrandConfig, Secrets, SourceConfig
from monitor._dates import parse_datetime
from monitor._http import FetchResult, HttpClient
from monitor._records import AggregateRating, Mention
from monitor.errors import ConfigError, ParseError

P = ParamSpec("P")
T = TypeVar("T")

SOURCE_MODULES: dict[str, str] = {kind: f"monitor._sources.{kind}" for kind in SOURCE_KINDS}


@dataclass
class Page:
    """One fetched response and what it yielded."""

    result: FetchResult
    mentions: list[Mention] = field(default_factory=list)
    error: str | None = None  # a parse error: the page was fetched but unusable
    number: int = 1  # the page's place in this run's walk (1 = the first fetched)
    resumed: bool = False  # the walk started where an earlier run's walk left off
    #: The page's schema.org AggregateRating (kinds that read structured data set it): a
    #: figure about the source, stored as its daily rating snapshot, never a mention.
    aggregate: AggregateRating | None = None

    @property
    def status(self) -> str:
        if self.error is not None:
            return "failed"
        return self.result.status


@dataclass(frozen=True)
class Resume:
    """Where a walk stopped with pages left: the next page's URL and parameters.

    ``start`` is the first URL of the walk it belongs to: a resume is only honoured by a
    walk with the same first URL (a changed source starts over).
    """

    start: str
    url: str
    params: dict[str, str | int | float] | None = None
    #: Pages of this backlog read before ``url`` (``url`` is page ``pages_before + 1``).
    pages_before: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "url": self.url, "params": self.params, "pages_before": self.pages_before}

    @classmethod
    def from_dict(cls, value: Any) -> Resume | None:
        """The resume stored in a cursor, or ``None`` when absent or malformed."""
        if not isinstance(value, Mapping):
            return None
        start, url, params = value.get("start"), value.get("url"), value.get("params")
        if not isinstance(start, str) or not isinstance(url, str):
            return None
        if params is not None and not (
            isinstance(params, Mapping)
            and all(isinstance(k, str) and isinstance(v, str | int | float) for k, v in params.items())
        ):
            return None
        before = value.get("pages_before")
        before = before if isinstance(before, int) and not isinstance(before, bool) and before > 0 else 0
        return cls(start, url, dict(params) if params else None, before)


@dataclass
class FetchContext:
    """Everything a ``fetch`` needs; built by :mod:`monitor._collect`."""

    source: SourceConfig
    http: HttpClient
    secrets: Secrets = field(default_factory=Secrets)
    brand: BrandConfig | None = None
    max_pages: int = 10
    cursor: dict[str, Any] = field(default_factory=dict)
    known: Callable[[list[str]], set[str]] = lambda ids: set()
    #: Kind-specific cursor values for the next run (e.g. Mastodon ``since_id``); committed
    #: by the caller only when the whole walk completes.
    cursor_out: dict[str, Any] = field(default_factory=dict)
    #: Where an earlier walk stopped at ``max_pages`` (see :class:`Resume`): this walk
    #: starts there instead of at the first page (see :func:`walk`).
    resume: Resume | None = None
    #: Set by :func:`walk` when it stops at ``max_pages`` with pages left: where to go on.
    left_off: Resume | None = None
    #: The collector's clock: relative dates ("3 days ago") are read against it.
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.source.options)

    @property
    def newest_seen(self) -> datetime | None:
        return parse_datetime(self.cursor.get("newest"))

    def start_page(self, first_url: str) -> int:
        """The number of the page a :func:`walk` from ``first_url`` starts at (1, or later
        when it resumes a backlog): for kinds that count pages themselves."""
        if self.resume is not None and self.resume.start == first_url:
            return self.resume.pages_before + 1
        return 1

    def search_terms(self) -> str:
        """The API search query: the source's ``query``, else the bound brand's name."""
        if self.source.query:
            return self.source.query
        if self.brand is not None:
            return self.brand.name
        raise ConfigError(f"source {self.source.name!r} needs a query (or a brand)")

    def stop_after(self, mentions: list[Mention]) -> bool:
        """Whether the walk can stop after this page (decided *before* it is stored)."""
        if not mentions:
            return True
        newest = self.newest_seen
        dated = [m.published_at for m in mentions if m.published_at is not None]
        if newest is not None and dated:
            return min(dated) < newest
        if not dated:
            ids = [m.external_id for m in mentions]
            return set(ids) <= self.known(ids)
        return False


class SourceModule(Protocol):
    """The two functions a source-kind module provides."""

    def parse(
        self,
        body: bytes | str,
        url: str,
        options: Mapping[str, Any] | None = None,
        *,
        content_type: str | None = None,
    ) -> list[Mention]: ...

    def fetch(self, ctx: FetchContext) -> AsyncIterator[Page]: ...


@dataclass(frozen=True)
class Source:
    kind: str
    module: ModuleType

    def parse(
        self,
        body: bytes | str,
        url: str,
        options: Mapping[str, Any] | None = None,
        *,
        content_type: str | None = None,
    ) -> list[Mention]:
        return cast(list[Mention], self.module.parse(body, url, options, content_type=content_type))

    def fetch(self, ctx: FetchContext) -> AsyncIterator[Page]:
        return cast(AsyncIterator[Page], self.module.fetch(ctx))

    def aggregate(
        self,
        body: bytes | str,
        url: str,
        options: Mapping[str, Any] | None = None,
        *,
        content_type: str | None = None,
    ) -> AggregateRating | None:
        """The page's AggregateRating, for kinds that read one (``aggregate`` in the module); else ``None``."""
        read = getattr(self.module, "aggregate", None)
        if read is None:
            return None
        return cast(AggregateRating | None, read(body, url, options, content_type=content_type))

    @property
    def doc(self) -> str:
        return (self.module.__doc__ or "").strip()


_LOADED: dict[str, Source] = {}


def kinds() -> list[str]:
    return list(SOURCE_MODULES)


def get_source(kind: str) -> Source:
    """The source of ``kind`` (imported on first use)."""
    if kind in _LOADED:
        return _LOADED[kind]
    if kind not in SOURCE_MODULES:
        raise ConfigError(f"unknown source kind {kind!r}; expected one of {', '.join(SOURCE_MODULES)}")
    module = importlib.import_module(SOURCE_MODULES[kind])
    for name in ("parse", "fetch"):
        if not callable(getattr(module, name, None)):
            raise ConfigError(f"source module {module.__name__} lacks {name}()")
    src = _LOADED[kind] = Source(kind, module)
    return src


# -- shared paging machinery ------------------------------------------------------------

#: ``page_parser(result) -> (mentions, next_url or None)``; raises ParseError.
PageParser = Callable[[FetchResult], tuple[list[Mention], str | None]]


async def walk(
    ctx: FetchContext,
    first_url: str,
    page_parser: PageParser,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    conditional: bool = True,
    next_params: Callable[[FetchResult, list[Mention]], Mapping[str, Any] | None] | None = None,
    auth: Callable[[], Awaitable[Mapping[str, str]]] | None = None,
) -> AsyncIterator[Page]:
    """Fetch ``first_url`` and follow its pages until the last, ``max_pages`` or a stop.

    Paging is by the next URL ``page_parser`` returns, or — for APIs that page by a
    parameter (cursor, page number, token) — by ``next_params``, which returns the
    parameters for the same URL or ``None`` when there are no more pages. Only the first
    request is conditional: an unchanged first page means an unchanged source.

    A walk that reaches ``max_pages`` with a next page left records it in
    ``ctx.left_off``; a walk given ``ctx.resume`` (for the same ``first_url``) starts at
    that page, unconditionally, so a backlog longer than ``max_pages`` is read over
    several runs instead of skipped. ``page_parser`` runs in a worker thread: a page that
    is slow to parse does not stall the other sources' I/O on the event loop.
    """
    url: str = first_url
    cur_params: Mapping[str, Any] | None = params
    resumed = ctx.resume is not None and ctx.resume.start == first_url
    if resumed and ctx.resume is not None:
        url, cur_params = ctx.resume.url, ctx.resume.params
    before = ctx.start_page(first_url) - 1
    extra = dict(headers or {})
    if auth is not None:
        extra.update(await auth())
    for n in range(ctx.max_pages):
        result = await ctx.http.fetch(
            url,
            params=_clean_params(cur_params),
            headers=extra,
            conditional=conditional and n == 0 and not resumed,
            credential_origin=first_url,  # a next page on another host gets no credentials
        )
        if not result.ok:
            yield Page(result, number=n + 1, resumed=resumed)
            return
        try:
            mentions, next_url = await asyncio.to_thread(page_parser, result)
        except ParseError as exc:
            yield Page(result, error=str(exc), number=n + 1, resumed=resumed)
            return
        stop = ctx.stop_after(mentions)
        yield Page(result, mentions, number=n + 1, resumed=resumed)
        if stop:
            return
        if next_params is not None:
            nxt = next_params(result, mentions)
            if nxt is None:
                return
            cur_params = nxt
        else:
            if not next_url or next_url == url:
                return
            url, cur_params = next_url, None
    ctx.left_off = Resume(first_url, url, _clean_params(cur_params), before + ctx.max_pages)


def _clean_params(params: Mapping[str, Any] | None) -> dict[str, str | int | float] | None:
    if not params:
        return None
    out: dict[str, str | int | float] = {}
    for k, v in params.items():
        if v is None:
            continue
        if isinstance(v, bool):
            out[k] = "true" if v else "false"
        elif isinstance(v, str | int | float):
            out[k] = v
        else:
            out[k] = str(v)
    return out


_LINK = re.compile(r"""<([^>]*)>\s*((?:;\s*[^;,]+)*)""")


def parse_link_header(value: str | None) -> dict[str, str]:
    """``Link: <url>; rel="next", <url>; rel="prev"`` → ``{"next": url, "prev": url}``."""
    links: dict[str, str] = {}
    if not value:
        return links
    for m in _LINK.finditer(value):
        target, params = m.group(1).strip(), m.group(2)
        rel = re.search(r"""rel\s*=\s*"?([^";]+)"?""", params)
        if rel:
            for name in rel.group(1).split():
                links.setdefault(name.lower(), target)
    return links


def as_bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def as_text(body: bytes | str, content_type: str | None = None, what: str = "response") -> str:
    """The body as text, decoded with the response's Content-Type charset when given.

    Bad bytes become U+FFFD one by one; a body that is not text in any charset is a
    :class:`ParseError` naming ``what``, never an empty page.
    """
    if isinstance(body, str):
        return body
    from monitor._http.charset import decode

    decoded = decode(body, content_type)
    if decoded.problem is not None:
        raise ParseError(f"{what}: {decoded.problem}")
    return decoded.text


def load_json(body: bytes | str, what: str, content_type: str | None = None) -> Any:
    """JSON from a response body (an XSSI prefix like ``)]}'`` is dropped); ParseError."""
    import json

    text = as_text(body, content_type, what).lstrip("\ufeff")
    if text.startswith(")]}'"):
        text = text[4:]
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"{what}: not JSON ({exc})") from None


def guard_parse(kind: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorator: whatever goes wrong inside a parser surfaces as :class:`ParseError`."""

    def wrap(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return fn(*args, **kwargs)
            except ParseError:
                raise
            except Exception as exc:  # hostile input must never escape as anything else
                where = args[1] if len(args) > 1 else kwargs.get("url", "?")
                raise ParseError(f"{kind}: cannot parse {where}: {type(exc).__name__}: {str(exc)[:200]}") from exc

        return guarded

    return wrap


__all__ = [
    "SOURCE_MODULES",
    "FetchContext",
    "Page",
    "PageParser",
    "Resume",
    "Source",
    "SourceModule",
    "as_bytes",
    "as_text",
    "get_source",
    "guard_parse",
    "kinds",
    "load_json",
    "parse_link_header",
    "walk",
]
