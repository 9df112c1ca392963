"""Aspect tags: the mentions still to tag, writing their tags, and the per-aspect counts.

``mention_aspect`` holds one row per (mention, aspect); a mention tagged with none has one
row whose aspect is :data:`NO_ASPECT`, so the mentions to tag are those without rows.
Which aspects a mention talks about is the pure tagger's (:mod:`monitor._aspects`); the
counts are by the mention's effective label, so a person's relabelling shows at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import Engine, delete, exists, func, select

from monitor._store import insight_rollups as ir
from monitor._store.base import StoreBase
from monitor._store.dialect import dialect_insert
from monitor._store.engine import writer
from monitor._store.insight_rollups import NO_ASPECT  # the aspect of the row of a mention tagged with none
from monitor._store.tables import BRAND_T as BR
from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import MENTION_ASPECT_T as MA
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SOURCE_T as SRC
from monitor._store.tables_insights import ASPECT_DAY_T as AD
from monitor._store.vectors import MentionVectors

#: The meta key holding the fingerprint of the aspect config the stored tags follow.
FINGERPRINT_KEY = "aspects_fingerprint"


@dataclass(frozen=True, slots=True)
class Untagged:
    """A mention still to tag: its id, title, text and language."""

    id: int
    title: str | None
    text: str
    lang: str | None


@dataclass(frozen=True, slots=True)
class TagRow:
    """One stored tag: mention, aspect (:data:`NO_ASPECT`: none), margin, keyword."""

    mention_id: int
    aspect: str
    score: float | None = None
    keyword: str | None = None


@dataclass(frozen=True, slots=True)
class AspectCount:
    """Mentions of ``brand`` tagged ``aspect`` with the effective ``label`` in a window."""

    brand: str
    aspect: str
    label: str
    n: int


@dataclass(frozen=True, slots=True)
class WindowFilter:
    """Which mentions the counts read (``None``: no filter on that field)."""

    since: datetime | None = None  # published at or after
    until: datetime | None = None  # published before
    source: str | None = None  # a source name or kind
    lang: str | None = None


def untagged(engine: Engine, after: int, limit: int) -> list[Untagged]:
    """Up to ``limit`` mentions with an id above ``after`` that have no tag rows, by id."""
    tagged = exists().where(MA.c.mention_id == M.c.id)
    q = select(M.c.id, M.c.title, M.c.text, M.c.lang).where(M.c.id > after, ~tagged).order_by(M.c.id).limit(limit)
    with engine.connect() as conn:
        return [Untagged(int(r.id), r.title, r.text, r.lang) for r in conn.execute(q)]


def count_untagged(engine: Engine) -> int:
    """How many mentions have no tag rows."""
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(M).where(~exists().where(MA.c.mention_id == M.c.id)))
        return int(n.scalar_one())


def write_tags(engine: Engine, rows: Sequence[TagRow]) -> int:
    """Store ``rows`` in one transaction (a row already there is kept); how many were given."""
    if not rows:
        return 0
    mentions = {r.mention_id for r in rows}
    with writer(engine).begin() as conn:
        alive = ir.placed(conn, mentions)  # deleted meanwhile: skip
        values = [
            {"mention_id": r.mention_id, "aspect": r.aspect, "score": r.score, "keyword": r.keyword}
            for r in rows
            if r.mention_id in alive
        ]
        if values:
            conn.execute(dialect_insert(conn, MA).values(values).on_conflict_do_nothing())
            ir.recompute(conn, {p.key for p in alive.values()})
    return len(rows)


def clear_tags(engine: Engine) -> int:
    """Forget every stored tag (the aspect config changed); how many rows went."""
    with writer(engine).begin() as conn:
        ir.clear_aspects(conn)
        return int(conn.execute(delete(MA)).rowcount or 0)


def tags_of(engine: Engine, mention_ids: Sequence[int]) -> dict[int, list[TagRow]]:
    """The stored tags of ``mention_ids`` (:data:`NO_ASPECT` rows left out), by mention."""
    out: dict[int, list[TagRow]] = {int(i): [] for i in mention_ids}
    if not out:
        return out
    q = select(MA).where(MA.c.mention_id.in_(list(out)), MA.c.aspect != NO_ASPECT).order_by(MA.c.mention_id)
    with engine.connect() as conn:
        for r in conn.execute(q):
            out[int(r.mention_id)].append(TagRow(int(r.mention_id), r.aspect, r.score, r.keyword))
    return out


def _window(q: Any, f: WindowFilter) -> Any:
    if f.since is not None:
        q = q.where(M.c.published_at >= f.since)
    if f.until is not None:
        q = q.where(M.c.published_at < f.until)
    if f.source is not None:
        q = q.where(M.c.source_id.in_(select(SRC.c.id).where((SRC.c.name == f.source) | (SRC.c.kind == f.source))))
    if f.lang is not None:
        q = q.where(M.c.lang == f.lang)
    return q


def _rollup_days(f: WindowFilter, tz: tzinfo | None) -> tuple[date, date] | None:
    """The local days a filter covers when the daily rollup can answer it (whole days, no
    source or language filter), else None."""
    if tz is None or f.since is None or f.until is None or f.source is not None or f.lang is not None:
        return None
    return ir.aligned_days(f.since, f.until, tz)


def aspect_counts(
    engine: Engine, brand_ids: Sequence[int] | None, f: WindowFilter, tz: tzinfo | None = None
) -> list[AspectCount]:
    """Per brand, aspect and effective label: how many mentions in the window are tagged so
    (a window of whole local days in ``tz``: from ``aspect_day``, dirty days from the mentions)."""
    q = (
        select(BR.c.name, MA.c.aspect, M.c.label, func.count())
        .select_from(MA.join(M, M.c.id == MA.c.mention_id).join(BR, BR.c.id == M.c.brand_id))
        .where(MA.c.aspect != NO_ASPECT)
        .group_by(BR.c.name, MA.c.aspect, M.c.label)
    )
    days = _rollup_days(f, tz)
    with engine.connect() as conn:
        # every brand listed too: each brand's window is read through its (brand, published_at)
        # index, not every tag row scanned for the window's few
        ids = list(brand_ids) if brand_ids is not None else list(conn.execute(select(BR.c.id)).scalars())
        q = _window(q.where(M.c.brand_id.in_(ids)), f)
        dirty = ir.dirty_keys(conn, ids, *days) if days is not None else None
        if days is None or dirty is None:
            return [AspectCount(str(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in conn.execute(q)]
        rq = (
            select(BR.c.name, AD.c.aspect, AD.c.label, func.sum(AD.c.n))
            .select_from(AD.join(BR, BR.c.id == AD.c.brand_id))
            .where(AD.c.brand_id.in_(ids), AD.c.day >= days[0], AD.c.day <= days[1], AD.c.aspect != ir.TAGGED)
            .where(ir.clean(AD, dirty))
            .group_by(BR.c.name, AD.c.aspect, AD.c.label)
        )
        counts: Counter[tuple[str, str, str]] = Counter()
        for r in [*conn.execute(rq), *(conn.execute(q.where(ir.dirty_mentions(dirty))) if dirty else [])]:
            counts[(str(r[0]), str(r[1]), str(r[2]))] += int(r[3])
    return [AspectCount(b, a, label, n) for (b, a, label), n in counts.items() if n]


def brand_totals(
    engine: Engine, brand_ids: Sequence[int] | None, f: WindowFilter, tz: tzinfo | None = None
) -> dict[str, tuple[int, int]]:
    """Per brand name: ``(mentions in the window, how many of them are tagged yet)`` (a window
    of whole local days in ``tz``: from the daily rollups, dirty days from the mentions)."""
    tagged = exists().where(MA.c.mention_id == M.c.id)
    q = (
        select(BR.c.name, func.count(), func.count().filter(tagged))
        .select_from(M.join(BR, BR.c.id == M.c.brand_id))
        .group_by(BR.c.name)
    )
    if brand_ids is not None:
        q = q.where(M.c.brand_id.in_(list(brand_ids)))
    q = _window(q, f)
    days = _rollup_days(f, tz)
    with engine.connect() as conn:
        dirty = ir.dirty_keys(conn, brand_ids, *days) if days is not None else None
        if days is None or dirty is None:
            return {str(r[0]): (int(r[1]), int(r[2])) for r in conn.execute(q)}
        totals: Counter[str] = Counter()
        done: Counter[str] = Counter()
        span = (DR.c.day >= days[0], DR.c.day <= days[1])
        vq = select(BR.c.name, func.sum(DR.c.n)).select_from(DR.join(BR, BR.c.id == DR.c.brand_id)).where(*span)
        tq = select(BR.c.name, func.sum(AD.c.n)).select_from(AD.join(BR, BR.c.id == AD.c.brand_id))
        tq = tq.where(AD.c.day >= days[0], AD.c.day <= days[1], AD.c.aspect == ir.TAGGED, ir.clean(AD, dirty))
        if brand_ids is not None:
            vq, tq = vq.where(DR.c.brand_id.in_(list(brand_ids))), tq.where(AD.c.brand_id.in_(list(brand_ids)))
        totals.update({str(r[0]): int(r[1] or 0) for r in conn.execute(vq.group_by(BR.c.name))})
        done.update({str(r[0]): int(r[1] or 0) for r in conn.execute(tq.group_by(BR.c.name))})
        if dirty:
            done.update({str(r[0]): int(r[2]) for r in conn.execute(q.where(ir.dirty_mentions(dirty)))})
    return {b: (n, done[b]) for b, n in totals.items() if n}


class AspectsStore(StoreBase):
    """Aspect tagging's writes and the reads it needs (:class:`~monitor._ports.AspectStore`)."""

    def mention_vectors(self, version: str, dim: int) -> MentionVectors:
        """The stored mention vectors of embedder ``version`` (shared with the themes step)."""
        return MentionVectors(self.engine, version, dim)

    def untagged_mentions(self, after: int, limit: int) -> list[Untagged]:
        """Up to ``limit`` mentions with an id above ``after`` still to tag, by id."""
        return untagged(self.engine, after, limit)

    def count_untagged(self) -> int:
        """How many mentions are still to tag."""
        return count_untagged(self.engine)

    def write_aspect_tags(self, rows: Sequence[TagRow]) -> int:
        """Store tags (give a mention tagged with none one :data:`NO_ASPECT` row)."""
        return write_tags(self.engine, rows)

    def clear_aspect_tags(self) -> int:
        """Forget every stored tag, so every mention is tagged again."""
        return clear_tags(self.engine)


__all__ = [
    "FINGERPRINT_KEY",
    "NO_ASPECT",
    "AspectCount",
    "AspectsStore",
    "TagRow",
    "Untagged",
    "WindowFilter",
    "aspect_counts",
    "brand_totals",
    "clear_tags",
    "count_untagged",
    "tags_of",
    "untagged",
    "write_tags",
]
