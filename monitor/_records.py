"""Plain records passed between layers (parsers → store, model → store).

They are frozen dataclasses, not database rows: parsers and the model never touch the
database, and the store never imports a parser or the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from monitor._labels import LABELS, Label  # the label rules live in monitor._labels


@dataclass(frozen=True, slots=True)
class Mention:
    """One mention, from a source's ``parse`` (or an import row, or the API) to the store.

    *Parsers* fill what the page says: ``external_id``, ``text`` and, when known, ``url``,
    ``author``, ``title``, ``published_at`` (timezone-aware UTC), ``rating`` with
    ``rating_scale`` (``(worst, best)``, e.g. ``(1, 5)``), ``lang`` (the language the source
    *declares*: a hint), ``reach`` with ``reach_kind`` (a count of how many people the
    mention reached or moved, and what it counts: ``followers``, ``upvotes``, ``likes``,
    ``views`` or ``helpful_votes``; :mod:`monitor._index.reach`), ``shared_from`` (the
    original's external id when this is a boost/repost), ``reply_to`` (the external id of
    the item this one answers), ``author_id`` (the author's stable account id where the source has one: a YouTube
    channel id, a Mastodon account URL) and ``extra`` (source-specific details, never stored).

    *The pipeline* fills the rest before storing: the collector stores a repost under its
    ``shared_from`` id, clips long fields and sets ``lang``/``lang_confidence`` to the
    language it identified; the importer and the API may give a ``label`` with its
    ``label_origin`` and a model's ``score``. The store ignores ``shared_from`` and ``extra``.
    """

    external_id: str
    text: str
    url: str | None = None
    author: str | None = None
    title: str | None = None
    published_at: datetime | None = None
    rating: float | None = None
    rating_scale: tuple[float, float] | None = None
    lang: str | None = None
    reach: int | None = None
    shared_from: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    #: The external id of the item this one replies to (a comment's parent), when the source says.
    reply_to: str | None = None
    #: The author's stable account id (a YouTube channel id, a Mastodon account URL), when known.
    author_id: str | None = None
    #: Confidence of the identified ``lang`` (set by the collector).
    lang_confidence: float | None = None
    #: What ``reach`` counts (:data:`monitor._index.reach.REACH_KINDS`); set with ``reach``.
    reach_kind: str | None = None
    #: A given label (an import or the API); ``None``: the model decides.
    label: Label | None = None
    #: Where a given label came from: "manual" (a person), "rating" (the stars) or, by
    #: default, "import". Ignored when ``score`` is set.
    label_origin: Literal["manual", "import", "rating"] | None = None
    #: A model's score to store with the mention (an export re-imported): the mention's
    #: label is that model's, counted when ``label`` is set, and a newer model rescores it.
    score: Prediction | None = None


@dataclass(frozen=True, slots=True)
class Prediction:
    """The model's verdict on one text."""

    label: Label
    p_negative: float
    p_neutral: float
    p_positive: float
    model_id: str
    model_version: str

    @property
    def confidence(self) -> float:
        """The probability of the predicted label."""
        return max(self.p_negative, self.p_neutral, self.p_positive)


@dataclass(frozen=True, slots=True)
class BrandReply:
    """A reply by one of a brand's own accounts, seen at a source: it answers ``parent``.

    ``parent`` is the external id (at the same source) of the item answered, ``brand`` the
    brand whose account replied, ``at`` when (timezone-aware)."""

    parent: str
    brand: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AggregateRating:
    """A page's schema.org ``AggregateRating``: the average of its ratings, not a mention.

    ``scale`` is ``(worst, best)``; ``rating_count`` counts the ratings behind ``value``
    and ``review_count`` the written reviews (pages give either, both or neither);
    ``item`` is the rated thing's name as the page gives it (scraped text).
    """

    value: float
    scale: tuple[float, float] = (1.0, 5.0)
    rating_count: int | None = None
    review_count: int | None = None
    item: str | None = None

    @property
    def count(self) -> int | None:
        """The ratings behind the average: ``rating_count``, else ``review_count``."""
        return self.rating_count if self.rating_count is not None else self.review_count

    @property
    def normalised(self) -> float:
        """``value`` on 0–1 (worst → 0, best → 1)."""
        worst, best = self.scale
        return (self.value - worst) / (best - worst)


__all__ = ["LABELS", "AggregateRating", "BrandReply", "Label", "Mention", "Prediction"]
