"""The workspace's own labels, which ``monitor model adapt`` learns from.

Two kinds, a person's first: a mention a person labelled (``manual_label``) and a rated
mention with words, labelled by its stars (:func:`monitor._labels.label_from_rating`) when
``index.label_from_rating`` is on. Imported labels and model scores are not the team's
verdicts and are left out; so are mentions without words (nothing to learn from).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from monitor._labels import LABELS, MANUAL, RATED, Label, label_from_rating
from monitor._store.base import StoreBase
from monitor._store.scores import scoring_text
from monitor._store.tables import MENTION_T as M


@dataclass(frozen=True, slots=True)
class TeamLabel:
    """One labelled mention: the text the model reads, its language, the label and where it came from."""

    mention_id: int
    text: str
    lang: str | None
    label: Label
    origin: str  # "manual" (a person) or "rating" (the stars)


class TeamLabelsStore(StoreBase):
    """Reading the team's labels."""

    def team_labels(self) -> list[TeamLabel]:
        """Every mention a person labelled, then (when the stars label mentions) every rated one, by id."""
        has_words = or_(M.c.text != "", and_(M.c.title.is_not(None), M.c.title != ""))
        given = M.c.manual_label.is_not(None)
        if self.label_from_rating:
            given = or_(given, M.c.rating_norm.is_not(None))
        query = (
            select(M.c.id, M.c.text, M.c.title, M.c.lang, M.c.manual_label, M.c.rating_norm)
            .where(has_words, given)
            .order_by(M.c.id)
        )
        out: list[TeamLabel] = []
        with self.engine.connect() as conn:
            for r in conn.execute(query):
                text = scoring_text(r.text, r.title)
                if not text.strip():
                    continue
                manual = next((k for k in LABELS if k == r.manual_label), None)
                if manual is not None:
                    out.append(TeamLabel(int(r.id), text, r.lang, manual, MANUAL))
                elif r.rating_norm is not None and self.label_from_rating:
                    out.append(TeamLabel(int(r.id), text, r.lang, label_from_rating(float(r.rating_norm)), RATED))
        return out


__all__ = ["TeamLabel", "TeamLabelsStore"]
