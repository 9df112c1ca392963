"""Classification metrics (pure Python): accuracy, per-class F1, macro-F1, confusion matrix,
and the two product figures: polarity accuracy and index bias."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor._records import LABELS


@dataclass(frozen=True)
class Scores:
    """Metrics of one group of predictions.

    ``macro_f1`` averages F1 over the classes present in the gold labels only, so a
    binary language (Armenian data has no neutral) is scored as a binary task; a neutral
    prediction on such data still counts as an error (it lowers recall).
    """

    n: int
    accuracy: float
    macro_f1: float
    f1: dict[str, float]
    confusion: list[list[int]]  # rows = gold, columns = predicted, in LABELS order
    classes: list[str]

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "f1": {k: round(v, 4) for k, v in self.f1.items()},
            "classes": self.classes,
            "confusion": self.confusion,
        }


def score(gold: Sequence[int], pred: Sequence[int], n_labels: int = len(LABELS)) -> Scores:
    """Compute :class:`Scores` for integer labels."""
    if len(gold) != len(pred):
        raise ValueError("gold and predicted labels differ in length")
    cm = [[0] * n_labels for _ in range(n_labels)]
    for g, p in zip(gold, pred, strict=True):
        cm[g][p] += 1
    n = len(gold)
    f1: dict[str, float] = {}
    present: list[str] = []
    for k in range(n_labels):
        tp = cm[k][k]
        gold_k = sum(cm[k])
        pred_k = sum(cm[r][k] for r in range(n_labels))
        f1[LABELS[k]] = 2 * tp / (gold_k + pred_k) if gold_k + pred_k else 0.0
        if gold_k:
            present.append(LABELS[k])
    macro = sum(f1[c] for c in present) / len(present) if present else 0.0
    acc = sum(cm[k][k] for k in range(n_labels)) / n if n else 0.0
    return Scores(n, acc, macro, f1, cm, present)


NEGATIVE, NEUTRAL, POSITIVE = (LABELS.index(k) for k in ("negative", "neutral", "positive"))


def polarity_accuracy(gold: Sequence[int], pred: Sequence[int]) -> tuple[float | None, int]:
    """On the gold positive/negative rows, the share predicted with the right pole.

    A neutral prediction on a polar row counts as wrong. Returns the share (``None``
    without polar rows) and the number of polar rows it is over.
    """
    if len(gold) != len(pred):
        raise ValueError("gold and predicted labels differ in length")
    polar = [(g, p) for g, p in zip(gold, pred, strict=True) if g != NEUTRAL]
    if not polar:
        return None, 0
    return sum(g == p for g, p in polar) / len(polar), len(polar)


def msi(labels: Sequence[int]) -> float | None:
    """The mention-satisfaction index P / (P + N) of integer labels (``None`` when P + N = 0)."""
    pos = sum(1 for y in labels if y == POSITIVE)
    neg = sum(1 for y in labels if y == NEGATIVE)
    return pos / (pos + neg) if pos + neg else None


def index_bias(gold: Sequence[int], pred: Sequence[int]) -> float | None:
    """MSI from the predicted labels minus MSI from the gold labels, in points (−100…+100).

    ``None`` when either side has no positive or negative label (the MSI is undefined).
    """
    if len(gold) != len(pred):
        raise ValueError("gold and predicted labels differ in length")
    m_pred, m_gold = msi(pred), msi(gold)
    if m_pred is None or m_gold is None:
        return None
    return 100.0 * (m_pred - m_gold)


__all__ = ["NEGATIVE", "NEUTRAL", "POSITIVE", "Scores", "index_bias", "msi", "polarity_accuracy", "score"]
