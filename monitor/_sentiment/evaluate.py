"""Evaluate a classifier on labelled rows: overall, per language and per source."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitor._records import LABELS
from monitor._sentiment.classifier import SentimentClassifier
from monitor._sentiment.data import Example, group_by
from monitor._sentiment.metrics import Scores, score


def evaluate_predictions(rows: Sequence[Example], pred: Sequence[int]) -> dict[str, Any]:
    """Group scores: ``{"overall": Scores, "languages": {lang: Scores}, "sources": {...}}``."""
    gold = [r.y for r in rows]

    def by(key: str) -> dict[str, Scores]:
        return {
            k: score([gold[i] for i in idx], [pred[i] for i in idx]) for k, idx in sorted(group_by(rows, key).items())
        }

    return {"overall": score(gold, pred), "languages": by("lang"), "sources": by("source_name")}


def evaluate(clf: SentimentClassifier, rows: Sequence[Example]) -> dict[str, Any]:
    """Predict every row (with its language) and score the predictions."""
    preds = clf.predict([r.text for r in rows], [r.lang for r in rows])
    index = {label: i for i, label in enumerate(LABELS)}
    return evaluate_predictions(rows, [index[p.label] for p in preds])


def as_json(result: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The ``--json`` shape: ``{"languages": {lang: {…}}, "overall": {…}, "sources": {…}}``."""
    return {
        "languages": {k: v.as_dict() for k, v in result["languages"].items()},
        "overall": result["overall"].as_dict(),
        "sources": {k: v.as_dict() for k, v in result["sources"].items()},
        **extra,
    }


def _row(name: str, s: Scores, width: int) -> str:
    f1 = " ".join(f"{s.f1[c]:>5.3f}" if c in s.classes else "    -" for c in LABELS)
    return f"{name:<{width}} {s.n:>5} {s.accuracy:>6.3f} {s.macro_f1:>6.3f}   {f1}"


def format_report(result: dict[str, Any]) -> str:
    """Plain-text tables: scores per group, then confusion matrices per language."""
    w = max([12, *(len(k) + 7 for k in result["sources"])])
    head = f"{'group':<{w}} {'n':>5} {'acc':>6} {'mF1':>6}   {'F1 neg':>5} {'neu':>5} {'pos':>5}"
    lines = [head, _row("overall", result["overall"], w)]
    lines += [_row(f"lang {k}", v, w) for k, v in result["languages"].items()]
    lines += [_row(f"source {k}", v, w) for k, v in result["sources"].items()]
    lines.append("")
    lines.append("confusion matrices (rows = gold, columns = predicted: neg neu pos)")
    for k, v in [("overall", result["overall"]), *result["languages"].items()]:
        cells = " | ".join(" ".join(f"{c:>4}" for c in row) for row in v.confusion)
        lines.append(f"  {k:<8} {cells}")
    lines.append("")
    lines.append("macro-F1 averages the classes present in the gold labels (hy data is binary).")
    return "\n".join(lines)


__all__ = ["as_json", "evaluate", "evaluate_predictions", "format_report"]
