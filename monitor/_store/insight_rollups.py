"""Daily rollups of themes and aspects: ``theme_day`` and ``aspect_day``, kept per brand-day.

The theme and aspect figures over a long window (the dashboard's brand page, the drivers)
read these instead of every mention's theme and tags. A brand-day's rows are recomputed from
the mentions, never incremented, so they are exact whatever changed:

- by the themes update and the aspect tagger, for the days they touched, in their transaction;
- by :func:`monitor._store.snapshots.refresh`, for the dirty brand-days (labels changed);
- all of them after a timezone change (:meth:`~monitor._store.rollups.RollupsStore.rebuild_rollups`);
  ``aspect_day`` is emptied with the tags when the aspect config changes.

Reads take clean days from the rollups and dirty days (labels changed, snapshot not yet
refreshed) from the mentions, so a figure always equals the raw count. Days on or before
the retention cutoff are never recomputed: their raw mentions may be gone, their rollups stay.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, and_, delete, exists, func, literal, select, tuple_

from monitor._dates import parse_day, parse_iso
from monitor._index.periods import day_bounds_utc
from monitor._store.meta import RETENTION_CUTOFF, RETENTION_FLOOR_DAY
from monitor._store.tables import DIRTY_DAY_T as DD
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import META_T as META
from monitor._store.tables_insights import ASPECT_DAY_T as AD
from monitor._store.tables_insights import MENTION_ASPECT_T as MA
from monitor._store.tables_insights import THEME_DAY_T as TD
from monitor._store.theme_tables import MENTION_THEME_T as MT

#: ``aspect_day``'s aspect for "tagged at all" (one per mention, whatever its aspects).
TAGGED = "*"
#: The aspect of the one tag row a mention tagged with no aspect gets (as ``aspects.NO_ASPECT``).
NO_ASPECT = "-"
#: PostgreSQL advisory lock namespace: one brand's rollups are recomputed by one writer at a time.
_LOCK_SPACE = 0x4D4D
_IN = 500

Key = tuple[int, date]
_RETENTION_KEYS = (RETENTION_FLOOR_DAY, RETENTION_CUTOFF, "retention_applied")


def aligned_days(since: datetime, until: datetime, tz: tzinfo) -> tuple[date, date] | None:
    """The local days ``[since, until)`` covers exactly (first, last), or None when either
    end is not a local midnight in ``tz`` (the window then reads the mentions)."""
    if since.tzinfo is None or until.tzinfo is None:  # naive: UTC, as the store reads it
        since, until = since.replace(tzinfo=since.tzinfo or UTC), until.replace(tzinfo=until.tzinfo or UTC)
    lo, hi = since.astimezone(tz), until.astimezone(tz)
    if lo.timetz().replace(tzinfo=None) != time() or hi.timetz().replace(tzinfo=None) != time():
        return None
    first, last = lo.date(), hi.date() - timedelta(days=1)
    return (first, last) if first <= last else None


def published_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants surely enclosing local days ``first``..``last`` in any timezone (±14 h):
    they let a per-day read use the mentions' (brand, published_at) index."""
    lo = datetime.combine(first - timedelta(days=1), time(), tzinfo=UTC)
    hi = datetime.combine(last + timedelta(days=2), time(), tzinfo=UTC)
    return lo, hi


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days (first, last)."""
    out: list[tuple[date, date]] = []
    for d in sorted(set(days)):
        if out and d - out[-1][1] == timedelta(days=1):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def lock(conn: Connection, brand_ids: Iterable[int]) -> None:
    """Serialise writes to these brands' rollups and retention's deletes (PostgreSQL; SQLite
    has one writer): transaction-scoped advisory locks, taken in brand order."""
    if conn.dialect.name == "postgresql":
        for b in sorted(set(brand_ids)):
            conn.execute(select(func.pg_advisory_xact_lock(_LOCK_SPACE, b)))


def _last_retained_day(conn: Connection) -> date | None:
    """The last local day raw mentions may be missing from (retention), or None: the one
    retention recorded in the index timezone (:data:`RETENTION_FLOOR_DAY`), else one a day
    past the cutoff's UTC date (retention run before it was recorded), else the first stored
    day when retention ran before the cutoff was recorded (as ``monitor verify`` reads it)."""
    q = select(META.c.key, META.c.value).where(META.c.key.in_(_RETENTION_KEYS))
    meta = {str(k): str(v) for k, v in conn.execute(q)}
    if meta.get(RETENTION_FLOOR_DAY):
        return parse_day(str(meta[RETENTION_FLOOR_DAY]))
    if meta.get(RETENTION_CUTOFF):
        return parse_iso(str(meta[RETENTION_CUTOFF])).astimezone(UTC).date() + timedelta(days=1)
    if meta.get("retention_applied") == "1":
        first = conn.execute(select(func.min(M.c.day))).scalar()
        return first if isinstance(first, date) else None
    return None


def retention_floor(cut: datetime, tz: ZoneInfo) -> date:
    """The last local day in ``tz`` that starts before ``cut`` (its mentions may be gone; every
    later day is whole)."""
    day = cut.astimezone(tz).date()
    return day - timedelta(days=1) if day_bounds_utc(day, tz)[0] >= cut else day


class Placed(NamedTuple):
    """Where a stored mention falls: its brand-day (a rollup key) and publication time."""

    brand_id: int
    day: date
    published_at: datetime

    @property
    def key(self) -> Key:
        return (self.brand_id, self.day)


def placed(conn: Connection, mention_ids: Iterable[int]) -> dict[int, Placed]:
    """Each of ``mention_ids`` still stored, by id: one read for a write that must know both
    which mentions are there and which brand-days it touches."""
    ids = sorted(set(mention_ids))
    out: dict[int, Placed] = {}
    for i in range(0, len(ids), _IN):
        q = select(M.c.id, M.c.brand_id, M.c.day, M.c.published_at).where(M.c.id.in_(ids[i : i + _IN]))
        out.update({int(r[0]): Placed(int(r[1]), r[2], r[3]) for r in conn.execute(q)})
    return out


def recompute(conn: Connection, keys: Iterable[Key]) -> None:
    """Recompute ``theme_day`` and ``aspect_day`` of these brand-days from the mentions."""
    by_brand: dict[int, set[date]] = {}
    for b, d in keys:
        by_brand.setdefault(int(b), set()).add(d)
    if not by_brand:
        return
    lock(conn, by_brand)
    floor = _last_retained_day(conn)  # after the lock: retention's deletes take it too
    for brand_id, days in sorted(by_brand.items()):
        for first, last in _runs(d for d in days if floor is None or d > floor):
            lo, hi = published_bounds(first, last)
            scope = and_(M.c.brand_id == brand_id, M.c.published_at >= lo, M.c.published_at < hi)
            span = and_(M.c.day >= first, M.c.day <= last)
            mine = and_(TD.c.brand_id == brand_id, TD.c.day >= first, TD.c.day <= last)
            conn.execute(delete(TD).where(mine))
            conn.execute(delete(AD).where(AD.c.brand_id == brand_id, AD.c.day >= first, AD.c.day <= last))
            _fill(conn, and_(scope, span))


def clear_aspects(conn: Connection) -> None:
    """Empty ``aspect_day`` (the tags were reset), under every brand's lock. Days retention
    thinned lose their aspect history: their tags mean another config's aspects."""
    lock(conn, conn.execute(select(M.c.brand_id).distinct()).scalars())
    conn.execute(delete(AD))


def recompute_all(conn: Connection) -> None:
    """Recompute every brand-day's rollups (after the mentions' days changed; never after
    retention, which :meth:`~monitor._store.rollups.RollupsStore.rebuild_rollups` refuses)."""
    lock(conn, conn.execute(select(M.c.brand_id).distinct()).scalars())
    conn.execute(delete(TD))
    conn.execute(delete(AD))
    _fill(conn, literal(True))


def _counts(where: Any) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """The rollup rows of the mentions ``where`` selects: themes, aspects, tagged at all."""
    lang = func.coalesce(M.c.lang, "")
    themes = (
        select(M.c.brand_id, M.c.day, MT.c.theme_id, lang, M.c.label, func.count())
        .select_from(M.join(MT, MT.c.mention_id == M.c.id))
        .where(where, MT.c.theme_id.is_not(None))
        .group_by(M.c.brand_id, M.c.day, MT.c.theme_id, lang, M.c.label)
    )
    aspects = (
        select(M.c.brand_id, M.c.day, MA.c.aspect, M.c.label, func.count())
        .select_from(M.join(MA, MA.c.mention_id == M.c.id))
        .where(where, MA.c.aspect != NO_ASPECT)
        .group_by(M.c.brand_id, M.c.day, MA.c.aspect, M.c.label)
    )
    tagged = (
        select(M.c.brand_id, M.c.day, literal(TAGGED), M.c.label, func.count())
        .where(where, exists().where(MA.c.mention_id == M.c.id))
        .group_by(M.c.brand_id, M.c.day, M.c.label)
    )
    return themes, aspects, tagged


def _fill(conn: Connection, where: Any) -> None:
    """Insert the rollup rows of the mentions ``where`` selects (their old rows deleted)."""
    themes, aspects, tagged = _counts(where)
    conn.execute(TD.insert().from_select(["brand_id", "day", "theme_id", "lang", "label", "n"], themes))
    for q in (aspects, tagged):
        conn.execute(AD.insert().from_select(["brand_id", "day", "aspect", "label", "n"], q))


def recount(conn: Connection) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """What ``theme_day`` and ``aspect_day`` should hold, counted from the mentions (``monitor verify``)."""
    themes, aspects, tagged = _counts(literal(True))
    td: Counter[tuple[Any, ...]] = Counter({tuple(r[:-1]): int(r[-1]) for r in conn.execute(themes)})
    ad: Counter[tuple[Any, ...]] = Counter()
    for q in (aspects, tagged):
        ad.update({tuple(r[:-1]): int(r[-1]) for r in conn.execute(q)})
    return td, ad


def stored(conn: Connection) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """What ``theme_day`` and ``aspect_day`` hold (zero rows left out)."""
    keys = (TD.c.brand_id, TD.c.day, TD.c.theme_id, TD.c.lang, TD.c.label)
    td = Counter({tuple(r[:-1]): int(r[-1]) for r in conn.execute(select(*keys, TD.c.n).where(TD.c.n != 0))})
    akeys = (AD.c.brand_id, AD.c.day, AD.c.aspect, AD.c.label)
    ad = Counter({tuple(r[:-1]): int(r[-1]) for r in conn.execute(select(*akeys, AD.c.n).where(AD.c.n != 0))})
    return td, ad


#: More dirty brand-days in a window than this: the window is read from the mentions.
MAX_DIRTY = 200


def dirty_keys(conn: Connection, brand_ids: Sequence[int] | None, first: date, last: date) -> list[Key] | None:
    """The brand-days of the window whose labels changed since their rollups were computed
    (None: more than :data:`MAX_DIRTY`; read the mentions)."""
    q = select(DD.c.brand_id, DD.c.day).where(DD.c.day >= first, DD.c.day <= last)
    if brand_ids is not None:
        q = q.where(DD.c.brand_id.in_(list(brand_ids)))
    rows = [(int(b), d) for b, d in conn.execute(q.limit(MAX_DIRTY + 1))]
    return None if len(rows) > MAX_DIRTY else rows


def clean(table: Any, dirty: Sequence[Key]) -> Any:
    """A condition on a rollup ``table``'s row: its brand-day is not one of ``dirty``."""
    if not dirty:
        return literal(True)
    return ~tuple_(table.c.brand_id, table.c.day).in_(list(dirty))


def dirty_mentions(dirty: Sequence[Key]) -> Any:
    """A condition on a mention: it is of one of the ``dirty`` brand-days (bounded by
    published_at, so the mentions' (brand, published_at) index narrows the read)."""
    lo, hi = published_bounds(min(d for _, d in dirty), max(d for _, d in dirty))
    return and_(M.c.published_at >= lo, M.c.published_at < hi, tuple_(M.c.brand_id, M.c.day).in_(list(dirty)))


__all__ = [
    "MAX_DIRTY",
    "TAGGED",
    "Placed",
    "aligned_days",
    "clean",
    "clear_aspects",
    "dirty_keys",
    "dirty_mentions",
    "lock",
    "placed",
    "published_bounds",
    "recompute",
    "recompute_all",
    "recount",
    "retention_floor",
    "stored",
]
