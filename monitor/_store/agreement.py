"""What scored the stored mentions, and how the model's labels agree with the stars.

``label_origins`` sums the rollups by label origin (no scan of mentions).
``rated_scores`` counts rated mentions by the model's label and the stars, for
:mod:`monitor._index.agreement` to judge (``monitor model check``, its alert, the
dashboard's model page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, func, select

from monitor._index.agreement import RatedCount
from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SCORE_T as SC
from monitor._store.tables import SOURCE_T as SRC

NEWER = SC.alias("newer")


@dataclass(frozen=True, slots=True)
class OriginCount:
    """How many stored mentions carry labels of one origin (``""``: unscored)."""

    origin: str
    mentions: int


def label_origins(engine: Engine) -> list[OriginCount]:
    """Mentions per label origin (manual, import, rating, each model ``id@version``), most first."""
    q = select(DR.c.origin, func.sum(DR.c.n).label("n")).group_by(DR.c.origin)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    out = [OriginCount(str(r.origin), int(r.n)) for r in rows if r.n]
    out.sort(key=lambda o: (-o.mentions, o.origin))
    return out


def rated_scores(
    engine: Engine,
    start: date,
    end: date,
    *,
    brand_id: int | None = None,
    lang: str | None = None,
    source: str | None = None,
) -> list[RatedCount]:
    """Rated mentions of local days ``start``..``end`` whose newest model score counted, summed
    per day, language, source, the model's label and the rating (a handful of rows per day).

    ``source`` is a source's name or kind. The mention's effective label plays no part: the
    stars may have given it, the model still scored it.
    """
    newest = select(func.max(NEWER.c.id)).where(NEWER.c.mention_id == M.c.id).correlate(M).scalar_subquery()
    # the published_at bounds let the (brand, published_at) index narrow the scan; ``day`` decides
    lo = datetime.combine(start - timedelta(days=1), time(0), UTC)
    hi = datetime.combine(end + timedelta(days=2), time(0), UTC)
    q = (
        select(M.c.day, M.c.lang, SRC.c.name, SC.c.label, M.c.rating_norm, func.count().label("n"))
        .select_from(M.join(SRC, SRC.c.id == M.c.source_id).join(SC, SC.c.mention_id == M.c.id))
        .where(
            M.c.published_at >= lo,
            M.c.published_at < hi,
            M.c.day >= start,
            M.c.day <= end,
            M.c.rating_norm.is_not(None),
            SC.c.id == newest,
            SC.c.counted.is_(True),
        )
        .group_by(M.c.day, M.c.lang, SRC.c.name, SC.c.label, M.c.rating_norm)
    )
    if brand_id is not None:
        q = q.where(M.c.brand_id == brand_id)
    if lang is not None:
        q = q.where(M.c.lang == lang)
    if source is not None:
        q = q.where((SRC.c.name == source) | (SRC.c.kind == source))
    with engine.connect() as conn:
        return [
            RatedCount(r.day, str(r.lang or ""), str(r.name), str(r.label), float(r.rating_norm), int(r.n))
            for r in conn.execute(q).all()
        ]


__all__ = ["OriginCount", "label_origins", "rated_scores"]
