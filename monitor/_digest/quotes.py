"""A mention as the digest quotes it, and how its text is cut to an excerpt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

EXCERPT_CHARS = 280


@dataclass(frozen=True, slots=True)
class MentionItem:
    """A mention quoted in the digest (text kept in its own language and script)."""

    id: int | None
    source: str
    source_kind: str
    lang: str
    url: str | None
    author: str | None
    title: str | None
    excerpt: str
    published_at: datetime | None
    label: str | None
    p_negative: float | None
    p_positive: float | None
    rating: float | None
    rating_scale: tuple[float, float] | None
    theme: str | None = None  # the name of the theme it is in: a hint of its topic in any language

    @property
    def rating_text(self) -> str | None:
        if self.rating is None:
            return None
        best = self.rating_scale[1] if self.rating_scale else None
        value = f"{self.rating:g}"
        return f"{value}/{best:g}" if best is not None else value


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Shorten ``text`` at a word boundary, whatever the script; whitespace collapsed."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    space = cut.rfind(" ")
    if space >= limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-–—") + "…"


__all__ = ["EXCERPT_CHARS", "MentionItem", "excerpt"]
