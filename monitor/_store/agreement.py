"""What scored the stored mentions, and how the model's labels agree with the stars.

``label_origins`` sums the rollups by label origin (no scan of mentions).
``rated_model_labels`` reads the newest rated mentions a model labelled (at most ``sample``
of them, among the newest ``window`` ids), each with its label and its stars, for
:mod:`monitor._labels`' star mapping to judge.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from monitor._labels import GIVEN_ORIGINS, UNSCORED
from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import MENTION_T as M


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


def rated_model_labels(engine: Engine, sample: int, window: int = 100_000) -> list[tuple[str, float]]:
    """``(model label, rating_norm)`` of the newest ``sample`` rated mentions a model labelled,
    among the newest ``window`` mentions (so the read is bounded whatever the table's size)."""
    newest = select(func.max(M.c.id)).scalar_subquery()
    q = (
        select(M.c.label, M.c.rating_norm)
        .where(
            M.c.id > newest - window,
            M.c.rating_norm.is_not(None),
            M.c.label != UNSCORED,
            M.c.label_origin.is_not(None),
            M.c.label_origin.not_in(GIVEN_ORIGINS),
        )
        .order_by(M.c.id.desc())
        .limit(sample)
    )
    with engine.connect() as conn:
        return [(str(r.label), float(r.rating_norm)) for r in conn.execute(q).all()]


__all__ = ["OriginCount", "label_origins", "rated_model_labels"]
