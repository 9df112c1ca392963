"""Drivers of change (pure): which themes, aspects, sources or languages account for a move.

Two periods of equal length are compared: *before* and *after*. Every segment (a theme, an
aspect, a source, a language) carries its label counts in both. For each segment:

- **share of the new negative mentions**: its rise in negatives over the brand's rise in
  negatives (only when the brand's negatives rose), or over the summed rise of the
  segments of its dimension that rose when that is more (some segments fell while others
  rose); an aspect's (aspects overlap) is over the brand's rise alone, and at most 100 %;
- **share of the added volume**: the same for all mentions;
- **MSI effect** in points: the brand's MSI *after* minus the MSI it would have had if this
  segment alone had stayed as it was *before* (a counterfactual, so it needs no additivity:
  aspects overlap, a mention can talk about price and delivery).

Single-label dimensions (source, language, theme) share the brand's change out exactly; for
aspects the shares may overlap, and the wording says "about", not "of".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.errors import InvalidArgument, MonitorError

DIMENSIONS = ("theme", "aspect", "source", "lang")
#: Dimensions where one mention may belong to several segments.
OVERLAPPING = frozenset({"aspect"})
MIN_SHARE = 0.10  # a segment that explains less than this of a change is not named
MIN_EFFECT_POINTS = 1.0


@dataclass(frozen=True, slots=True)
class Counts:
    """Label counts of one period (a baseline scaled to the period's length may be fractional)."""

    positive: float = 0
    neutral: float = 0
    negative: float = 0

    @property
    def total(self) -> float:
        """All three labels."""
        return self.positive + self.neutral + self.negative

    @property
    def msi(self) -> float | None:
        """P / (P + N); ``None`` without a polar mention."""
        polar = self.positive + self.negative
        return None if polar <= 0 else self.positive / polar

    def scaled(self, factor: float) -> Counts:
        """Every count times ``factor`` (a baseline brought to the period's length)."""
        return Counts(self.positive * factor, self.neutral * factor, self.negative * factor)

    def plus(self, other: Counts) -> Counts:
        """The sum of two periods' counts."""
        return Counts(self.positive + other.positive, self.neutral + other.neutral, self.negative + other.negative)

    def minus(self, other: Counts) -> Counts:
        """These counts less ``other``'s."""
        return Counts(self.positive - other.positive, self.neutral - other.neutral, self.negative - other.negative)

    def to_dict(self) -> dict[str, float]:
        """The counts as a JSON-ready dict."""
        return {"positive": self.positive, "neutral": self.neutral, "negative": self.negative}


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment's counts in both periods; ``langs``: its languages after, most frequent first."""

    dimension: str
    key: str
    name: str
    before: Counts
    after: Counts
    langs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Driver:
    """A segment that accounts for part of the change, with the numbers that say how much."""

    dimension: str
    key: str
    name: str
    before: Counts
    after: Counts
    share_of_new_negative: float | None
    share_of_added_volume: float | None
    msi_effect: float | None  # points
    langs: tuple[str, ...] = ()

    def sentence(self, *, falling: bool) -> str:
        """One line: "… % of the new negative mentions are about X (sv, bg), up from 2 to 31"."""
        where = f" ({', '.join(self.langs)})" if self.langs else ""
        what = _what(self.dimension, self.name)
        if falling and self.share_of_new_negative is not None:
            return (
                f"{_pct(self.share_of_new_negative)} of the new negative mentions {what}{where}: "
                f"negative mentions up from {_n(self.before.negative)} to {_n(self.after.negative)}"
            )
        if self.msi_effect is not None and abs(self.msi_effect) >= MIN_EFFECT_POINTS:
            sign = "+" if self.msi_effect > 0 else "−"
            return (
                f"{self.name}{where} moved MSI {sign}{abs(self.msi_effect):.0f} points "
                f"({_n(self.before.total)} → {_n(self.after.total)} mentions, "
                f"MSI {_msi(self.before)} → {_msi(self.after)})"
            )
        if self.share_of_added_volume is not None:
            return (
                f"{_pct(self.share_of_added_volume)} of the added mentions {what}{where}: "
                f"up from {_n(self.before.total)} to {_n(self.after.total)}"
            )
        return f"{self.name}{where}: {_n(self.before.total)} → {_n(self.after.total)} mentions"

    def to_dict(self) -> dict[str, Any]:
        """The driver as a JSON-ready dict."""
        return {
            "dimension": self.dimension,
            "key": self.key,
            "name": self.name,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "share_of_new_negative": self.share_of_new_negative,
            "share_of_added_volume": self.share_of_added_volume,
            "msi_effect": self.msi_effect,
            "langs": list(self.langs),
        }


@dataclass(frozen=True, slots=True)
class DriverReport:
    """The brand's move between two periods and the segments that account for it."""

    brand: str
    before: Counts
    after: Counts
    drivers: tuple[Driver, ...] = field(default_factory=tuple)
    days: int | None = None  # the period's length, when known
    baseline_days: int | None = None  # the baseline's (scaled to ``days`` when longer)

    @property
    def window(self) -> str:
        """What is compared with what, in words ("" when the periods are not known)."""
        if self.days is None:
            return ""
        span = "the day" if self.days == 1 else f"the {self.days} days"
        base = self.baseline_days or self.days
        if base == self.days:
            return f"{span} against the {'day' if base == 1 else f'{base} days'} before"
        unit = "daily" if self.days == 1 else f"{self.days}-day"
        return f"{span} against the {unit} average of the {base} days before"

    @property
    def msi_change(self) -> float | None:
        """MSI after minus MSI before, in points (None when either has no polar mention)."""
        a, b = self.after.msi, self.before.msi
        return None if a is None or b is None else 100 * (a - b)

    @property
    def volume_change(self) -> float:
        """Mentions after minus mentions before."""
        return self.after.total - self.before.total

    @property
    def falling(self) -> bool:
        """Whether MSI fell."""
        change = self.msi_change
        return change is not None and change < 0

    def headline(self) -> str:
        """ "MSI fell 18 points (58 % → 40 %); 70 % of the new negative mentions are about …"."""
        change = self.msi_change
        if change is not None and round(change) != 0:
            verb = "fell" if change < 0 else "rose"
            first = f"MSI {verb} {abs(change):.0f} points ({_msi(self.before)} → {_msi(self.after)})"
        else:
            first = f"Mentions {_n(self.before.total)} → {_n(self.after.total)}, MSI {_msi(self.after)}"
        if not self.drivers:
            return first + "; no single theme, aspect, source or language accounts for it"
        return first + "; " + self.drivers[0].sentence(falling=self.falling)

    def lines(self) -> list[str]:
        """The headline's detail: one sentence per driver."""
        return [d.sentence(falling=self.falling) for d in self.drivers]

    def to_pandas(self) -> Any:
        """A pandas DataFrame, one row per driver."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise MonitorError("to_pandas() needs pandas: pip install 'mention-monitor[pandas]'") from exc
        return pd.DataFrame([d.to_dict() for d in self.drivers])

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict (its headline and drivers included)."""
        return {
            "brand": self.brand,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "msi_change": self.msi_change,
            "volume_change": self.volume_change,
            "headline": self.headline(),
            "days": self.days,
            "baseline_days": self.baseline_days,
            "drivers": [d.to_dict() for d in self.drivers],
        }


def _what(dimension: str, name: str) -> str:
    return {
        "theme": f"are about {name}",
        "aspect": f"talk about {name}",
        "source": f"come from {name}",
        "lang": f"are in {name}",
    }.get(dimension, f"are in {name}")


def _n(x: float) -> str:
    """A count: whole numbers as such, a daily average with one decimal."""
    return f"{x:.0f}" if abs(x - round(x)) < 0.05 else f"{x:.1f}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _msi(c: Counts) -> str:
    value = c.msi
    return "n/a" if value is None else f"{100 * value:.0f} %"


def _share(part: float, whole: float) -> float | None:
    if whole <= 0:
        return None
    return min(1.0, max(0.0, part / whole))


def _effect(total_after: Counts, seg: Segment) -> float | None:
    cf = total_after.minus(seg.after).plus(seg.before)
    a, b = total_after.msi, Counts(max(cf.positive, 0), 0, max(cf.negative, 0)).msi
    return None if a is None or b is None else 100 * (a - b)


def explain(
    brand: str,
    before: Counts,
    after: Counts,
    segments: Iterable[Segment],
    *,
    limit: int = 3,
) -> DriverReport:
    """The drivers of ``brand``'s move from ``before`` to ``after`` (whole-brand counts)."""
    new_negative = after.negative - before.negative
    added = after.total - before.total
    falling = (c := DriverReport(brand, before, after).msi_change) is not None and c < 0
    segments = list(segments)
    # A share's whole is the gross rise: where one segment rose and another fell, the rise of
    # each dimension's rising segments is more than the net change (a share never tops 100 %).
    gross_negative: dict[str, float] = {}
    gross_added: dict[str, float] = {}
    for seg in segments:
        if seg.dimension in OVERLAPPING:  # a mention may rise in two aspects: the net change stays the whole
            continue
        gross_negative[seg.dimension] = gross_negative.get(seg.dimension, 0.0) + max(
            0.0, seg.after.negative - seg.before.negative
        )
        gross_added[seg.dimension] = gross_added.get(seg.dimension, 0.0) + max(0.0, seg.after.total - seg.before.total)
    drivers: list[Driver] = []
    for seg in segments:
        whole_negative = max(new_negative, gross_negative.get(seg.dimension, 0.0))
        whole_added = max(added, gross_added.get(seg.dimension, 0.0))
        if seg.dimension not in DIMENSIONS:
            raise InvalidArgument.of(
                "dimension", seg.dimension, f"unknown driver dimension; expected one of {', '.join(DIMENSIONS)}"
            )
        drivers.append(
            Driver(
                seg.dimension,
                seg.key,
                seg.name,
                seg.before,
                seg.after,
                _share(seg.after.negative - seg.before.negative, whole_negative),
                _share(seg.after.total - seg.before.total, whole_added),
                _effect(after, seg),
                seg.langs,
            )
        )
    return DriverReport(
        brand,
        before,
        after,
        tuple(
            _rank(
                drivers, falling=falling, rising_msi=c is not None and c >= MIN_EFFECT_POINTS, rising_volume=added > 0
            )[:limit]
        ),
    )


def _rank(drivers: Sequence[Driver], *, falling: bool, rising_msi: bool, rising_volume: bool) -> list[Driver]:
    """Keep the segments that explain a meaningful part of the move, most explanatory first:
    of a fall, the new negatives; of a rise, the MSI effect; of a level MSI, the added volume."""

    def relevance(d: Driver) -> float:
        effect = abs(d.msi_effect or 0.0) / 100
        if falling:
            return max(d.share_of_new_negative or 0.0, effect)
        if rising_msi:
            return effect
        if rising_volume:
            return max(d.share_of_added_volume or 0.0, effect)
        return effect

    kept = [d for d in drivers if relevance(d) >= MIN_SHARE or abs(d.msi_effect or 0.0) >= MIN_EFFECT_POINTS * 5]
    # Prefer themes and aspects (they say *why*) over sources and languages on equal footing.
    order = {dim: i for i, dim in enumerate(DIMENSIONS)}
    return sorted(kept, key=lambda d: (-round(relevance(d), 2), order[d.dimension], d.name))


__all__ = ["DIMENSIONS", "Counts", "Driver", "DriverReport", "Segment", "explain"]
