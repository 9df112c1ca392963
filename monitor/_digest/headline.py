"""The plain sentence a reader gets before any table of a brand's digest.

It says the figures the tables and alerts below it say, in the same words and formats:
the day's MSI with its n, the bar, the 7 days ending on the day, and the day's mentions
against the one average the digest compares a day with (:attr:`BrandDigest.baseline_daily`,
the 7 days before the day, which the spike alerts use too).
"""

from __future__ import annotations

from monitor._digest.formats import Formats
from monitor._digest.records import BrandDigest, Window

#: A day is said to be busier or quieter than usual past these multiples of the average …
BUSIER, QUIETER = 1.5, 0.67
#: … and only when that average is at least this many mentions a day.
MIN_BASELINE = 1.0


def when(w: Window) -> str:
    """``today`` for a window labelled "Today", else ``on Tue 1 Dec`` (its label)."""
    return "today" if w.label == "Today" else f"on {w.label}"


def volume_phrase(b: BrandDigest, f: Formats) -> str:
    """``22 mentions, 2.1× the daily average of the 7 days before (10.4)``."""
    n = b.today.volume
    vol = f"{f.count(n)} mention{'s' if n != 1 else ''}"
    avg = b.baseline_daily
    if avg is not None and avg >= MIN_BASELINE and (n / avg >= BUSIER or n / avg <= QUIETER):
        vol += f", {f.ratio(n / avg)} the daily average of the 7 days before ({f.average(avg)})"
    return vol


def headline(b: BrandDigest, bar: float, f: Formats | None = None) -> str:
    """A plain sentence or two a reader gets before any table.

    Day-to-day comparisons are only made when both days have a real sample; otherwise
    the day is set against the last 7 days, which usually do.
    """
    f = f or Formats()
    t, y, w = b.today, b.yesterday, b.week
    if t.volume == 0:
        if w.msi is not None:
            n = w.positive + w.negative
            return f"No mentions on this day. Last 7 days: MSI {f.pct(w.msi)} (n = {f.count(n)})."
        return "No mentions on this day."
    vol = volume_phrase(b, f)
    if t.msi is None:
        return f"{vol[0].upper()}{vol[1:]}; none scored positive or negative yet ({f.count(t.unscored)} unscored)."
    side = "above" if t.msi >= bar else "under"
    first = f"MSI {f.pct(t.msi)} {when(t)} (n = {f.count(t.positive + t.negative)}), {side} the {f.pct(bar)} bar"
    if t.low_sample:
        first += " (low sample)"
    elif y.msi is not None and not y.low_sample:
        delta = round((t.msi - y.msi) * 100)
        first += (
            f", {'up' if delta > 0 else 'down'} {abs(delta)} pts on the day before"
            if delta
            else ", level with the day before"
        )
    parts = [first]
    if w.msi is not None:
        week = f"last 7 days {f.pct(w.msi)}"
        if w.msi_low is not None and w.msi_high is not None:
            week += f" ({f.pct_range(w.msi_low, w.msi_high)})"
        parts.append(week)
    return "; ".join(parts) + f". {vol[0].upper()}{vol[1:]}."


__all__ = ["BUSIER", "MIN_BASELINE", "QUIETER", "headline", "volume_phrase", "when"]
