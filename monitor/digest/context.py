"""Gather one day's digest figures from a :class:`~monitor.api.MentionIndex`.

Everything here returns plain frozen dataclasses, so templates, the chart and the delivery
channels never talk to the database, and tests can build a :class:`Digest` by hand.
The figures are exactly the index's (DESIGN.md "The index"); this module only picks the
windows (today, yesterday, 7 and 30 days ending on the digest day, calendar days in the
index timezone), the top mentions and the health of the sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from monitor.index.periods import By

EXCERPT_CHARS = 280
TOP_N = 5


class IndexLike(Protocol):
    """The part of ``MentionIndex`` the digest reads."""

    def satisfaction(self, brand: str, start: date, end: date, by: By = ...) -> list[Any]: ...

    def mentions(
        self,
        brand: str,
        *,
        sentiment: str | None = ...,
        since: datetime | None = ...,
        until: datetime | None = ...,
        limit: int = ...,
        order: str = ...,
    ) -> list[Any]: ...

    def compare(self, brands: list[str], start: date, end: date) -> Any: ...

    def alerts(self, brand: str, at: datetime | None = ...) -> list[Any]: ...

    def breakdown(self, brand: str, start: date, end: date, by: str) -> list[Any]: ...

    def sources_overview(self) -> list[Any]: ...


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """Read a field from a record that may be an object or a mapping."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


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

    @property
    def rating_text(self) -> str | None:
        if self.rating is None:
            return None
        best = self.rating_scale[1] if self.rating_scale else None
        value = f"{self.rating:g}"
        return f"{value}/{best:g}" if best is not None else value


@dataclass(frozen=True, slots=True)
class AlertItem:
    kind: str
    message: str
    numbers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SourceHealth:
    name: str
    kind: str
    brand: str | None
    status: str
    last_success_at: datetime | None
    reason: str | None


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
    def avg_daily_volume_week(self) -> float:
        return self.week.volume / self.week.days if self.week.days else 0.0


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

    @property
    def title(self) -> str:
        names = ", ".join(b.brand for b in self.brands) or "no brands"
        return f"Mention digest {self.day.isoformat()}: {names}"

    @property
    def partial_day(self) -> bool:
        """True when the digest day has not ended yet (figures are 'so far')."""
        end = datetime.combine(self.day + timedelta(days=1), time(0), ZoneInfo(self.timezone))
        return self.generated_at < end


def slugify(text: str) -> str:
    out = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "-" for ch in text)
    out = "-".join(p for p in out.split("-") if p)
    return out or "brand"


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


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The aware UTC instants where local calendar ``day`` starts and the next one starts."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def window_from_point(name: str, label: str, start: date, end: date, point: Any | None) -> Window:
    if point is None:
        return Window(name=name, label=label, start=start, end=end)
    return Window(
        name=name,
        label=label,
        start=start,
        end=end,
        positive=int(_get(point, "positive", 0) or 0),
        neutral=int(_get(point, "neutral", 0) or 0),
        negative=int(_get(point, "negative", 0) or 0),
        unscored=int(_get(point, "unscored", 0) or 0),
        volume=int(_get(point, "volume", 0) or 0),
        msi=_get(point, "msi"),
        msi_low=_get(point, "msi_low"),
        msi_high=_get(point, "msi_high"),
        low_sample=bool(_get(point, "low_sample", True)),
        net_sentiment=_get(point, "net_sentiment"),
        csat=_get(point, "csat"),
        csat_n=int(_get(point, "csat_n", 0) or 0),
        nps=_get(point, "nps"),
        nps_n=int(_get(point, "nps_n", 0) or 0),
    )


def _window(idx: IndexLike, brand: str, name: str, label: str, start: date, end: date) -> Window:
    points = idx.satisfaction(brand, start=start, end=end, by=None)
    return window_from_point(name, label, start, end, points[0] if points else None)


def _series(idx: IndexLike, brand: str, start: date, end: date, min_sample: int = 30) -> tuple[DayPoint, ...]:
    """Days ``start``..``end`` (missing days as zeros) with trailing 7-day MSI."""
    lead_in = start - timedelta(days=6)
    points = idx.satisfaction(brand, start=lead_in, end=end, by="day")
    by_day: dict[date, Any] = {}
    for p in points:
        ps = _get(p, "period_start")
        if isinstance(ps, datetime):
            ps = ps.date()
        if isinstance(ps, date):
            by_day[ps] = p
    days = [lead_in + timedelta(days=i) for i in range((end - lead_in).days + 1)]
    pos = [int(_get(by_day.get(d), "positive", 0) or 0) for d in days]
    neg = [int(_get(by_day.get(d), "negative", 0) or 0) for d in days]
    out = []
    for i, day in enumerate(days):
        if day < start:
            continue
        p = by_day.get(day)
        wp, wn = sum(pos[i - 6 : i + 1]), sum(neg[i - 6 : i + 1])
        ci = wilson(wp, wp + wn)
        out.append(
            DayPoint(
                day=day,
                volume=int(_get(p, "volume", 0) or 0),
                negative=neg[i],
                msi=_get(p, "msi"),
                msi_low=_get(p, "msi_low"),
                msi_high=_get(p, "msi_high"),
                low_sample=bool(_get(p, "low_sample", True)),
                positive=pos[i],
                week_msi=wp / (wp + wn) if wp + wn else None,
                week_low=ci[0] if ci else None,
                week_high=ci[1] if ci else None,
                week_low_sample=(wp + wn) < min_sample,
            )
        )
    return tuple(out)


def wilson(successes: int, n: int) -> tuple[float, float] | None:
    """The index's Wilson 95 % interval (the digest never defines its own formulas)."""
    from monitor.index.formulas import wilson_interval

    return wilson_interval(successes, n)


def _breakdown(idx: IndexLike, brand: str, day: date, by: str) -> tuple[BreakdownRow, ...]:
    week_start = day - timedelta(days=6)
    today_rows = {str(k or "unknown"): p for k, p in idx.breakdown(brand, day, day, by=by)}
    week_rows = {str(k or "unknown"): p for k, p in idx.breakdown(brand, week_start, day, by=by)}
    rows = []
    for key in set(today_rows) | set(week_rows):
        rows.append(
            BreakdownRow(
                key=key,
                today=window_from_point("today", "Today", day, day, today_rows.get(key)),
                week=window_from_point("7d", "7 days", week_start, day, week_rows.get(key)),
            )
        )
    rows.sort(key=lambda r: (-r.week.volume, -r.today.volume, r.key))
    return tuple(rows)


def mention_item(m: Any) -> MentionItem:
    text = str(_get(m, "text", "") or "")
    scale = _get(m, "rating_scale")
    return MentionItem(
        id=_get(m, "id"),
        source=str(_get(m, "source", "") or ""),
        source_kind=str(_get(m, "source_kind", "") or ""),
        lang=str(_get(m, "lang", "") or "?"),
        url=_get(m, "url"),
        author=_get(m, "author"),
        title=_get(m, "title"),
        excerpt=excerpt(text),
        published_at=_get(m, "published_at"),
        label=_get(m, "label"),
        p_negative=_get(m, "p_negative"),
        p_positive=_get(m, "p_positive"),
        rating=_get(m, "rating"),
        rating_scale=(float(scale[0]), float(scale[1])) if scale else None,
    )


def _strength(item: MentionItem, label: str) -> float:
    p = item.p_negative if label == "negative" else item.p_positive
    return 1.0 if p is None else float(p)  # a person's label (no probabilities) is certain


def top_mentions(items: Iterable[MentionItem], label: str, n: int = TOP_N) -> tuple[MentionItem, ...]:
    """The ``n`` strongest mentions of ``label``: highest probability first, then newest."""
    epoch = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(
        items,
        key=lambda it: (_strength(it, label), it.published_at or epoch),
        reverse=True,
    )
    seen: set[str] = set()
    out: list[MentionItem] = []
    for it in ranked:
        key = it.excerpt.casefold()
        if key in seen:
            continue
        seen.add(key)
        out.append(it)
        if len(out) == n:
            break
    return tuple(out)


def _alerts(idx: IndexLike, brand: str, at: datetime) -> tuple[AlertItem, ...]:
    out = []
    for a in idx.alerts(brand, at=at):
        out.append(
            AlertItem(
                kind=str(_get(a, "kind", "alert")),
                message=str(_get(a, "message", "")),
                numbers=dict(_get(a, "numbers", {}) or {}),
            )
        )
    return tuple(out)


_PROBLEM_ORDER = ("blocked", "failing", "partial")


def source_problems(overview: Sequence[Any]) -> tuple[SourceHealth, ...]:
    out = []
    for s in overview:
        status = str(_get(s, "status", ""))
        if status not in _PROBLEM_ORDER:  # partial: stored part of what it had (see `sources list`)
            continue
        reason = (_get(s, "blocked_reason") if status == "blocked" else None) or _get(s, "last_error")
        if isinstance(reason, str) and reason.lower().startswith(status + ":"):
            reason = reason[len(status) + 1 :].strip()
        out.append(
            SourceHealth(
                name=str(_get(s, "name", "")),
                kind=str(_get(s, "kind", "")),
                brand=_get(s, "brand"),
                status=status,
                last_success_at=_get(s, "last_success_at"),
                reason=reason,
            )
        )
    out.sort(key=lambda h: (_PROBLEM_ORDER.index(h.status), h.name))
    return tuple(out)


def _compare_rows(result: Any) -> dict[str, Any]:
    """``compare`` may return a mapping brand → row or a sequence of rows with ``brand``."""
    if isinstance(result, dict):
        return {str(k): v for k, v in result.items()}
    return {str(_get(r, "brand")): r for r in result}


def build_digest(
    idx: IndexLike,
    brands: Sequence[str],
    day: date,
    *,
    tz: str = "UTC",
    bar: float = 0.80,
    min_sample: int = 30,
    now: datetime | None = None,
    all_brands: Sequence[str] | None = None,
) -> Digest:
    """Collect the digest for local calendar ``day`` (in ``tz``, the index timezone).

    ``brands`` are the brands reported on; ``all_brands`` (default: ``brands``) are the
    ones share of voice is computed across.
    """
    now = now or datetime.now(UTC)
    peers = list(all_brands or brands)
    week_start = day - timedelta(days=6)
    month_start = day - timedelta(days=29)
    day_start, day_end = day_bounds(day, tz)
    alert_at = min(now, day_end)

    voice_today = _compare_rows(idx.compare(peers, start=day, end=day)) if peers else {}
    voice_week = _compare_rows(idx.compare(peers, start=week_start, end=day)) if peers else {}

    out = []
    for brand in brands:
        negatives = [
            mention_item(m)
            for m in idx.mentions(
                brand, sentiment="negative", since=day_start, until=day_end, limit=40, order="strongest"
            )
        ]
        positives = [
            mention_item(m)
            for m in idx.mentions(
                brand, sentiment="positive", since=day_start, until=day_end, limit=40, order="strongest"
            )
        ]
        out.append(
            BrandDigest(
                brand=brand,
                today=_window(idx, brand, "today", "Today", day, day),
                yesterday=_window(
                    idx, brand, "yesterday", "Yesterday", day - timedelta(days=1), day - timedelta(days=1)
                ),
                week=_window(idx, brand, "7d", "Last 7 days", week_start, day),
                month=_window(idx, brand, "30d", "Last 30 days", month_start, day),
                series=_series(idx, brand, month_start, day, min_sample),
                by_source=_breakdown(idx, brand, day, "source"),
                by_lang=_breakdown(idx, brand, day, "lang"),
                most_negative=top_mentions(negatives, "negative"),
                most_positive=top_mentions(positives, "positive"),
                alerts=_alerts(idx, brand, alert_at),
                share_today=_get(voice_today.get(brand), "share_of_voice"),
                share_week=_get(voice_week.get(brand), "share_of_voice"),
            )
        )

    voice = []
    for brand in peers:
        t, w = voice_today.get(brand), voice_week.get(brand)
        voice.append(
            VoiceRow(
                brand=brand,
                volume_today=int(_get(t, "volume", 0) or 0),
                share_today=_get(t, "share_of_voice"),
                volume_week=int(_get(w, "volume", 0) or 0),
                share_week=_get(w, "share_of_voice"),
                msi_week=_get(w, "msi"),
                msi_week_low=_get(w, "msi_low"),
                msi_week_high=_get(w, "msi_high"),
            )
        )
    voice.sort(key=lambda v: -v.volume_week)

    overview = idx.sources_overview()
    return Digest(
        day=day,
        timezone=tz,
        generated_at=now,
        bar=bar,
        min_sample=min_sample,
        brands=tuple(out),
        voice=tuple(voice) if len(peers) > 1 else (),
        source_problems=source_problems(overview),
        sources_total=len(overview),
    )


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


def headline(b: BrandDigest, bar: float) -> str:
    """A plain sentence or two a reader gets before any table.

    Day-to-day comparisons are only made when both days have a real sample; otherwise
    the day is set against the last 7 days, which usually do.
    """
    t, y, w = b.today, b.yesterday, b.week
    if t.volume == 0:
        if w.msi is not None:
            n = w.positive + w.negative
            return f"No mentions on this day. Last 7 days: MSI {_pct(w.msi)} on {n} positive/negative mentions."
        return "No mentions on this day."
    n = t.volume
    vol = f"{n} mention{'s' if n != 1 else ''}"
    avg = b.avg_daily_volume_week
    if avg > 0 and (n / avg >= 1.5 or n / avg <= 0.67):
        vol += f", {n / avg:.1f}× the 7-day daily average"
    if t.msi is None:
        return f"{vol.capitalize()}; none scored positive or negative yet ({t.unscored} unscored)."
    side = "above" if t.msi >= bar else "under"
    first = f"MSI {_pct(t.msi)} today, {side} the {_pct(bar)} bar"
    if t.low_sample:
        first += f" (low sample: {t.positive + t.negative} positive/negative)"
    elif y.msi is not None and not y.low_sample:
        delta = round((t.msi - y.msi) * 100)
        first += (
            f", {'up' if delta > 0 else 'down'} {abs(delta)} pts on yesterday" if delta else ", level with yesterday"
        )
    parts = [first]
    if w.msi is not None:
        week = f"last 7 days {_pct(w.msi)}"
        if w.msi_low is not None and w.msi_high is not None:
            week += f" ({w.msi_low * 100:.0f}–{w.msi_high * 100:.0f} %)"
        parts.append(week)
    return "; ".join(parts) + f". {vol[0].upper()}{vol[1:]}."


__all__ = [
    "AlertItem",
    "BrandDigest",
    "BreakdownRow",
    "DayPoint",
    "Digest",
    "IndexLike",
    "MentionItem",
    "SourceHealth",
    "VoiceRow",
    "Window",
    "build_digest",
    "day_bounds",
    "excerpt",
    "headline",
    "mention_item",
    "slugify",
    "source_problems",
    "top_mentions",
    "wilson",
    "window_from_point",
]
