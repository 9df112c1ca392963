"""The digest's "What drove it" section: why the figures moved, and who is still waiting.

Today it holds the brand's **complaints awaiting an answer** (``MentionIndex.complaints``
and ``complaint_figures``: the longest waiting with their age, the share answered within
the target and the median response time, per brand and source). Its typed rows for the
reasons behind a change — :class:`DriverLine` (one sentence with its figures),
:class:`ThemeRow` and :class:`AspectRow` — are the extension point for themes, aspects and
drivers of change: a producer fills them into :class:`WhatDroveIt` and every form of the
digest (HTML, text, Markdown, webhook) shows them, escaped, without a template change.

Every string here may hold scraped text (a theme's terms, a complaint's words): the
renderers escape it; records never do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from monitor._digest.quotes import MentionItem, excerpt
from monitor._textsafe import printable

COMPLAINTS_SHOWN = 5  # the longest-waiting open complaints quoted per brand


@dataclass(frozen=True, slots=True)
class DriverLine:
    """One reason behind a change, in a sentence with its figures ("MSI fell 18 points; 70 % of
    the new negative mentions are about *dock*"). ``kind``: ``theme``, ``aspect``, ``source``,
    ``lang`` or ``volume``; ``key`` what it is about; ``share`` its part of the change (0–1)."""

    kind: str
    key: str
    text: str
    share: float | None = None
    langs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ThemeRow:
    """A theme of the brand's mentions over the digest's window: its name (its most
    distinctive terms), an English gist where one exists, volume, MSI with its n, the change
    against the previous period, the languages it spans and a few representative mentions."""

    name: str
    volume: int
    msi: float | None
    msi_n: int
    previous_volume: int | None = None
    previous_msi: float | None = None
    gist: str | None = None
    langs: tuple[str, ...] = ()
    examples: tuple[MentionItem, ...] = ()


@dataclass(frozen=True, slots=True)
class AspectRow:
    """One aspect (price, delivery, …) of the brand's mentions: volume and MSI with its n,
    and the same for the brand's competitors (``(who, msi, mentions)``)."""

    aspect: str
    volume: int
    msi: float | None
    msi_n: int
    previous_msi: float | None = None
    competitors: tuple[tuple[str, float | None, int], ...] = ()


@dataclass(frozen=True, slots=True)
class WaitingComplaint:
    """An open complaint, quoted: its age at the digest's time and whether it is overdue."""

    id: int
    source: str
    source_kind: str
    lang: str
    url: str | None
    published_at: datetime
    excerpt: str
    age_s: float
    overdue: bool


@dataclass(frozen=True, slots=True)
class WhatDroveIt:
    """A brand's "What drove it": drivers, themes, aspects (empty until something fills
    them) and the complaints awaiting an answer as of the digest's time."""

    drivers: tuple[DriverLine, ...] = ()
    themes: tuple[ThemeRow, ...] = ()
    aspects: tuple[AspectRow, ...] = ()
    complaints: FiguresView | None = None  # all sources; None: no complaint in the window
    by_source: tuple[FiguresView, ...] = ()
    waiting: tuple[WaitingComplaint, ...] = ()
    target_s: float = 3 * 86400.0
    since_days: int = 30

    @property
    def empty(self) -> bool:
        return not (self.drivers or self.themes or self.aspects or self.complaints)


class ComplaintView(Protocol):
    """A complaint as ``MentionIndex.complaints`` returns it (the fields quoted here)."""

    @property
    def id(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def source_kind(self) -> str: ...
    @property
    def lang(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def published_at(self) -> datetime: ...
    @property
    def title(self) -> str | None: ...
    @property
    def text(self) -> str: ...
    @property
    def age_s(self) -> float: ...
    @property
    def overdue(self) -> bool: ...


class FiguresView(Protocol):
    """``MentionIndex.complaint_figures``' rows (:class:`monitor._index.complaints.ComplaintFigures`)."""

    @property
    def brand(self) -> str: ...
    @property
    def source(self) -> str | None: ...
    @property
    def complaints(self) -> int: ...
    @property
    def open(self) -> int: ...
    @property
    def overdue(self) -> int: ...
    @property
    def oldest_open_s(self) -> float | None: ...
    @property
    def due(self) -> int: ...
    @property
    def answered_in_time(self) -> int: ...
    @property
    def answered_in_time_share(self) -> float | None: ...
    @property
    def median_response_s(self) -> float | None: ...
    @property
    def target_s(self) -> float: ...


def waiting_complaint(c: ComplaintView) -> WaitingComplaint:
    """The digest's quote of an open complaint (title and text on one line, cut to an excerpt)."""
    words = " ".join(part for part in (c.title, c.text) if part)
    return WaitingComplaint(
        id=c.id,
        source=c.source,
        source_kind=c.source_kind,
        lang=c.lang or "?",
        url=c.url,
        published_at=c.published_at,
        excerpt=excerpt(printable(words), 200),
        age_s=c.age_s,
        overdue=c.overdue,
    )


def what_drove_it(
    figures: Sequence[FiguresView],
    waiting: Sequence[ComplaintView],
    *,
    target_s: float,
    since_days: int,
    drivers: Sequence[DriverLine] = (),
    themes: Sequence[ThemeRow] = (),
    aspects: Sequence[AspectRow] = (),
) -> WhatDroveIt:
    """The section from one brand's complaint figures (all sources first, then per source)
    and its open complaints, longest waiting first."""
    overall = next((r for r in figures if r.source is None), None)
    per_source = tuple(r for r in figures if r.source is not None)
    return WhatDroveIt(
        drivers=tuple(drivers),
        themes=tuple(themes),
        aspects=tuple(aspects),
        complaints=overall,
        by_source=tuple(sorted(per_source, key=lambda r: (-r.open, -r.complaints, r.source or ""))),
        waiting=tuple(waiting_complaint(c) for c in waiting[:COMPLAINTS_SHOWN]),
        target_s=target_s,
        since_days=since_days,
    )


__all__ = [
    "COMPLAINTS_SHOWN",
    "AspectRow",
    "ComplaintView",
    "DriverLine",
    "FiguresView",
    "ThemeRow",
    "WaitingComplaint",
    "WhatDroveIt",
    "waiting_complaint",
    "what_drove_it",
]
