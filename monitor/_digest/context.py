"""Gather one day's digest figures from the index, through :class:`~monitor._digest.ports.DigestIndex`.

Everything here returns the plain frozen dataclasses of :mod:`monitor._digest.records`, so
templates, the chart and the delivery channels never talk to the database, and tests can
build a :class:`Digest` by hand. The figures are exactly the index's (DESIGN.md "The
index"); this module only picks the windows, the top mentions, the health of the sources
and, per brand, each source's latest average rating (:mod:`monitor._digest.averages`).

**One window.** The digest covers one calendar day of the index (``index.timezone``: every
figure is counted by those days): its headline, tables, quotes and alerts are that day
(:mod:`monitor._digest.alerts` judges the index's alert rules on it against the 7 days
before it); "yesterday", "7 days" and "30 days" end on it. Complaints awaiting an answer
are those of the 30 days ending on it, as of the digest's time (the day's end, or now when
the day is not over). Times are shown in ``digest.timezone`` (``display_tz``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from monitor._digest.alerts import BASELINE_DAYS, digest_alerts
from monitor._digest.averages import read_average_ratings
from monitor._digest.formats import Formats
from monitor._digest.headline import headline
from monitor._digest.insights import what_drove_it_for
from monitor._digest.ports import BrandShare, DigestIndex, MentionView, SourceStatus
from monitor._digest.quotes import EXCERPT_CHARS, MentionItem, excerpt
from monitor._digest.records import (
    AlertItem,
    AverageRating,
    BrandDigest,
    BreakdownRow,
    DayPoint,
    Digest,
    SourceHealth,
    VoiceRow,
    Window,
    slugify,
)
from monitor._health import PROBLEMS, plain_reason
from monitor._index.drivers import DriverReport
from monitor._index.formulas import wilson_interval
from monitor._index.periods import day_bounds_utc
from monitor._index.points import Point

TOP_N = 5


def window_from_point(name: str, label: str, start: date, end: date, point: Point | None) -> Window:
    """A :class:`Window` of the index ``point`` (all zeros when there is none)."""
    if point is None:
        return Window(name=name, label=label, start=start, end=end)
    return Window(
        name=name,
        label=label,
        start=start,
        end=end,
        positive=point.positive,
        neutral=point.neutral,
        negative=point.negative,
        unscored=point.unscored,
        volume=point.volume,
        msi=point.msi,
        msi_low=point.msi_low,
        msi_high=point.msi_high,
        low_sample=point.low_sample,
        net_sentiment=point.net_sentiment,
        csat=point.csat,
        csat_n=point.csat_n,
        nps=point.nps,
        nps_n=point.nps_n,
    )


def _window(idx: DigestIndex, brand: str, name: str, label: str, start: date, end: date) -> Window:
    points = idx.satisfaction(brand, start=start, end=end, by=None)
    return window_from_point(name, label, start, end, points[0] if points else None)


def _series(idx: DigestIndex, brand: str, start: date, end: date, min_sample: int = 30) -> tuple[DayPoint, ...]:
    """Days ``start``..``end`` (missing days as zeros) with trailing 7-day MSI."""
    lead_in = start - timedelta(days=6)
    by_day: dict[date, Point] = {}
    for point in idx.satisfaction(brand, start=lead_in, end=end, by="day"):
        ps = point.period_start
        by_day[ps.date() if isinstance(ps, datetime) else ps] = point
    days = [lead_in + timedelta(days=i) for i in range((end - lead_in).days + 1)]
    found = [by_day.get(d) for d in days]
    pos = [p.positive if p else 0 for p in found]
    neg = [p.negative if p else 0 for p in found]
    out = []
    for i, day in enumerate(days):
        if day < start:
            continue
        p = found[i]
        wp, wn = sum(pos[i - 6 : i + 1]), sum(neg[i - 6 : i + 1])
        ci = wilson(wp, wp + wn)
        out.append(
            DayPoint(
                day=day,
                volume=p.volume if p else 0,
                negative=neg[i],
                msi=p.msi if p else None,
                msi_low=p.msi_low if p else None,
                msi_high=p.msi_high if p else None,
                low_sample=p.low_sample if p else True,
                positive=pos[i],
                week_msi=wp / (wp + wn) if wp + wn else None,
                week_low=ci[0] if ci else None,
                week_high=ci[1] if ci else None,
                week_low_sample=(wp + wn) < min_sample,
            )
        )
    return tuple(out)


def trend(idx: DigestIndex, brand: str, start: date, end: date, min_sample: int = 30) -> tuple[DayPoint, ...]:
    """The chart's days ``start``..``end``: each day's figures and the trailing 7-day MSI
    (the digest's chart and the dashboard's trend draw the same points)."""
    return _series(idx, brand, start, end, min_sample)


def wilson(successes: int, n: int) -> tuple[float, float] | None:
    """The index's Wilson 95 % interval (the digest never defines its own formulas)."""
    return wilson_interval(successes, n)


def _breakdown(idx: DigestIndex, brand: str, day: date, by: str) -> tuple[BreakdownRow, ...]:
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


def mention_item(m: MentionView) -> MentionItem:
    """The digest's quote of a stored mention (its text cut to an excerpt)."""
    scale = m.rating_scale
    return MentionItem(
        id=m.id,
        source=m.source or "",
        source_kind=m.source_kind or "",
        lang=m.lang or "?",
        url=m.url,
        author=m.author,
        title=m.title,
        excerpt=excerpt(m.text or ""),
        published_at=m.published_at,
        label=m.label,
        p_negative=m.p_negative,
        p_positive=m.p_positive,
        rating=m.rating,
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


def _alerts(
    idx: DigestIndex,
    brand: str,
    day: date,
    at: datetime,
    f: Formats,
    *,
    bar: float,
    min_sample: int,
    k: float,
    day_phrase: str,
    drivers: DriverReport | None = None,
) -> tuple[AlertItem, ...]:
    """The index's alert rules judged on ``day`` against the 7 days before it
    (:mod:`monitor._digest.alerts`), and the model's disagreement with the stars."""
    points = idx.satisfaction(brand, start=day - timedelta(days=BASELINE_DAYS), end=day, by="day")
    lines = drivers.lines() if drivers is not None else []
    return digest_alerts(
        brand,
        points,
        day,
        idx.alerts(brand, at=at),
        f,
        bar=bar,
        min_sample=min_sample,
        k=k,
        day_phrase=day_phrase,
        drivers=lines,
    )


def source_problems(
    overview: Sequence[SourceStatus], latest: Callable[[str], datetime | None] | None = None
) -> tuple[SourceHealth, ...]:
    """The sources needing attention in :data:`~monitor._health.PROBLEMS` order (blocked,
    unreachable, failing, partial), then by name; each reason without its status word.

    ``latest(name)`` gives the publication time of a source's newest stored mention; it is
    asked for sources without a recorded success, so one that stored mentions (imported,
    or collected before its state was kept) is never said to have "never succeeded"."""
    out = []
    for s in overview:
        status = s.status
        if status not in PROBLEMS:  # partial: stored part of what it had (see `sources list`)
            continue
        reason = plain_reason((s.blocked_reason if status == "blocked" else None) or s.last_error)
        out.append(
            SourceHealth(
                name=s.name,
                kind=s.kind,
                brand=s.brand,
                status=status,
                last_success_at=s.last_success_at,
                reason=reason,
                latest_mention_at=latest(s.name) if latest is not None and s.last_success_at is None else None,
            )
        )
    out.sort(key=lambda h: (PROBLEMS.index(h.status), h.name))
    return tuple(out)


def _latest_mention(idx: DigestIndex) -> Callable[[str], datetime | None]:
    def latest(source: str) -> datetime | None:
        found = idx.mentions(None, source=source, limit=1, order="recent")
        return found[0].published_at if found else None

    return latest


def _voice(idx: DigestIndex, brands: Sequence[str], start: date, end: date) -> dict[str, BrandShare]:
    """``compare`` over ``brands``, by brand name (empty without brands)."""
    return {r.brand: r for r in idx.compare(brands, start=start, end=end)} if brands else {}


def _voice_row(brand: str, today: BrandShare | None, week: BrandShare | None) -> VoiceRow:
    return VoiceRow(
        brand=brand,
        volume_today=today.volume if today else 0,
        share_today=today.share_of_voice if today else None,
        volume_week=week.volume if week else 0,
        share_week=week.share_of_voice if week else None,
        msi_week=week.msi if week else None,
        msi_week_low=week.msi_low if week else None,
        msi_week_high=week.msi_high if week else None,
    )


def _strongest(idx: DigestIndex, brand: str, label: str, since: datetime, until: datetime) -> tuple[MentionItem, ...]:
    found = idx.mentions(brand, sentiment=label, since=since, until=until, limit=40, order="strongest")
    top = top_mentions([mention_item(m) for m in found], label)
    themes = idx.mention_themes([m.id for m in top if m.id is not None])
    return tuple(replace(m, theme=themes.get(m.id)) if m.id in themes else m for m in top)


def day_labels(day: date, local_today: date) -> tuple[str, str]:
    """What the digest day and the day before are called: "Today" and "Yesterday" when the
    digest is about today, else their dates ("Tue 1 Dec", "Mon 30 Nov")."""
    if day == local_today:
        return "Today", "Yesterday"
    before = day - timedelta(days=1)
    return _short(day), _short(before)


def _short(d: date) -> str:
    return f"{d.strftime('%a')} {d.day} {d.strftime('%b')}"


def build_digest(
    idx: DigestIndex,
    brands: Sequence[str],
    day: date,
    *,
    tz: str = "UTC",
    bar: float = 0.80,
    min_sample: int = 30,
    now: datetime | None = None,
    all_brands: Sequence[str] | None = None,
    display_tz: str | None = None,
    locale: str = "en",
    spike_k: float = 3.0,
    answer_target_s: float = 3 * 86400.0,
) -> Digest:
    """Collect the digest for local calendar ``day`` (in ``tz``, the index timezone).

    ``brands`` are the brands reported on; ``all_brands`` (default: ``brands``) are the
    ones share of voice is computed across. Times are shown in ``display_tz``
    (``digest.timezone``; default ``tz``), numbers the way ``locale`` writes them.
    """
    now = now or datetime.now(UTC)
    peers = list(all_brands or brands)
    week_start = day - timedelta(days=6)
    month_start = day - timedelta(days=29)
    yesterday = day - timedelta(days=1)
    day_start, day_end = day_bounds_utc(day, ZoneInfo(tz))
    at = min(now, day_end)
    so_far = now < day_end
    f = Formats(locale, display_tz or tz)
    day_label, before_label = day_labels(day, now.astimezone(ZoneInfo(tz)).date())
    day_phrase = ("so far " if so_far else "") + ("today" if day_label == "Today" else f"on {day_label}")

    voice_today = _voice(idx, peers, day, day)
    voice_week = _voice(idx, peers, week_start, day)

    out = []
    for brand in brands:
        today_share, week_share = voice_today.get(brand), voice_week.get(brand)
        out.append(
            BrandDigest(
                brand=brand,
                today=_window(idx, brand, "today", day_label, day, day),
                yesterday=_window(idx, brand, "yesterday", before_label, yesterday, yesterday),
                week=_window(idx, brand, "7d", "Last 7 days", week_start, day),
                month=_window(idx, brand, "30d", "Last 30 days", month_start, day),
                series=_series(idx, brand, month_start, day, min_sample),
                by_source=_breakdown(idx, brand, day, "source"),
                by_lang=_breakdown(idx, brand, day, "lang"),
                most_negative=_strongest(idx, brand, "negative", day_start, day_end),
                most_positive=_strongest(idx, brand, "positive", day_start, day_end),
                alerts=_alerts(
                    idx,
                    brand,
                    day,
                    at,
                    f,
                    bar=bar,
                    min_sample=min_sample,
                    k=spike_k,
                    day_phrase=day_phrase,
                    drivers=(report := idx.drivers(brand, day, days=1, baseline_days=BASELINE_DAYS)),
                ),
                share_today=today_share.share_of_voice if today_share else None,
                share_week=week_share.share_of_voice if week_share else None,
                average_ratings=read_average_ratings(idx, brand, day),
                model_check=idx.model_check(brand, days=30, end=day),
                why=what_drove_it_for(idx, brand, at, answer_target_s, report, day),
                week_reach=next(iter(idx.reach(brand, start=week_start, end=day, by=None)), None),
            )
        )

    voice = [_voice_row(b, voice_today.get(b), voice_week.get(b)) for b in peers]
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
        source_problems=source_problems(overview, _latest_mention(idx)),
        sources_total=len(overview),
        display_timezone=display_tz or "",
        locale=locale,
    )


__all__ = [
    "EXCERPT_CHARS",
    "TOP_N",
    "AlertItem",
    "AverageRating",
    "BrandDigest",
    "BreakdownRow",
    "DayPoint",
    "Digest",
    "DigestIndex",
    "MentionItem",
    "SourceHealth",
    "VoiceRow",
    "Window",
    "build_digest",
    "excerpt",
    "headline",
    "mention_item",
    "slugify",
    "source_problems",
    "top_mentions",
    "trend",
    "wilson",
    "window_from_point",
]
