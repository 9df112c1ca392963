"""Label rules that decide what the index counts (pure: no I/O, no model, no config).

A score counts in the index when its confidence reaches the threshold and its language is
one the product scores; an unknown language (``None``) counts, as in the pipeline's scoring
step. The languages scored are defined here; :mod:`monitor.config` re-exports them.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.records import Prediction

SUPPORTED_LANGUAGES = ("hy", "sv", "tr", "bg", "en")


def counts_in_index(
    pred: Prediction,
    lang: str | None,
    threshold: float,
    supported: Sequence[str] = SUPPORTED_LANGUAGES,
) -> bool:
    """Whether a score counts in the index: confidence ≥ threshold, and a supported language.

    An unknown language (``None``) counts, as in the pipeline's scoring step.
    """
    return (lang is None or lang in supported) and pred.confidence >= threshold


__all__ = ["SUPPORTED_LANGUAGES", "counts_in_index"]
