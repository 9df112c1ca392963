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
                    German, French, Spanish, Portuguese and Dutch are understood.
``rating``          CSS of the rating element; ``rating_attr`` reads an attribute (e.g.
                    ``"class"`` for ``rating-50``) instead of the text
``rating_pattern``  regex with a ``value`` group (and optionally ``best``), e.g.
                    ``"(?P<value>\\d+(?:[.,]\\d+)?) (?:out of|su) (?P<best>\\d+)"``; a decimal
                    comma is accepted
``rating_divisor``  divide the captured value (``rating-50`` → 50 / 10 = 5.0)
``rating_scale``    ``[worst, best]`` when the pattern has no ``best`` group (default [1, 5])
``link``            CSS of a link to the review (its ``href``)
``id_attr``         attribute of the item that is a stable id (e.g. ``"id"``); otherwise
                    a hash of author, date and text
``next``            CSS of the next-page link (its ``href``)
``lang``            declared language of the page (otherwise ``<html lang>``)
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.errors import ConfigError, ParseError
from monitor.http import FetchResult
from monitor.records import RawMention
from monitor.sources._markup import check_markup
from monitor.sources._text import clean, field, parse_datetime, parse_number, stable_id
from monitor.sources.base import FetchContext, Page, as_text, guard_parse, walk

KIND = "html"

_MONTHS: dict[str, int] = {}
for _names in (
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "sept",
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "januari februari mars april maj juni juli augusti september oktober november december",
    "ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık",
    "януари февруари март април май юни юли август септември октомври ноември декември",
    "հունվարի փետրվարի մարտի ապրիլի մայիսի հունիսի հուլիսի օգոստոսի սեպտեմբերի հոկտեմբերի նոյեմբերի դեկտեմբերի",
    "հունվար փետրվար մարտ ապրիլ մայիս հունիս հուլիս օգոստոս սեպտեմբեր հոկտեմբեր նոյեմբեր դեկտեմբեր",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "januari februari maart april mei juni juli augustus september oktober november december",
):
    _words = _names.split()
    if _words == ["sept"]:
        _MONTHS["sept"] = 9
        continue
    for _i, _w in enumerate(_words, start=1):
        _MONTHS.setdefault(_w, _i)
_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_MONTH_WORD = re.compile(r"[^\W\d_]+\.?", re.U)


def _english_months(text: str) -> str:
    """Replace month names of the supported languages by English ones (for ``%B``)."""

    def sub(m: re.Match[str]) -> str:
        word = m.group(0).rstrip(".").casefold()
        n = _MONTHS.get(word)
        return _EN[n - 1] if n else m.group(0)

    return _MONTH_WORD.sub(sub, text)


def parse_date(text: str, formats: list[str], pattern: str | None = None) -> datetime | None:
    """A date from free text: optional regex, then the formats (localised month names)."""
    if not text:
        return None
    text = text[:500]  # a date is short; a hostile one must not cost a strptime per word
    if pattern:
        m = re.search(pattern, text)
        if not m:
            return None
        text = m.group(1) if m.groups() else m.group(0)
    text = clean(text).replace("\n", " ")
    iso = parse_datetime(text)
    if iso is not None:
        return iso
    english = _english_months(text)
    for fmt in formats:
        for candidate in (english, text):
            try:
                dt = datetime.strptime(candidate, fmt)
            except ValueError:
                continue
            return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    if not pattern and formats:
        # The date is often embedded ("Reviewed in the United States on July 1, 2024").
        for fmt in formats:
            found = _search_with_format(english, fmt)
            if found is not None:
                return found
    return None


def _search_with_format(text: str, fmt: str) -> datetime | None:
    words = text.split()
    width = len(fmt.split())
    for i in range(len(words) - width + 1):
        chunk = " ".join(words[i : i + width])
        try:
            return datetime.strptime(chunk, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


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


@guard_parse(KIND)
def parse_page(
    body: bytes | str, url: str, options: Mapping[str, Any] | None = None, *, content_type: str | None = None
) -> tuple[list[RawMention], str | None]:
    """Reviews on one page and the next page's URL."""
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
    out: list[RawMention] = []
    # Innermost first, each item detached once read: an enclosing item then sees only its
    # own content, so every node is searched by one item's selectors (linear, where nested
    # items used to be re-searched once per enclosing item: quadratic).
    for item in reversed(items):
        mention = _item_mention(item, url, opts, [str(f) for f in formats], lang)
        if mention is not None:
            out.append(mention)
        item.decompose(recursive=False)
    out.reverse()
    return out, next_url


def _item_mention(
    item: LexborNode, url: str, opts: Mapping[str, Any], formats: list[str], lang: str | None
) -> RawMention | None:
    """One review block as a mention, or ``None`` when it has no text, title or rating."""
    text = _text(_select(item, opts.get("text")))
    title = field(_text(_select(item, opts.get("title"))))
    author = field(_text(_select(item, opts.get("author"))))
    date_node = _select(item, opts.get("date"))
    date_raw = ""
    if date_node is not None:
        attr = opts.get("date_attr")
        date_raw = (date_node.attributes.get(str(attr)) or "") if attr else _text(date_node)
    published = parse_date(date_raw, formats, opts.get("date_pattern"))
    rating, scale = _rating(_select(item, opts.get("rating")), opts)
    link_node = _select(item, opts.get("link"))
    href = link_node.attributes.get("href") if link_node is not None else None
    link = urljoin(url, href) if href else url
    ident = item.attributes.get(str(opts["id_attr"])) if opts.get("id_attr") else None
    ext = str(ident) if ident else stable_id(author, date_raw, title, text, rating)
    if not (text or title or rating is not None):
        return None
    return RawMention(
        external_id=ext[:500],
        text=text,
        url=link,
        author=author,
        title=title,
        published_at=published,
        rating=rating,
        rating_scale=scale,
        lang=lang,
    )


def parse(
    body: bytes | str, url: str, options: Mapping[str, Any] | None = None, *, content_type: str | None = None
) -> list[RawMention]:
    """Every item the configured selectors find on one page."""
    if not options or not options.get("item"):
        raise ParseError("html: options.item (CSS of one review block) is required")
    return parse_page(body, url, options, content_type=content_type)[0]


async def fetch(ctx: FetchContext) -> AsyncIterator[Page]:
    if not ctx.source.url:
        raise ConfigError(f"html source {ctx.source.name!r} needs a url")
    options = ctx.options
    if not options.get("item"):
        raise ConfigError(f"html source {ctx.source.name!r} needs options.item")

    def page(result: FetchResult) -> tuple[list[RawMention], str | None]:
        return parse_page(result.body, result.final_url or result.url, options, content_type=result.content_type)

    async for p in walk(ctx, ctx.source.url, page):
        yield p


__all__ = ["fetch", "parse", "parse_date", "parse_page"]
