"""The plain sentence a reader gets before any table of a brand's digest."""

from __future__ import annotations

from monitor._digest.records import BrandDigest


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


__all__ = ["headline"]
