"""Plain records passed between layers (parsers → store, model → store).

They are frozen dataclasses, not database rows: parsers and the model never touch the
database, and the store never imports a parser or the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")


@dataclass(frozen=True, slots=True)
class RawMention:
    """One mention as a source's ``parse`` yields it, before matching and storage.

    ``published_at`` is timezone-aware UTC when known. ``rating_scale`` is
    ``(worst, best)``, e.g. ``(1, 5)``. ``lang`` is what the source *declares* (a hint);
    the pipeline identifies the language itself.
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
    shared_from: str | None = None  # external id of the original when this is a boost/repost
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class MentionIn:
    """A mention ready to store: a brand and source are given by the caller."""

    external_id: str
    text: str
    url: str | None = None
    author: str | None = None
    title: str | None = None
    published_at: datetime | None = None
    rating: float | None = None
    rating_scale: tuple[float, float] | None = None
    lang: str | None = None
    lang_confidence: float | None = None
    reach: int | None = None
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
        return max(self.p_negative, self.p_neutral, self.p_positive)


__all__ = ["LABELS", "Label", "MentionIn", "Prediction", "RawMention"]


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


__all__ += ["AggregateRating"]
