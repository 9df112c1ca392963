"""Stored mentions streamed for export, with the score behind a model's label."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, and_, select

from monitor._store.tables import BRAND_T as BR
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SCORE_T as SC
from monitor._store.tables import SOURCE_T as SRC


@dataclass(frozen=True, slots=True)
class ExportedMention:
    """A stored mention with its brand, source and (for a model's label) that model's version."""

    brand: str
    source: str
    source_kind: str
    external_id: str
    published_at: datetime
    lang: str | None
    label: str
    label_origin: str | None
    model_version: str | None  # None unless the label is a stored model score's
    p_negative: float | None
    p_neutral: float | None
    p_positive: float | None
    rating: float | None
    rating_worst: float | None
    rating_best: float | None
    reach: int | None
    reach_kind: str | None
    url: str | None
    author: str | None
    title: str | None
    text: str


def exported_mentions(
    engine: Engine, *, brand: str | None, since: date | None, until: date | None
) -> Iterator[ExportedMention]:
    """Mentions (of ``brand``, local days ``since``..``until`` when given), oldest first, streamed."""
    # The score behind a model's label: same mention, and model id@version = the label's origin.
    behind = and_(SC.c.mention_id == M.c.id, (SC.c.model_id + "@" + SC.c.model_version) == M.c.label_origin)
    q = (
        select(
            M,
            BR.c.name.label("brand_name"),
            SRC.c.name.label("source_name"),
            SRC.c.kind.label("source_kind"),
            SC.c.model_version.label("model_version"),
        )
        .select_from(M.join(BR, BR.c.id == M.c.brand_id).join(SRC, SRC.c.id == M.c.source_id).outerjoin(SC, behind))
        .order_by(M.c.published_at, M.c.id)
    )
    if brand is not None:
        q = q.where(BR.c.name == brand)
    if since is not None:
        q = q.where(M.c.day >= since)
    if until is not None:
        q = q.where(M.c.day <= until)
    with engine.connect() as conn:
        for r in conn.execution_options(yield_per=2000).execute(q):
            yield ExportedMention(
                brand=r.brand_name,
                source=r.source_name,
                source_kind=r.source_kind,
                external_id=r.external_id,
                published_at=r.published_at,
                lang=r.lang,
                label=r.label,
                label_origin=r.label_origin,
                model_version=r.model_version,
                p_negative=r.p_negative,
                p_neutral=r.p_neutral,
                p_positive=r.p_positive,
                rating=r.rating,
                rating_worst=r.rating_worst,
                rating_best=r.rating_best,
                reach=r.reach,
                reach_kind=r.reach_kind,
                url=r.url,
                author=r.author,
                title=r.title,
                text=r.text,
            )


__all__ = ["ExportedMention", "exported_mentions"]
