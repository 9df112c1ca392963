"""How the model's labels agree with the stars (pure): ``monitor model check`` and its alert.

A rated mention the model scored gives one pair: the stars' label
(:func:`monitor._labels.label_from_rating` of the normalised rating) and the model's label
(its newest counted score, whatever the mention's effective label). The store hands them in
as :class:`RatedCount` rows (counts per day, language, source, model label and rating);
:func:`check` sums them into :class:`Agreement` figures (n, the share that agree with its
Wilson 95 % interval, the 3×3 confusion matrix: rows the stars, columns the model) overall,
per language and per source; :func:`drop_alerts` compares the last 7 days with the 30 before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from monitor._index.alerts import Alert
from monitor._index.formulas import wilson_interval
from monitor._labels import LABELS, label_from_rating

RECENT_DAYS = 7  # the alert's recent window …
BEFORE_DAYS = 30  # … against the days just before it

Matrix = tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]


class RatedCount(NamedTuple):
    """How many rated mentions of one day, language and source the model gave one label, at one rating."""

    day: date
    lang: str  # "" when unknown
    source: str
    model_label: str
    rating_norm: float  # (rating - worst) / (best - worst)
    n: int


@dataclass(frozen=True, slots=True)
class Agreement:
    """How often the model's label is the stars' label, over one group of rated mentions.

    ``scope`` is ``"all"``, ``"lang"`` or ``"source"`` and ``key`` the language code or the
    source's name (``""`` for all). ``share`` is ``agree / n`` with its Wilson 95 % interval
    (``None`` when ``n`` is 0); ``matrix[i][j]`` counts mentions whose stars say ``LABELS[i]``
    and whose model says ``LABELS[j]`` (negative, neutral, positive).
    """

    scope: str
    key: str
    n: int
    agree: int
    share: float | None
    low: float | None
    high: float | None
    matrix: Matrix

    def cell(self, stars: str, model: str) -> int:
        """Mentions whose stars say ``stars`` and whose model says ``model``."""
        return self.matrix[LABELS.index(stars)][LABELS.index(model)]

    def to_dict(self) -> dict[str, Any]:
        """The figures as a flat JSON-ready dict; matrix cells as ``stars_<label>_model_<label>``."""
        out: dict[str, Any] = {
            "scope": self.scope,
            "key": self.key,
            "n": self.n,
            "agree": self.agree,
            "share": self.share,
            "low": self.low,
            "high": self.high,
        }
        for i, stars in enumerate(LABELS):
            for j, model in enumerate(LABELS):
                out[f"stars_{stars}_model_{model}"] = self.matrix[i][j]
        return out


@dataclass(frozen=True, slots=True)
class ModelCheck:
    """The model against the stars over ``start``..``end`` (local days, inclusive), for
    ``brand`` (``None``: every brand): :attr:`overall`, then per language and per source
    (most rated mentions first). ``to_pandas()`` gives one row per group."""

    brand: str | None
    start: date
    end: date
    overall: Agreement
    by_lang: tuple[Agreement, ...]
    by_source: tuple[Agreement, ...]

    @property
    def days(self) -> int:
        """The window's length in days."""
        return (self.end - self.start).days + 1

    @property
    def rows(self) -> tuple[Agreement, ...]:
        """Every group: overall, each language, each source."""
        return (self.overall, *self.by_lang, *self.by_source)

    def to_dict(self) -> dict[str, Any]:
        """The check as a JSON-ready dict (days in ISO 8601)."""
        return {
            "brand": self.brand,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
            "overall": self.overall.to_dict(),
            "by_lang": [a.to_dict() for a in self.by_lang],
            "by_source": [a.to_dict() for a in self.by_source],
        }

    def to_dicts(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per group (:attr:`rows`)."""
        return [a.to_dict() for a in self.rows]

    def to_pandas(self) -> Any:
        """A pandas DataFrame, one row per group (needs the ``pandas`` extra)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            from monitor.errors import MonitorError

            raise MonitorError("to_pandas() needs pandas: pip install 'mention-monitor[pandas]'") from exc
        return pd.DataFrame(self.to_dicts())


def agreement(rows: Iterable[RatedCount], scope: str = "all", key: str = "") -> Agreement:
    """The :class:`Agreement` of ``rows``."""
    cells = [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
    for r in rows:
        if r.model_label in LABELS:
            cells[LABELS.index(label_from_rating(r.rating_norm))][LABELS.index(r.model_label)] += r.n
    n = sum(map(sum, cells))
    agree = sum(cells[i][i] for i in range(3))
    low, high = wilson_interval(agree, n) or (None, None)
    matrix: Matrix = (
        (cells[0][0], cells[0][1], cells[0][2]),
        (cells[1][0], cells[1][1], cells[1][2]),
        (cells[2][0], cells[2][1], cells[2][2]),
    )
    return Agreement(scope, key, n, agree, agree / n if n else None, low, high, matrix)


def _groups(rows: list[RatedCount], scope: str) -> tuple[Agreement, ...]:
    by: dict[str, list[RatedCount]] = defaultdict(list)
    for r in rows:
        by[(r.lang or "unknown") if scope == "lang" else r.source].append(r)
    out = [agreement(members, scope, key) for key, members in by.items()]
    out.sort(key=lambda a: (-a.n, a.key))
    return tuple(a for a in out if a.n)


def check(rows: Iterable[RatedCount], *, brand: str | None, start: date, end: date) -> ModelCheck:
    """The :class:`ModelCheck` of the rows whose day lies in ``start``..``end``."""
    inside = [r for r in rows if start <= r.day <= end]
    return ModelCheck(brand, start, end, agreement(inside), _groups(inside, "lang"), _groups(inside, "source"))


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.0f} %"


def describe(check: ModelCheck) -> str:
    """One line: ``Model agrees with the stars on 84 % of 312 rated mentions (30 days)``."""
    a = check.overall
    if not a.n:
        return f"Model agreement with the stars: no rated mention scored by the model in {check.days} days"
    return f"Model agrees with the stars on {_pct(a.share)} of {a.n} rated mentions ({check.days} days)"


def _what(a: Agreement) -> str:
    if a.scope == "lang":
        return f"{a.key} mentions"
    return f"mentions on {a.key}"


def drop_alerts(brand: str, rows: Iterable[RatedCount], day: date, *, drop: float, min_sample: int) -> list[Alert]:
    """``model_disagrees`` alerts: per language and per source, the model's agreement with the
    stars over the 7 days ending on ``day`` lies more than ``drop`` below that of the 30 days
    before, with at least ``min_sample`` rated mentions in each window."""
    rows = list(rows)
    recent = check(rows, brand=brand, start=day - timedelta(days=RECENT_DAYS - 1), end=day)
    before_end = day - timedelta(days=RECENT_DAYS)
    before = check(rows, brand=brand, start=before_end - timedelta(days=BEFORE_DAYS - 1), end=before_end)
    past = {(a.scope, a.key): a for a in (*before.by_lang, *before.by_source)}
    alerts = []
    for now in (*recent.by_lang, *recent.by_source):
        then = past.get((now.scope, now.key))
        if then is None or now.n < min_sample or then.n < min_sample or now.share is None or then.share is None:
            continue
        if round(then.share - now.share, 9) <= drop:  # 0.9 - 0.6 is not quite 0.3 in floating point
            continue
        message = (
            f"{brand}: model disagrees with star ratings: {_what(now)}, {_pct(now.share)} vs {_pct(then.share)} "
            f"agreement (last {RECENT_DAYS} days, {now.n} rated, against the {BEFORE_DAYS} days before, {then.n} rated)"
        )
        numbers = {
            "scope": now.scope,
            "key": now.key,
            "share": now.share,
            "low": now.low,
            "high": now.high,
            "n": now.n,
            "before_share": then.share,
            "before_low": then.low,
            "before_high": then.high,
            "before_n": then.n,
            "drop": drop,
        }
        alerts.append(Alert("model_disagrees", brand, message, numbers))
    return alerts


__all__ = [
    "BEFORE_DAYS",
    "RECENT_DAYS",
    "Agreement",
    "Matrix",
    "ModelCheck",
    "RatedCount",
    "agreement",
    "check",
    "describe",
    "drop_alerts",
]
