"""The digest's records: plain frozen dataclasses the templates, the chart and the channels read.

Nothing here talks to the database; :mod:`monitor._digest.context` fills them from the
index, and tests build them by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor._digest.quotes import EXCERPT_CHARS, MentionItem, excerpt
from monitor._digest.why import WhatDroveIt
from monitor._index.agreement import ModelCheck, describe
from monitor._index.reach import ReachPoint
from monitor._textsafe import printable

ITEM_CHARS = 80  # of a rated item's name, in the "Average ratings" section


@dataclass(frozen=True, slots=True)
class Window:
    """The index over one window of calendar days (inclusive)."""

    name: str  # today | yesterday | 7d | 30d
    label: str
    start: date
    end: date
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    unscored: int = 0
    volume: int = 0
    msi: float | None = None
    msi_low: float | None = None
    msi_high: float | None = None
    low_sample: bool = True
    net_sentiment: float | None = None
    csat: float | None = None
    csat_n: int = 0
    nps: float | None = None
    nps_n: int = 0

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def scored(self) -> int:
        return self.positive + self.neutral + self.negative


@dataclass(frozen=True, slots=True)
class DayPoint:
    """One day of the 30-day chart: the day's own figures and the trailing 7-day MSI.

    Daily counts are small, so the chart's line is the MSI of the 7 days ending that day
    (pooled counts, its own Wilson interval); the day's own MSI is drawn as a faint dot.
    """

    day: date
    volume: int
    negative: int
    msi: float | None
    msi_low: float | None
    msi_high: float | None
    low_sample: bool
    positive: int = 0
    week_msi: float | None = None
    week_low: float | None = None
    week_high: float | None = None
    week_low_sample: bool = True


@dataclass(frozen=True, slots=True)
class BreakdownRow:
    """One row of the by-source-kind or by-language table: the day and the last 7 days."""

    key: str
    today: Window
    week: Window


@dataclass(frozen=True, slots=True)
class AlertItem:
    """An alert of the digest day, with the numbers behind it."""

    kind: str
    message: str  # the index's own sentence (``monitor alerts``)
    numbers: dict[str, object] = field(default_factory=dict)
    title: str = ""  # what the digest shows: "MSI below the bar for Lumio: 55 % against 80 %"
    details: tuple[str, ...] = ()  # … and the numbers underneath

    @property
    def heading(self) -> str:
        """The title, or for an alert built without one its kind in words and its message."""
        if self.title:
            return self.title
        return f"{ALERT_NAMES.get(self.kind, self.kind.replace('_', ' ').capitalize())}: {self.message}"


#: Each alert kind in words (a title's start when an alert comes without one).
ALERT_NAMES = {
    "msi_below_bar": "MSI below the bar",
    "msi_drop": "MSI dropped",
    "volume_spike": "Mention spike",
    "negative_spike": "Negative spike",
    "model_disagrees": "The model disagrees with the star ratings",
}


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A source that needs attention (blocked, unreachable, failing or partial) and why."""

    name: str
    kind: str
    brand: str | None
    status: str
    last_success_at: datetime | None
    reason: str | None
    #: the newest stored mention's publication time (None: the source stored none)
    latest_mention_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AverageRating:
    """One source's latest AggregateRating (a shop's average stars) and how it moved.

    ``day`` is the snapshot's day (at most the digest day); the changes are on the
    source's own scale, against its snapshots 7 and 30 days before ``day`` (``None`` when
    there is none to compare with).
    """

    source: str
    item: str | None  # scraped: hostile text
    url: str | None
    day: date
    value: float
    worst: float
    best: float
    rating_count: int | None
    review_count: int | None
    week_change: float | None = None
    month_change: float | None = None

    @property
    def item_text(self) -> str:
        """The item's name on one line, without control characters, cut to :data:`ITEM_CHARS`."""
        return excerpt(printable(self.item or ""), ITEM_CHARS)

    @property
    def value_text(self) -> str:
        """``4.3 / 5``: the average on its own scale."""
        return f"{round(self.value, 2):g} / {self.best:g}"

    @property
    def count_text(self) -> str:
        """``1,234 ratings`` (else ``1,262 reviews``; empty when the page gives no count)."""
        if self.rating_count is not None:
            return f"{self.rating_count:,} rating{'s' if self.rating_count != 1 else ''}"
        if self.review_count is not None:
            return f"{self.review_count:,} review{'s' if self.review_count != 1 else ''}"
        return ""

    @property
    def week_change_text(self) -> str:
        return change_text(self.week_change)

    @property
    def month_change_text(self) -> str:
        return change_text(self.month_change)


def change_text(delta: float | None) -> str:
    """A change of an average on its scale: ``+0.2``, ``−0.05``, ``±0``; empty for ``None``."""
    if delta is None:
        return ""
    d = round(delta, 2)
    if d == 0:
        return "±0"
    return f"+{d:g}" if d > 0 else f"−{-d:g}"


@dataclass(frozen=True, slots=True)
class VoiceRow:
    """Share of voice of one brand among the digest's brands."""

    brand: str
    volume_today: int
    share_today: float | None
    volume_week: int
    share_week: float | None
    msi_week: float | None
    msi_week_low: float | None
    msi_week_high: float | None


@dataclass(frozen=True, slots=True)
class BrandDigest:
    """One brand's part of the digest: windows, chart series, breakdowns, quotes, alerts."""

    brand: str
    today: Window
    yesterday: Window
    week: Window
    month: Window
    series: tuple[DayPoint, ...]
    by_source: tuple[BreakdownRow, ...]
    by_lang: tuple[BreakdownRow, ...]
    most_negative: tuple[MentionItem, ...]
    most_positive: tuple[MentionItem, ...]
    alerts: tuple[AlertItem, ...]
    share_today: float | None = None
    share_week: float | None = None
    average_ratings: tuple[AverageRating, ...] = ()  # each source's latest aggregate rating
    #: the model against the stars over the 30 days ending on the digest day (None: not read)
    model_check: ModelCheck | None = None
    #: "What drove it": drivers, themes, aspects, complaints awaiting an answer
    why: WhatDroveIt = field(default_factory=WhatDroveIt)
    #: the reach-weighted figures of the last 7 days, beside :attr:`week` (None: not read)
    week_reach: ReachPoint | None = None

    @property
    def has_reach(self) -> bool:
        """True when a mention of the last 7 days had a reach (the reach-weighted line is shown)."""
        return self.week_reach is not None and self.week_reach.with_reach > 0

    @property
    def model_line(self) -> str:
        """The footer's line on the model's agreement with the stars ("" without rated mentions)."""
        if self.model_check is None or not self.model_check.overall.n:
            return ""
        return f"{self.brand}: {describe(self.model_check)}."

    @property
    def slug(self) -> str:
        return slugify(self.brand)

    @property
    def windows(self) -> tuple[Window, ...]:
        return (self.today, self.yesterday, self.week, self.month)

    @property
    def has_ratings(self) -> bool:
        return self.has_csat or self.has_nps

    @property
    def has_csat(self) -> bool:
        return any(w.csat_n for w in self.windows)

    @property
    def has_nps(self) -> bool:
        return any(w.nps_n for w in self.windows)

    @property
    def baseline_days(self) -> tuple[DayPoint, ...]:
        """The 7 days before the digest day (from the chart's series)."""
        return tuple(p for p in self.series if self.today.start - timedelta(days=7) <= p.day < self.today.start)

    @property
    def baseline_daily(self) -> float | None:
        """Mentions per day over the 7 days before the digest day: the one average the
        headline, the figures and the spike alerts compare the day with (None without them)."""
        days = self.baseline_days
        return sum(p.volume for p in days) / 7 if len(days) == 7 else None


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything the templates show for one day."""

    day: date
    timezone: str
    generated_at: datetime
    bar: float
    min_sample: int
    brands: tuple[BrandDigest, ...]
    voice: tuple[VoiceRow, ...]
    source_problems: tuple[SourceHealth, ...]
    sources_total: int = 0
    #: times are shown in this timezone (``digest.timezone``; "" = :attr:`timezone`, the
    #: index timezone whose calendar day the figures cover)
    display_timezone: str = ""
    locale: str = "en"  # numbers are written the way ``digest.locale`` writes them

    @property
    def shown_timezone(self) -> str:
        return self.display_timezone or self.timezone

    @property
    def day_start(self) -> datetime:
        """Where the digest's calendar day starts (aware, in :attr:`timezone`)."""
        return datetime.combine(self.day, time(0), ZoneInfo(self.timezone))

    @property
    def day_end(self) -> datetime:
        """Where the next calendar day starts (the day is 23 or 25 hours long across a DST change)."""
        return datetime.combine(self.day + timedelta(days=1), time(0), ZoneInfo(self.timezone))

    @property
    def mentions_total(self) -> int:
        """Mentions of the day over every brand of the digest."""
        return sum(b.today.volume for b in self.brands)

    @property
    def title(self) -> str:
        names = ", ".join(b.brand for b in self.brands) or "no brands"
        return f"Mention digest {self.day.isoformat()}: {names}"

    @property
    def model_lines(self) -> tuple[str, ...]:
        """Each brand's line on the model's agreement with the stars (brands without rated mentions left out)."""
        return tuple(b.model_line for b in self.brands if b.model_line)

    @property
    def has_reach(self) -> bool:
        """True when a brand shows a reach-weighted line (the footer then says how it is weighed)."""
        return any(b.has_reach for b in self.brands)

    @property
    def partial_day(self) -> bool:
        """True when the digest day has not ended yet (figures are 'so far')."""
        return self.generated_at < self.day_end


def slugify(text: str) -> str:
    out = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "-" for ch in text)
    out = "-".join(p for p in out.split("-") if p)
    return out or "brand"


__all__ = [
    "ALERT_NAMES",
    "EXCERPT_CHARS",
    "ITEM_CHARS",
    "AlertItem",
    "AverageRating",
    "BrandDigest",
    "BreakdownRow",
    "DayPoint",
    "Digest",
    "MentionItem",
    "SourceHealth",
    "VoiceRow",
    "Window",
    "change_text",
    "excerpt",
    "slugify",
]
