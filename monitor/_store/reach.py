"""The reach rollup kept in step with the mentions, and the reads of reach-weighted figures.

``reach_rollup`` counts mentions with a reach of at least 1 by brand × day × source ×
language × effective label × reach level (:func:`monitor._index.reach.reach_level`). Every
write that adds a mention or changes its effective label moves it here too, in the same
transaction (:func:`add_reach`, :func:`move_reach`, :func:`write_reach`); a mention
without reach (or 0) is not here: it weighs 1, and its count is the daily rollup's minus
these. Reads sum both rollups, never raw mentions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select, tuple_

from monitor._index.periods import By, period_start
from monitor._index.reach import ReachTally, reach_level
from monitor._store.dialect import upsert_add
from monitor._store.reads import source_ids
from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SOURCE_T as SRC
from monitor._store.tables_reach import REACH_KEYS
from monitor._store.tables_reach import REACH_ROLLUP_T as RCH

ReachKey = tuple[int, date, int, str, str, int]
"""A ``reach_rollup`` key: brand id, day, source id, language, label, reach level."""


def add_reach(deltas: Counter[ReachKey], m: Any, label: str, n: int = 1) -> None:
    """Count ``n`` of mention ``m`` (a row or dict with brand_id, day, source_id, lang, reach)
    under ``label`` (negative ``n``: take it away); nothing for a mention without reach."""
    row: dict[str, Any] = m if isinstance(m, dict) else m._asdict()
    level = reach_level(row["reach"])
    if level:
        key: ReachKey = (int(row["brand_id"]), row["day"], int(row["source_id"]), row["lang"] or "", label, level)
        deltas[key] += n


def move_reach(deltas: Counter[ReachKey], m: Any, old_label: str, new_label: str) -> None:
    """Mention ``m`` moves from ``old_label`` to ``new_label``."""
    if old_label != new_label:
        add_reach(deltas, m, old_label, -1)
        add_reach(deltas, m, new_label, 1)


def write_reach(conn: Connection, deltas: Counter[ReachKey]) -> None:
    """Apply the deltas to ``reach_rollup`` in ``conn`` (zero deltas skipped)."""
    upsert_add(conn, RCH, REACH_KEYS, deltas)


def recount_reach(conn: Connection, days: Sequence[tuple[int, date]] | None = None) -> Counter[ReachKey]:
    """``reach_rollup`` counted from scratch from the mentions (of some brand-days, or all)."""
    cols = (M.c.brand_id, M.c.day, M.c.source_id, M.c.lang, M.c.label, M.c.reach)
    q = select(*cols, func.count()).where(M.c.reach > 0).group_by(*cols)
    if days is not None:
        q = q.where(tuple_(M.c.brand_id, M.c.day).in_(list(days)))
    out: Counter[ReachKey] = Counter()
    for b, d, s, lang, label, reach, n in conn.execute(q):
        out[(int(b), d, int(s), lang or "", label, reach_level(int(reach)))] += int(n)
    return out


def stored_reach(conn: Connection) -> Counter[ReachKey]:
    """``reach_rollup`` as stored (non-zero rows)."""
    out: Counter[ReachKey] = Counter()
    for r in conn.execute(select(*(RCH.c[k] for k in REACH_KEYS), RCH.c.n).where(RCH.c.n != 0)):
        out[(int(r[0]), r[1], int(r[2]), r[3], r[4], int(r[5]))] += int(r[6])
    return out


def reach_tallies(
    engine: Engine,
    brand_ids: Sequence[int],
    start: date,
    end: date,
    by: By,
    *,
    source: str | None = None,
    lang: str | None = None,
    group: str | None = None,
) -> dict[tuple[Any, date], ReachTally]:
    """Per (group key, period start) mentions by label and reach level; ``group`` is None,
    "brand", "source" (kind) or "lang" (as :func:`monitor._store.reads.tallies`)."""
    with engine.connect() as conn:
        sids = source_ids(conn, source)
        if sids == []:
            return {}
        totals = _sums(conn, DR, brand_ids, start, end, sids, lang, group, with_level=False)
        levels = _sums(conn, RCH, brand_ids, start, end, sids, lang, group, with_level=True)
    out: dict[tuple[Any, date], ReachTally] = {}
    plain: Counter[tuple[Any, date, str]] = Counter()
    for (key, day, label, _), n in totals.items():
        plain[(key, period_start(day, by, start), label)] += n
    for (key, day, label, level), n in levels.items():
        p = period_start(day, by, start)
        plain[(key, p, label)] -= n
        if n > 0:
            out.setdefault((key, p), ReachTally()).add(label, level, n)
    for (key, p, label), n in plain.items():
        if n > 0:
            out.setdefault((key, p), ReachTally()).add(label, 0, n)
    return out


def _sums(
    conn: Connection,
    table: Any,
    brand_ids: Sequence[int],
    start: date,
    end: date,
    sids: list[int] | None,
    lang: str | None,
    group: str | None,
    *,
    with_level: bool,
) -> Counter[tuple[Any, date, str, int]]:
    gcol: Any = {"brand": table.c.brand_id, "source": SRC.c.kind, "lang": table.c.lang}.get(group or "")
    cols: list[Any] = [table.c.day, table.c.label, *([table.c.level] if with_level else [])]
    keys: list[Any] = [gcol] if gcol is not None else []
    q = select(*keys, *cols, func.sum(table.c.n))
    if group == "source":
        q = q.select_from(table.join(SRC, SRC.c.id == table.c.source_id))
    where = [table.c.brand_id.in_(list(brand_ids)), table.c.day >= start, table.c.day <= end]
    if sids is not None:
        where.append(table.c.source_id.in_(sids))
    if lang is not None:
        where.append(table.c.lang == lang)
    q = q.where(and_(*where)).group_by(*keys, *cols)
    out: Counter[tuple[Any, date, str, int]] = Counter()
    for row in conn.execute(q):
        key, rest = (row[0], tuple(row[1:])) if gcol is not None else (None, tuple(row))
        level = int(rest[2]) if with_level else 0
        out[(key, rest[0], rest[1], level)] += int(rest[-1])
    return out


__all__ = [
    "ReachKey",
    "add_reach",
    "move_reach",
    "reach_tallies",
    "recount_reach",
    "stored_reach",
    "write_reach",
]
