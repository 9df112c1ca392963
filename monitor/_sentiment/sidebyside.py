"""The shipped model beside the frozen-probe peer, on the same rows, in one run.

``monitor model eval`` and ``benchmarks/accuracy.py`` both call :func:`side_by_side`: the
rows of one split of every data set given, the classifier's labels and (optionally) the
peer's (:mod:`monitor._sentiment.peer`, trained on the ``train`` rows of the same data),
each scored by :mod:`monitor._sentiment.evaluate`, with issue 11's targets
(:mod:`monitor._sentiment.targets`) beside them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor._sentiment.data import Example, fill_languages, load_examples
from monitor._sentiment.evaluate import DatasetResult, evaluate_predictions, predict_labels
from monitor._sentiment.peer import PeerEmbedder, check_peer_rows, embed_data, load_or_fit_probe
from monitor._sentiment.targets import targets_for, unmet
from monitor.errors import ModelError

if TYPE_CHECKING:
    from monitor._sentiment.classifier import SentimentClassifier

Progress = Callable[[str, int, int], None]  # (stage, done, total)
SCORE_CHUNK = 64

SHIPPED, PEER = "shipped", "peer"


@dataclass
class SideBySide:
    """Each model's figures per data set, and what each model is."""

    split: str
    models: dict[str, dict[str, Any]] = field(default_factory=dict)  # "shipped"/"peer" → description
    results: dict[str, dict[str, DatasetResult]] = field(default_factory=dict)  # model → data set → result

    @property
    def datasets(self) -> list[str]:
        return sorted({d for per_model in self.results.values() for d in per_model})

    def as_dict(self) -> dict[str, Any]:
        """The ``--json`` shape: per data set, per language and per source, each model's figures."""
        out: dict[str, Any] = {"split": self.split, "models": self.models, "datasets": {}}
        for ds in self.datasets:
            per = {m: r[ds] for m, r in self.results.items() if ds in r}
            first = next(iter(per.values()))
            langs: dict[str, Any] = {}
            for lang in first.languages:
                targets = targets_for(ds, lang)
                entry: dict[str, Any] = {
                    "n": first.languages[lang].n,
                    "targets": {k: {"bound": t.bound, "why": t.why} for k, t in targets.items()},
                }
                for m, res in per.items():
                    f = res.languages[lang]
                    entry[m] = {**f.as_dict(), "unmet": unmet(ds, lang, f)}
                langs[lang] = entry
            sources: dict[str, Any] = {}
            for lang, src in first.sources:
                sources.setdefault(lang, {})[src] = {
                    "n": first.sources[(lang, src)].n,
                    "domains": first.domains[(lang, src)],
                    **{m: res.sources[(lang, src)].as_dict() for m, res in per.items()},
                }
            out["datasets"][ds] = {
                "overall": {m: res.overall.as_dict() for m, res in per.items()},
                "languages": langs,
                "sources": sources,
            }
        return out


def select_split(rows: Sequence[Example], split: str | None) -> list[int]:
    """Indices of the rows of ``split`` (``None``/``all``: every row); a data set whose rows
    carry no split at all is taken whole."""
    if not split or split == "all":
        return list(range(len(rows)))
    unsplit = {r.dataset for r in rows if r.split is None}
    return [i for i, r in enumerate(rows) if r.split == split or r.dataset in unsplit]


def _score(clf: SentimentClassifier, rows: Sequence[Example], progress: Progress | None) -> list[int]:
    out: list[int] = []
    for start in range(0, len(rows), SCORE_CHUNK):
        out += predict_labels(clf, rows[start : start + SCORE_CHUNK])
        if progress is not None:
            progress("scoring", len(out), len(rows))
    return out


def side_by_side(
    paths: Sequence[Path],
    clf: SentimentClassifier,
    *,
    split: str | None = "test",
    embedder: PeerEmbedder | None = None,
    cache: Path | None = None,
    progress: Progress | None = None,
    log: Callable[[str], None] | None = None,
) -> SideBySide:
    """Score one split of the data sets at ``paths`` with ``clf`` and, given an ``embedder``,
    with the frozen-probe peer trained on their ``train`` rows."""
    say = log or (lambda _m: None)
    data = None
    rows_all = [r for p in paths for r in load_examples(p)]
    if embedder is not None:
        check_peer_rows(rows_all)
        t0 = time.perf_counter()

        def embedding(done: int, total: int) -> None:
            if progress is not None:
                progress("embedding", done, total)

        data = embed_data(paths, embedder, cache=cache, progress=embedding)
        if [r.text for r in data.rows] != [r.text for r in rows_all]:
            raise ModelError("the data changed while it was being embedded; run again")
        say(f"peer: {len(rows_all)} rows embedded ({data.embedded_now} new) in {time.perf_counter() - t0:.0f} s")
    picked = select_split(rows_all, split)
    if not picked:
        raise ModelError(f"{', '.join(map(str, paths))}: no rows to evaluate (split {split!r})")
    rows = fill_languages([rows_all[i] for i in picked])
    info = clf.info()
    report = SideBySide(split=split or "all")
    t1 = time.perf_counter()
    report.results[SHIPPED] = evaluate_predictions(rows, _score(clf, rows, progress))
    report.models[SHIPPED] = {
        "model_id": info.get("model_id"),
        "model_version": info.get("model_version"),
        "precision": info.get("precision"),
        "seconds": round(time.perf_counter() - t1, 1),
    }
    if data is not None and embedder is not None:
        t2 = time.perf_counter()
        probe, cached = load_or_fit_probe(data, embedder, cache=cache, log=say)
        report.results[PEER] = evaluate_predictions(rows, probe.predict(data.vectors[picked]))
        report.models[PEER] = {
            "what": "frozen e5-small base ('query: ', mean pooled, L2-normalised) + class-balanced "
            "logistic regression on the train rows, C chosen on the mean dev macro-F1",
            "encoder": embedder.version,
            "max_length": embedder.max_length,
            "C": probe.C,
            "train_rows": probe.train_rows,
            "dev_macro_f1": {k: round(v, 4) for k, v in probe.dev_macro_f1.items()},
            "cached": cached,
            "seconds": round(time.perf_counter() - t2, 1),
        }
    return report


__all__ = ["PEER", "SHIPPED", "SideBySide", "select_split", "side_by_side"]
