"""Scoring in batches of mention ids (distributed mode): which ids wait, and their texts.

A scoring task carries mention ids; :func:`scoring_texts` returns those of them the model
version has still to score, so a task run twice scores nothing twice (and
:meth:`~monitor._store.scores.ScoresStore.add_scores` ignores a score already stored).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, select

from monitor._store.dialect import chunks
from monitor._store.scores import pending_condition, scoring_text
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SOURCE_T as SRC

_IN = 1000  # ids per IN (...) list


def scoring_texts(
    engine: Engine, ids: Sequence[int], model_id: str, model_version: str
) -> list[tuple[int, str, str | None]]:
    """``(id, text, lang)`` of the mentions in ``ids`` this model version has yet to score, by id."""
    out: list[tuple[int, str, str | None]] = []
    with engine.connect() as conn:
        for part in chunks(sorted(set(ids)), _IN):
            q = select(M.c.id, M.c.text, M.c.title, M.c.lang).where(
                M.c.id.in_(list(part)), pending_condition(model_id, model_version)
            )
            out += [(int(r.id), scoring_text(r.text, r.title), r.lang) for r in conn.execute(q.order_by(M.c.id))]
    return out


def pending_ids(engine: Engine, model_id: str, model_version: str, limit: int) -> list[int]:
    """Ids of mentions this model version has yet to score (never-scored first), at most ``limit``."""
    never = select(M.c.id).where(M.c.label_origin.is_(None)).order_by(M.c.id).limit(limit)
    with engine.connect() as conn:
        ids = [int(i) for i in conn.execute(never).scalars()]
        if len(ids) < limit:
            older = (
                select(M.c.id)
                .where(pending_condition(model_id, model_version), M.c.label_origin.is_not(None))
                .order_by(M.c.id)
                .limit(limit - len(ids))
            )
            ids += [int(i) for i in conn.execute(older).scalars()]
    return ids


def unscored_ids(engine: Engine, sources: Sequence[str], limit: int) -> list[int]:
    """Ids of never-scored mentions of ``sources`` (what a collection run that died left), by id."""
    q = (
        select(M.c.id)
        .select_from(M.join(SRC, SRC.c.id == M.c.source_id))
        .where(SRC.c.name.in_(list(sources)), M.c.label_origin.is_(None))
        .order_by(M.c.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [int(i) for i in conn.execute(q).scalars()]


__all__ = ["pending_ids", "scoring_texts", "unscored_ids"]
