"""Evaluate sentiment labels on labelled rows: per data set, per language and per source.

One module for every evaluation (``monitor model eval``, ``benchmarks/accuracy.py`` and the
evaluation gate in the tests), so the report and the gate cannot drift. For every group:
accuracy, macro-F1 (over the classes present in the gold labels: Armenian gold is binary),
per-class F1, the confusion matrix, and the two product figures:

- **polarity accuracy**: on the gold positive/negative rows, the share predicted with the
  right pole (a neutral prediction counts as wrong);
- **index bias**: the MSI ``P / (P + N)`` from the predicted labels minus the MSI from the
  gold labels, in points.

Rows are grouped by their data set (its folder name: ``sentiment``, ``mentions``), then by
language, and by (language, source repository) with the source's domains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from monitor._records import LABELS
from monitor._sentiment.data import Example
from monitor._sentiment.metrics import Scores, index_bias, msi, polarity_accuracy, score

if TYPE_CHECKING:
    from monitor._sentiment.classifier import SentimentClassifier

LABEL_INDEX = {label: i for i, label in enumerate(LABELS)}


@dataclass(frozen=True)
class Figures:
    """Every figure of one group of predictions."""

    scores: Scores
    polarity: float | None  # None: no gold positive/negative row
    n_polar: int
    index_bias: float | None  # points; None when an MSI is undefined
    msi_gold: float | None
    msi_model: float | None

    @property
    def n(self) -> int:
        return self.scores.n

    @property
    def macro_f1(self) -> float:
        return self.scores.macro_f1

    def f1(self, label: str) -> float | None:
        """F1 of one class, ``None`` when the gold labels do not have it."""
        return self.scores.f1[label] if label in self.scores.classes else None

    def as_dict(self) -> dict[str, Any]:
        def r(x: float | None, k: int = 4) -> float | None:
            return None if x is None else round(x, k)

        return {
            **self.scores.as_dict(),
            "polarity_accuracy": r(self.polarity),
            "n_polar": self.n_polar,
            "index_bias": r(self.index_bias, 2),
            "msi_gold": r(self.msi_gold),
            "msi_model": r(self.msi_model),
        }


def figures(gold: Sequence[int], pred: Sequence[int]) -> Figures:
    """:class:`Figures` of integer gold and predicted labels (indices into ``LABELS``)."""
    polar, n_polar = polarity_accuracy(gold, pred)
    return Figures(score(gold, pred), polar, n_polar, index_bias(gold, pred), msi(gold), msi(pred))


@dataclass(frozen=True)
class DatasetResult:
    """One data set's figures: overall, per language, per (language, source)."""

    name: str
    overall: Figures
    languages: dict[str, Figures]
    sources: dict[tuple[str, str], Figures]
    domains: dict[tuple[str, str], list[str]]  # (language, source) → its rows' domains

    def as_dict(self) -> dict[str, Any]:
        sources: dict[str, dict[str, Any]] = {}
        for (lang, src), f in self.sources.items():
            sources.setdefault(lang, {})[src] = {**f.as_dict(), "domains": self.domains[(lang, src)]}
        return {
            "overall": self.overall.as_dict(),
            "languages": {k: v.as_dict() for k, v in self.languages.items()},
            "sources": sources,
        }


def _group(rows: Sequence[Example], gold: Sequence[int], pred: Sequence[int], key: Any) -> dict[Any, Figures]:
    idx: dict[Any, list[int]] = {}
    for i, r in enumerate(rows):
        idx.setdefault(key(r), []).append(i)
    return {k: figures([gold[i] for i in v], [pred[i] for i in v]) for k, v in sorted(idx.items())}


def evaluate_predictions(rows: Sequence[Example], pred: Sequence[int]) -> dict[str, DatasetResult]:
    """Figures per data set (sorted by name) of integer predictions for ``rows``."""
    if len(rows) != len(pred):
        raise ValueError("rows and predicted labels differ in length")
    by_set: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_set.setdefault(r.dataset or "data", []).append(i)
    out: dict[str, DatasetResult] = {}
    for name, idx in sorted(by_set.items()):
        sub = [rows[i] for i in idx]
        gold, p = [r.y for r in sub], [pred[i] for i in idx]
        domains: dict[tuple[str, str], list[str]] = {}
        for r in sub:
            seen = domains.setdefault((r.lang or "unknown", r.source_name), [])
            if r.domain and r.domain not in seen:
                seen.append(r.domain)
        out[name] = DatasetResult(
            name=name,
            overall=figures(gold, p),
            languages=_group(sub, gold, p, lambda r: r.lang or "unknown"),
            sources=_group(sub, gold, p, lambda r: (r.lang or "unknown", r.source_name)),
            domains=domains,
        )
    return out


def predict_labels(clf: SentimentClassifier, rows: Sequence[Example]) -> list[int]:
    """The classifier's label of every row (with its language), as indices into ``LABELS``."""
    preds = clf.predict([r.text for r in rows], [r.lang for r in rows])
    return [LABEL_INDEX[p.label] for p in preds]


def evaluate(clf: SentimentClassifier, rows: Sequence[Example]) -> dict[str, DatasetResult]:
    """Predict every row and compute its data set's figures."""
    return evaluate_predictions(rows, predict_labels(clf, rows))


__all__ = ["DatasetResult", "Figures", "evaluate", "evaluate_predictions", "figures", "predict_labels"]
