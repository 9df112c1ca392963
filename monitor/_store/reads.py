"""Reads that feed the index (its SQL): rollup sums per period, and mention listings.

Index figures come from ``daily_rollup`` / ``rating_rollup`` only (never a scan of raw
mentions); listings and 24-hour alert windows read ``mention`` through its indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, case, func, or_, select

from monitor._index.periods import By, period_start
from monitor._index.points import Point, Tally, series_points
from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import DIRTY_DAY_T as DD
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import RATING_ROLLUP_T as RR
from monitor._store.tables import SNAPSHOT_T as SN
from monitor._store.tables import SOURCE_T as SRC


def source_ids(conn: Connection, source: str | None) -> list[int] | None:
    """Ids of the sources named ``source`` or of that kind (None: no filter)."""
    if source is None:
        return None
    rows = conn.execute(select(SRC.c.id).where(or_(SRC.c.name == source, SRC.c.kind == source))).scalars().all()
    return [int(r) for r in rows]


def _filtered(
    q: Select[Any],
    table: Any,
    brand_ids: Sequence[int],
    start: date,
    end: date,
    sids: list[int] | None,
    lang: str | None,
) -> Select[Any]:
    q = q.where(table.c.brand_id.in_(list(brand_ids)), table.c.day >= start, table.c.day <= end)
    if sids is not None:
        q = q.where(table.c.source_id.in_(sids))
    if lang is not None:
        q = q.where(table.c.lang == lang)
    return q


def tallies(
    engine: Engine,
    brand_ids: Sequence[int],
    start: date,
    end: date,
    by: By,
    *,
    source: str | None = None,
    lang: str | None = None,
    group: str | None = None,
) -> dict[tuple[Any, date], Tally]:
    """Per (group key, period start) tallies; ``group`` is None, "brand", "source" or "lang".

    Reads the daily snapshots when they are current for the window and can answer the
    question (whole brand, one source kind or one language); otherwise the rollups.
    """
    with engine.connect() as conn:
        return _tallies(conn, brand_ids, start, end, by, source=source, lang=lang, group=group)


def _tallies(
    conn: Connection,
    brand_ids: Sequence[int],
    start: date,
    end: date,
    by: By,
    *,
    source: str | None,
    lang: str | None,
    group: str | None,
) -> dict[tuple[Any, date], Tally]:
    sids = source_ids(conn, source)
    out: dict[tuple[Any, date], Tally] = {}
    if sids == []:
        return out
    scope = _snapshot_scope(conn, source, lang, group)
    if scope is not None and not _dirty(conn, brand_ids, start, end):
        return _from_snapshots(conn, brand_ids, start, end, by, scope, group)
    gcol: Any
    if group == "brand":
        gcol = DR.c.brand_id
    elif group == "source":
        gcol = SRC.c.kind
    elif group == "lang":
        gcol = DR.c.lang
    else:
        gcol = None
    cols: list[Any] = [DR.c.day, DR.c.label, func.sum(DR.c.n)]
    if gcol is not None:
        cols.insert(0, gcol)
    q = select(*cols)
    if group == "source":
        q = q.select_from(DR.join(SRC, SRC.c.id == DR.c.source_id))
    q = _filtered(q, DR, brand_ids, start, end, sids, lang)
    q = q.group_by(*([gcol] if gcol is not None else []), DR.c.day, DR.c.label)
    for row in conn.execute(q):
        key, day, label, n = (row[0], row[1], row[2], row[3]) if gcol is not None else (None, row[0], row[1], row[2])
        t = out.setdefault((key, period_start(day, by, start)), Tally())
        t.add_label(label, int(n))
    rgcol: Any
    rgcol = {"brand": RR.c.brand_id, "source": SRC.c.kind, "lang": RR.c.lang}.get(group or "")
    rcols: list[Any] = [RR.c.day, RR.c.worst, RR.c.best, RR.c.value, func.sum(RR.c.n)]
    if rgcol is not None:
        rcols.insert(0, rgcol)
    rq = select(*rcols)
    if group == "source":
        rq = rq.select_from(RR.join(SRC, SRC.c.id == RR.c.source_id))
    rq = _filtered(rq, RR, brand_ids, start, end, sids, lang)
    rq = rq.group_by(*([rgcol] if rgcol is not None else []), RR.c.day, RR.c.worst, RR.c.best, RR.c.value)
    for row in conn.execute(rq):
        if rgcol is not None:
            key, day, worst, best, value, n = row
        else:
            key = None
            day, worst, best, value, n = row
        t = out.setdefault((key, period_start(day, by, start)), Tally())
        t.add_rating(float(worst), float(best), float(value), int(n))
    return out


def _snapshot_scope(
    conn: Connection, source: str | None, lang: str | None, group: str | None
) -> tuple[str, str | None] | None:
    """(scope, scope value or None for all values) answering the question, or None."""
    if source is not None and lang is not None:
        return None
    if group in (None, "brand"):
        if source is None and lang is None:
            return ("all", "")
        if lang is not None:
            return ("lang", lang)
        named = conn.execute(select(SRC.c.kind).where(SRC.c.name == source)).scalars().all()
        if any(k != source for k in named):  # a source *name*, not a kind
            return None
        return ("source", source)
    if source is None and lang is None and group in ("source", "lang"):
        return (group, None)
    return None


def _dirty(conn: Connection, brand_ids: Sequence[int], start: date, end: date) -> bool:
    q = select(DD.c.brand_id).where(DD.c.brand_id.in_(list(brand_ids)), DD.c.day >= start, DD.c.day <= end).limit(1)
    return conn.execute(q).first() is not None


def _from_snapshots(
    conn: Connection,
    brand_ids: Sequence[int],
    start: date,
    end: date,
    by: By,
    scope: tuple[str, str | None],
    group: str | None,
) -> dict[tuple[Any, date], Tally]:
    name, value = scope
    q = select(
        SN.c.brand_id,
        SN.c.scope_value,
        SN.c.day,
        SN.c.positive,
        SN.c.neutral,
        SN.c.negative,
        SN.c.unscored,
        SN.c.csat,
        SN.c.csat_n,
        SN.c.nps,
        SN.c.nps_n,
    ).where(SN.c.brand_id.in_(list(brand_ids)), SN.c.scope == name, SN.c.day >= start, SN.c.day <= end)
    if value is not None:
        q = q.where(SN.c.scope_value == value)
    out: dict[tuple[Any, date], Tally] = {}
    for b, sv, day, p, u, n, x, csat, csat_n, nps, nps_n in conn.execute(q):
        key = b if group == "brand" else (sv if group in ("source", "lang") else None)
        t = out.setdefault((key, period_start(day, by, start)), Tally())
        t.positive += p
        t.neutral += u
        t.negative += n
        t.unscored += x
        t.add_summary(csat, csat_n, nps, nps_n)
    return out


def series(
    engine: Engine,
    brand_ids: Sequence[int],
    start: date,
    end: date,
    by: By,
    min_sample: int,
    *,
    source: str | None = None,
    lang: str | None = None,
) -> list[Point]:
    """One point per period from ``start`` to ``end`` inclusive (empty periods included)."""
    return series_points(
        tallies(engine, brand_ids, start, end, by, source=source, lang=lang), start, end, by, min_sample
    )


def window_counts(engine: Engine, brand_id: int, edges: Sequence[datetime]) -> list[dict[str, int]]:
    """Label counts of mentions published in each window [edges[i], edges[i+1])."""
    lo, hi = edges[0], edges[-1]
    bucket = case(
        *[(and_(M.c.published_at >= edges[i], M.c.published_at < edges[i + 1]), i) for i in range(len(edges) - 1)],
        else_=-1,
    )
    q = (
        select(bucket.label("b"), M.c.label, func.count())
        .where(M.c.brand_id == brand_id, M.c.published_at >= lo, M.c.published_at < hi)
        .group_by("b", M.c.label)
    )
    out = [{"positive": 0, "neutral": 0, "negative": 0, "unscored": 0} for _ in range(len(edges) - 1)]
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    for b, label, n in rows:
        if b is not None and 0 <= int(b) < len(out):
            out[int(b)][label] = out[int(b)].get(label, 0) + int(n)
    return out


def mention_ids_by_brand(engine: Engine) -> dict[int, list[int]]:
    """Every mention's id, by brand id, ascending (benchmarks decorate generated stores with it)."""
    out: dict[int, list[int]] = {}
    with engine.connect() as conn:
        for mid, bid in conn.execute(select(M.c.id, M.c.brand_id).order_by(M.c.id)):
            out.setdefault(int(bid), []).append(int(mid))
    return out


__all__ = ["mention_ids_by_brand", "series", "source_ids", "tallies", "window_counts"]
