"""The label rules, in one place (pure: no I/O, no model, no config).

* **The labels**: :data:`LABELS` (``negative``, ``neutral``, ``positive``); a mention no label
  counts for is :data:`UNSCORED`. A bad label raises :class:`~monitor.errors.InvalidLabel`
  wherever it is given (:func:`check_label`); file readers report :func:`label_problem`
  with their line.
* **Precedence**: a person's label (``manual``) > an imported label (``import``) > the stars
  (``rating``, :func:`label_from_rating`) > a model's score. The stars label every rated
  mention when ``index.label_from_rating`` is on (the default), only reviews without words
  when it is off (:func:`rating_label`). A mention keeps a given label
  (:data:`GIVEN_ORIGINS`) when a model scores it (:func:`model_may_relabel`), though a
  model still scores a rated mention with words, so its agreement with the stars can be
  measured; a person's label replaces any label, and clearing it falls back to the stars,
  else the newest model score.
* **What counts in the index**: a model's score counts when its confidence reaches the
  threshold and its language is one the product scores (:func:`counts_in_index`); an
  unknown language (``None``) counts, as in the pipeline's scoring step. The languages
  scored are defined here; :mod:`monitor._config` re-exports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from monitor.errors import InvalidLabel

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")
UNSCORED = "unscored"
#: Every label a stored mention can carry (what the index counts it as).
EFFECTIVE_LABELS = (*LABELS, UNSCORED)

GivenOrigin = Literal["manual", "import", "rating"]
MANUAL: GivenOrigin = "manual"
IMPORTED: GivenOrigin = "import"
RATED: GivenOrigin = "rating"  # a rated mention: its label follows the stars
#: Origins of a given label, strongest first; any other origin is a model's ``id@version``.
GIVEN_ORIGINS: tuple[GivenOrigin, ...] = (MANUAL, IMPORTED, RATED)

SUPPORTED_LANGUAGES = ("hy", "sv", "tr", "bg", "en")


class Scored(Protocol):
    """A model's verdict, as :func:`counts_in_index` reads it."""

    @property
    def confidence(self) -> float:
        """The probability of the predicted label."""
        ...


def label_problem(label: object) -> str | None:
    """Why ``label`` is not a label, or ``None`` when it is one (or is ``None``)."""
    if label is None or label in LABELS:
        return None
    return f"label {label!r} is not one of {', '.join(LABELS)}"


def check_label(label: str | None) -> Label | None:
    """``label`` as a :data:`Label`; raises :class:`~monitor.errors.InvalidLabel` for anything else."""
    for known in LABELS:
        if label == known:
            return known
    problem = label_problem(label)
    if problem is not None:
        raise InvalidLabel(problem)
    return None


def label_from_rating(norm: float) -> Label:
    """The star mapping of the training data: 1–2 of 5 negative, 3 neutral, 4–5 positive."""
    if norm < 0.4:
        return "negative"
    if norm > 0.6:
        return "positive"
    return "neutral"


def rating_label(rating_norm: float | None, has_words: bool, *, from_rating: bool) -> Label | None:
    """The label the stars give a mention, or ``None`` when the stars do not label it.

    A rated review without words always takes its stars' label; one with words only when
    ``from_rating`` (``index.label_from_rating``) is on.
    """
    if rating_norm is None or (has_words and not from_rating):
        return None
    return label_from_rating(rating_norm)


def given_label(
    label: str | None,
    origin: GivenOrigin | None,
    rating_norm: float | None,
    has_words: bool,
    *,
    from_rating: bool,
) -> tuple[Label | None, GivenOrigin | None]:
    """The label a new mention is stored with before any model scores it, and its origin.

    A given label wins (its origin defaults to ``import``); otherwise the stars' label
    (:func:`rating_label`); otherwise none (the model's turn).
    """
    checked = check_label(label)
    if checked is not None:
        return checked, origin or IMPORTED
    stars = rating_label(rating_norm, has_words, from_rating=from_rating)
    return (stars, RATED) if stars is not None else (None, None)


def model_may_relabel(origin: str | None) -> bool:
    """Whether a model's score may replace the label of a mention whose label came from ``origin``."""
    return origin not in GIVEN_ORIGINS


def counts_in_index(
    pred: Scored,
    lang: str | None,
    threshold: float,
    supported: Sequence[str] = SUPPORTED_LANGUAGES,
) -> bool:
    """Whether a score counts in the index: confidence ≥ threshold, and a supported language.

    An unknown language (``None``) counts, as in the pipeline's scoring step.
    """
    return (lang is None or lang in supported) and pred.confidence >= threshold


__all__ = [
    "EFFECTIVE_LABELS",
    "GIVEN_ORIGINS",
    "IMPORTED",
    "LABELS",
    "MANUAL",
    "RATED",
    "SUPPORTED_LANGUAGES",
    "UNSCORED",
    "GivenOrigin",
    "Label",
    "Scored",
    "check_label",
    "counts_in_index",
    "given_label",
    "label_from_rating",
    "label_problem",
    "model_may_relabel",
    "rating_label",
]
