"""A person's labels (which win over the stars and model scores), rollups kept in step.

The label rules (origins, precedence, the star mapping) live in :mod:`monitor._labels`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection, select, update

from monitor._labels import MANUAL, RATED, UNSCORED, check_label, rating_label
from monitor._store.base import StoreBase
from monitor._store.dialect import mark_dirty, upsert_add
from monitor._store.engine import writer
from monitor._store.reach import ReachKey, move_reach, write_reach
from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SCORE_T as SC
from monitor.errors import StorageError


class LabelsStore(StoreBase):
    """Setting and clearing a person's label, rollups kept in step."""

    def _relabel(
        self,
        conn: Connection,
        m: Any,
        label: str,
        origin: str | None,
        probs: tuple[float, float, float] | None,
        manual: str | object | None = ...,
    ) -> None:
        """Move one mention to a new effective label, adjusting rollups in ``conn``."""
        values: dict[str, Any] = {"label": label, "label_origin": origin}
        if probs is not None:
            values.update(p_negative=probs[0], p_neutral=probs[1], p_positive=probs[2])
        if manual is not ...:
            values["manual_label"] = manual
        conn.execute(update(M).where(M.c.id == m.id).values(**values))
        old_key = (m.brand_id, m.day, m.source_id, m.lang or "", m.label, m.label_origin or "")
        new_key = (m.brand_id, m.day, m.source_id, m.lang or "", label, origin or "")
        if old_key != new_key:
            upsert_add(conn, DR, ("brand_id", "day", "source_id", "lang", "label", "origin"), {old_key: -1, new_key: 1})
            reaches: Counter[ReachKey] = Counter()
            move_reach(reaches, m, m.label, label)
            write_reach(conn, reaches)
            mark_dirty(conn, [(m.brand_id, m.day)])

    def set_label(self, mention_id: int, label: str | None) -> None:
        """A person's label (wins over model scores); ``None`` clears it back to the model's.

        A bad label raises :class:`~monitor.errors.InvalidLabel`."""
        check_label(label)
        with writer(self.engine).begin() as conn:
            m = conn.execute(select(M).where(M.c.id == mention_id)).first()
            if m is None:
                raise StorageError(f"no mention with id {mention_id}")
            if label is not None:
                self._relabel(conn, m, label, MANUAL, None, manual=label)
                return
            self._clear_manual(conn, m)

    def _clear_manual(self, conn: Connection, m: Any) -> None:
        """Drop mention ``m``'s person's label: back to its stars' label, else its newest model
        score, else unscored."""
        has_words = bool(m.text or (m.title or "").strip())
        stars = rating_label(m.rating_norm, has_words, from_rating=self.label_from_rating)
        if stars is not None:
            self._relabel(conn, m, stars, RATED, None, manual=None)
            return
        self._model_label(conn, m, manual=None)

    def _model_label(self, conn: Connection, m: Any, manual: str | object | None = ...) -> None:
        """Give mention ``m`` its newest model score's label, or unscored when it has none."""
        latest = conn.execute(
            select(SC).where(SC.c.mention_id == m.id).order_by(SC.c.scored_at.desc(), SC.c.id.desc()).limit(1)
        ).first()
        if latest is None:
            self._relabel(conn, m, UNSCORED, None, None, manual=manual)
        else:
            origin = f"{latest.model_id}@{latest.model_version}"
            lab = latest.label if latest.counted else UNSCORED
            probs = (latest.p_negative, latest.p_neutral, latest.p_positive)
            self._relabel(conn, m, lab, origin, probs, manual=manual)
