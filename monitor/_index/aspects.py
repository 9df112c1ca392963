"""Per-aspect figures: volume, share and MSI of each brand's mentions about each aspect,
beside the same figures of the other brands (its competitors). Pure: counts in, figures out.

* ``volume``: the brand's mentions in the window tagged with the aspect (a mention about
  two aspects counts in both);
* ``share``: that volume over the brand's mentions tagged so far in the window (how much
  of what is said is about this aspect);
* ``msi`` = P / (P + N) of those mentions, with its Wilson 95 % interval, *low sample*
  under ``min_sample`` opinions; ``net_sentiment`` = (P − N) / (P + U + N), −1…+1;
* ``others_*``: the same over every other brand's mentions of the aspect together, and
  ``msi_vs_others`` the difference of the two MSIs (``None`` when either is undefined).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from monitor._index import formulas


@dataclass(frozen=True, slots=True)
class LabelCounts:
    """Positive, neutral, negative and unscored mentions."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0
    unscored: int = 0

    @property
    def volume(self) -> int:
        return self.positive + self.neutral + self.negative + self.unscored

    def plus(self, label: str, n: int) -> LabelCounts:
        """These counts with ``n`` more mentions labelled ``label`` (anything else: unscored)."""
        field = label if label in ("positive", "neutral", "negative") else "unscored"
        return LabelCounts(**{**asdict(self), field: getattr(self, field) + n})

    def __add__(self, other: LabelCounts) -> LabelCounts:
        return LabelCounts(
            self.positive + other.positive,
            self.neutral + other.neutral,
            self.negative + other.negative,
            self.unscored + other.unscored,
        )


@dataclass(frozen=True, slots=True)
class AspectFigures:
    """One brand's figures for one aspect over a window (see the module docstring)."""

    brand: str
    aspect: str
    label: str
    volume: int
    share: float | None
    positive: int
    neutral: int
    negative: int
    unscored: int
    msi: float | None
    msi_low: float | None
    msi_high: float | None
    low_sample: bool
    net_sentiment: float | None
    others_volume: int
    others_msi: float | None
    msi_vs_others: float | None
    tagged: int  # the brand's mentions in the window tagged so far (the share's denominator)
    untagged: int  # the brand's mentions in the window not tagged yet

    def to_dict(self) -> dict[str, Any]:
        """The figures as a JSON-ready dict."""
        return asdict(self)


def figures(
    counts: Iterable[tuple[str, str, str, int]],
    aspects: Sequence[tuple[str, str]],
    brands: Sequence[str],
    totals: dict[str, tuple[int, int]],
    *,
    min_sample: int,
) -> list[AspectFigures]:
    """Figures per brand (in ``brands``' order) and aspect (``(name, label)`` in report order)
    from ``(brand, aspect, label, n)`` counts of every brand and each brand's ``(mentions,
    tagged)`` totals. An aspect no longer configured is left out; every configured one gets a
    row, with zeros when nobody talked about it."""
    table: dict[tuple[str, str], LabelCounts] = {}
    for brand, aspect, label, n in counts:
        table[(brand, aspect)] = table.get((brand, aspect), LabelCounts()).plus(label, n)
    every = {b for b, _ in table} | set(brands)
    out: list[AspectFigures] = []
    for brand in brands:
        total, tagged = totals.get(brand, (0, 0))
        for aspect, label in aspects:
            own = table.get((brand, aspect), LabelCounts())
            others = sum((table.get((b, aspect), LabelCounts()) for b in every if b != brand), LabelCounts())
            msi = formulas.msi(own.positive, own.negative)
            others_msi = formulas.msi(others.positive, others.negative)
            interval = formulas.wilson_interval(own.positive, own.positive + own.negative)
            out.append(
                AspectFigures(
                    brand=brand,
                    aspect=aspect,
                    label=label,
                    volume=own.volume,
                    share=own.volume / tagged if tagged else None,
                    positive=own.positive,
                    neutral=own.neutral,
                    negative=own.negative,
                    unscored=own.unscored,
                    msi=msi,
                    msi_low=interval[0] if interval else None,
                    msi_high=interval[1] if interval else None,
                    low_sample=own.positive + own.negative < min_sample,
                    net_sentiment=formulas.net_sentiment(own.positive, own.neutral, own.negative),
                    others_volume=others.volume,
                    others_msi=others_msi,
                    msi_vs_others=msi - others_msi if msi is not None and others_msi is not None else None,
                    tagged=tagged,
                    untagged=total - tagged,
                )
            )
    return out


__all__ = ["AspectFigures", "LabelCounts", "figures"]
