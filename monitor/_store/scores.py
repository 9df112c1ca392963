"""Model scores: what is pending, and storing scores with rollups kept in step."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update

from monitor._labels import GIVEN_ORIGINS, RATED, UNSCORED, model_may_relabel
from monitor._records import Prediction
from monitor._store.base import StoreBase
from monitor._store.dialect import DayKey, chunks, dialect_insert, mark_dirty, upsert_add, utcnow
from monitor._store.engine import writer
from monitor._store.ingest import BATCH
from monitor._store.reach import ReachKey, move_reach, write_reach
from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SCORE_T as SC


def scoring_text(text: str | None, title: str | None) -> str:
    """What the model reads of a mention: its text, led by its title when the text does not start with it."""
    if title and text and not text.startswith(title):
        return f"{title}. {text}"
    return text if text else (title or "")


def pending_condition(model_id: str, model_version: str) -> ColumnElement[bool]:
    """Mentions this model version has yet to score: never scored, scored by another model
    version, or labelled by their stars with words this version has not scored (the model
    still scores them, so its agreement with the stars can be measured).

    A person's or an importer's label is never scored."""
    origin = f"{model_id}@{model_version}"
    has_words = or_(M.c.text != "", and_(M.c.title.is_not(None), M.c.title != ""))
    scored = select(SC.c.id).where(
        SC.c.mention_id == M.c.id, SC.c.model_id == model_id, SC.c.model_version == model_version
    )
    return or_(
        M.c.label_origin.is_(None),
        and_(M.c.label_origin.notin_(GIVEN_ORIGINS), M.c.label_origin != origin),
        and_(M.c.label_origin == RATED, has_words, ~scored.exists()),
    )


class ScoresStore(StoreBase):
    """Pending work for a model version, and its scores."""

    def pending_scoring(self, model_id: str, model_version: str, limit: int) -> list[tuple[int, str, str | None]]:
        """Mentions this model version has not scored and no person/importer labelled
        (:func:`pending_condition`).

        Never-scored mentions first (a small partial index), then the rest by id.
        """
        never = select(M.c.id, M.c.text, M.c.title, M.c.lang).where(M.c.label_origin.is_(None)).order_by(M.c.id)
        older = (
            select(M.c.id, M.c.text, M.c.title, M.c.lang)
            .where(M.c.label_origin.is_not(None), pending_condition(model_id, model_version))
            .order_by(M.c.id)
        )
        with self.engine.connect() as conn:
            rows = list(conn.execute(never.limit(limit)).all())
            if len(rows) < limit:
                rows += conn.execute(older.limit(limit - len(rows))).all()
        return [(int(r.id), scoring_text(r.text, r.title), r.lang) for r in rows]

    def count_pending(self, model_id: str, model_version: str) -> int:
        """How many mentions :meth:`pending_scoring` would return in all."""
        cond = pending_condition(model_id, model_version)
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(M).where(cond)).scalar_one())

    def add_scores(self, items: Sequence[tuple[int, Prediction, bool]], *, now: datetime | None = None) -> int:
        """Store model scores; each counts in the index unless a person, an importer or the stars
        labelled the mention (the stars' label keeps the score's probabilities).

        ``counted=False`` (unsupported language, low confidence) keeps the mention unscored.
        Returns how many scores were new.
        """
        now = now or utcnow()
        new = 0
        for chunk in chunks(list(items), BATCH):
            with writer(self.engine).begin() as conn:
                params = [
                    {
                        "mention_id": mid,
                        "model_id": p.model_id,
                        "model_version": p.model_version,
                        "label": p.label,
                        "p_negative": p.p_negative,
                        "p_neutral": p.p_neutral,
                        "p_positive": p.p_positive,
                        "counted": bool(counted),
                        "scored_at": now,
                    }
                    for mid, p, counted in chunk
                ]
                got = (
                    conn.execute(dialect_insert(conn, SC).on_conflict_do_nothing().returning(SC.c.mention_id), params)
                    .scalars()
                    .all()
                )
                inserted = set(got)
                new += len(inserted)
                # A score this version stored before (a model brought back by `model adapt
                # --revert`) still labels a mention another version labelled since.
                by_id = {mid: (p, counted) for mid, p, counted in chunk}
                rows = conn.execute(select(M).where(M.c.id.in_(list(by_id)))).all()
                deltas: Counter[DayKey] = Counter()
                reaches: Counter[ReachKey] = Counter()
                dirty = set()
                for m in rows:
                    p, counted = by_id[m.id]
                    if m.id not in inserted and m.label_origin == f"{p.model_id}@{p.model_version}":
                        continue
                    if m.label_origin == RATED:  # the stars keep the label; the model's numbers are kept
                        probs = {"p_negative": p.p_negative, "p_neutral": p.p_neutral, "p_positive": p.p_positive}
                        conn.execute(update(M).where(M.c.id == m.id).values(**probs))
                    if not model_may_relabel(m.label_origin):
                        continue
                    label = p.label if counted else UNSCORED
                    origin = f"{p.model_id}@{p.model_version}"
                    conn.execute(
                        update(M)
                        .where(M.c.id == m.id)
                        .values(
                            label=label,
                            label_origin=origin,
                            p_negative=p.p_negative,
                            p_neutral=p.p_neutral,
                            p_positive=p.p_positive,
                        )
                    )
                    old = (m.brand_id, m.day, m.source_id, m.lang or "", m.label, m.label_origin or "")
                    newk = (m.brand_id, m.day, m.source_id, m.lang or "", label, origin)
                    if old != newk:
                        deltas[old] -= 1
                        deltas[newk] += 1
                        move_reach(reaches, m, m.label, label)
                        dirty.add((m.brand_id, m.day))
                upsert_add(conn, DR, ("brand_id", "day", "source_id", "lang", "label", "origin"), deltas)
                write_reach(conn, reaches)
                mark_dirty(conn, dirty)
        return new
