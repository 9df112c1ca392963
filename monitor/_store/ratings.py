"""Rating snapshots: each source's schema.org AggregateRating per local day.

A page's aggregate (a shop's average stars, how many ratings it holds) is a figure about the
source, not a mention: it is kept in ``rating_snapshot``, one row per source and calendar day
in the index timezone, the day's latest reading winning; the index never counts it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from monitor._mention_rules import clean_optional
from monitor._records import AggregateRating
from monitor._store.dialect import as_utc, dialect_insert
from monitor._store.engine import writer
from monitor._store.tables import BRAND_T as BR
from monitor._store.tables import RATING_SNAPSHOT_T as RS
from monitor._store.tables import SOURCE_T as SRC
from monitor.errors import StorageError

MAX_ITEM = 500  # characters of the rated item's name kept
MAX_URL = 2000


@dataclass(frozen=True, slots=True)
class RatingPoint:
    """One source's AggregateRating on one day (its last reading that day)."""

    day: date
    source: str
    brand: str | None  # the brand the source is bound to
    value: float
    worst: float
    best: float
    rating_count: int | None
    review_count: int | None
    item: str | None
    url: str | None
    observed_at: datetime

    @property
    def count(self) -> int | None:
        """The ratings behind the average: ``rating_count``, else ``review_count``."""
        return self.rating_count if self.rating_count is not None else self.review_count

    @property
    def normalised(self) -> float:
        """``value`` on 0–1 (worst → 0, best → 1), comparable across scales."""
        return (self.value - self.worst) / (self.best - self.worst)

    def to_dict(self) -> dict[str, Any]:
        """The point as JSON-ready values (ISO dates, the derived count and 0–1 value included)."""
        d = asdict(self)
        d.update(day=self.day.isoformat(), observed_at=self.observed_at.isoformat())
        d.update(count=self.count, normalised=self.normalised)
        return d


def record(
    engine: Engine, tz: ZoneInfo, source: str, rating: AggregateRating, at: datetime, url: str | None = None
) -> date:
    """Keep ``rating`` as ``source``'s snapshot for ``at``'s local day; returns that day.

    Idempotent: the same reading twice is one row; a later reading the same day replaces
    it, an earlier one (a late writer) does not.
    """
    if at.tzinfo is None:
        raise StorageError("a rating snapshot's time must be timezone-aware")
    worst, best = rating.scale
    if not all(math.isfinite(x) for x in (rating.value, worst, best)) or not worst <= rating.value <= best:
        raise StorageError(f"rating {rating.value} is outside its scale {worst}–{best}; not stored")
    for n in (rating.rating_count, rating.review_count):
        if n is not None and not 0 <= n < 2**63:
            raise StorageError(f"rating count {n} is not a count; not stored")
    day = at.astimezone(tz).date()
    item = clean_optional(rating.item)
    values = {
        "value": rating.value,
        "worst": worst,
        "best": best,
        "rating_count": rating.rating_count,
        "review_count": rating.review_count,
        "item": item[:MAX_ITEM] if item else None,
        "url": (clean_optional(url) or "")[:MAX_URL] or None,
        "observed_at": as_utc(at),
    }
    with writer(engine).begin() as conn:
        sid = conn.execute(select(SRC.c.id).where(SRC.c.name == source)).scalar_one_or_none()
        if sid is None:
            raise StorageError(f"no source named {source!r}")
        stmt = dialect_insert(conn, RS).values(source_id=sid, day=day, **values)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["source_id", "day"],
                set_={k: stmt.excluded[k] for k in values},
                where=RS.c.observed_at <= stmt.excluded.observed_at,
            )
        )
    return day


def points(
    engine: Engine, start: date, end: date, *, brand_id: int | None = None, source: str | None = None
) -> list[RatingPoint]:
    """Snapshots from ``start`` to ``end`` (inclusive) of one brand's sources and/or one
    source, by source then day."""
    q = (
        select(RS, SRC.c.name.label("source_name"), BR.c.name.label("brand_name"))
        .join(SRC, SRC.c.id == RS.c.source_id)
        .outerjoin(BR, BR.c.id == SRC.c.brand_id)
        .where(RS.c.day >= start, RS.c.day <= end)
        .order_by(SRC.c.name, RS.c.day)
    )
    if brand_id is not None:
        q = q.where(SRC.c.brand_id == brand_id)
    if source is not None:
        q = q.where(SRC.c.name == source)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [
        RatingPoint(
            day=r.day,
            source=r.source_name,
            brand=r.brand_name,
            value=r.value,
            worst=r.worst,
            best=r.best,
            rating_count=r.rating_count,
            review_count=r.review_count,
            item=r.item,
            url=r.url,
            observed_at=as_utc(r.observed_at),
        )
        for r in rows
    ]


__all__ = ["RatingPoint", "points", "record"]
