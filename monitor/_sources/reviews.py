"""``reviews``: schema.org ``Review`` / ``AggregateRating`` in JSON-LD and microdata.

Works on review sites, shops, recipe and app pages that publish structured data.
JSON-LD: every ``<script type="application/ld+json">`` block, with ``@graph``, arrays,
reviews nested in ``itemReviewed``/``review``, ratings as numbers or strings (``"4,5"``),
``bestRating``/``worstRating`` (default 1–5). Microdata: every element with
``itemtype=…/Review``, its own ``itemprop``s (nested ``author``/``reviewRating`` items
included). Each review becomes one mention with rating value and scale, author, date,
title and text; a review with a rating but no words keeps ``text=""``.

:func:`aggregate` returns the page's ``AggregateRating`` (the first valid one) as a
:class:`~monitor._records.AggregateRating`; it is no mention: collection stores it as the
source's daily rating snapshot (``Page.aggregate``). :func:`aggregate_ratings` lists them all.

Paging: ``<link rel="next">``/``<a rel="next">``, or a URL template in the options.

Config::

    [[sources]]
    name = "acme-reviews"
    kind = "reviews"
    brand = "Acme"                      # the brand's own page: no matching needed
    url = "https://shop.example.com/acme-widget/reviews"

Options:

``page_url`` (str): template for pages 2, 3, … e.g. ``"https://…/reviews?page={page}"``,
used when the page has no ``rel=next`` link. ``lang`` (str): the declared language when
the page has no ``<html lang>``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from html import unescape
from typing import Any
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor._dates import parse_datetime
from monitor._http import FetchResult
from monitor._records import AggregateRating, Mention
from monitor._sources._markup import check_markup
from monitor._sources._text import field, html_to_text, parse_number, schema_votes, stable_id
from monitor._sources.base import FetchContext, Page, as_text, guard_parse, walk
from monitor.errors import ConfigError

KIND = "reviews"
_JSONLD = re.compile(
    r"""<script[^>]+type\s*=\s*["']?application/ld\+json["']?[^>]*>(.*?)</script\s*>""",
    re.I | re.S,
)
_HTML_LANG = re.compile(r"""<html[^>]*\slang\s*=\s*["']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?""", re.I)
_LINK_TAG = re.compile(r"""<(?:link|a)\s[^>]*\brel\s*=\s*["']?[^"'>]*\bnext\b[^>]*>""", re.I)
_ATTR_REL = re.compile(r"""\brel\s*=\s*["']?([^"'>]*)""", re.I)
_ATTR_HREF = re.compile(r"""\bhref\s*=\s*["']?([^"'\s>]+)""", re.I)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_MAX_DEPTH = 40


def _types(obj: Mapping[str, Any]) -> set[str]:
    t = obj.get("@type")
    names = t if isinstance(t, list) else [t]
    return {str(n).rsplit("/", 1)[-1] for n in names if n}


def _jsonld_blocks(html: str) -> Iterator[Any]:
    for m in _JSONLD.finditer(html):
        raw = m.group(1).strip()
        raw = raw.removeprefix("<!--").removesuffix("-->").strip()
        raw = raw.removeprefix("//<![CDATA[").removesuffix("//]]>").strip()
        if not raw:
            continue
        try:
            yield json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            try:
                yield json.loads(_TRAILING_COMMA.sub(r"\1", raw), strict=False)
            except (ValueError, RecursionError):
                continue  # one broken block must not hide the others


def _walk(obj: Any, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(obj, dict | Mapping):  # dict first: JSON gives dicts, and the ABC check is slow
        yield obj
        for value in obj.values():
            if isinstance(value, dict | list | Mapping):
                yield from _walk(value, depth + 1)
    elif isinstance(obj, list):
        for value in obj:
            yield from _walk(value, depth + 1)


def _first(value: Any) -> Any:
    while isinstance(value, list):
        if not value:
            return None
        value = value[0]
    return value


def _name(value: Any) -> str | None:
    value = _first(value)
    if isinstance(value, Mapping):
        value = value.get("name") or value.get("alternateName")
        value = _first(value)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return field(html_to_text(str(value)))
    return None


def _scale(rating: Mapping[str, Any]) -> tuple[float, float]:
    best = parse_number(_first(rating.get("bestRating")))
    worst = parse_number(_first(rating.get("worstRating")))
    best = best if best is not None and best > 0 else 5.0
    worst = worst if worst is not None and worst < best else 1.0
    return (worst, best)


def _rating(value: Any) -> tuple[float | None, tuple[float, float] | None]:
    value = _first(value)
    if isinstance(value, Mapping):
        number = parse_number(_first(value.get("ratingValue")))
        if number is None:
            return None, None
        return number, _scale(value)
    number = parse_number(value)
    return (number, (1.0, 5.0)) if number is not None else (None, None)


def _review_mention(obj: Mapping[str, Any], page_url: str, lang: str | None, item: str | None) -> Mention:
    rating, scale = _rating(obj.get("reviewRating"))
    text = html_to_text(str(_first(obj.get("reviewBody")) or _first(obj.get("description")) or ""))
    title = _name(obj.get("name")) or _name(obj.get("headline"))
    author = _name(obj.get("author"))
    published = parse_datetime(_first(obj.get("datePublished")) or _first(obj.get("dateCreated")))
    ident = _first(obj.get("@id")) or _first(obj.get("url"))
    url = urljoin(page_url, str(ident)) if isinstance(ident, str) and ident else page_url
    ext = url if isinstance(ident, str) and ident else stable_id(item, author, published, title, text, rating)
    extra: dict[str, Any] = {"item": item} if item else {}
    return Mention(
        external_id=ext[:500],
        text=text,
        url=url,
        author=author,
        title=title,
        published_at=published,
        rating=rating,
        rating_scale=scale,
        lang=str(in_lang) if isinstance(in_lang := _first(obj.get("inLanguage")), str) else lang,
        extra=extra,
        **schema_votes(obj),
    )


def _item_name(parent: Mapping[str, Any] | None) -> str | None:
    return _name(parent.get("name")) if parent is not None else None


def _jsonld_reviews(blocks: list[Any], url: str, lang: str | None) -> list[Mention]:
    out: list[Mention] = []
    seen: set[int] = set()
    for block in blocks:
        for obj in _walk(block):
            kinds = _types(obj)
            if "Review" in kinds or "UserReview" in kinds or "CriticReview" in kinds:
                if id(obj) in seen:
                    continue
                seen.add(id(obj))
                item = _name(obj.get("itemReviewed"))
                out.append(_review_mention(obj, url, lang, item))
            else:
                reviews = obj.get("review") or obj.get("reviews")
                for r in reviews if isinstance(reviews, list) else [reviews]:
                    if isinstance(r, Mapping) and id(r) not in seen and not _types(r) - {"Review"}:
                        seen.add(id(r))
                        out.append(_review_mention(r, url, lang, _item_name(obj)))
    return out


# -- microdata ---------------------------------------------------------------------------


def _prop_value(node: LexborNode, base: str, memo: dict[int, dict[str, Any]]) -> Any:
    attrs = node.attributes
    if "itemscope" in attrs:
        return _item(node, base, memo)
    tag = node.tag or ""
    if tag == "meta":
        return attrs.get("content") or ""
    if tag in ("a", "link", "area"):
        return urljoin(base, attrs.get("href") or "")
    if tag in ("img", "audio", "video", "source", "embed", "iframe"):
        return urljoin(base, attrs.get("src") or "")
    if tag == "time":
        return attrs.get("datetime") or node.text(strip=True)
    if tag in ("data", "meter") and attrs.get("value") is not None:
        return attrs.get("value")
    if attrs.get("content") is not None:
        return attrs.get("content")
    return node.html if node.html and "<" in node.html[1:] else node.text()


def _item(scope: LexborNode, base: str, memo: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Microdata properties of one item; nested items become dicts.

    ``memo`` holds the items already read (by node): with :func:`_read_items` reading the
    innermost first, each element is visited once however deeply items nest.
    """
    memo = {} if memo is None else memo
    known = memo.get(scope.mem_id)
    if known is not None:
        return known
    props: dict[str, Any] = {"@type": (scope.attributes.get("itemtype") or "").split()}
    memo[scope.mem_id] = props
    pending: list[LexborNode | None] = [scope.child]
    while pending:  # document order, without recursion (hostile pages nest deeply)
        child = pending.pop()
        while child is not None:
            if child.tag and not child.tag.startswith("-"):
                attrs = child.attributes
                names = (attrs.get("itemprop") or "").split()
                if names:
                    value = _prop_value(child, base, memo)
                    for name in names:
                        props.setdefault(name, []).append(value)
                if "itemscope" not in attrs and child.child is not None:
                    pending.append(child.next)
                    child = child.child
                    continue
            child = child.next
    return props


def _read_items(tree: LexborHTMLParser, base: str) -> dict[int, dict[str, Any]]:
    """Every microdata item on the page, read innermost first (linear in the page)."""
    memo: dict[int, dict[str, Any]] = {}
    for scope in reversed(tree.css("[itemscope]")):
        _item(scope, base, memo)
    return memo


def _scope_name(node: LexborNode, base: str, memo: dict[int, dict[str, Any]]) -> str | None:
    """The ``name`` of the item enclosing ``node`` (the reviewed or rated thing)."""
    parent = node.parent
    while parent is not None:
        if "itemscope" in parent.attributes:
            names = _item(parent, base, memo).get("name")
            return _name(names[0] if names else None)
        parent = parent.parent
    return None


def _microdata_reviews(
    tree: LexborHTMLParser, url: str, lang: str | None, memo: dict[int, dict[str, Any]]
) -> list[Mention]:
    out: list[Mention] = []
    for node in tree.css("[itemscope][itemtype]"):
        itemtype = node.attributes.get("itemtype") or ""
        if not any(t.rstrip("/").endswith("/Review") for t in itemtype.split()):
            continue
        props = dict(_item(node, url, memo))
        props["@type"] = ["Review"]
        out.append(_review_mention(props, url, lang, _scope_name(node, url, memo)))
    return out


# -- aggregate ratings -------------------------------------------------------------------


def _count(value: Any) -> int | None:
    """A count as pages write it (``1262``, ``"1,262"``, ``"1 262"``), else ``None``."""
    value = _first(value)
    n = parse_number(re.sub(r"[\s,.'\u00a0\u202f]", "", value) if isinstance(value, str) else value)
    return int(n) if n is not None and 0 <= n < 2**53 and n.is_integer() else None


def _aggregate(obj: Mapping[str, Any], item: str | None) -> AggregateRating | None:
    """The record, or ``None`` without a usable average (outside its scale, e.g. ``0``; zero ratings)."""
    value = parse_number(_first(obj.get("ratingValue")))
    worst, best = _scale(obj)
    if value is None or not math.isfinite(value) or best <= worst or not worst <= value <= best:
        return None
    ratings, reviews = _count(obj.get("ratingCount")), _count(obj.get("reviewCount"))
    agg = AggregateRating(value, (worst, best), ratings, reviews, item or _name(obj.get("itemReviewed")))
    return None if agg.count == 0 else agg


def _jsonld_aggregates(blocks: list[Any]) -> list[AggregateRating]:
    found: list[AggregateRating | None] = []
    for block in blocks:
        for obj in _walk(block):
            agg = _first(obj.get("aggregateRating"))
            if isinstance(agg, Mapping):
                found.append(_aggregate(agg, _name(obj.get("name"))))
            elif "AggregateRating" in _types(obj) and obj.get("itemReviewed") is not None:
                found.append(_aggregate(obj, None))
    return [a for a in found if a is not None]


def _microdata_aggregates(tree: LexborHTMLParser, url: str, memo: dict[int, dict[str, Any]]) -> list[AggregateRating]:
    found: list[AggregateRating | None] = []
    for node in tree.css("[itemscope]"):
        attrs = node.attributes
        typed = any(t.rstrip("/").endswith("/AggregateRating") for t in (attrs.get("itemtype") or "").split())
        if not typed and "aggregateRating" not in (attrs.get("itemprop") or "").split():
            continue
        flat = {k: _first(v) for k, v in _item(node, url, memo).items() if k != "@type"}
        found.append(_aggregate(flat, _scope_name(node, url, memo)))
    return [a for a in found if a is not None]


def _unique(aggregates: list[AggregateRating]) -> list[AggregateRating]:
    """The same aggregate in JSON-LD and microdata (or a copy without a count) → the first only."""
    out: list[AggregateRating] = []
    for a in aggregates:
        if not any(
            (a.value, a.scale) == (b.value, b.scale) and (None in (a.count, b.count) or a.count == b.count) for b in out
        ):
            out.append(a)
    return out


def page_aggregates(html: str, url: str, tree: LexborHTMLParser | None = None) -> list[AggregateRating]:
    """A decoded page's AggregateRatings (JSON-LD, then microdata when given its ``tree``), for other kinds."""
    found = _jsonld_aggregates(list(_jsonld_blocks(html))) if "ld+json" in html else []
    if tree is not None and "aggregateRating" in html:
        found += _microdata_aggregates(tree, url, {})
    return _unique(found)


def aggregate_ratings(body: bytes | str, content_type: str | None = None) -> list[AggregateRating]:
    """Every valid AggregateRating on the page, the main one first."""
    return read_page(body, "", content_type=content_type)[2]


def aggregate(
    body: bytes | str, url: str, options: Mapping[str, Any] | None = None, *, content_type: str | None = None
) -> AggregateRating | None:
    """The page's AggregateRating (the first valid one), or ``None``."""
    found = read_page(body, url, options, content_type=content_type)[2]
    return found[0] if found else None


def _dedupe(mentions: list[Mention]) -> list[Mention]:
    """Same review in JSON-LD and microdata → once; id collisions get a suffix."""
    out: list[Mention] = []
    keys: set[tuple[Any, ...]] = set()
    ids: dict[str, int] = {}
    for m in mentions:
        key = (m.author, m.text, m.rating, m.published_at)
        if m.text and key in keys:
            continue
        keys.add(key)
        n = ids.get(m.external_id, 0)
        ids[m.external_id] = n + 1
        if n:
            from dataclasses import replace

            m = replace(m, external_id=f"{m.external_id}#{n + 1}")
        out.append(m)
    return out


def _next_link(html: str, url: str) -> str | None:
    """``href`` of the first ``<link>``/``<a>`` whose ``rel`` includes ``next``."""
    for m in _LINK_TAG.finditer(html):
        tag = m.group(0)
        rel = _ATTR_REL.search(tag)
        if rel and "next" in rel.group(1).lower().split():
            href = _ATTR_HREF.search(tag)
            if href:
                return urljoin(url, unescape(href.group(1)))
    return None


@guard_parse(KIND)
def read_page(
    body: bytes | str, url: str, options: Mapping[str, Any] | None = None, *, content_type: str | None = None
) -> tuple[list[Mention], str | None, list[AggregateRating]]:
    """Reviews, the next page's URL and the aggregates of one page, read in one pass."""
    opts = dict(options or {})
    html = as_text(body, content_type, f"reviews {url}")
    m = _HTML_LANG.search(html[:5000])
    lang = opts.get("lang") or (m.group(1).lower() if m else None)
    blocks = list(_jsonld_blocks(html))
    mentions = _jsonld_reviews(blocks, url, lang)
    aggregates = _jsonld_aggregates(blocks)
    if "itemtype" in html:  # the DOM is only built for microdata (it costs more than the rest)
        check_markup(html, f"reviews {url}")  # refuse what cannot be parsed in bounded time
        tree = LexborHTMLParser(html)
        memo = _read_items(tree, url)
        mentions += _microdata_reviews(tree, url, lang, memo)
        aggregates += _microdata_aggregates(tree, url, memo)
    return _dedupe(mentions), _next_link(html, url), _unique(aggregates)


def parse_page(
    body: bytes | str, url: str, options: Mapping[str, Any] | None = None, *, content_type: str | None = None
) -> tuple[list[Mention], str | None]:
    """Reviews on one page and the next page's URL (``rel=next``) if any."""
    mentions, nxt, _ = read_page(body, url, options, content_type=content_type)
    return mentions, nxt


def parse(
    body: bytes | str, url: str, options: Mapping[str, Any] | None = None, *, content_type: str | None = None
) -> list[Mention]:
    """Every review on one page."""
    return parse_page(body, url, options, content_type=content_type)[0]


async def fetch(ctx: FetchContext) -> AsyncIterator[Page]:
    if not ctx.source.url:
        raise ConfigError(f"reviews source {ctx.source.name!r} needs a url")
    options = ctx.options
    template = options.get("page_url")
    state = {"page": ctx.start_page(ctx.source.url)}  # a resumed walk starts past page 1
    found: list[AggregateRating] = []  # the aggregates of the page being read

    def page(result: FetchResult) -> tuple[list[Mention], str | None]:
        found.clear()
        mentions, nxt, aggregates = read_page(
            result.body, result.final_url or result.url, options, content_type=result.content_type
        )
        found.extend(aggregates[:1])
        if nxt is None and template and mentions:
            state["page"] += 1
            nxt = str(template).format(page=state["page"])
        return mentions, nxt

    async for p in walk(ctx, ctx.source.url, page):
        if p.error is None and found:
            p.aggregate = found[0]
        found.clear()
        yield p


__all__ = ["aggregate", "aggregate_ratings", "fetch", "page_aggregates", "parse", "parse_page", "read_page"]
