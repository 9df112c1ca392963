"""Server-rendered SVG charts: the brand trend (the digest's chart, as SVG) and sparklines.

The trend is the digest's 30-day chart (:func:`monitor._digest.chart.render_chart`) drawn
as markup: daily volume bars (negatives overlaid) in the lower half, the trailing 7-day MSI
line with its Wilson 95 % band, each day's own MSI as a faint dot, the bar as a dashed
line. Only numbers and dates are drawn; styling is by presentation attributes (the CSP
forbids inline ``style``), and the markup is returned as :class:`markupsafe.Markup`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

from monitor._digest.records import DayPoint

LINE = "#0969da"
RED = "#cf222e"
MUTED = "#6e7781"
BARS = "#d0d7de"
NEG = "#ffcecb"
GRID = "#eaeef2"


def _n(v: float) -> str:
    """A coordinate, short and locale-free."""
    return f"{v:.1f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))


def _runs(values: Sequence[float | None]) -> list[list[int]]:
    """Index runs where ``values`` are defined (a gap ends a run: gaps stay gaps)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, v in enumerate(values):
        if v is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(i)
    if current:
        runs.append(current)
    return runs


def _day(d: date) -> str:
    return f"{d.day} {d.strftime('%b')}"


def trend_chart(series: Sequence[DayPoint], bar: float, *, width: int = 720, height: int = 240) -> Markup:
    """The trend of ``series`` (one :class:`DayPoint` per day) as an ``<svg>`` element."""
    left, right, top, bottom = 44, 40, 12, 26
    pw, ph = width - left - right, height - top - bottom
    n = max(len(series), 1)
    step = pw / n

    def x(i: int) -> float:
        return left + step * (i + 0.5)

    def y(v: float) -> float:  # MSI 0–1 over the whole plot height
        return top + ph * (1 - v)

    vmax = max([p.volume for p in series] + [4])

    def yv(v: int) -> float:  # volume in the lower half
        return top + ph - (ph / 2) * v / vmax

    first, last = (series[0].day, series[-1].day) if series else (None, None)
    title = f"MSI and mentions per day, {first} to {last}" if first else "No data"
    out = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for t in (0, 0.25, 0.5, 0.75, 1):  # grid and the MSI axis
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{_n(y(t))}" y2="{_n(y(t))}" stroke="{GRID}"/>')
        out.append(
            f'<text x="{left - 6}" y="{_n(y(t) + 3)}" text-anchor="end" font-size="10" fill="{MUTED}">'
            f"{round(t * 100)} %</text>"
        )
    bw = max(step * 0.72, 1)
    for i, p in enumerate(series):
        if p.volume:
            out.append(
                f'<rect class="vol" x="{_n(x(i) - bw / 2)}" y="{_n(yv(p.volume))}" width="{_n(bw)}" '
                f'height="{_n(top + ph - yv(p.volume))}" fill="{BARS}"><title>{_day(p.day)}: '
                f"{p.volume} mentions, {p.negative} negative</title></rect>"
            )
        if p.negative:
            out.append(
                f'<rect x="{_n(x(i) - bw / 2)}" y="{_n(yv(p.negative))}" width="{_n(bw)}" '
                f'height="{_n(top + ph - yv(p.negative))}" fill="{NEG}"/>'
            )
    out.append(
        f'<text x="{width - right + 6}" y="{_n(yv(vmax) + 3)}" font-size="10" fill="{MUTED}">{vmax}</text>'
        f'<text x="{width - right + 6}" y="{_n(top + ph)}" font-size="10" fill="{MUTED}">0</text>'
    )
    week = [p.week_msi for p in series]
    for run in _runs(week):
        lows = [series[i].week_low for i in run]
        highs = [series[i].week_high for i in run]
        if all(v is not None for v in lows + highs):
            upper = " ".join(f"{_n(x(i))},{_n(y(h or 0))}" for i, h in zip(run, highs, strict=True))
            lower = " ".join(f"{_n(x(i))},{_n(y(lo or 0))}" for i, lo in reversed(list(zip(run, lows, strict=True))))
            out.append(f'<polygon class="band" points="{upper} {lower}" fill="{LINE}" fill-opacity="0.13"/>')
        pts = " ".join(f"{_n(x(i))},{_n(y(week[i] or 0))}" for i in run)
        if len(run) == 1:
            out.append(f'<circle cx="{_n(x(run[0]))}" cy="{_n(y(week[run[0]] or 0))}" r="2.5" fill="{LINE}"/>')
        else:
            out.append(
                f'<polyline class="msi" points="{pts}" fill="none" stroke="{LINE}" stroke-width="2" '
                'stroke-linejoin="round" stroke-linecap="round"/>'
            )
    for i, p in enumerate(series):
        if p.msi is not None:
            out.append(
                f'<circle class="day" cx="{_n(x(i))}" cy="{_n(y(p.msi))}" r="2" fill="{MUTED}" fill-opacity="0.5">'
                f"<title>{_day(p.day)}: MSI {p.msi * 100:.1f} % ({p.volume} mentions)</title></circle>"
            )
    out.append(
        f'<line class="bar" x1="{left}" x2="{left + pw}" y1="{_n(y(bar))}" y2="{_n(y(bar))}" stroke="{RED}" '
        f'stroke-dasharray="4 3"/><text x="{left + pw + 4}" y="{_n(y(bar) + 3)}" font-size="10" fill="{RED}">'
        f"bar</text>"
    )
    ticks = max(1, len(series) // 6)
    for i, p in enumerate(series):
        if (len(series) - 1 - i) % ticks == 0:
            out.append(
                f'<text x="{_n(x(i))}" y="{height - 8}" text-anchor="middle" font-size="10" fill="{MUTED}">'
                f"{_day(p.day)}</text>"
            )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 (numbers, dates and escaped text only)


def sparkline(values: Sequence[float | None], bar: float, *, width: int = 120, height: int = 28) -> Markup:
    """A small line of ``values`` (fractions 0–1; ``None`` leaves a gap) with the bar dashed."""
    pad = 2
    n = max(len(values) - 1, 1)
    defined = [v for v in values if v is not None]
    lo = min([*defined, bar]) - 0.02
    hi = max([*defined, bar]) + 0.02
    span = max(hi - lo, 1e-9)

    def x(i: int) -> float:
        return pad + (width - 2 * pad) * i / n

    def y(v: float) -> float:
        return pad + (height - 2 * pad) * (1 - (v - lo) / span)

    out = [
        f'<svg class="spark" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="MSI trend, 7-day, last {len(values)} days">',
        f'<line x1="0" x2="{width}" y1="{_n(y(bar))}" y2="{_n(y(bar))}" stroke="{RED}" stroke-dasharray="3 2" '
        'stroke-width="0.8"/>',
    ]
    for run in _runs(values):
        pts = " ".join(f"{_n(x(i))},{_n(y(values[i] or 0))}" for i in run)
        if len(run) == 1:
            out.append(f'<circle cx="{_n(x(run[0]))}" cy="{_n(y(values[run[0]] or 0))}" r="1.5" fill="{LINE}"/>')
        else:
            out.append(f'<polyline points="{pts}" fill="none" stroke="{LINE}" stroke-width="1.5"/>')
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 (numbers only)


__all__ = ["sparkline", "trend_chart"]
