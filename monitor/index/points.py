"""Index points: the figures of one period, built from label counts and rating histograms."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from monitor.index import formulas


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
        d = asdict(self)
        d["period_start"] = self.period_start.isoformat()
        return d


@dataclass(slots=True)
class Tally:
    """Mutable accumulator of counts and ratings for one period."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0
    unscored: int = 0
    ratings: dict[tuple[float, float, float], int] = field(default_factory=dict)

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
        key = (worst, best, value)
        self.ratings[key] = self.ratings.get(key, 0) + n

    def point(self, period_start: date, min_sample: int) -> Point:
        return make_point(
            period_start,
            self.positive,
            self.neutral,
            self.negative,
            self.unscored,
            ((w, b, v, n) for (w, b, v), n in self.ratings.items()),
            min_sample,
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
    """Compute every figure of a period from its counts and rating histogram."""
    hist = list(ratings)
    opinions = positive + negative
    interval = formulas.wilson_interval(positive, opinions)
    csat_value, csat_n = formulas.csat(hist)
    nps_value, nps_n = formulas.nps(hist)
    return Point(
        period_start=period_start,
        positive=positive,
        neutral=neutral,
        negative=negative,
        unscored=unscored,
        volume=positive + neutral + negative + unscored,
        msi=formulas.msi(positive, negative),
        msi_low=interval[0] if interval else None,
        msi_high=interval[1] if interval else None,
        low_sample=opinions < min_sample,
        net_sentiment=formulas.net_sentiment(positive, neutral, negative),
        csat=csat_value,
        csat_n=csat_n,
        nps=nps_value,
        nps_n=nps_n,
    )


__all__ = ["Point", "Tally", "make_point"]
