"""The digest's "What drove it" (:mod:`monitor._digest.why`) read from the index: drivers,
themes, aspects and complaints awaiting an answer.

Both cover the digest's own window, the calendar day: a theme's volume and MSI against the
day before, an aspect's MSI against the other brands' on the same day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from monitor._digest.ports import DigestIndex
from monitor._digest.quotes import MentionItem, excerpt
from monitor._digest.why import COMPLAINTS_SHOWN, AspectRow, DriverLine, ThemeRow, WhatDroveIt, what_drove_it
from monitor._index.aspects import AspectFigures
from monitor._index.drivers import DriverReport
from monitor._theme_results import ThemeFigures, ThemeMention

THEMES_SHOWN = 5
EXAMPLES_SHOWN = 2


def _item(m: ThemeMention) -> MentionItem:
    return MentionItem(
        id=m.id,
        source=m.source,
        source_kind=m.source,  # a theme quote names its source
        lang=m.lang or "?",
        url=m.url,
        author=None,
        title=None,
        excerpt=excerpt(m.text),
        published_at=m.published_at,
        label=m.label,
        p_negative=None,
        p_positive=None,
        rating=None,
        rating_scale=None,
    )


def theme_rows(themes: Sequence[ThemeFigures]) -> tuple[ThemeRow, ...]:
    """The day's biggest themes (those with mentions that day), with a few quotes each."""
    shown = [t for t in themes if t.volume > 0][:THEMES_SHOWN]
    return tuple(
        ThemeRow(
            name=t.name,
            volume=t.volume,
            msi=t.msi,
            msi_n=t.positive + t.negative,
            previous_volume=t.previous_volume,
            previous_msi=t.previous_msi,
            gist=t.gist if t.gist and t.gist != t.name else None,
            langs=tuple(sorted(t.langs, key=lambda k: -t.langs[k])),
            examples=tuple(_item(m) for m in t.mentions[:EXAMPLES_SHOWN]),
        )
        for t in shown
    )


def aspect_rows(brand: str, today: Sequence[AspectFigures], before: Sequence[AspectFigures]) -> tuple[AspectRow, ...]:
    """The brand's aspects talked about on the day, busiest first, beside the other brands'."""
    prev = {f.aspect: f for f in before if f.brand == brand}
    rows = [f for f in today if f.brand == brand and f.volume > 0]
    rows.sort(key=lambda f: (-f.volume, f.aspect))
    return tuple(
        AspectRow(
            aspect=f.label,
            volume=f.volume,
            msi=f.msi,
            msi_n=f.positive + f.negative,
            previous_msi=prev[f.aspect].msi if f.aspect in prev else None,
            competitors=(("other brands", f.others_msi, f.others_volume),) if f.others_volume else (),
        )
        for f in rows
    )


def day_before(day: date) -> date:
    return day - timedelta(days=1)


COMPLAINT_DAYS = 30  # complaints published in the 30 days ending on the digest day (the API's default)


def what_drove_it_for(
    idx: DigestIndex, brand: str, at: datetime, target_s: float, drivers: DriverReport | None, day: date
) -> WhatDroveIt:
    """The drivers of the day's move (the day against the daily average of the 7 days
    before) and the complaints awaiting an answer as of ``at`` (published in the 30 days to
    it): the figures and the longest waiting."""
    figures = idx.complaint_figures(brand, at=at)
    waiting = idx.complaints(brand, status="open", at=at, order="oldest", limit=COMPLAINTS_SHOWN) if figures else []
    target = figures[0].target_s if figures else target_s
    prev = day_before(day)
    return what_drove_it(
        figures,
        waiting,
        target_s=target,
        since_days=COMPLAINT_DAYS,
        drivers=driver_lines(drivers),
        themes=theme_rows(idx.themes(brand, day, day)),
        aspects=aspect_rows(
            brand, idx.aspects(brand, since=day, until=day), idx.aspects(brand, since=prev, until=prev)
        ),
    )


def driver_lines(report: DriverReport | None) -> list[DriverLine]:
    """The report as the digest's lines: the move with its window, then one per driver."""
    if report is None or not report.drivers:
        return []
    first = report.drivers[0]
    head = DriverLine("move", report.brand, f"{report.window[:1].upper()}{report.window[1:]}: {report.headline()}.")
    rest = [
        DriverLine(d.dimension, d.key, d.sentence(falling=report.falling) + ".", d.share_of_new_negative)
        for d in report.drivers[1:]
    ]
    return [replace(head, share=first.share_of_new_negative), *rest]


__all__ = [
    "COMPLAINT_DAYS",
    "EXAMPLES_SHOWN",
    "THEMES_SHOWN",
    "aspect_rows",
    "day_before",
    "driver_lines",
    "theme_rows",
    "what_drove_it_for",
]
