"""Helpers every parser shares: hostile markup → plain text, numbers, ids (dates: :mod:`monitor._dates`).

Scraped text is hostile: it is only ever turned into plain text (never evaluated or
rendered), whitespace is normalised and every field is length-capped.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from monitor._sources._markup import check_markup
from monitor.errors import ParseError

MAX_TEXT = 20_000
MAX_FIELD = 500

_BLOCK_TAGS = re.compile(r"(?i)<\s*(?:br\s*/?|/p|/div|/li|/h[1-6]|/tr|/blockquote|p(?=[\s>])|li(?=[\s>]))[^>]*>")
_WS = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_NL = re.compile(r"\n\s*\n+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ANY_TAG = re.compile(r"<[^>]*>")
_HIDDEN = re.compile(r"(?is)<(script|style|noscript|template)\b.*?(?:</\1\s*>|\Z)")


# Anything clean() would change inside a text: control characters, line breaks, the
# spaces it collapses, a doubled space.
_NEEDS_CLEANING = re.compile(r"[\x00-\x1f\x7f\u00a0\u200b]|  ")


def clean(text: str | None, limit: int = MAX_TEXT) -> str:
    """Normalise whitespace, drop control characters, cap the length."""
    if not text:
        return ""
    if not _NEEDS_CLEANING.search(text) and text.strip() == text:
        return text[:limit]  # already clean: the common case, several times cheaper
    return _clean_fully(text, limit)


def _clean_fully(text: str, limit: int) -> str:
    text = _CONTROL.sub("", text)
    lines = [_WS.sub(" ", line).strip() for line in text.split("\n")]
    out = _NL.sub("\n\n", "\n".join(lines)).strip()
    return out[:limit]


def field(text: Any, limit: int = MAX_FIELD) -> str | None:
    """A short single-line field (author, title): cleaned, or ``None`` when empty."""
    if text is None:
        return None
    value = clean(str(text), limit * 2).replace("\n", " ")
    return value[:limit] or None


def html_to_text(markup: str | None, limit: int = MAX_TEXT) -> str:
    """Visible text of an HTML fragment; paragraphs and line breaks become newlines."""
    if not markup:
        return ""
    if "<" not in markup:
        return clean(html.unescape(markup), limit)
    markup = _BLOCK_TAGS.sub("\n", markup[: limit * 20])
    try:
        check_markup(markup, "text")
    except ParseError:  # too deeply nested for a tree in bounded time: strip the tags instead
        return clean(html.unescape(_ANY_TAG.sub("", _HIDDEN.sub("", markup))), limit)
    tree = LexborHTMLParser(markup)
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    root = tree.body or tree.root
    text = root.text(deep=True, separator="", strip=False) if root is not None else ""
    return clean(text, limit)


_ISO_Z = re.compile(r"Z$")
_EPOCH = re.compile(r"\d{9,11}(\.\d+)?")
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def parse_number(value: Any) -> float | None:
    """``4``, ``"4.5"``, ``"4,5"``, ``"5.0 out of 5"`` → float; anything else → ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        f = float(value)
        return f if f == f and abs(f) != float("inf") else None
    if isinstance(value, str):
        m = _NUMBER.search(value)
        if m:
            return float(m.group(0).replace(",", "."))
    return None


_COUNT = re.compile(r"-?\d{1,18}")
_THOUSANDS = re.compile(r"[,\s\u00a0\u202f_']")
_HELPFUL_VOTE_KINDS = ("LikeAction", "AgreeAction", "VoteAction")


def count(value: Any) -> int | None:
    """A count as the source gives it: ``289``, ``"289"``, ``"1,262"``, ``12.0`` → int; anything
    else (words, fractions, booleans, objects) → ``None``. A negative count is returned as it
    is: the mention rule (:func:`monitor._mention_rules.check_mention`) drops it, by name."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = _THOUSANDS.sub("", value.strip())
        return int(text) if _COUNT.fullmatch(text) else None
    return None


def reach_of(value: Any, kind: str) -> dict[str, Any]:
    """``{"reach": n, "reach_kind": kind}`` for a :class:`~monitor._records.Mention` when
    ``value`` is a count (see :func:`count`), else ``{}``."""
    n = count(value)
    return {} if n is None else {"reach": n, "reach_kind": kind}


def schema_votes(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A schema.org review's helpful votes as reach: its ``upvoteCount``, or an
    ``interactionStatistic`` counting likes, agreements or votes (``{}`` when it has none)."""
    if "upvoteCount" in obj:
        return reach_of(obj.get("upvoteCount"), "helpful_votes")
    stats = obj.get("interactionStatistic")
    for stat in stats if isinstance(stats, list) else [stats]:
        if isinstance(stat, Mapping) and any(k in str(stat.get("interactionType")) for k in _HELPFUL_VOTE_KINDS):
            return reach_of(stat.get("userInteractionCount"), "helpful_votes")
    return {}


_ONE = re.compile(r"(?i)\b(?:one|a|an|una|uno|un|une|ein|eine|en|ett|bir|един|една|մեկ)\b")


def helpful_votes(text: str | None) -> int | None:
    """The helpful votes a review page states ("4 people found this helpful", "921 persone
    l'hanno trovato utile", "One person found this helpful" → 1); ``None`` without a count."""
    if not text:
        return None
    m = re.search(r"\d[\d,.\u00a0\u202f]*", text)
    if m:
        return count(re.sub(r"[.,\u00a0\u202f]", "", m.group()))
    return 1 if _ONE.search(text) else None


def stable_id(*parts: Any) -> str:
    """A short content hash used as external id when a source gives none."""
    digest = hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode(), usedforsecurity=False)
    return "h:" + digest.hexdigest()[:20]


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one (for hostile JSON shapes)."""
    return value if isinstance(value, Mapping) else {}


__all__ = [
    "MAX_FIELD",
    "MAX_TEXT",
    "clean",
    "count",
    "field",
    "helpful_votes",
    "html_to_text",
    "mapping",
    "parse_number",
    "reach_of",
    "schema_votes",
    "stable_id",
]
