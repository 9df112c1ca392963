"""Index formulas exactly as the design defines them (pure functions, no I/O).

- MSI = P / (P + N), neutral excluded, with the Wilson 95 % score interval; *low sample*
  when P + N < the minimum sample (30 by default).
- Net sentiment = (P − N) / (P + U + N), in −1…+1 (unscored mentions are not in U).
- CSAT = share of ratings whose normalised value (v − worst) / (best − worst) ≥ 0.75.
- NPS = share of 9–10 minus share of 0–6, over ratings on a 0–10 scale.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

Z95 = 1.959963984540054
CSAT_CUTOFF = 0.75
_EPS = 1e-9


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for ``successes`` out of ``n``; None when ``n == 0``."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    # The exact bounds at the edges are 0 and 1; floating point must not push p outside.
    low = 0.0 if successes == 0 else min(p, max(0.0, centre - half))
    high = 1.0 if successes == n else max(p, min(1.0, centre + half))
    return (low, high)


def msi(positive: int, negative: int) -> float | None:
    """Mention-satisfaction index P / (P + N); None when there is no opinion."""
    total = positive + negative
    return positive / total if total else None


def net_sentiment(positive: int, neutral: int, negative: int) -> float | None:
    """(P − N) / (P + U + N); None when nothing was scored."""
    total = positive + neutral + negative
    return (positive - negative) / total if total else None


def normalise_rating(value: float, worst: float, best: float) -> float:
    """Map a rating onto 0–1 given its scale; raises ValueError on an impossible scale/value."""
    if not best > worst:
        raise ValueError(f"rating scale ({worst}, {best}) must have best > worst")
    if not (worst - _EPS <= value <= best + _EPS):
        raise ValueError(f"rating {value} lies outside its scale ({worst}, {best})")
    return min(1.0, max(0.0, (value - worst) / (best - worst)))


def csat(histogram: Iterable[tuple[float, float, float, int]]) -> tuple[float | None, int]:
    """CSAT from ``(worst, best, value, count)`` rows: (share satisfied, number rated)."""
    n = sat = 0
    for worst, best, value, count in histogram:
        n += count
        if normalise_rating(value, worst, best) >= CSAT_CUTOFF - _EPS:
            sat += count
    return (sat / n if n else None, n)


def is_nps_scale(worst: float, best: float) -> bool:
    """NPS applies to 0–10 ratings only."""
    return worst == 0 and best == 10


def nps(histogram: Iterable[tuple[float, float, float, int]]) -> tuple[float | None, int]:
    """NPS from ``(worst, best, value, count)`` rows on 0–10 scales: (%9–10 − %0–6, n)."""
    n = promoters = detractors = 0
    for worst, best, value, count in histogram:
        if not is_nps_scale(worst, best):
            continue
        n += count
        if value >= 9:
            promoters += count
        elif value <= 6:
            detractors += count
    return ((promoters - detractors) / n if n else None, n)


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and population standard deviation (0, 0 for an empty list)."""
    if not values:
        return (0.0, 0.0)
    m = sum(values) / len(values)
    return (m, math.sqrt(sum((v - m) ** 2 for v in values) / len(values)))


def intervals_overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """True when two closed intervals share a point."""
    return a[0] <= b[1] and b[0] <= a[1]


__all__ = [
    "CSAT_CUTOFF",
    "Z95",
    "csat",
    "intervals_overlap",
    "is_nps_scale",
    "mean_std",
    "msi",
    "net_sentiment",
    "normalise_rating",
    "nps",
    "wilson_interval",
]
