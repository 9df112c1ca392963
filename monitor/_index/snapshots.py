"""Daily index snapshot rows computed from rollup rows (pure; storing them is ``monitor._store.snapshots``).

A snapshot row holds the day's counts and figures for a brand as a whole (scope ``all``),
per source kind (``source``) and per language (``lang``), with the model versions behind
the scores, so the index of any past day survives retention of raw mentions.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from monitor._index.points import Point, Tally


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A stored daily index snapshot."""

    day: date
    scope: str
    scope_value: str
    point: Point
    model_versions: list[str]
    computed_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """The snapshot as a JSON-ready dict."""
        return {
            "day": self.day.isoformat(),
            "scope": self.scope,
            "scope_value": self.scope_value,
            **{k: v for k, v in self.point.to_dict().items() if k != "period_start"},
            "model_versions": self.model_versions,
            "computed_at": self.computed_at.isoformat(),
        }


def snapshot_rows(
    labels: Iterable[tuple[Any, ...]], ratings: Iterable[tuple[Any, ...]], min_sample: int, now: datetime
) -> list[dict[str, Any]]:
    """The snapshot rows of some brand-days, from their rollup rows (pure).

    ``labels``: ``(brand_id, day, source kind, lang, label, origin, n)``;
    ``ratings``: ``(brand_id, day, source kind, lang, worst, best, value, n)``.
    """
    tallies: dict[tuple[int, date, str, str], Tally] = defaultdict(Tally)
    models: dict[tuple[int, date], set[str]] = defaultdict(set)
    for b, d, kind, lang, label, origin, n in labels:
        if not n:
            continue
        for scope, value in (("all", ""), ("source", kind), ("lang", lang)):
            tallies[(b, d, scope, value)].add_label(label, int(n))
        if label != "unscored" and origin:
            models[(b, d)].add(origin)
    for b, d, kind, lang, worst, best, value, n in ratings:
        if not n:
            continue
        for scope, sval in (("all", ""), ("source", kind), ("lang", lang)):
            tallies[(b, d, scope, sval)].add_rating(float(worst), float(best), float(value), int(n))
    rows: list[dict[str, Any]] = []
    for (b, d, scope, value), t in sorted(tallies.items(), key=lambda kv: repr(kv[0])):
        p = t.point(d, min_sample)
        if p.volume == 0 and not t.csat_n:
            continue
        rows.append(
            {
                "brand_id": b,
                "day": d,
                "scope": scope,
                "scope_value": value,
                "positive": p.positive,
                "neutral": p.neutral,
                "negative": p.negative,
                "unscored": p.unscored,
                "volume": p.volume,
                "msi": p.msi,
                "msi_low": p.msi_low,
                "msi_high": p.msi_high,
                "low_sample": p.low_sample,
                "net_sentiment": p.net_sentiment,
                "csat": p.csat,
                "csat_n": p.csat_n,
                "nps": p.nps,
                "nps_n": p.nps_n,
                "model_versions": json.dumps(sorted(models.get((b, d), set()))),
                "computed_at": now,
            }
        )
    return rows


__all__ = ["Snapshot", "snapshot_rows"]
