"""The stars' labels of stored mentions kept in line with ``index.label_from_rating``.

When the setting changes (or a database from before it is opened), :meth:`sync_rating_rule`
re-derives the stored labels, rollups moved in the same transactions:

* **on**: every rated mention labelled by a model (or not labelled yet) takes its stars'
  label (origin ``rating``); its model scores stay in the ``score`` table, where
  ``monitor model check`` reads them, and its probabilities stay on the mention.
* **off**: rated mentions with words labelled by their stars go back to their newest model
  score (or to unscored, and the model scores them next); reviews without words keep the
  stars' label, as before the setting existed.

A person's and an importer's labels are never touched. The meta key ``label_from_rating``
records the rule the stored labels follow, so the work is done once per change.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select, update

from monitor._labels import GIVEN_ORIGINS, RATED, UNSCORED, label_from_rating
from monitor._store.dialect import DayKey, mark_dirty, upsert_add
from monitor._store.engine import writer
from monitor._store.labels import LabelsStore
from monitor._store.meta import MetaStore
from monitor._store.reach import ReachKey, move_reach, write_reach
from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SCORE_T as SC

RULE_KEY = "label_from_rating"  # meta key: "1" or "0", the rule the stored labels follow
CHUNK = 500  # mentions per transaction (and per IN (...) list)
_COLS = (
    M.c.id,
    M.c.brand_id,
    M.c.day,
    M.c.source_id,
    M.c.lang,
    M.c.label,
    M.c.label_origin,
    M.c.rating_norm,
    M.c.reach,
)


def _key(m: Any, label: str, origin: str | None) -> DayKey:
    return (m.brand_id, m.day, m.source_id, m.lang or "", label, origin or "")


class RatingLabelsStore(LabelsStore, MetaStore):
    """Re-deriving the stars' labels when the rule changes."""

    def sync_rating_rule(self) -> int:
        """Bring the stored labels in line with ``label_from_rating``; how many mentions changed."""
        want = "1" if self.label_from_rating else "0"
        stored = self.get_meta(RULE_KEY)
        changed = 0
        if stored != want and (stored is not None or self.label_from_rating):
            changed = self._apply_rule()
        if stored != want:
            self.set_meta(RULE_KEY, want)
        return changed

    def _apply_rule(self) -> int:
        if self.label_from_rating:
            cond = and_(
                M.c.rating_norm.is_not(None),
                or_(M.c.label_origin.is_(None), M.c.label_origin.not_in(GIVEN_ORIGINS)),
            )
        else:
            has_words = or_(M.c.text != "", and_(M.c.title.is_not(None), M.c.title != ""))
            cond = and_(M.c.label_origin == RATED, has_words)
        changed, last = 0, 0
        while True:
            with writer(self.engine).begin() as conn:
                q = select(*_COLS).where(cond, M.c.id > last).order_by(M.c.id).limit(CHUNK)
                rows = list(conn.execute(q).all())
                if not rows:
                    return changed
                last = int(rows[-1].id)
                changed += self._to_stars(conn, rows) if self.label_from_rating else self._to_model(conn, rows)

    @staticmethod
    def _move(conn: Connection, rows: list[Any], values: list[dict[str, Any]]) -> int:
        """Write each row's new label, origin (and probabilities) and move the rollups."""
        probs = "p_neg" in values[0]
        stmt = update(M).where(M.c.id == bindparam("mid"))
        extra: dict[str, Any] = (
            {"p_negative": bindparam("p_neg"), "p_neutral": bindparam("p_neu"), "p_positive": bindparam("p_pos")}
            if probs
            else {}
        )
        conn.execute(stmt.values(label=bindparam("lab"), label_origin=bindparam("org"), **extra), values)
        deltas: Counter[DayKey] = Counter()
        reaches: Counter[ReachKey] = Counter()
        for m, v in zip(rows, values, strict=True):
            deltas[_key(m, m.label, m.label_origin)] -= 1
            deltas[_key(m, v["lab"], v["org"])] += 1
            move_reach(reaches, m, m.label, v["lab"])
        upsert_add(conn, DR, ("brand_id", "day", "source_id", "lang", "label", "origin"), deltas)
        write_reach(conn, reaches)
        mark_dirty(conn, ((m.brand_id, m.day) for m in rows))
        return len(rows)

    def _to_stars(self, conn: Connection, rows: list[Any]) -> int:
        values = [{"mid": m.id, "lab": label_from_rating(float(m.rating_norm)), "org": RATED} for m in rows]
        return self._move(conn, rows, values)

    def _to_model(self, conn: Connection, rows: list[Any]) -> int:
        ids = [int(m.id) for m in rows]
        newest: dict[int, Any] = {}
        scores = select(SC).where(SC.c.mention_id.in_(ids)).order_by(SC.c.scored_at, SC.c.id)
        for score in conn.execute(scores).all():
            newest[int(score.mention_id)] = score  # the last one wins
        values = []
        for m in rows:
            s = newest.get(int(m.id))
            if s is None:  # never scored: unscored, and the model's turn
                values.append({"mid": m.id, "lab": UNSCORED, "org": None, "p_neg": None, "p_neu": None, "p_pos": None})
                continue
            lab = s.label if s.counted else UNSCORED
            origin = f"{s.model_id}@{s.model_version}"
            values.append(
                {
                    "mid": m.id,
                    "lab": lab,
                    "org": origin,
                    "p_neg": s.p_negative,
                    "p_neu": s.p_neutral,
                    "p_pos": s.p_positive,
                }
            )
        return self._move(conn, rows, values)


__all__ = ["CHUNK", "RULE_KEY", "RatingLabelsStore"]
