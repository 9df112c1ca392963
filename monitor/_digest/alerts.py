"""The digest's alerts: the index's rules, judged on the digest's own window, in words a reader scans.

``monitor alerts`` and ``MentionIndex.alerts()`` judge the 24 hours up to an instant. The
digest judges the same rules (:func:`monitor._index.alerts.evaluate`, unchanged) on the
window every other figure of the digest covers: the digest's calendar day (in the index
timezone) against each of the 7 calendar days before it, from the same daily counts
(``MentionIndex.satisfaction(by="day")``) as its headline, tables and chart. So an alert's
"22 mentions" is the headline's 22, and its 7-day mean is the headline's.

Each alert gets a human title with its figures ("MSI below the bar for Lumio: 55 % against
80 %") and the numbers underneath, formatted by :class:`~monitor._digest.formats.Formats`.
The model's disagreement with the stars (``model_disagrees``) keeps its own stated window
(the 7 days ending on the digest day against the 30 before).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from monitor._digest.formats import Formats
from monitor._digest.records import AlertItem
from monitor._index.alerts import Alert, evaluate
from monitor._index.points import Point

BASELINE_DAYS = 7  # the days before the digest day the spikes (and the headline's average) compare with

#: The order alerts are listed in (most telling first).
ORDER = ("msi_below_bar", "msi_drop", "negative_spike", "volume_spike", "model_disagrees")


def day_counts(points: Sequence[Point], day: date) -> list[dict[str, int]]:
    """Label counts of ``day`` and each of the :data:`BASELINE_DAYS` days before it, newest
    first (missing days are zeros): the input of :func:`monitor._index.alerts.evaluate`."""
    by_day = {p.period_start: p for p in points}
    out = []
    for back in range(BASELINE_DAYS + 1):
        p = by_day.get(day - timedelta(days=back))
        out.append(
            {
                "positive": p.positive if p else 0,
                "neutral": p.neutral if p else 0,
                "negative": p.negative if p else 0,
                "unscored": p.unscored if p else 0,
            }
        )
    return out


def _num(numbers: dict[str, Any], key: str) -> float:
    value = numbers.get(key)
    return float(value) if isinstance(value, int | float) else 0.0


def describe(a: Alert, f: Formats, *, day: str = "today") -> AlertItem:
    """``a`` with a title a reader scans and its numbers underneath; ``day`` says the digest's
    day as the rest of the digest does ("today", "so far today", "on Thu 12 Nov")."""
    n, b = a.numbers, a.brand
    today = day
    title: str = a.message
    details: tuple[str, ...] = ()
    if a.kind == "msi_below_bar":
        p, q = int(_num(n, "positive")), int(_num(n, "negative"))
        title = f"MSI below the bar for {b}: {f.pct(_num(n, 'msi'))} against {f.pct(_num(n, 'bar'))}"
        low = " (low sample; alerted because even the upper bound is under the bar)" if n.get("low_sample") else ""
        details = (
            f"{f.count(p)} positive and {f.count(q)} negative mentions {today} (n = {f.count(p + q)}){low}",
            f"95 % interval {f.pct_range(_num(n, 'msi_low'), _num(n, 'msi_high'))}",
        )
    elif a.kind == "msi_drop":
        was = f.pct(_num(n, "trailing_msi"))
        title = f"MSI dropped for {b}: {f.pct(_num(n, 'msi'))}, from {was} over the 7 days before"
        details = (
            f"95 % intervals {f.pct_range(_num(n, 'msi_low'), _num(n, 'msi_high'))} {today} and "
            f"{f.pct_range(_num(n, 'trailing_low'), _num(n, 'trailing_high'))} over the 7 days before: "
            "they no longer overlap",
        )
    elif a.kind in ("volume_spike", "negative_spike"):
        what = "mentions" if a.kind == "volume_spike" else "negative mentions"
        count, mean = int(_num(n, "count")), _num(n, "mean")
        times = f", {f.ratio(count / mean)} the daily average" if mean > 0 else ""
        name = "Mention spike" if a.kind == "volume_spike" else "Negative spike"
        title = f"{name} for {b}: {f.count(count)} {what} {today}{times}"
        details = (
            f"Daily average of the 7 days before {f.average(mean)} (σ {f.average(_num(n, 'sd'))}); "
            f"an alert above average + {n.get('k', 3):g}σ = {f.average(_num(n, 'threshold'))}",
        )
    elif a.kind == "model_disagrees":
        scope = n.get("scope")
        what = f"{n.get('key')} mentions" if scope == "lang" else f"mentions on {n.get('key')}"
        title = f"The model disagrees with the star ratings for {b}: {what}"
        details = (
            f"{f.pct(_num(n, 'share'))} agreement over the last 7 days (n = {f.count(int(_num(n, 'n')))}) against "
            f"{f.pct(_num(n, 'before_share'))} over the 30 days before (n = {f.count(int(_num(n, 'before_n')))})",
        )
    details += tuple(f"What drove it: {line}" for line in a.drivers[:1])  # the rest: "What drove it"
    return AlertItem(kind=a.kind, message=a.message, numbers=dict(n), title=title, details=details)


def digest_alerts(
    brand: str,
    points: Sequence[Point],
    day: date,
    others: Sequence[Alert],
    f: Formats,
    *,
    bar: float,
    min_sample: int,
    k: float,
    day_phrase: str = "today",
    drivers: Sequence[str] = (),
) -> tuple[AlertItem, ...]:
    """The index's rules on ``day`` against the 7 days before it (``points``: daily points
    covering them), plus the ``model_disagrees`` ones of ``others`` (the index's own);
    ``drivers``: what drove the day's move, carried by each of the rules' alerts."""
    found = [
        replace(a, drivers=tuple(drivers))
        for a in evaluate(brand, day_counts(points, day), bar=bar, min_sample=min_sample, k=k)
    ]
    found += [a for a in others if a.kind == "model_disagrees"]
    found.sort(key=lambda a: ORDER.index(a.kind) if a.kind in ORDER else len(ORDER))
    return tuple(describe(a, f, day=day_phrase) for a in found)


__all__ = ["BASELINE_DAYS", "ORDER", "day_counts", "describe", "digest_alerts"]
