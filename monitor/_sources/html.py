"""``html``: review pages without schema.org, read with CSS selectors from the config.

Every selector is evaluated inside one ``item`` element (selectolax/lexbor CSS, so
``:not()``, attribute and descendant selectors work). A working example for the
Amazon-style review pages is ``config/html-amazon.example.toml``.

Config (see ``config/html-amazon.example.toml`` for a complete one)::

    [[sources]]
    name = "shop-reviews"
    kind = "html"
    brand = "Acme"
    url = "https://shop.example.com/acme-widget/reviews"
    [sources.options]
    item = "div.review"
    text = ".body"
    rating = ".stars"
    rating_pattern = '(?P<value>[0-9.,]+) of (?P<best>[0-9]+)'

Options (``item`` is required; the rest are optional):

``item``            CSS of one review block, e.g. ``"div[data-hook=review]"``
``text``            CSS of the review text inside the item
``title``           CSS of the title
``author``          CSS of the author name
``date``            CSS of the date; ``date_attr`` reads an attribute instead of the text
``date_pattern``    regex whose first group (or the whole match) is the date text
``date_format``     strptime format(s), a string or a list, e.g. ``["%B %d, %Y", "%d %B %Y"]``.
                    Month names in English, Italian, Swedish, Turkish, Bulgarian, Armenian,
                    German, French, Spanish, Portuguese and Dutch are understood. Without a
                    format (or when none fits), localised and relative dates ("igår",
                    "2 gün önce", "вчера", "3 days ago") are read in the page's language
                    (:func:`monitor._dates.parse_human`), relative to the collector's clock.
``rating``          CSS of the rating element; ``rating_attr`` reads an attribute (e.g.
                    ``"class"`` for ``rating-50``) instead of the text
``rating_pattern``  regex with a ``value`` group (and optionally ``best``), e.g.
                    ``"(?P<value>\\d+(?:[.,]\\d+)?) (?:out of|su) (?P<best>\\d+)"``; a decimal
                    comma is accepted
``rating_divisor``  divide the captured value (``rating-50`` → 50 / 10 = 5.0)
``rating_scale``    ``[worst, best]`` when the pattern has no ``best`` group (default [1, 5])
``link``            CSS of a link to the review (its ``href``)
``helpful``         CSS of the review's helpful votes ("4 people found this helpful",
                    "One person found this helpful"): stored as its reach (kind "helpful_votes")
``id_attr``         attribute of the item that is a stable id (e.g. ``"id"``); otherwise
                    a hash of author, date and text
``next``            CSS of the next-page link (its ``href``)
``lang``            declared language of the page (otherwise ``<html lang>``)

A schema.org ``AggregateRating`` on the page (JSON-LD or microdata, whatever the
selectors) is read too: :func:`aggregate`, and ``Page.aggregate`` while fetching.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor._dates import parse_human
from monitor._http import FetchResult
from monitor._records import AggregateRating, Mention
from monitor._sources._markup import check_markup
from monitor._sources._text import clean, field, helpful_votes, parse_number, reach_of, stable_id
from monitor._sources.base import FetchContext, Page, as_text, guard_parse, walk
from monitor._sources.reviews import page_aggregates
from monitor.errors import ConfigError, ParseError

KIND = "html"


def parse_date(
    text: str, formats: list[str], pattern: str | None = None, *, now: datetime | None = None, lang: str | None = None
) -> datetime | None:
    """A date from free text (see :func:`monitor._dates.parse_human`; ``now`` defaults to the current time)."""
    return parse_human(text, now=now or datetime.now(UTC), formats=formats, pattern=pattern, lang=lang)


def _text(node: LexborNode | None) -> str:
    if node is None:
        return ""
    return clean(node.text(deep=True, separator=" ", strip=False))


def _select(item: LexborNode, css: str | None) -> LexborNode | None:
    if not css:
        return None
    try:
        return item.css_first(css)
    except Exception as exc:  # selectolax raises various errors for bad selectors
        raise ConfigError(f"html: bad CSS selector {css!r}: {exc}") from None


def _rating(node: LexborNode | None, opts: Mapping[str, Any]) -> tuple[float | None, tuple[float, float] | None]:
    if node is None:
        return None, None
    attr = opts.get("rating_attr")
    raw = (node.attributes.get(str(attr)) or "") if attr else _text(node)
    if not raw:
        return None, None
    scale = opts.get("rating_scale") or [1, 5]
    worst, best = float(scale[0]), float(scale[1])
    pattern = opts.get("rating_pattern")
    value: float | None
    if pattern:
        m = re.search(str(pattern), raw)
        if not m:
            return None, None
        groups = m.groupdict()
        value = parse_number(groups.get("value") or (m.group(1) if m.groups() else m.group(0)))
        if groups.get("best"):
            best = parse_number(groups["best"]) or best
    else:
        value = parse_number(raw)
    if value is None:
        return None, None
    divisor = opts.get("rating_divisor")
    if divisor:
        value = value / float(divisor)
    return value, (worst, best)


def parse_page(
    body: bytes | str,
    url: str,
    options: Mapping[str, Any] | None = None,
    *,
    content_type: str | None = None,
    now: datetime | None = None,
) -> tuple[list[Mention], str | None]:
    """Reviews on one page and the next page's URL (relative dates are read against ``now``)."""
    mentions, next_url, _ = _read(body, url, options, content_type, now)
    return mentions, next_url


@guard_parse(KIND)
def _read(
    body: bytes | str, url: str, options: Mapping[str, Any] | None, content_type: str | None, now: datetime | None
) -> tuple[list[Mention], str | None, list[AggregateRating]]:
    """Reviews, the next page's URL and the page's aggregate ratings."""
    opts = dict(options or {})
    item_css = opts.get("item")
    if not item_css:
        raise ConfigError("html source needs options.item (CSS of one review block)")
    html = as_text(body, content_type, f"html {url}")
    check_markup(html, f"html {url}")  # refuse what cannot be parsed in bounded time
    tree = LexborHTMLParser(html)
    lang = opts.get("lang")
    if not lang and tree.root is not None:
        declared = tree.root.attributes.get("lang") or ""
        lang = declared.split("-")[0].lower() or None
    formats = opts.get("date_format") or []
    if isinstance(formats, str):
        formats = [formats]
    try:
        items = tree.css(str(item_css))
    except Exception as exc:
        raise ConfigError(f"html: bad CSS selector {item_css!r}: {exc}") from None
    next_url = None
    if opts.get("next"):
        nxt = tree.css_first(str(opts["next"]))
        href = nxt.attributes.get("href") if nxt is not None else None
        if href:
            next_url = urljoin(url, href)
    now = now or datetime.now(UTC)
    aggregates = page_aggregates(html, url, tree)  # before the items are taken apart below
    out: list[Mention] = []
    # Innermost first, each item detached once read: an enclosing item then sees only its
    # own content, so every node is searched by one item's selectors (linear, where nested
    # items used to be re-searched once per enclosing item: quadratic).
    for item in reversed(items):
        mention = _item_mention(item, url, opts, [str(f) for f in formats], lang, now)
        if mention is not None:
            out.append(mention)
        item.decompose(recursive=False)
    out.reverse()
    return out, next_url, aggregates


def _item_mention(
    item: LexborNode, url: str, opts: Mapping[str, Any], formats: list[str], lang: str | None, now: datetime
) -> Mention | None:
    """One review block as a mention, or ``None`` when it has no text, title or rating."""
    text = _text(_select(item, opts.get("text")))
    title = field(_text(_select(item, opts.get("title"))))
    author = field(_text(_select(item, opts.get("author"))))
    date_node = _select(item, opts.get("date"))
    date_raw = ""
    if date_node is not None:
        attr = opts.get("date_attr")
        date_raw = (date_node.attributes.get(str(attr)) or "") if attr else _text(date_node)
    published = parse_human(date_raw, now=now, formats=formats, pattern=opts.get("date_pattern"), lang=lang)
    rating, scale = _rating(_select(item, opts.get("rating")), opts)
    link_node = _select(item, opts.get("link"))
    href = link_node.attributes.get("href") if link_node is not None else None
    link = urljoin(url, href) if href else url
    ident = item.attributes.get(str(opts["id_attr"])) if opts.get("id_attr") else None
    ext = str(ident) if ident else stable_id(author, date_raw, title, text, rating)
    if not (text or title or rating is not None):
        return None
    votes = helpful_votes(_text(_select(item, opts.get("helpful"))))
    return Mention(
        external_id=ext[:500],
        text=text,
        url=link,
        author=author,
        title=title,
        published_at=published,
        rating=rating,
        rating_scale=scale,
        lang=lang,
        **reach_of(votes, "helpful_votes"),
    )


def parse(
    body: bytes | str,
    url: str,
    options: Mapping[str, Any] | None = None,
    *,
    content_type: str | None = None,
    now: datetime | None = None,
) -> list[Mention]:
    """Every item the configured selectors find on one page."""
    if not options or not options.get("item"):
        raise ParseError("html: options.item (CSS of one review block) is required")
    return parse_page(body, url, options, content_type=content_type, now=now)[0]


@guard_parse(KIND)
def aggregate(
    body: bytes | str, url: str, options: Mapping[str, Any] | None = None, *, content_type: str | None = None
) -> AggregateRating | None:
    """The page's schema.org AggregateRating (the first valid one), or ``None``."""
    html = as_text(body, content_type, f"html {url}")
    tree = None
    if "aggregateRating" in html:  # microdata needs the DOM; JSON-LD does not
        check_markup(html, f"html {url}")
        tree = LexborHTMLParser(html)
    found = page_aggregates(html, url, tree)
    return found[0] if found else None


async def fetch(ctx: FetchContext) -> AsyncIterator[Page]:
    if not ctx.source.url:
        raise ConfigError(f"html source {ctx.source.name!r} needs a url")
    options = ctx.options
    if not options.get("item"):
        raise ConfigError(f"html source {ctx.source.name!r} needs options.item")
    found: list[AggregateRating] = []  # the aggregates of the page being read

    def page(result: FetchResult) -> tuple[list[Mention], str | None]:
        found.clear()
        url = result.final_url or result.url
        mentions, next_url, aggregates = _read(result.body, url, options, result.content_type, ctx.now())
        found.extend(aggregates[:1])
        return mentions, next_url

    async for p in walk(ctx, ctx.source.url, page):
        if p.error is None and found:
            p.aggregate = found[0]
        found.clear()
        yield p


__all__ = ["aggregate", "fetch", "parse", "parse_date", "parse_page"]
