"""``monitor verify``'s database side: recount rollups and snapshots, find duplicates, repair.

Rollups and snapshots are compared only for brand-days whose raw mentions are all still
stored: retention deletes mentions published before its cutoff (kept in ``meta``) but keeps
their rollups and snapshots, so those days cannot be recounted. Snapshots of days marked
dirty (awaiting a refresh) are not compared either; their rollups are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, and_, delete, func, select, tuple_

from monitor._dates import parse_iso
from monitor._index.snapshots import snapshot_rows
from monitor._integrity import (
    RATING_KEYS,
    ROLLUP_KEYS,
    DuplicateMention,
    RollupDifference,
    RunningRun,
    SnapshotDifference,
    VerifyReport,
    compare_counters,
    duplicate_ids,
    snapshot_fields,
)
from monitor._store import insight_rollups, snapshots
from monitor._store.dialect import upsert_add
from monitor._store.engine import writer
from monitor._store.meta import RETENTION_CUTOFF
from monitor._store.reach import recount_reach, stored_reach, write_reach
from monitor._store.rollups import recount
from monitor._store.tables import BRAND_T as BR
from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import DIRTY_DAY_T as DD
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import META_T as META
from monitor._store.tables import RATING_ROLLUP_T as RR
from monitor._store.tables import RUN_T as RUN
from monitor._store.tables import SNAPSHOT_T as SN
from monitor._store.tables import SOURCE_T as SRC
from monitor._store.tables_reach import REACH_ROLLUP_T as RCH

DR_KEYS = ("brand_id", "day", "source_id", "lang", "label", "origin")
RR_KEYS = ("brand_id", "day", "source_id", "lang", "worst", "best", "value")
REACH_NAMES = ("brand", "day", "source", "lang", "label", "level")
THEME_KEYS = ("brand", "day", "theme", "lang", "label")
ASPECT_KEYS = ("brand", "day", "aspect", "label")
_CHUNK = 400


@dataclass(slots=True)
class _Found:
    report: VerifyReport
    rollup_days: set[tuple[int, date]] = field(default_factory=set)
    snapshot_days: set[tuple[int, date]] = field(default_factory=set)
    insight_days: set[tuple[int, date]] = field(default_factory=set)  # theme/aspect day counts off


def verify(engine: Engine, tz: ZoneInfo, min_sample: int, *, now: datetime | None = None) -> VerifyReport:
    """Recount every rollup and snapshot from the mentions and report what differs."""
    return _check(engine, tz, min_sample, now or datetime.now(UTC)).report


def repair(engine: Engine, tz: ZoneInfo, min_sample: int, *, now: datetime | None = None) -> VerifyReport:
    """Rebuild the rollups and snapshots verify finds wrong, then verify again.

    Never deletes or merges mentions: duplicates and runs left ``running`` are reported
    again in the returned report. Rollups of days retention thinned are left alone.
    Run it while no other process writes, or a concurrent write may be counted twice.
    """
    now = now or datetime.now(UTC)
    found = _check(engine, tz, min_sample, now)
    days = sorted(found.rollup_days)
    with writer(engine).begin() as conn:
        for chunk in _chunks(days):
            where = tuple_(DR.c.brand_id, DR.c.day).in_(chunk)
            conn.execute(delete(DR).where(where))
            conn.execute(delete(RR).where(tuple_(RR.c.brand_id, RR.c.day).in_(chunk)))
            conn.execute(delete(RCH).where(tuple_(RCH.c.brand_id, RCH.c.day).in_(chunk)))
            counts, ratings = _recount_days(conn, chunk)
            upsert_add(conn, DR, DR_KEYS, counts)
            upsert_add(conn, RR, RR_KEYS, ratings)
            write_reach(conn, recount_reach(conn, chunk))
        _mark_dirty(conn, found.rollup_days | found.snapshot_days | found.insight_days)  # refresh recomputes them
    snapshots.refresh(engine, min_sample, now=now)
    after = _check(engine, tz, min_sample, now).report
    after.repaired = {
        "rollup_days": len(found.rollup_days),
        "snapshot_days": len(found.snapshot_days),
        "insight_days": len(found.insight_days),
    }
    after.notes.insert(0, f"before repair: {_summary(found.report)}")
    return after


def _summary(r: VerifyReport) -> str:
    return (
        f"{len(r.rollups)} rollup differences, {len(r.snapshots)} snapshot differences, "
        f"{len(r.duplicates)} duplicated texts, {len(r.running_runs)} runs left running"
    )


def _check(engine: Engine, tz: ZoneInfo, min_sample: int, now: datetime) -> _Found:
    conn_opts: dict[str, Any] = {}
    if engine.dialect.name == "postgresql":
        conn_opts["isolation_level"] = "REPEATABLE READ"  # one consistent view of every table
    with engine.connect().execution_options(**conn_opts) as conn, conn.begin():
        return _check_conn(conn, tz, min_sample, now)


def _check_conn(conn: Connection, tz: ZoneInfo, min_sample: int, now: datetime) -> _Found:
    report = VerifyReport()
    found = _Found(report)
    brands = {int(i): str(n) for i, n in conn.execute(select(BR.c.id, BR.c.name))}
    sources = {int(r.id): (str(r.name), str(r.kind)) for r in conn.execute(select(SRC.c.id, SRC.c.name, SRC.c.kind))}
    report.mentions = int(conn.execute(select(func.count()).select_from(M)).scalar_one())

    stored_dr: Counter[tuple[Any, ...]] = Counter()
    for r in conn.execute(select(*(DR.c[k] for k in DR_KEYS), DR.c.n).where(DR.c.n != 0)):
        stored_dr[tuple(r[:-1])] += int(r[-1])
    stored_rr: Counter[tuple[Any, ...]] = Counter()
    for r in conn.execute(select(*(RR.c[k] for k in RR_KEYS), RR.c.n).where(RR.c.n != 0)):
        stored_rr[tuple(r[:-1])] += int(r[-1])
    counts, ratings = recount(conn)
    stored_rch, reaches = stored_reach(conn), recount_reach(conn)
    stored_sn = {(int(r.brand_id), r.day, r.scope, r.scope_value): r._asdict() for r in conn.execute(select(SN))}
    dirty = {(int(b), d) for b, d in conn.execute(select(DD.c.brand_id, DD.c.day))}

    all_days = {(int(k[0]), k[1]) for k in (*stored_dr, *stored_rr, *counts, *ratings, *stored_rch, *reaches)}
    all_days |= {(b, d) for b, d, _, _ in stored_sn}
    whole = _whole_day_test(conn, tz, report)
    days = {bd for bd in all_days if whole(bd[1])}
    report.days_skipped_retention = len(all_days - days)
    report.days_checked = len(days)

    def names(k: tuple[Any, ...]) -> tuple[Any, ...]:
        return (brands.get(int(k[0]), str(k[0])), k[1], sources.get(int(k[2]), (str(k[2]), ""))[0], *k[3:])

    for table, keys, stored, recounted in (
        ("daily_rollup", ROLLUP_KEYS, stored_dr, counts),
        ("rating_rollup", RATING_KEYS, stored_rr, ratings),
        ("reach_rollup", REACH_NAMES, stored_rch, reaches),
    ):
        s = {k: n for k, n in stored.items() if (int(k[0]), k[1]) in days}
        c = {k: n for k, n in recounted.items() if (int(k[0]), k[1]) in days}
        for k in set(s) | set(c):
            if s.get(k, 0) != c.get(k, 0):
                found.rollup_days.add((int(k[0]), k[1]))
        report.rollups += compare_counters(
            table, keys, {names(k): n for k, n in s.items()}, {names(k): n for k, n in c.items()}
        )

    snap_days = days - dirty
    report.days_skipped_dirty = len(days & dirty)
    report.rollups += _insight_differences(conn, brands, lambda b, d: whole(d) and (b, d) not in dirty, found)
    kind = {sid: k for sid, (_, k) in sources.items()}
    labels = [(b, d, kind.get(s, ""), lang, lab, org, n) for (b, d, s, lang, lab, org), n in counts.items()]
    rates = [(b, d, kind.get(s, ""), lang, w, be, v, n) for (b, d, s, lang, w, be, v), n in ratings.items()]
    expected = {
        (int(r["brand_id"]), r["day"], r["scope"], r["scope_value"]): r
        for r in snapshot_rows(
            [x for x in labels if (int(x[0]), x[1]) in snap_days],
            [x for x in rates if (int(x[0]), x[1]) in snap_days],
            min_sample,
            now,
        )
    }
    for key in sorted(set(expected) | {k for k in stored_sn if (k[0], k[1]) in snap_days}, key=repr):
        st, ex = stored_sn.get(key), expected.get(key)
        if st is None:
            diff = {"row": ["missing", "present"]}
        elif ex is None:
            diff = {"row": ["present", "missing"]}
        else:
            diff = snapshot_fields(st, ex)
        if diff:
            found.snapshot_days.add((key[0], key[1]))
            report.snapshots.append(SnapshotDifference(brands.get(key[0], str(key[0])), key[1], key[2], key[3], diff))

    report.duplicates = _duplicates(conn, brands, sources)
    for r in conn.execute(select(RUN).where(RUN.c.status == "running").order_by(RUN.c.id)):
        started = r.started_at if r.started_at.tzinfo else r.started_at.replace(tzinfo=UTC)
        report.running_runs.append(RunningRun(int(r.id), r.kind, started, round((now - started).total_seconds(), 1)))
    if report.duplicates:
        report.notes.append(
            "duplicated texts are reported, never merged or deleted: each copy may carry its own "
            "labels and scores; decide which to keep and remove the others by hand"
        )
    return found


def _insight_differences(
    conn: Connection, brands: dict[int, str], checked: Callable[[int, date], bool], found: _Found
) -> list[RollupDifference]:
    """``theme_day`` and ``aspect_day`` against a recount, on the brand-days ``checked``
    (whole and clean ones: they follow labels at the next refresh), rows on days without
    mentions included; the brand-days that differ go to ``found.insight_days``."""

    def named(counts: dict[tuple[Any, ...], int]) -> dict[tuple[Any, ...], int]:
        return {(brands.get(int(k[0]), str(k[0])), *k[1:]): n for k, n in counts.items()}

    out: list[RollupDifference] = []
    held, recounted = insight_rollups.stored(conn), insight_rollups.recount(conn)
    for i, (table, keys) in enumerate((("theme_day", THEME_KEYS), ("aspect_day", ASPECT_KEYS))):
        s = {k: n for k, n in held[i].items() if checked(int(k[0]), k[1])}
        c = {k: n for k, n in recounted[i].items() if checked(int(k[0]), k[1])}
        found.insight_days |= {(int(k[0]), k[1]) for k in set(s) | set(c) if s.get(k, 0) != c.get(k, 0)}
        out += compare_counters(table, keys, named(s), named(c))
    return out


def _whole_day_test(conn: Connection, tz: ZoneInfo, report: VerifyReport) -> Callable[[date], bool]:
    """A predicate: are all of this day's raw mentions still stored (retention-wise)?"""
    meta = {str(k): str(v) for k, v in conn.execute(select(META.c.key, META.c.value))}
    if meta.get("retention_applied") != "1":
        return lambda _d: True
    if cut_text := meta.get(RETENTION_CUTOFF):
        cut = parse_iso(cut_text)
        report.notes.append(f"days before the retention cutoff {cut.isoformat()} were not recounted")
        floor = insight_rollups.retention_floor(cut, tz)  # the rule the rollups' recompute follows
        return lambda d: d > floor
    first = conn.execute(select(func.min(M.c.day))).scalar_one_or_none()
    report.notes.append(
        "retention ran before its cutoff was recorded: only days after the first stored mention's day were recounted"
    )
    return lambda d: first is not None and d > first


def _duplicates(
    conn: Connection, brands: dict[int, str], sources: dict[int, tuple[str, str]]
) -> list[DuplicateMention]:
    groups = conn.execute(
        select(M.c.brand_id, M.c.content_hash)
        .group_by(M.c.brand_id, M.c.content_hash)
        .having(func.count(func.distinct(M.c.source_id)) > 1)
        .order_by(M.c.brand_id, M.c.content_hash)
    ).all()
    out = []
    for chunk in _chunks([(int(b), h) for b, h in groups]):
        rows: dict[tuple[int, str], list[tuple[int, int, str | None, str | None]]] = {}
        q = select(M.c.brand_id, M.c.content_hash, M.c.id, M.c.source_id, M.c.text, M.c.title).where(
            tuple_(M.c.brand_id, M.c.content_hash).in_(chunk)
        )
        for b, h, mid, sid, text, title in conn.execute(q.order_by(M.c.id)):
            rows.setdefault((int(b), h), []).append((int(mid), int(sid), text, title))
        for (b, h), ms in sorted(rows.items()):
            ids = duplicate_ids(ms)
            if ids:
                by_id = {mid: sid for mid, sid, _, _ in ms}
                names = sorted({sources.get(by_id[i], (str(by_id[i]), ""))[0] for i in ids})
                out.append(DuplicateMention(brands.get(b, str(b)), h, ids, names))
    return out


def _recount_days(
    conn: Connection, keys: list[tuple[int, date]]
) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """Rollup counts of some brand-days, recounted from their mentions."""
    wanted = set(keys)
    where = and_(M.c.brand_id.in_(sorted({b for b, _ in keys})), M.c.day.in_(sorted({d for _, d in keys})))
    counts: Counter[tuple[Any, ...]] = Counter()
    cols = (M.c.brand_id, M.c.day, M.c.source_id, M.c.lang, M.c.label, M.c.label_origin)
    for r in conn.execute(select(*cols, func.count()).where(where).group_by(*cols)):
        if (int(r[0]), r[1]) in wanted:
            counts[(r[0], r[1], r[2], r[3] or "", r[4], r[5] or "")] += r[6]
    ratings: Counter[tuple[Any, ...]] = Counter()
    rcols = (M.c.brand_id, M.c.day, M.c.source_id, M.c.lang, M.c.rating_worst, M.c.rating_best, M.c.rating)
    for r in conn.execute(select(*rcols, func.count()).where(where, M.c.rating.is_not(None)).group_by(*rcols)):
        if (int(r[0]), r[1]) in wanted:
            ratings[(r[0], r[1], r[2], r[3] or "", r[4], r[5], r[6])] += r[7]
    return counts, ratings


def _mark_dirty(conn: Connection, keys: Iterable[tuple[int, date]]) -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    rows = [{"brand_id": b, "day": d} for b, d in sorted(set(keys))]
    if rows:
        ins = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(DD)
        conn.execute(ins.on_conflict_do_nothing(), rows)


def _chunks(seq: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(seq), _CHUNK):
        yield seq[i : i + _CHUNK]


__all__ = ["repair", "verify"]
