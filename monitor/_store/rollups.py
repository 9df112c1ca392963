"""Rollup rebuild (index timezone changed), recount from scratch, and retention."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, func, select, update

from monitor._dates import parse_iso
from monitor._index.periods import local_day
from monitor._store import insight_rollups
from monitor._store.dialect import DayKey, RatingKey, chunks, mark_dirty, upsert_add, utcnow
from monitor._store.engine import writer
from monitor._store.meta import RETENTION_CUTOFF, RETENTION_FLOOR_DAY, MetaStore
from monitor._store.reach import recount_reach, write_reach
from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import RATING_ROLLUP_T as RR
from monitor._store.tables import RUN_T as RUN
from monitor._store.tables import SCORE_T as SC
from monitor._store.tables import SIGHTING_T as S
from monitor._store.tables_reach import REACH_ROLLUP_T as RCH
from monitor._store.theme_tables import MENTION_THEME_T as MT
from monitor._store.theme_tables import MENTION_VECTOR_T as MV
from monitor.errors import StorageError


class RollupsStore(MetaStore):
    """Whole-table maintenance: rebuild and retention."""

    def rebuild_rollups(self) -> None:
        """Recompute mention days (index timezone) and every rollup from the mentions.

        Used when the index timezone changes; rollups of mentions removed by retention
        cannot be rebuilt, so retention keeps rollups and this refuses to run after it.
        """
        with writer(self.engine).begin() as conn:
            if self.get_meta_conn(conn, "retention_applied") == "1":
                raise StorageError(
                    "raw mentions were removed by retention; rollups cannot be rebuilt for another timezone"
                )
            offset_rows = conn.execute(select(M.c.id, M.c.published_at, M.c.day)).all()
            for chunk in chunks(offset_rows, 5000):
                params = []
                for r in chunk:
                    d = local_day(r.published_at, self.tz)
                    if d != r.day:
                        params.append({"mid": r.id, "d": d})
                if params:
                    from sqlalchemy import bindparam

                    conn.execute(update(M).where(M.c.id == bindparam("mid")).values(day=bindparam("d")), params)
            old_days = conn.execute(select(DR.c.brand_id, DR.c.day).distinct()).all()
            mark_dirty(conn, ((int(b), d) for b, d in old_days))  # their snapshots go too
            conn.execute(delete(DR))
            conn.execute(delete(RR))
            conn.execute(delete(RCH))
            counts, ratings = recount(conn)
            upsert_add(conn, DR, ("brand_id", "day", "source_id", "lang", "label", "origin"), counts)
            upsert_add(conn, RR, ("brand_id", "day", "source_id", "lang", "worst", "best", "value"), ratings)
            write_reach(conn, recount_reach(conn))
            mark_dirty(conn, ((k[0], k[1]) for k in counts))
            insight_rollups.recompute_all(conn)  # brand locks last: a refresher may hold dirty rows

    def apply_retention(self, mention_days: int, run_days: int, *, now: datetime | None = None) -> dict[str, int]:
        """Delete raw mentions (with scores, sightings) and runs older than the limits.

        Rollups and snapshots stay, so the index history outlives the raw text.
        """
        now = now or utcnow()
        m_cut = now - timedelta(days=mention_days)
        r_cut = now - timedelta(days=run_days)
        removed = {"mentions": 0, "runs": 0}
        while True:
            with writer(self.engine).begin() as conn:
                ids = conn.execute(select(M.c.id).where(M.c.published_at < m_cut).limit(5000)).scalars().all()
                if not ids:
                    break
                # no recompute of these brands' theme and aspect days may read them half deleted
                insight_rollups.lock(
                    conn, conn.execute(select(M.c.brand_id).where(M.c.id.in_(ids)).distinct()).scalars()
                )
                conn.execute(delete(SC).where(SC.c.mention_id.in_(ids)))
                conn.execute(delete(S).where(S.c.mention_id.in_(ids)))
                conn.execute(delete(MV).where(MV.c.mention_id.in_(ids)))
                conn.execute(delete(MT).where(MT.c.mention_id.in_(ids)))
                conn.execute(delete(M).where(M.c.id.in_(ids)))
                self.set_meta_conn(conn, "retention_applied", "1")
                # mentions published before the cutoff may be gone: `monitor verify` skips their days
                cut = max(m_cut.astimezone(UTC).isoformat(), self.get_meta_conn(conn, RETENTION_CUTOFF) or "")
                self.set_meta_conn(conn, RETENTION_CUTOFF, cut)
                floor = insight_rollups.retention_floor(parse_iso(cut), self.tz)
                self.set_meta_conn(conn, RETENTION_FLOOR_DAY, floor.isoformat())
                removed["mentions"] += len(ids)
        with writer(self.engine).begin() as conn:
            removed["runs"] = conn.execute(delete(RUN).where(RUN.c.started_at < r_cut)).rowcount or 0
        return removed


def recount(conn: Connection) -> tuple[Counter[DayKey], Counter[RatingKey]]:
    """Rollup counts computed from scratch from the mention table."""
    counts: Counter[DayKey] = Counter()
    for r in conn.execute(
        select(M.c.brand_id, M.c.day, M.c.source_id, M.c.lang, M.c.label, M.c.label_origin, func.count()).group_by(
            M.c.brand_id, M.c.day, M.c.source_id, M.c.lang, M.c.label, M.c.label_origin
        )
    ):
        counts[(r[0], r[1], r[2], r[3] or "", r[4], r[5] or "")] += r[6]
    ratings: Counter[RatingKey] = Counter()
    for r in conn.execute(
        select(
            M.c.brand_id, M.c.day, M.c.source_id, M.c.lang, M.c.rating_worst, M.c.rating_best, M.c.rating, func.count()
        )
        .where(M.c.rating.is_not(None))
        .group_by(M.c.brand_id, M.c.day, M.c.source_id, M.c.lang, M.c.rating_worst, M.c.rating_best, M.c.rating)
    ):
        ratings[(r[0], r[1], r[2], r[3] or "", r[4], r[5], r[6])] += r[7]
    return counts, ratings
