"""Stored daily index snapshots, refreshed for brand-days whose rollups changed.

A snapshot row holds the day's counts and figures for a brand as a whole (scope ``all``),
per source kind (``source``) and per language (``lang``), with the model versions behind
the scores, so the index of any past day survives retention of raw mentions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, and_, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from monitor._index.snapshots import snapshot_rows
from monitor._store import insight_rollups
from monitor._store.engine import writer
from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import DIRTY_DAY_T as DD
from monitor._store.tables import RATING_ROLLUP_T as RR
from monitor._store.tables import SNAPSHOT_T as SN
from monitor._store.tables import SOURCE_T as SRC

_CHUNK = 400


def refresh(engine: Engine, min_sample: int, *, now: datetime | None = None) -> int:
    """Recompute snapshots of every dirty brand-day; returns how many brand-days."""
    now = now or datetime.now(UTC)
    done = 0
    while True:
        with writer(engine).begin() as conn:
            q = select(DD.c.brand_id, DD.c.day).order_by(DD.c.brand_id, DD.c.day).limit(_CHUNK)
            if conn.dialect.name == "postgresql":  # concurrent refreshers take disjoint days
                q = q.with_for_update(skip_locked=True)
            dirty = conn.execute(q).all()
            if not dirty:
                return done
            keys = [(int(b), d) for b, d in dirty]
            _refresh_days(conn, keys, min_sample, now)
            insight_rollups.recompute(conn, keys)  # labels changed: the theme and aspect day counts too
            conn.execute(delete(DD).where(tuple_(DD.c.brand_id, DD.c.day).in_(keys)))
            done += len(keys)


def _refresh_days(conn: Connection, keys: list[tuple[int, date]], min_sample: int, now: datetime) -> None:
    brands = sorted({b for b, _ in keys})
    days = sorted({d for _, d in keys})
    wanted = set(keys)
    q = (
        select(DR.c.brand_id, DR.c.day, SRC.c.kind, DR.c.lang, DR.c.label, DR.c.origin, DR.c.n)
        .select_from(DR.join(SRC, SRC.c.id == DR.c.source_id))
        .where(and_(DR.c.brand_id.in_(brands), DR.c.day.in_(days), DR.c.n != 0))
    )
    rq = (
        select(RR.c.brand_id, RR.c.day, SRC.c.kind, RR.c.lang, RR.c.worst, RR.c.best, RR.c.value, RR.c.n)
        .select_from(RR.join(SRC, SRC.c.id == RR.c.source_id))
        .where(and_(RR.c.brand_id.in_(brands), RR.c.day.in_(days), RR.c.n != 0))
    )
    labels = [tuple(r) for r in conn.execute(q) if (r[0], r[1]) in wanted]
    ratings = [tuple(r) for r in conn.execute(rq) if (r[0], r[1]) in wanted]
    rows = snapshot_rows(labels, ratings, min_sample, now)
    conn.execute(delete(SN).where(tuple_(SN.c.brand_id, SN.c.day).in_(keys)))
    if rows:
        # Another process may have refreshed the same day meanwhile: last writer wins.
        ins = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(SN)
        pk = ["brand_id", "day", "scope", "scope_value"]
        ins = ins.on_conflict_do_update(index_elements=pk, set_={c: ins.excluded[c] for c in rows[0] if c not in pk})
        conn.execute(ins, rows)


__all__ = ["refresh"]
