"""Themes' representative mentions: per theme, the mentions of a window closest to its centroid.

A theme whose window holds a good share of its mentions is read best-first through the
``mention_theme (theme_id, similarity, mention_id)`` index; the others are ranked together
over their brands' window. Both give the same mentions, in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from monitor._store.dialect import chunks
from monitor._store.scores import scoring_text
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SOURCE_T as SRC
from monitor._store.theme_tables import MENTION_THEME_T as MT
from monitor._store.theme_tables import THEME_T as TH

_IN = 1000


@dataclass(frozen=True, slots=True)
class ThemeMember:
    """A mention of a theme, as the API shows a representative one."""

    id: int
    theme_id: int
    lang: str | None
    source: str
    published_at: datetime
    label: str
    text: str
    url: str | None
    similarity: float


#: A theme whose window holds at least this share of its mentions is read best-first through
#: its (theme, similarity) index: a few index steps per representative, not the whole window.
WALK_SHARE = 0.05


def representatives(
    engine: Engine,
    theme_ids: Sequence[int],
    since: datetime,
    until: datetime,
    per_theme: int,
    *,
    in_window: dict[int, int] | None = None,
) -> dict[int, list[ThemeMember]]:
    """Per theme, the ``per_theme`` mentions of ``[since, until)`` closest to its centroid
    (by the cosine stored at assignment), each of another language first when there is one.

    ``in_window`` (each theme's mentions in the window, when known) picks how each theme is
    read: one holding :data:`WALK_SHARE` of its mentions or more is walked best-first through
    its index; the others are ranked together over their brands' window (through the
    (brand, published_at) index). Only the best few per theme are read whole."""
    out: dict[int, list[ThemeMember]] = {int(t): [] for t in theme_ids}
    if not out or per_theme < 1:
        return out
    want = per_theme * 8
    best: dict[int, list[int]] = {}
    with engine.connect() as conn:
        sizes: dict[int, int] = dict(conn.execute(select(TH.c.id, TH.c.size).where(TH.c.id.in_(list(out)))).all())
        counts = in_window or {}
        walk = [t for t in out if counts.get(t, 0) >= max(want, WALK_SHARE * int(sizes.get(t) or 0))]
        for tid in list(walk):
            q = (
                select(MT.c.mention_id)
                .select_from(MT.join(M, M.c.id == MT.c.mention_id))
                .where(MT.c.theme_id == tid, MT.c.similarity.is_not(None))
                .where(M.c.published_at >= since, M.c.published_at < until)
                .order_by(MT.c.similarity.desc(), MT.c.mention_id.desc())
                .limit(want)
            )
            found = [int(r) for r in conn.execute(q).scalars()]
            if len(found) < want:  # fewer than asked (some without a similarity?): rank it instead
                walk.remove(tid)
            else:
                best[tid] = found
        rank_ids = [t for t in out if t not in walk]
        if rank_ids:
            _ranked(conn, rank_ids, since, until, want, best)
        rows = {}
        ids = sorted({m for ms in best.values() for m in ms})
        for part in chunks(ids, _IN):
            q = (
                select(M.c.id, MT.c.theme_id, M.c.lang, SRC.c.name, M.c.published_at, M.c.label, M.c.text)
                .add_columns(M.c.title, M.c.url, MT.c.similarity)
                .select_from(M.join(MT, MT.c.mention_id == M.c.id).join(SRC, SRC.c.id == M.c.source_id))
                .where(M.c.id.in_(list(part)))
            )
            rows.update({int(r[0]): r for r in conn.execute(q)})
    for tid, mids in best.items():
        out[tid] = _picked([rows[m] for m in mids if m in rows], per_theme)
    return out


def _ranked(
    conn: Connection, theme_ids: list[int], since: datetime, until: datetime, want: int, best: dict[int, list[int]]
) -> None:
    """The best ``want`` mentions of the window per theme, by one ranking of the themes'
    brands' window (the order of the walk: similarity, then newest id; no similarity last)."""
    order = (MT.c.similarity.desc().nulls_last(), MT.c.mention_id.desc())
    rank = func.row_number().over(partition_by=MT.c.theme_id, order_by=order)
    brands = list(conn.execute(select(TH.c.brand_id).where(TH.c.id.in_(theme_ids)).distinct()).scalars())
    ranked = (
        select(MT.c.mention_id, MT.c.theme_id, rank.label("rank"))
        .select_from(M.join(MT, MT.c.mention_id == M.c.id))
        .where(M.c.brand_id.in_(brands), M.c.published_at >= since, M.c.published_at < until)
        .where(MT.c.theme_id.in_(theme_ids))
        .subquery()
    )
    q = select(ranked.c.mention_id, ranked.c.theme_id).where(ranked.c.rank <= want).order_by(ranked.c.rank)
    for mid, tid in conn.execute(q):
        best.setdefault(int(tid), []).append(int(mid))


def _picked(rows: list[Any], per_theme: int) -> list[ThemeMember]:
    """``per_theme`` of a theme's best rows (best first), each of another language first."""
    picked: list[ThemeMember] = []
    seen: set[str | None] = set()
    for second_pass in (False, True):
        for r in rows:
            if len(picked) >= per_theme:
                break
            if any(p.id == r[0] for p in picked) or (not second_pass and r[2] in seen):
                continue
            seen.add(r[2])
            picked.append(
                ThemeMember(
                    int(r[0]), int(r[1]), r[2], r[3], r[4], r[5], scoring_text(r[6], r[7]), r[8], float(r[9] or 0.0)
                )
            )
    return picked


__all__ = ["WALK_SHARE", "ThemeMember", "representatives"]
