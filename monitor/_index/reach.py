"""Reach-weighted MSI and volume (pure; beside the plain figures, never instead).

**Reach** is what a source says about how many people a mention reached or moved: the
author's followers (Mastodon), the net upvotes (Reddit score, Hacker News points), likes
(YouTube comments, Bluesky posts), views, or the people who found a review helpful (the
App Store's helpful votes, review pages). It is stored per mention as a count and its
kind (:data:`REACH_KINDS`); a source that gives none leaves it empty.

**The weight** of a mention is ``w = 1 + ln 2 · ⌊log₂(1 + reach)⌋``: ``1 + ln(1 + reach)``
with the reach rounded down to a power of two (so the rollups keep a small histogram of
*levels* ``⌊log₂(1 + reach)⌋`` instead of every count). No reach (or 0) weighs 1, like a
plain mention; 1 follower 1.69; 1,000 followers 7.2; 10 million 16.9. Kinds are mixed on
this log scale: a filter by source (or source kind) weighs one kind only.

**The cap**: within each period (and each figure), the weights are lowered to a common
ceiling ``c`` — the largest for which ``c ≤ 5 % × Σ min(wᵢ, c)`` — so no single mention
carries more than 5 % (:data:`SHARE_CAP`) of the period's total weight, however viral.
With fewer than 20 mentions no ceiling can hold that, and every mention weighs 1 (the
figure equals the plain one). The weighted MSI is ``W₊ / (W₊ + W₋)`` over the positive
and negative mentions' capped weights; its 95 % interval is Wilson's with Kish's
effective sample size ``n_eff = (Σw)² / Σw²`` in place of n, and it is *low sample* when
``n_eff`` is under the index's minimum sample. The weighted volume is the sum of every
mention's capped weight (unscored ones included), in "weighted mentions".
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from monitor._index.formulas import Z95, wilson_interval

#: What a reach counts (stored with the value).
REACH_KINDS = ("followers", "upvotes", "likes", "views", "helpful_votes")
#: No real count is this large (the most-followed accounts and most-viewed videos stay far below).
MAX_REACH = 100_000_000_000
#: No single mention carries more than this share of a period's total weight.
SHARE_CAP = 0.05
LN2 = math.log(2)
OPINION_LABELS = ("positive", "negative")


def reach_problem(value: object, kind: object) -> str | None:
    """Why ``(value, kind)`` is no storable reach, or ``None`` when it is (or both are absent)."""
    if value is None:
        return None if kind is None else f"reach kind {kind!r} without a reach"
    if isinstance(value, bool) or not isinstance(value, int):
        return f"reach {str(value)[:40]!r} is not a whole number"
    if value < 0:
        return f"reach {value} is negative"
    if value > MAX_REACH:
        return f"reach {value} is implausibly large (over {MAX_REACH:,})"
    if kind not in REACH_KINDS:
        return f"reach kind {str(kind)[:40]!r} is not one of {', '.join(REACH_KINDS)}"
    return None


def reach_level(reach: int | None) -> int:
    """``⌊log₂(1 + reach)⌋`` (exact, integer); 0 without reach."""
    if reach is None or reach <= 0:
        return 0
    return (reach + 1).bit_length() - 1


def level_weight(level: int) -> float:
    """The uncapped weight of a mention at ``level``: ``1 + level · ln 2``."""
    return 1.0 + level * LN2


def weight(reach: int | None) -> float:
    """The uncapped weight of a mention with ``reach``."""
    return level_weight(reach_level(reach))


def weight_cap(weights: Mapping[float, int], share: float = SHARE_CAP) -> float:
    """The ceiling ``c`` for a histogram ``{weight: mentions}``: the largest ``c ≥ 1`` with
    ``c ≤ share · Σ n·min(w, c)`` (no mention above ``share`` of the total); 1 when none
    exists (fewer than ``1 / share`` mentions). Weights are ≥ 1."""
    items = sorted((w, n) for w, n in weights.items() if n > 0)
    total_n = sum(n for _, n in items)
    if not items or share * total_n < 1:
        return 1.0
    # g(c) = share·S(c) − c is concave and piecewise linear with breaks at the weights;
    # walk the breaks upwards while g stays ≥ 0, then solve on the segment it turns negative.
    below_sum = 0.0  # Σ n·w of the weights ≤ the current break
    above_n = total_n  # mentions with a weight above it
    prev = 1.0
    for w, n in items:
        if share * (below_sum + above_n * w) < w:  # g(w) < 0: the root lies in (prev, w)
            return _root(below_sum, above_n, share, prev)
        below_sum += n * w
        above_n -= n
        prev = w
    return items[-1][0]  # no mention exceeds the share: nothing to cap


def _root(below_sum: float, above_n: int, share: float, lo: float) -> float:
    """Solve ``c = share · (below_sum + above_n · c)`` (it lies above ``lo``, where g ≥ 0)."""
    slope = 1 - share * above_n
    return max(lo, share * below_sum / slope) if slope > 0 else lo


def wilson(p: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of a share ``p`` over an effective sample ``n`` (may be fractional)."""
    if n <= 0:
        return None
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(max(0.0, p * (1 - p)) / n + z2 / (4 * n * n)) / denom
    return (min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half)))


@dataclass(frozen=True, slots=True)
class ReachPoint:
    """The plain and the reach-weighted figures of one period, side by side.

    ``volume``/``msi``/``msi_low``/``msi_high``/``low_sample`` are the plain figures (as
    :meth:`~monitor.MentionIndex.satisfaction` gives them); ``weighted_volume`` and
    ``weighted_msi`` (with its interval and ``weighted_low_sample``) weigh each mention by
    its capped reach weight (see :mod:`monitor._index.reach`); ``effective_n`` is Kish's
    effective sample of the weighted MSI, ``top_share`` the largest share of its weight
    one mention carries, ``weight_cap`` the ceiling applied to its weights and
    ``with_reach`` how many mentions had a reach of at least 1."""

    period_start: date
    volume: int
    positive: int
    negative: int
    msi: float | None
    msi_low: float | None
    msi_high: float | None
    low_sample: bool
    with_reach: int
    weighted_volume: float
    weighted_positive: float
    weighted_negative: float
    weighted_msi: float | None
    weighted_msi_low: float | None
    weighted_msi_high: float | None
    effective_n: float
    weighted_low_sample: bool
    top_share: float | None
    weight_cap: float

    def to_dict(self) -> dict[str, Any]:
        """The point as a JSON-ready dict."""
        d = asdict(self)
        d["period_start"] = self.period_start.isoformat()
        return d


@dataclass(slots=True)
class ReachTally:
    """One period's mentions by label and reach level (level 0: no reach, weight 1)."""

    levels: dict[str, Counter[int]] = field(default_factory=dict)

    def add(self, label: str, level: int, n: int) -> None:
        self.levels.setdefault(label, Counter())[level] += n

    def _hist(self, labels: Iterable[str] | None) -> Counter[float]:
        out: Counter[float] = Counter()
        for label, lv in self.levels.items():
            if labels is None or label in labels:
                for level, n in lv.items():
                    out[level_weight(level)] += n
        return out

    def _sum(self, label: str, cap: float) -> float:
        return float(sum(n * min(level_weight(lv), cap) for lv, n in self.levels.get(label, Counter()).items()))

    def point(self, period_start: date, min_sample: int, share: float = SHARE_CAP) -> ReachPoint:
        """Every figure of the period (see the module for the formulas)."""
        count = {label: sum(lv.values()) for label, lv in self.levels.items()}
        pos, neg = count.get("positive", 0), count.get("negative", 0)
        volume = sum(count.values())
        plain = wilson_interval(pos, pos + neg)
        all_hist = self._hist(None)
        vcap = weight_cap(all_hist, share)
        weighted_volume = float(sum(n * min(w, vcap) for w, n in all_hist.items()))
        op_hist = self._hist(OPINION_LABELS)
        cap = weight_cap(op_hist, share)
        wp, wn = self._sum("positive", cap), self._sum("negative", cap)
        total = wp + wn
        squares = sum(n * min(w, cap) ** 2 for w, n in op_hist.items())
        n_eff = total * total / squares if squares else 0.0
        wmsi = wp / total if total else None
        interval = wilson(wmsi, n_eff) if wmsi is not None else None
        return ReachPoint(
            period_start=period_start,
            volume=volume,
            positive=pos,
            negative=neg,
            msi=pos / (pos + neg) if pos + neg else None,
            msi_low=plain[0] if plain else None,
            msi_high=plain[1] if plain else None,
            low_sample=(pos + neg) < min_sample,
            with_reach=sum(n for lv in self.levels.values() for level, n in lv.items() if level > 0),
            weighted_volume=weighted_volume,
            weighted_positive=wp,
            weighted_negative=wn,
            weighted_msi=wmsi,
            weighted_msi_low=interval[0] if interval else None,
            weighted_msi_high=interval[1] if interval else None,
            effective_n=n_eff,
            weighted_low_sample=n_eff < min_sample,
            top_share=(min(max(w for w, n in op_hist.items() if n > 0), cap) / total) if total else None,
            weight_cap=cap,
        )


__all__ = [
    "MAX_REACH",
    "REACH_KINDS",
    "SHARE_CAP",
    "ReachPoint",
    "ReachTally",
    "level_weight",
    "reach_level",
    "reach_problem",
    "weight",
    "weight_cap",
    "wilson",
]
