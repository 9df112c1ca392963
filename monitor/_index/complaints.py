"""Complaint figures: how many await an answer, since when, and how fast answers come (pure).

Everything is *as of* an instant ``at`` (the caller's clock): a complaint published after
``at`` does not exist yet, and one answered after ``at`` is still open at ``at``.

Per brand and source, and per brand over all its sources (``source=None``):

* ``open``, ``answered``, ``complaints`` (both), ``oldest_open_s`` (the age of the longest
  waiting), ``overdue`` (open for longer than the target);
* ``due``: complaints that had to be answered by ``at`` — every answered one, and the open
  ones older than the target (an open complaint still within the target is not late yet);
* ``answered_in_time``: answered within the target; ``answered_in_time_share`` =
  ``answered_in_time / due`` (``None`` when nothing is due);
* ``median_response_s``: the median time from publication to answer of the answered ones
  (an answer stamped before its mention — clocks disagree — counts as 0).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol


class Waiting(Protocol):
    """A complaint as the figures read it."""

    @property
    def brand(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def published_at(self) -> datetime: ...
    @property
    def answered_at(self) -> datetime | None: ...


def answered_by_then(answered_at: datetime | None, at: datetime) -> bool:
    """Whether an answer given at ``answered_at`` exists at ``at``."""
    return answered_at is not None and answered_at <= at


def response_time(published_at: datetime, answered_at: datetime) -> timedelta:
    """From publication to answer (never negative)."""
    return max(answered_at - published_at, timedelta(0))


@dataclass(frozen=True, slots=True)
class ComplaintFigures:
    """One brand's complaint figures, of one source or (``source=None``) all its sources.

    Times are seconds; see :mod:`monitor._index.complaints` for each figure's definition.
    """

    brand: str
    source: str | None
    complaints: int
    open: int
    answered: int
    overdue: int
    oldest_open_s: float | None
    due: int
    answered_in_time: int
    answered_in_time_share: float | None
    median_response_s: float | None
    target_s: float

    def to_dict(self) -> dict[str, Any]:
        """The figures as a JSON-ready dict."""
        return asdict(self)


@dataclass(slots=True)
class _Acc:
    open_ages: list[float]
    responses: list[float]
    in_time: int = 0


def figures(items: Iterable[Waiting], at: datetime, target: timedelta) -> list[ComplaintFigures]:
    """The figures of ``items`` as of ``at`` per brand (all sources first) and source, by name."""
    acc: dict[tuple[str, str | None], _Acc] = {}
    for c in items:
        if c.published_at > at:
            continue
        for key in ((c.brand, None), (c.brand, c.source)):
            a = acc.setdefault(key, _Acc([], []))
            if answered_by_then(c.answered_at, at):
                assert c.answered_at is not None
                took = response_time(c.published_at, c.answered_at)
                a.responses.append(took.total_seconds())
                a.in_time += took <= target
            else:
                a.open_ages.append((at - c.published_at).total_seconds())
    limit = target.total_seconds()
    out = []
    for (brand, source), a in sorted(acc.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        overdue = sum(age > limit for age in a.open_ages)
        due = len(a.responses) + overdue
        out.append(
            ComplaintFigures(
                brand=brand,
                source=source,
                complaints=len(a.open_ages) + len(a.responses),
                open=len(a.open_ages),
                answered=len(a.responses),
                overdue=overdue,
                oldest_open_s=max(a.open_ages) if a.open_ages else None,
                due=due,
                answered_in_time=a.in_time,
                answered_in_time_share=a.in_time / due if due else None,
                median_response_s=statistics.median(a.responses) if a.responses else None,
                target_s=limit,
            )
        )
    return out


__all__ = ["ComplaintFigures", "Waiting", "answered_by_then", "figures", "response_time"]
