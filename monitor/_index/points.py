"""Index points: the figures of one period, built from label counts and rating histograms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from monitor._index import formulas
from monitor._index.periods import By, periods


@dataclass(frozen=True, slots=True)
class Point:
    """The index over one period (fractions 0–1; msi/csat/nps None when undefined)."""

    period_start: date
    positive: int
    neutral: int
    negative: int
    unscored: int
    volume: int
    msi: float | None
    msi_low: float | None
    msi_high: float | None
    low_sample: bool
    net_sentiment: float | None
    csat: float | None
    csat_n: int
    nps: float | None
    nps_n: int

    def to_dict(self) -> dict[str, Any]:
        """The point as a JSON-ready dict."""
        d = asdict(self)
        d["period_start"] = self.period_start.isoformat()
        return d


@dataclass(slots=True)
class Tally:
    """Mutable accumulator of one period: label counts and rating sums.

    Ratings accumulate as sufficient statistics (satisfied count, NPS net count), so a
    period can be summed from rating histograms or from stored daily snapshots alike.
    """

    positive: int = 0
    neutral: int = 0
    negative: int = 0
    unscored: int = 0
    csat_satisfied: int = 0
    csat_n: int = 0
    nps_net: int = 0  # promoters − detractors
    nps_n: int = 0

    def add_label(self, label: str, n: int) -> None:
        if label == "positive":
            self.positive += n
        elif label == "neutral":
            self.neutral += n
        elif label == "negative":
            self.negative += n
        else:
            self.unscored += n

    def add_rating(self, worst: float, best: float, value: float, n: int) -> None:
        sat, _ = formulas.csat([(worst, best, value, 1)])
        self.csat_n += n
        self.csat_satisfied += n if sat else 0
        if formulas.is_nps_scale(worst, best):
            self.nps_n += n
            self.nps_net += n if value >= 9 else (-n if value <= 6 else 0)

    def add_summary(self, csat: float | None, csat_n: int, nps: float | None, nps_n: int) -> None:
        """Add a stored day's CSAT/NPS (fractions × counts are exact integers)."""
        if csat is not None and csat_n:
            self.csat_n += csat_n
            self.csat_satisfied += round(csat * csat_n)
        if nps is not None and nps_n:
            self.nps_n += nps_n
            self.nps_net += round(nps * nps_n)

    def point(self, period_start: date, min_sample: int) -> Point:
        p, u, n = self.positive, self.neutral, self.negative
        interval = formulas.wilson_interval(p, p + n)
        return Point(
            period_start=period_start,
            positive=p,
            neutral=u,
            negative=n,
            unscored=self.unscored,
            volume=p + u + n + self.unscored,
            msi=formulas.msi(p, n),
            msi_low=interval[0] if interval else None,
            msi_high=interval[1] if interval else None,
            low_sample=(p + n) < min_sample,
            net_sentiment=formulas.net_sentiment(p, u, n),
            csat=self.csat_satisfied / self.csat_n if self.csat_n else None,
            csat_n=self.csat_n,
            nps=self.nps_net / self.nps_n if self.nps_n else None,
            nps_n=self.nps_n,
        )


def make_point(
    period_start: date,
    positive: int,
    neutral: int,
    negative: int,
    unscored: int,
    ratings: Iterable[tuple[float, float, float, int]],
    min_sample: int,
) -> Point:
    """Compute every figure of a period from its counts and ``(worst, best, value, n)`` ratings."""
    t = Tally(positive, neutral, negative, unscored)
    for worst, best, value, n in ratings:
        t.add_rating(worst, best, value, n)
    return t.point(period_start, min_sample)


def series_points(
    tallies: Mapping[tuple[object, date], Tally], start: date, end: date, by: By, min_sample: int
) -> list[Point]:
    """One point per period from ``start`` to ``end`` (empty periods included), from ungrouped tallies."""
    return [tallies.get((None, p), Tally()).point(p, min_sample) for p in periods(start, end, by)]


__all__ = ["Point", "Tally", "make_point", "series_points"]
