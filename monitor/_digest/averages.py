"""The digest's "Average ratings": each source's latest AggregateRating and how it moved.

A source's aggregate (a shop's average stars) is stored once per local day as a rating
snapshot (``MentionIndex.ratings()``); it is a figure about the source, never a mention.
For each source of a brand the digest shows its latest snapshot of the last
:data:`STALE_DAYS` days ending on the digest day, and its change against the snapshots 7
and 30 days before that one. A day without a snapshot (a missed collection) is read as the
closest earlier snapshot up to :data:`GRACE_DAYS` before it; with none, no change is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from itertools import groupby

from monitor._digest.ports import DigestIndex, RatingView
from monitor._digest.records import AverageRating

STALE_DAYS = 30  # a latest snapshot older than this is not shown
GRACE_DAYS = 3
CHANGES = (7, 30)  # days back


def _as_of(points: Sequence[RatingView], day: date) -> RatingView | None:
    """The snapshot of ``day``, else the closest earlier one up to :data:`GRACE_DAYS` before it."""
    found = [p for p in points if day - timedelta(days=GRACE_DAYS) <= p.day <= day]
    return max(found, key=lambda p: p.day) if found else None


def _on_scale(p: RatingView) -> float:
    return (p.value - p.worst) / (p.best - p.worst) if p.best > p.worst else 0.0


def _change(now: RatingView, then: RatingView | None) -> float | None:
    """``now`` minus ``then`` on ``now``'s scale (a page that changed its scale compares fairly)."""
    if then is None:
        return None
    return (_on_scale(now) - _on_scale(then)) * (now.best - now.worst)


def average_ratings(points: Sequence[RatingView], day: date) -> tuple[AverageRating, ...]:
    """Each source's latest snapshot on or before ``day`` (and not stale), with its changes;
    by source name."""
    out = []
    ordered = sorted(points, key=lambda p: (p.source, p.day))
    for source, group in groupby(ordered, key=lambda p: p.source):
        own = [p for p in group if p.day <= day]
        if not own or own[-1].day <= day - timedelta(days=STALE_DAYS):
            continue
        latest = own[-1]
        week, month = (_as_of(own, latest.day - timedelta(days=n)) for n in CHANGES)
        out.append(
            AverageRating(
                source=source,
                item=latest.item,
                url=latest.url,
                day=latest.day,
                value=latest.value,
                worst=latest.worst,
                best=latest.best,
                rating_count=latest.rating_count,
                review_count=latest.review_count,
                week_change=_change(latest, week),
                month_change=_change(latest, month),
            )
        )
    return tuple(out)


def read_average_ratings(idx: DigestIndex, brand: str, day: date) -> tuple[AverageRating, ...]:
    """:func:`average_ratings` of ``brand``'s sources, read in one query."""
    start = day - timedelta(days=STALE_DAYS + max(CHANGES) + GRACE_DAYS)
    return average_ratings(idx.ratings(brand, start, day), day)


__all__ = ["CHANGES", "GRACE_DAYS", "STALE_DAYS", "average_ratings", "read_average_ratings"]
