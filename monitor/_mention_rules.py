"""What makes a mention storable: one pure rule shared by the collector, the importer and the store.

:func:`check_mention` takes a :class:`~monitor._records.Mention` and returns a
:class:`Checked`: the mention ready to store (text fields cleaned), or ``None`` with the
reason it cannot be stored. The rule:

- text fields lose NUL bytes (PostgreSQL refuses them in text) and lone UTF-16 surrogates
  (become U+FFFD: no database can encode them); everything else is kept as it is;
- a mention needs words or stars: ``"no text, title or rating"`` otherwise;
- the external id must not be blank; a ``published_at`` must carry a timezone;
- a rating must lie on its scale (default 1–5) and the scale must have best > worst. A
  mention with words and an impossible rating is *repaired*: kept without its rating
  (``repaired=True``, the problem names the rating); without words it is skipped.
- a reach must be a whole number from 0 to :data:`~monitor._index.reach.MAX_REACH` with a
  known kind; a bad one (negative, absurd, a string, an unknown kind) is dropped and the
  mention kept (``repaired=True``, the problem names the reach).

The collector skips (and counts, by problem) what is not storable and stores the rest;
the store applies the same rule strictly and raises for direct API misuse.
:func:`clean_text` / :func:`clean_json` are the store's choke point for every other
string it writes (source state, cursors, run records). :func:`normalise_for_hash` and
:func:`content_hash` say when two sources carry the same text (cross-source de-duplication;
the database side is :mod:`monitor._store.dedup`).
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import TypeVar

from monitor._index.reach import reach_problem
from monitor._labels import label_problem
from monitor._records import Mention

MIN_DEDUP_CHARS = 20  # shorter texts ("Love it!") are never merged across sources
HASH_CHARS = 16  # 64 bits: collisions within one brand are ~1e-8 likely at a million mentions
_WS = re.compile(r"\s+")


def normalise_for_hash(text: str) -> str:
    """Text as compared for cross-source de-duplication (NFKC, case-folded, spaces folded)."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def content_hash(text: str) -> str:
    """The first 64 bits of the SHA-256 of the normalised text, in hex (per-brand dedup key)."""
    return hashlib.sha256(normalise_for_hash(text).encode("utf-8")).hexdigest()[:HASH_CHARS]


_BAD_CHARS = re.compile(r"[\x00\ud800-\udfff]")
J = TypeVar("J")

#: Problems, as counted in collection reports (the keys of ``skip_reasons``).
NO_CONTENT = "no text, title or rating"
BLANK_ID = "external id is empty"
NAIVE_DATE = "published_at has no timezone"


def clean_text(value: str) -> str:
    """``value`` without NUL bytes, lone surrogates replaced by U+FFFD; else unchanged."""
    if not _BAD_CHARS.search(value):
        return value
    return _BAD_CHARS.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", value)


def clean_optional(value: str | None) -> str | None:
    return clean_text(value) if isinstance(value, str) else value


def clean_json(value: J) -> J:
    """Every string (keys included) inside a JSON-like value, cleaned by :func:`clean_text`."""
    if isinstance(value, str):
        return clean_text(value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {clean_json(k): clean_json(v) for k, v in value.items()}  # type: ignore[return-value]
    if isinstance(value, list | tuple):
        return type(value)(clean_json(v) for v in value)
    return value


@dataclass(frozen=True, slots=True)
class Checked:
    """The verdict on one mention: ``item`` to store (``None``: skip it) and why."""

    item: Mention | None
    problem: str | None = None
    repaired: bool = False  # stored, but without the part ``problem`` names
    dropped: str = "rating"  # what a repair dropped: "rating" or "reach"

    @property
    def reason(self) -> str | None:
        """The problem as counted in reports (a repair says what was kept)."""
        if self.problem is None:
            return None
        return f"{self.problem} (kept without {self.dropped})" if self.repaired else self.problem


def _num(x: float) -> str:
    return f"{x:g}"


def rating_problem(rating: float | None, scale: tuple[float, float] | None) -> str | None:
    """Why a rating cannot be stored on its scale, or ``None`` when it can (or is absent)."""
    if rating is None:
        return None
    worst, best = scale or (1.0, 5.0)
    try:
        r, w, b = float(rating), float(worst), float(best)
    except (TypeError, ValueError):
        return f"rating {rating!r} is not a number"
    if not all(math.isfinite(v) for v in (r, w, b)):
        return f"rating {_num(r)} on {_num(w)}–{_num(b)} is not finite"
    if not b > w:
        return f"rating scale {_num(w)}–{_num(b)} has best ≤ worst"
    if not (w - 1e-9 <= r <= b + 1e-9):
        return f"rating {_num(r)} outside {_num(w)}–{_num(b)}"
    return None


def check_mention(item: Mention) -> Checked:
    """The storable form of ``item`` or the reason it has none (pure; see the module doc)."""
    cleaned = replace(
        item,
        external_id=clean_text(str(item.external_id)),
        text=clean_text(item.text or ""),
        url=clean_optional(item.url),
        author=clean_optional(item.author),
        title=clean_optional(item.title),
        lang=clean_optional(item.lang),
    )
    if not cleaned.external_id.strip():
        return Checked(None, BLANK_ID)
    if cleaned.published_at is not None and cleaned.published_at.tzinfo is None:
        return Checked(None, NAIVE_DATE)
    bad_label = label_problem(cleaned.label)
    if bad_label is not None:
        return Checked(None, bad_label)
    has_words = bool(cleaned.text.strip() or (cleaned.title or "").strip())
    bad_reach = reach_problem(cleaned.reach, cleaned.reach_kind)
    if bad_reach is not None:
        cleaned = replace(cleaned, reach=None, reach_kind=None)
    bad_rating = rating_problem(cleaned.rating, cleaned.rating_scale)
    if bad_rating is not None:
        if not has_words:
            return Checked(None, bad_rating)
        return Checked(replace(cleaned, rating=None, rating_scale=None), bad_rating, repaired=True)
    if not has_words and cleaned.rating is None:
        return Checked(None, NO_CONTENT)
    if bad_reach is not None:
        return Checked(cleaned, bad_reach, repaired=True, dropped="reach")
    return Checked(cleaned)


__all__ = [
    "BLANK_ID",
    "HASH_CHARS",
    "MIN_DEDUP_CHARS",
    "NAIVE_DATE",
    "NO_CONTENT",
    "Checked",
    "check_mention",
    "clean_json",
    "clean_optional",
    "clean_text",
    "content_hash",
    "normalise_for_hash",
    "rating_problem",
]
