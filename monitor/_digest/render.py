"""Render a :class:`~monitor._digest.records.Digest` to HTML, plain text and Markdown.

Scraped text is hostile: the HTML environment autoescapes everything, links are kept only
when they are plain http(s) URLs, and the Markdown/Slack renderers escape their own
syntax. In the plain-text and Markdown environments every printed value goes through
:func:`monitor._textsafe.printable` (Jinja's ``finalize``): no terminal escape sequence or
control character reaches a file someone will ``cat``, and a newline inside a mention's
title or text cannot start a line of its own. Templates live in ``monitor/_digest/templates``.
:func:`render_all` renders a digest once in every form the channels need.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

from monitor._digest.chart import render_chart
from monitor._digest.formats import DASH, Formats
from monitor._digest.headline import headline, when
from monitor._digest.reach import reach_legend, reach_line
from monitor._digest.records import BrandDigest, Digest, Window
from monitor._digest.story import empty_statement, legend, source_line, sources_summary, window_statement
from monitor._textsafe import printable

LANG_NAMES = {
    "hy": "Armenian",
    "sv": "Swedish",
    "tr": "Turkish",
    "bg": "Bulgarian",
    "en": "English",
    "de": "German",
    "fr": "French",
    "ru": "Russian",
    "es": "Spanish",
    "unknown": "Unknown",
    "": "Unknown",
}
KIND_NAMES = {
    "rss": "RSS / news",
    "reviews": "Reviews",
    "html": "Web pages",
    "mastodon": "Mastodon",
    "reddit": "Reddit",
    "hackernews": "Hacker News",
    "bluesky": "Bluesky",
    "appstore": "App Store",
    "youtube": "YouTube",
}
COLORS = {
    "good": ("#1a7f37", "#dafbe1"),
    "bad": ("#cf222e", "#ffebe9"),
    "low": ("#9a6700", "#fff8c5"),
    "none": ("#6e7781", "#f6f8fa"),
}


_PLAIN = Formats()


def pct(x: float | None, digits: int = 0) -> str:
    """A fraction as a percentage in the digest's one style (:meth:`Formats.pct`)."""
    return _PLAIN.pct(x, digits)


def pct_range(lo: float | None, hi: float | None) -> str:
    return _PLAIN.pct_range(lo, hi)


def signed(x: float | None) -> str:
    """Net sentiment on its −1…+1 scale (:meth:`Formats.net`)."""
    return _PLAIN.net(x)


def delta_pts(now: float | None, then: float | None) -> str:
    return _PLAIN.points(now, then)


def status(w: Window, bar: float) -> str:
    if w.msi is None:
        return "none"
    if w.low_sample:
        return "low"
    return "good" if w.msi >= bar else "bad"


def safe_url(url: object) -> str | None:
    """Keep a link only if it is an absolute http(s) URL without control characters."""
    if not isinstance(url, str) or not url:
        return None
    if any(ord(c) < 0x20 or c in "\"'<> " for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def lang_code(code: object) -> str:
    """A value safe for an HTML ``lang`` attribute."""
    s = str(code or "")
    return s if re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?", s) else ""


def lang_name(code: object) -> str:
    s = str(code or "")
    return LANG_NAMES.get(s, s or "Unknown")


def kind_name(code: object) -> str:
    s = str(code or "")
    return KIND_NAMES.get(s, s or "Unknown")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def md_escape(text: object) -> str:
    """Escape Markdown syntax and neutralise raw HTML: scraped text is shown, never run.

    Terminal escape sequences go first, whole: stripped after escaping, ``ESC [31m`` would
    leave an unescaped ``[31m`` behind."""
    s = printable(str(text if text is not None else ""))
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return " ".join(s.split())


def slack_escape(text: object) -> str:
    """Slack mrkdwn: only ``&``, ``<`` and ``>`` are control characters."""
    s = str(text if text is not None else "")
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _filters() -> dict[str, Callable[..., object]]:
    return {
        "pct": pct,
        "pct_range": pct_range,
        "signed": signed,
        "status": status,
        "safe_url": safe_url,
        "lang_code": lang_code,
        "lang_name": lang_name,
        "kind_name": kind_name,
        "md": md_escape,
    }


def _one_printable_line(value: object) -> object:
    """What a plain-text template prints of ``value``: strings on one line, without controls."""
    return printable(value) if isinstance(value, str) else value


@cache
def _env(autoescape: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("monitor._digest", "templates"),
        autoescape=autoescape,  # noqa: S701  (False only for the text and Markdown templates, which escape themselves)
        finalize=None if autoescape else _one_printable_line,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(_filters())
    env.globals.update(
        {
            "COLORS": COLORS,
            "DASH": DASH,
            "delta_pts": delta_pts,
            "headline": headline,
            "kind_name": kind_name,
            "lang_name": lang_name,
            "empty_statement": empty_statement,
            "legend": legend,
            "reach_legend": reach_legend,
            "reach_line": reach_line,
            "source_line": source_line,
            "sources_summary": sources_summary,
            "when": when,
            "window_statement": window_statement,
        }
    )
    return env


def formats(digest: Digest) -> Formats:
    """The number and time formats of ``digest`` (its locale, its display timezone)."""
    return Formats(digest.locale, digest.shown_timezone)


def render_html(digest: Digest, images: Mapping[str, str] | None = None) -> str:
    """HTML e-mail/file body. ``images`` maps brand → ``src`` (``cid:…`` or ``data:…``)."""
    template = _env(True).get_template("digest.html.j2")
    return template.render(d=digest, f=formats(digest), images=dict(images or {}))


def render_text(digest: Digest) -> str:
    return _env(False).get_template("digest.txt.j2").render(d=digest, f=formats(digest))


def render_markdown(digest: Digest) -> str:
    return _env(False).get_template("digest.md.j2").render(d=digest, f=formats(digest))


def brand_summary(b: BrandDigest, bar: float, f: Formats | None = None) -> str:
    return headline(b, bar, f)


# ---------------------------------------------------------------- every form at once


@dataclass(frozen=True)
class RenderedDigest:
    """A digest rendered once, in every form the channels need."""

    digest: Digest
    stem: str  # file name stem, e.g. "digest-2026-11-03"
    charts: dict[str, bytes]  # brand → PNG
    html_file: str  # charts as data: URIs
    html_mail: str  # charts as cid: references
    text: str
    markdown: str | None
    cids: dict[str, str]  # brand → content id (without angle brackets)


def digest_stem(digest: Digest, *, all_brands: bool = True) -> str:
    """The file name stem of ``digest``: its day, and its brands when it is not about all of them."""
    stem = f"digest-{digest.day.isoformat()}"
    if not all_brands:
        stem += "-" + "-".join(b.slug for b in digest.brands)
    return stem


def render_all(digest: Digest, *, markdown: bool = False, stem: str | None = None) -> RenderedDigest:
    """Render the charts, both HTML forms, the text (and the Markdown) of ``digest``."""
    charts = {b.brand: render_chart(b.series, digest.bar, formats(digest)) for b in digest.brands}
    data_uris = {name: "data:image/png;base64," + base64.b64encode(png).decode("ascii") for name, png in charts.items()}
    domain = "mention-monitor.local"
    cids = {b.brand: f"chart-{i}-{b.slug}@{domain}" for i, b in enumerate(digest.brands)}
    return RenderedDigest(
        digest=digest,
        stem=stem or digest_stem(digest),
        charts=charts,
        html_file=render_html(digest, data_uris),
        html_mail=render_html(digest, {name: f"cid:{cid}" for name, cid in cids.items()}),
        text=render_text(digest),
        markdown=render_markdown(digest) if markdown else None,
        cids=cids,
    )


__all__ = [
    "DASH",
    "RenderedDigest",
    "brand_summary",
    "delta_pts",
    "digest_stem",
    "formats",
    "lang_name",
    "md_escape",
    "pct",
    "render_all",
    "render_html",
    "render_markdown",
    "render_text",
    "safe_url",
    "signed",
    "slack_escape",
    "status",
]
