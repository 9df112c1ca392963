"""The tables of ``monitor model eval`` (and ``benchmarks/accuracy.py``): per data set, one
table per language and one per (language, source), each model on its own row, the targets
on a row of their own; a figure that misses its target is marked ``✗`` (red on a terminal)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from monitor._cli.tables import EMPTY, Col, make_table, print_table
from monitor._sentiment.evaluate import Figures
from monitor._sentiment.sidebyside import PEER, SHIPPED, SideBySide
from monitor._sentiment.targets import Figure, Target, targets_for

MISSED = "✗"
FIGURE_COLS = [
    Col("n", "n", "figure"),
    Col("acc", "acc", "figure"),
    Col("macro_f1", "macro-F1", "figure"),
    Col("f1_neg", "F1 neg", "figure"),
    Col("f1_neu", "F1 neu", "figure"),
    Col("f1_pos", "F1 pos", "figure"),
    Col("polarity", "polarity", "figure"),
    Col("index_bias", "bias", "figure"),
]
CAPTION = (
    "macro-F1 over the gold classes (hy gold: negative/positive); polarity: share of gold "
    "positive/negative rows given the right pole; bias: MSI from the model's labels − MSI from "
    f"the gold labels, in points. {MISSED}: misses the target on the 'target' row."
)


def _num(v: float | None, fmt: str = ".3f") -> str:
    return EMPTY if v is None else format(v, fmt)


def _cell(value: float | None, target: Target | None, fmt: str = ".3f") -> Text | str:
    text = _num(value, fmt)
    if target is None or value is None:
        return text
    if target.met_value(value):
        return Text(text)
    return Text(f"{text} {MISSED}", style="red")


def figure_cells(f: Figures, targets: dict[Figure, Target]) -> dict[str, Any]:
    """One model's cells of one group; figures missing their target are marked."""
    return {
        "n": f.n,
        "acc": _num(f.scores.accuracy),
        "macro_f1": _cell(f.macro_f1, targets.get("macro_f1")),
        "f1_neg": _num(f.f1("negative")),
        "f1_neu": _cell(f.f1("neutral"), targets.get("neutral_f1")),
        "f1_pos": _num(f.f1("positive")),
        "polarity": _cell(f.polarity, targets.get("polarity")),
        "index_bias": _cell(f.index_bias, targets.get("index_bias"), "+.1f"),
    }


def target_cells(targets: dict[Figure, Target]) -> dict[str, Any]:
    """The ``target`` row's cells."""
    where = {"macro_f1": "macro_f1", "neutral_f1": "f1_neu", "polarity": "polarity", "index_bias": "index_bias"}
    return {where[k]: Text(t.text(), style="dim") for k, t in targets.items()}


def model_names(report: SideBySide) -> dict[str, str]:
    """Row labels: the shipped model's version, then ``peer``."""
    version = str(report.models.get(SHIPPED, {}).get("model_version") or "model").split("+", 1)[0]
    return {SHIPPED: version, PEER: "peer"}


def language_rows(report: SideBySide, dataset: str) -> Iterator[dict[str, Any]]:
    names = model_names(report)
    per = {m: r[dataset] for m, r in report.results.items() if dataset in r}
    first = next(iter(per.values()))
    for lang in first.languages:
        targets = targets_for(dataset, lang)
        for m, res in per.items():
            yield {"lang": lang, "model": names[m], **figure_cells(res.languages[lang], targets)}
        if targets:
            yield {"lang": lang, "model": "target", **target_cells(targets)}
    for m, res in per.items():
        yield {"lang": "all", "model": names[m], **figure_cells(res.overall, {})}


def source_rows(report: SideBySide, dataset: str) -> Iterator[dict[str, Any]]:
    names = model_names(report)
    per = {m: r[dataset] for m, r in report.results.items() if dataset in r}
    first = next(iter(per.values()))
    for key in first.sources:
        for m, res in per.items():
            yield {"lang": key[0], "source": key[1], "model": names[m], **figure_cells(res.sources[key], {})}


def tables(report: SideBySide) -> Iterator[Table]:
    """Per data set: its languages' table, then its sources' table."""
    for ds in report.datasets:
        head = [Col("lang", "lang", "word"), Col("model", "model", "word")]
        yield make_table(
            head + FIGURE_COLS,
            language_rows(report, ds),
            title=f"{ds}, {report.split} split: per language",
            caption=CAPTION,
        )
        src = [Col("lang", "lang", "word"), Col("source", "source", "name"), Col("model", "model", "word")]
        narrow = [c for c in FIGURE_COLS if c.key not in ("f1_neg", "f1_pos")]  # fits 100 columns; --json has all
        yield make_table(src + narrow, source_rows(report, ds), title=f"{ds}, {report.split} split: per source")


def print_report(console: Console, report: SideBySide) -> None:
    """Every table, then what each model is."""
    for table in tables(report):
        print_table(console, table)
        console.print()
    shipped = report.models.get(SHIPPED, {})
    console.print(
        f"shipped: {shipped.get('model_id')} {shipped.get('model_version')} ({shipped.get('seconds')} s)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    peer = report.models.get(PEER)
    if peer:
        cached = ", probe from the cache" if peer.get("cached") else ""
        console.print(
            f"peer: frozen {peer['encoder']} (first {peer['max_length']} tokens) + class-balanced logistic "
            f"regression on {peer['train_rows']} train rows, C={peer['C']} chosen on dev{cached}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


__all__ = ["MISSED", "figure_cells", "print_report", "tables"]
