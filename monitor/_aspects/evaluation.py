"""Measuring the tagger on hand-labelled sentences: precision, recall and F1 per aspect and
per language (micro-averaged over (sentence, aspect) decisions).

The labelled files are JSON lines, one sentence each: ``{"id", "lang", "text", "aspects":
[names], "split": "dev"|"test"}`` (the project's own set: ``tests/data/aspects/``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Labelled:
    """One hand-labelled sentence."""

    id: str
    lang: str
    text: str
    aspects: frozenset[str]
    split: str


def read_labelled(paths: Iterable[Path], split: str | None = None) -> list[Labelled]:
    """The sentences of ``paths`` (of ``split`` when given), in file order."""
    out: list[Labelled] = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                item = Labelled(
                    str(row["id"]), str(row["lang"]), str(row["text"]), frozenset(row["aspects"]), str(row["split"])
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: not a labelled sentence ({exc})") from exc
            if split is None or item.split == split:
                out.append(item)
    return out


@dataclass(slots=True)
class Counts:
    """True positives, false positives and false negatives, with P/R/F1."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        """How many labelled (sentence, aspect) pairs there are."""
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: bool, predicted: bool) -> None:
        self.tp += gold and predicted
        self.fp += predicted and not gold
        self.fn += gold and not predicted


@dataclass(slots=True)
class Evaluation:
    """Overall, per aspect and per language counts."""

    overall: Counts = field(default_factory=Counts)
    by_aspect: dict[str, Counts] = field(default_factory=dict)
    by_lang: dict[str, Counts] = field(default_factory=dict)


def evaluate(
    gold: Sequence[frozenset[str]], predicted: Sequence[Iterable[str]], langs: Sequence[str], aspects: Sequence[str]
) -> Evaluation:
    """Every (sentence, aspect) decision of ``predicted`` against ``gold``."""
    if not len(gold) == len(predicted) == len(langs):
        raise ValueError("gold, predicted and langs differ in length")
    ev = Evaluation(by_aspect={a: Counts() for a in aspects})
    for g, p, lang in zip(gold, predicted, langs, strict=True):
        chosen = set(p)
        per_lang = ev.by_lang.setdefault(lang, Counts())
        for a in aspects:
            for c in (ev.overall, ev.by_aspect[a], per_lang):
                c.add(a in g, a in chosen)
    return ev


__all__ = ["Counts", "Evaluation", "Labelled", "evaluate", "read_labelled"]
