"""Alert rules (pure): each returns an :class:`Alert` that says why, with its numbers.

The index attaches each alert's drivers (:mod:`monitor._index.drivers`) afterwards.

- ``msi_below_bar``: the last 24 h MSI is under the bar (not fired on a low sample unless
  even the Wilson upper bound is under the bar).
- ``msi_drop``: the last 24 h Wilson interval lies wholly below the trailing 7-day one.
- ``volume_spike`` / ``negative_spike``: the last 24 h count exceeds the mean of the seven
  previous 24-hour windows plus k·σ (and at least 5 mentions, so 0→1 is not a spike).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor._index import formulas

MIN_SPIKE_COUNT = 5


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert: what fired, for which brand, a sentence, and the numbers behind it."""

    kind: str
    brand: str
    message: str
    numbers: dict[str, Any] = field(default_factory=dict)
    #: What drove it: the segments behind the move, one sentence each (see :mod:`monitor._index.drivers`)
    drivers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The alert as a JSON-ready dict."""
        return {
            "kind": self.kind,
            "brand": self.brand,
            "message": self.message,
            "numbers": dict(self.numbers),
            "drivers": list(self.drivers),
        }


def _total(window: dict[str, int]) -> int:
    return sum(window.values())


def _negatives(window: dict[str, int]) -> int:
    return window["negative"]


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def evaluate(
    brand: str,
    windows: Sequence[dict[str, int]],
    *,
    bar: float,
    min_sample: int,
    k: float,
) -> list[Alert]:
    """Alerts from label counts of 24-hour windows, newest first (``windows[0]`` = last 24 h).

    ``windows[1:8]`` are the seven 24-hour windows before it.
    """
    if not windows:
        return []
    alerts: list[Alert] = []
    cur = windows[0]
    prev = list(windows[1:8])
    p, n = cur["positive"], cur["negative"]
    value = formulas.msi(p, n)
    ci = formulas.wilson_interval(p, p + n)
    low_sample = (p + n) < min_sample
    if value is not None and ci is not None and value < bar and (not low_sample or ci[1] < bar):
        alerts.append(
            Alert(
                "msi_below_bar",
                brand,
                f"{brand}: MSI over the last 24 h is {_pct(value)} (95 % CI {_pct(ci[0])}–{_pct(ci[1])}, "
                f"{p} positive / {n} negative), under the {_pct(bar)} bar" + (" (low sample)" if low_sample else ""),
                {
                    "msi": value,
                    "msi_low": ci[0],
                    "msi_high": ci[1],
                    "positive": p,
                    "negative": n,
                    "bar": bar,
                    "low_sample": low_sample,
                },
            )
        )
    if prev:
        tp = sum(w["positive"] for w in prev)
        tn = sum(w["negative"] for w in prev)
        trail = formulas.wilson_interval(tp, tp + tn)
        if ci is not None and trail is not None and ci[1] < trail[0]:
            alerts.append(
                Alert(
                    "msi_drop",
                    brand,
                    f"{brand}: MSI dropped to {_pct(value)} (CI {_pct(ci[0])}–{_pct(ci[1])}) from "
                    f"{_pct(formulas.msi(tp, tn))} over the previous 7 days (CI {_pct(trail[0])}–{_pct(trail[1])}); "
                    "the intervals no longer overlap",
                    {
                        "msi": value,
                        "msi_low": ci[0],
                        "msi_high": ci[1],
                        "trailing_msi": formulas.msi(tp, tn),
                        "trailing_low": trail[0],
                        "trailing_high": trail[1],
                    },
                )
            )
        for kind, count_of in (("volume_spike", _total), ("negative_spike", _negatives)):
            current = count_of(cur)
            history = [float(count_of(w)) for w in prev]
            mean, sd = formulas.mean_std(history)
            threshold = mean + k * sd
            if current >= MIN_SPIKE_COUNT and current > threshold:
                what = "mentions" if kind == "volume_spike" else "negative mentions"
                alerts.append(
                    Alert(
                        kind,
                        brand,
                        f"{brand}: {current} {what} in the last 24 h against a 7-day mean of {mean:.1f} "
                        f"(σ {sd:.1f}; threshold mean + {k:g}σ = {threshold:.1f})",
                        {"count": current, "mean": mean, "sd": sd, "k": k, "threshold": threshold},
                    )
                )
    return alerts


__all__ = ["MIN_SPIKE_COUNT", "Alert", "evaluate"]
