"""Themes' SQL: a brand's window of mentions with vectors, its stored themes, the writes of an
update, and the reads of the API (per-theme counts per day, representative mentions).

The clustering itself is pure (:mod:`monitor._themes`); this module only moves rows.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Date, Engine, func, literal, select, update

from monitor._store import insight_rollups as ir
from monitor._store.dialect import chunks, dialect_insert, utcnow
from monitor._store.engine import writer
from monitor._store.scores import scoring_text
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SOURCE_T as SRC
from monitor._store.tables_insights import THEME_DAY_T as TD
from monitor._store.theme_tables import MENTION_THEME_T as MT
from monitor._store.theme_tables import MENTION_VECTOR_T as MV
from monitor._store.theme_tables import THEME_T as TH
from monitor._store.vectors import dequantise

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

_IN = 1000


@dataclass
class ThemeWindow:
    """A brand's mentions published since a moment that have a vector: parallel lists, by id.

    ``theme_ids``: the assigned theme, ``None`` when looked at without a fit, ``-1`` when
    never looked at (new). ``texts`` is filled only for the rows an update names themes from.
    """

    ids: list[int]
    langs: list[str | None]
    texts: list[str]
    theme_ids: list[int | None]
    vectors: NDArray[np.float32]
    kinds: list[str] = field(default_factory=list)  # each mention's source kind


@dataclass
class StoredTheme:
    """A theme as stored (``centroid`` float32, in the brand's language-centred space)."""

    id: int
    name: str
    gist: str
    terms: dict[str, list[str]]
    centroid: NDArray[np.float32]
    version: str
    size: int
    created_at: datetime


@dataclass
class NewTheme:
    """A theme an update creates."""

    name: str
    gist: str
    terms: dict[str, list[str]]
    centroid: NDArray[np.float32]


@dataclass
class ThemeUpdate:
    """What an update changes of an existing theme (``added``: mentions newly assigned)."""

    id: int
    gist: str
    terms: dict[str, list[str]]
    centroid: NDArray[np.float32]
    added: int = 0


@dataclass
class ThemeWrites:
    """One update's writes: new themes, changed themes and assignments.

    An assignment names an existing theme (``theme_id``), a new one (``new_index`` into
    ``new``) or none (both ``None``: looked at, fits none).
    """

    new: list[NewTheme] = field(default_factory=list)
    changed: list[ThemeUpdate] = field(default_factory=list)
    assign: list[tuple[int, int | None, int | None, float | None]] = field(default_factory=list)


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


def _blob(v: NDArray[np.float32]) -> bytes:
    import numpy as np

    return np.asarray(v, dtype=np.float32).tobytes()


def window(engine: Engine, brand_id: int, since: datetime, version: str, dim: int) -> ThemeWindow:
    """The brand's mentions published at or after ``since`` with a vector of ``version``
    (``texts`` left empty: :func:`texts` reads those an update names themes from)."""
    q = (
        select(M.c.id, M.c.lang, MV.c.scale, MV.c.data, MT.c.mention_id, MT.c.theme_id, SRC.c.kind)
        .select_from(
            M.join(MV, MV.c.mention_id == M.c.id)
            .join(SRC, SRC.c.id == M.c.source_id)
            .outerjoin(MT, MT.c.mention_id == M.c.id)
        )
        .where(M.c.brand_id == brand_id, M.c.published_at >= since, MV.c.version == version)
        .order_by(M.c.id)
    )
    ids: list[int] = []
    langs: list[str | None] = []
    themes: list[int | None] = []
    scales: list[float] = []
    blobs: list[bytes] = []
    kinds: list[str] = []
    with engine.connect() as conn:
        for r in conn.execute(q):
            kinds.append(str(r[6]))
            ids.append(int(r[0]))
            langs.append(r[1])
            scales.append(float(r[2]))
            blobs.append(bytes(r[3]))
            themes.append(-1 if r[4] is None else (int(r[5]) if r[5] is not None else None))
    return ThemeWindow(ids, langs, [], themes, dequantise(blobs, scales, dim), kinds)


def texts(engine: Engine, ids: Sequence[int]) -> dict[int, str]:
    """The text the model reads (:func:`~monitor._store.scores.scoring_text`) of each of ``ids``."""
    out: dict[int, str] = {}
    with engine.connect() as conn:
        for part in chunks(sorted(set(ids)), _IN):
            q = select(M.c.id, M.c.text, M.c.title).where(M.c.id.in_(list(part)))
            out.update({int(r[0]): scoring_text(r[1], r[2]) for r in conn.execute(q)})
    return out


def theme_names_of(engine: Engine, ids: Sequence[int]) -> dict[int, str]:
    """The name of the theme each of ``ids`` is in (a mention in none is absent)."""
    out: dict[int, str] = {}
    with engine.connect() as conn:
        for part in chunks(sorted(set(ids)), _IN):
            q = (
                select(MT.c.mention_id, TH.c.name)
                .select_from(MT.join(TH, TH.c.id == MT.c.theme_id))
                .where(MT.c.mention_id.in_(list(part)))
            )
            out.update({int(r[0]): str(r[1]) for r in conn.execute(q)})
    return out


def brand_themes(engine: Engine, brand_id: int) -> list[StoredTheme]:
    """The brand's stored themes, oldest first."""
    import numpy as np

    with engine.connect() as conn:
        rows = conn.execute(select(TH).where(TH.c.brand_id == brand_id).order_by(TH.c.id)).all()
    return [
        StoredTheme(
            id=int(r.id),
            name=r.name,
            gist=r.gist,
            terms=json.loads(r.terms),
            centroid=np.frombuffer(bytes(r.centroid), dtype=np.float32).copy(),
            version=r.version,
            size=int(r.size),
            created_at=r.created_at,
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class ThemeName:
    """A theme's id, brand and name: what a filter by theme checks."""

    id: int
    brand_id: int
    name: str


def theme_names(engine: Engine, *, brand_id: int | None = None, theme_id: int | None = None) -> list[ThemeName]:
    """The themes of ``brand_id`` and/or the theme ``theme_id`` (by its key), oldest first."""
    q = select(TH.c.id, TH.c.brand_id, TH.c.name).order_by(TH.c.id)
    if brand_id is not None:
        q = q.where(TH.c.brand_id == brand_id)
    if theme_id is not None:
        q = q.where(TH.c.id == theme_id)
    with engine.connect() as conn:
        return [ThemeName(int(r[0]), int(r[1]), str(r[2])) for r in conn.execute(q)]


def save(engine: Engine, brand_id: int, version: str, writes: ThemeWrites, *, now: datetime | None = None) -> list[int]:
    """Apply one update in one transaction; returns the new themes' ids."""
    now = now or utcnow()
    new_ids: list[int] = []
    with writer(engine).begin() as conn:
        for t in writes.new:
            res = conn.execute(
                TH.insert().values(
                    brand_id=brand_id,
                    name=t.name[:300],
                    gist=t.gist[:300],
                    terms=json.dumps(t.terms, ensure_ascii=False),
                    centroid=_blob(t.centroid),
                    version=version,
                    size=0,
                    created_at=now,
                    updated_at=now,
                )
            )
            pk = res.inserted_primary_key
            new_ids.append(int(pk[0]) if pk is not None else 0)
        for c in writes.changed:
            conn.execute(
                update(TH)
                .where(TH.c.id == c.id)
                .values(
                    gist=c.gist[:300],
                    terms=json.dumps(c.terms, ensure_ascii=False),
                    centroid=_blob(c.centroid),
                    version=version,
                    size=TH.c.size + c.added,
                    updated_at=now,
                )
            )
        added: dict[int, int] = {}
        rows = []
        placed = ir.placed(conn, [a[0] for a in writes.assign])
        for mention_id, theme_id, new_index, sim in writes.assign:
            tid = new_ids[new_index] if new_index is not None else theme_id
            if new_index is not None and tid is not None:
                added[tid] = added.get(tid, 0) + 1
            rows.append(
                {
                    "mention_id": mention_id,
                    "brand_id": brand_id,
                    "theme_id": tid,
                    "similarity": sim,
                    "assigned_at": now,
                    "published_at": placed[mention_id].published_at if mention_id in placed else None,
                }
            )
        if rows:  # one statement, many parameter sets (compiled once)
            stmt = dialect_insert(conn, MT)
            stmt = stmt.on_conflict_do_update(
                index_elements=["mention_id"],
                set_={
                    "theme_id": stmt.excluded.theme_id,
                    "similarity": stmt.excluded.similarity,
                    "assigned_at": stmt.excluded.assigned_at,
                },
            )
            conn.execute(stmt, rows)
        for tid, n in added.items():
            conn.execute(update(TH).where(TH.c.id == tid).values(size=TH.c.size + n))
        ir.recompute(conn, {p.key for p in placed.values()})
    return new_ids


def tallies(
    engine: Engine,
    brand_id: int,
    since: datetime,
    until: datetime,
    tz: tzinfo | None = None,
    *,
    by_day: bool = True,
) -> dict[tuple[int, date | None, str, str], int]:
    """Mentions published in ``[since, until)`` per ``(theme id, local day, language, label)``
    (``by_day=False``: the day is None, the window summed).

    A window of whole local days in ``tz`` (the index timezone) reads the daily rollup
    (:mod:`monitor._store.insight_rollups`), and the mentions only for its dirty days."""
    days = ir.aligned_days(since, until, tz) if tz is not None else None
    with engine.connect() as conn:
        dirty = ir.dirty_keys(conn, [brand_id], *days) if days is not None else None
        if days is None or dirty is None:
            return _raw_tallies(conn, brand_id, since, until, None, by_day)
        day: Any = TD.c.day if by_day else literal(None, Date)
        q = (
            select(TD.c.theme_id, day, TD.c.lang, TD.c.label, func.sum(TD.c.n))
            .where(TD.c.brand_id == brand_id, TD.c.day >= days[0], TD.c.day <= days[1], ir.clean(TD, dirty))
            .group_by(TD.c.theme_id, *([TD.c.day] if by_day else []), TD.c.lang, TD.c.label)
        )
        out: Counter[tuple[int, date | None, str, str]] = Counter()
        for r in conn.execute(q):
            out[(int(r[0]), r[1], r[2], r[3])] += int(r[4])
        if dirty:
            out.update(_raw_tallies(conn, brand_id, since, until, ir.dirty_mentions(dirty), by_day))
        return {k: n for k, n in out.items() if n}


def _raw_tallies(
    conn: Connection, brand_id: int, since: datetime, until: datetime, where: Any, by_day: bool
) -> dict[tuple[int, date | None, str, str], int]:
    day: Any = M.c.day if by_day else literal(None, Date)
    q = (
        select(MT.c.theme_id, day, M.c.lang, M.c.label, func.count())
        .select_from(M.join(MT, MT.c.mention_id == M.c.id))
        .where(
            M.c.brand_id == brand_id, M.c.published_at >= since, M.c.published_at < until, MT.c.theme_id.is_not(None)
        )
        .group_by(MT.c.theme_id, *([M.c.day] if by_day else []), M.c.lang, M.c.label)
    )
    if where is not None:
        q = q.where(where)
    out: Counter[tuple[int, date | None, str, str]] = Counter()
    for r in conn.execute(q):
        out[(int(r[0]), r[1], r[2] or "", r[3])] += int(r[4])
    return dict(out)


def representatives(
    engine: Engine, theme_ids: Sequence[int], since: datetime, until: datetime, per_theme: int
) -> dict[int, list[ThemeMember]]:
    """Per theme, the ``per_theme`` mentions of ``[since, until)`` closest to its centroid
    (by the cosine stored at assignment), each of another language first when there is one.

    One read of the themes' assignments in the window (through their (brand, published_at)
    index: no mention row), ranked per theme; only the best few per theme are read whole."""
    out: dict[int, list[ThemeMember]] = {int(t): [] for t in theme_ids}
    if not out or per_theme < 1:
        return out
    order = (MT.c.similarity.desc().nulls_last(), MT.c.mention_id)
    rank = func.row_number().over(partition_by=MT.c.theme_id, order_by=order)
    with engine.connect() as conn:
        brands = list(conn.execute(select(TH.c.brand_id).where(TH.c.id.in_(list(out))).distinct()).scalars())
        ranked = (  # the window's assignments alone, through their (brand, published_at) index
            select(MT.c.mention_id, MT.c.theme_id, MT.c.similarity, rank.label("rank"))
            .where(MT.c.brand_id.in_(brands), MT.c.published_at >= since, MT.c.published_at < until)
            .where(MT.c.theme_id.in_(list(out)))
            .subquery()
        )
        q = (
            select(
                M.c.id,
                ranked.c.theme_id,
                M.c.lang,
                SRC.c.name,
                M.c.published_at,
                M.c.label,
                M.c.text,
                M.c.title,
                M.c.url,
                ranked.c.similarity,
            )
            .select_from(ranked.join(M, M.c.id == ranked.c.mention_id).join(SRC, SRC.c.id == M.c.source_id))
            .where(ranked.c.rank <= per_theme * 8)
            .order_by(ranked.c.theme_id, ranked.c.rank)
        )
        best: dict[int, list[Any]] = {}
        for r in conn.execute(q):
            best.setdefault(int(r[1]), []).append(r)
    for tid, rows in best.items():
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
                        int(r[0]),
                        int(r[1]),
                        r[2],
                        r[3],
                        r[4],
                        r[5],
                        scoring_text(r[6], r[7]),
                        r[8],
                        float(r[9] or 0.0),
                    )
                )
        out[tid] = picked
    return out


__all__ = [
    "NewTheme",
    "StoredTheme",
    "ThemeMember",
    "ThemeName",
    "ThemeUpdate",
    "ThemeWindow",
    "ThemeWrites",
    "brand_themes",
    "representatives",
    "save",
    "tallies",
    "texts",
    "theme_names",
    "window",
]
