"""Stored daily index snapshots, refreshed for brand-days whose rollups changed.

A snapshot row holds the day's counts and figures for a brand as a whole (scope ``all``),
per source kind (``source``) and per language (``lang``), with the model versions behind
the scores, so the index of any past day survives retention of raw mentions.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from monitor.index.points import Tally
from monitor.store.engine import writer
from monitor.store.tables import DAILY_ROLLUP_T as DR
from monitor.store.tables import DIRTY_DAY_T as DD
from monitor.store.tables import RATING_ROLLUP_T as RR
from monitor.store.tables import SNAPSHOT_T as SN
from monitor.store.tables import SOURCE_T as SRC

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


__all__ = ["refresh", "snapshot_rows"]
