"""Is the workspace's adapted model better than the shipped one? (pure: no torch, no I/O)

``monitor model adapt`` cross-validates an adapter on the team's labels: every label gets
one prediction of the shipped model and one of an adapter trained on the other folds.
:func:`compare` sets the two side by side per language, with paired bootstrap intervals of
the gains, and :func:`decide` says, per language, whether the adapter is adopted: only with
at least :data:`MIN_LANGUAGE_LABELS` labels in that language and a 95 % interval of the gain
above zero for both accuracy and macro-F1. Anything less keeps the shipped model.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

from monitor._sentiment.metrics import score

MIN_LANGUAGE_LABELS = 20  # labels a language needs before its adapter may be adopted
BOOTSTRAP_ROUNDS = 2000
UNKNOWN_LANGUAGE = "?"  # the group of labels whose language is not known (never adopted)


@dataclass(frozen=True, slots=True)
class Gain:
    """The adapted model's gain over the shipped one (a difference of shares), with its 95 % interval."""

    mean: float
    low: float
    high: float

    def show(self) -> str:
        """``+0.25 (+0.14…+0.36)``: the gain in a share, with its interval."""
        return f"{self.mean:+.2f} ({self.low:+.2f}…{self.high:+.2f})"


@dataclass(frozen=True, slots=True)
class Comparison:
    """The shipped and the adapted model on one language's labels (out-of-fold predictions)."""

    lang: str
    n: int
    shipped_accuracy: float
    adapted_accuracy: float
    accuracy_gain: Gain
    shipped_macro_f1: float
    adapted_macro_f1: float
    macro_f1_gain: Gain
    adopt: bool = False
    reason: str = ""

    def to_dict(self) -> dict[str, object]:
        """The comparison as a JSON-ready dict (shares rounded to 4 places)."""
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, float):
                d[k] = round(v, 4)
            elif isinstance(v, dict):
                d[k] = {g: round(x, 4) for g, x in v.items()}
        return d


def _accuracy_and_f1(gold: Sequence[int], pred: Sequence[int]) -> tuple[float, float]:
    s = score(gold, pred)
    return s.accuracy, s.macro_f1


def paired_bootstrap(
    gold: Sequence[int],
    shipped: Sequence[int],
    adapted: Sequence[int],
    *,
    rounds: int = BOOTSTRAP_ROUNDS,
    seed: int = 13,
) -> tuple[Gain, Gain]:
    """Gains in accuracy and macro-F1 with percentile 95 % intervals, resampling the labels in pairs."""
    if not (len(gold) == len(shipped) == len(adapted)) or not gold:
        raise ValueError("paired_bootstrap needs equally long, non-empty label lists")
    acc_s, f1_s = _accuracy_and_f1(gold, shipped)
    acc_a, f1_a = _accuracy_and_f1(gold, adapted)
    rng = random.Random(seed)
    n = len(gold)
    acc: list[float] = []
    f1: list[float] = []
    for _ in range(rounds):
        pick = [rng.randrange(n) for _ in range(n)]
        g = [gold[i] for i in pick]
        a_s, m_s = _accuracy_and_f1(g, [shipped[i] for i in pick])
        a_a, m_a = _accuracy_and_f1(g, [adapted[i] for i in pick])
        acc.append(a_a - a_s)
        f1.append(m_a - m_s)
    return _interval(acc_a - acc_s, acc), _interval(f1_a - f1_s, f1)


def _interval(mean: float, draws: list[float]) -> Gain:
    draws = sorted(draws)
    k = len(draws)
    return Gain(mean, draws[int(0.025 * (k - 1))], draws[round(0.975 * (k - 1))])


def compare(
    gold: Sequence[int],
    shipped: Sequence[int],
    adapted: Sequence[int],
    langs: Sequence[str | None],
    *,
    rounds: int = BOOTSTRAP_ROUNDS,
    seed: int = 13,
) -> list[Comparison]:
    """One :class:`Comparison` per language (most labels first; unknown languages as ``?``)."""
    groups: dict[str, list[int]] = {}
    for i, lang in enumerate(langs):
        groups.setdefault(lang or UNKNOWN_LANGUAGE, []).append(i)
    out = []
    for lang, idx in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        g = [gold[i] for i in idx]
        s = [shipped[i] for i in idx]
        a = [adapted[i] for i in idx]
        acc_gain, f1_gain = paired_bootstrap(g, s, a, rounds=rounds, seed=seed)
        acc_s, f1_s = _accuracy_and_f1(g, s)
        acc_a, f1_a = _accuracy_and_f1(g, a)
        out.append(Comparison(lang, len(idx), acc_s, acc_a, acc_gain, f1_s, f1_a, f1_gain))
    return out


def decide(comparison: Comparison, min_labels: int = MIN_LANGUAGE_LABELS) -> Comparison:
    """The comparison with its verdict: adopt the adapter for this language, or keep the shipped model."""
    c = comparison
    if c.lang == UNKNOWN_LANGUAGE:
        return _verdict(c, False, "language unknown: the shipped model scores these")
    if c.n < min_labels:
        return _verdict(c, False, f"{c.n} labels, fewer than the {min_labels} a language needs")
    if c.accuracy_gain.low > 0 and c.macro_f1_gain.low > 0:
        return _verdict(c, True, "better: both gains' 95 % intervals lie above zero")
    if c.accuracy_gain.high < 0 and c.macro_f1_gain.high < 0:
        return _verdict(c, False, "worse than the shipped model")
    return _verdict(c, False, "not clearly better: an interval of the gain reaches zero")


def _verdict(c: Comparison, adopt: bool, reason: str) -> Comparison:
    return replace(c, adopt=adopt, reason=reason)


def adopted_languages(comparisons: Sequence[Comparison]) -> list[str]:
    """The languages whose adapter is adopted, sorted."""
    return sorted(c.lang for c in comparisons if c.adopt)


__all__ = [
    "BOOTSTRAP_ROUNDS",
    "MIN_LANGUAGE_LABELS",
    "UNKNOWN_LANGUAGE",
    "Comparison",
    "Gain",
    "adopted_languages",
    "compare",
    "decide",
    "paired_bootstrap",
]
