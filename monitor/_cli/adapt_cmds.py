"""``monitor model adapt``: fine-tune on the team's labels, compare by cross-validation, adopt where better."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from monitor._cli.common import ConfigOpt, DbOpt, console, err_console, escape, handle_errors, interruptible, open_index
from monitor._cli.common import resolve_config as resolve
from monitor._cli.model_cmds import model_app

if TYPE_CHECKING:
    from monitor._adapt import AdaptReport
    from monitor._api import MentionIndex
    from monitor._config import Config


@contextmanager
def _fine_tuning_bar(enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A rich bar of the optimiser steps of the whole run (folds and final fit), with the time left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("fine-tuning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=err_console,
        disable=not enabled,
    ) as prog:
        task = prog.add_task("fine-tuning", total=None)
        yield lambda done, total: prog.update(task, completed=done, total=total)


def _rescore(cfg: Config, idx: MentionIndex) -> None:
    """Score every mention again with the workspace's model (scores of other versions stay as history)."""
    from monitor._cli.common import progress_bar
    from monitor._pipeline import score_step
    from monitor._sentiment.adapted import workspace_classifier

    clf = workspace_classifier(cfg.model, idx.store)
    total = idx.store.count_pending(clf.model_id, clf.model_version)
    done = 0
    with progress_bar(f"rescoring with {clf.model_version}", total) as advance:

        def progress(n: int, _total: int) -> None:
            nonlocal done
            advance(n - done)
            done = n

        step = score_step(idx, cfg, lambda: clf, progress=progress)
    err_console.print(
        f"rescored {step.counts.get('scored', 0)} mentions with {clf.model_id} {clf.model_version}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if step.status != "ok":
        err_console.print(f"scoring {step.status}: {'; '.join(step.errors)}", markup=False, soft_wrap=True)
        raise typer.Exit(1)


def _print_report(r: AdaptReport) -> None:
    from monitor._cli.tables import Col, make_table, print_table

    origins = ", ".join(f"{n} {'by people' if k == 'manual' else 'by their stars'}" for k, n in r.origins.items())
    console.print(f"{r.labels} labels ({origins}); shipped model {r.shipped_version}", markup=False, highlight=False)
    cols = [
        Col("lang", "lang", "word"),
        Col("n", "labels", "figure"),
        Col("acc", "accuracy", "text"),
        Col("acc_gain", "gain, 95 % CI", "text"),
        Col("f1", "macro-F1", "text"),
        Col("f1_gain", "gain, 95 % CI", "text"),
        Col("verdict", "verdict", "word"),
    ]
    rows = [
        {
            "lang": c.lang,
            "n": str(c.n),
            "acc": f"{c.shipped_accuracy:.3f} → {c.adapted_accuracy:.3f}",
            "acc_gain": c.accuracy_gain.show(),
            "f1": f"{c.shipped_macro_f1:.3f} → {c.adapted_macro_f1:.3f}",
            "f1_gain": c.macro_f1_gain.show(),
            "verdict": "adopt" if c.adopt else "keep",
        }
        for c in r.comparisons
    ]
    folds = r.settings.get("folds")
    title = f"{folds}-fold cross-validation on the team's labels: shipped → adapted"
    print_table(console, make_table(cols, rows, title=title))
    for c in r.comparisons:
        verdict = "adopt" if c.adopt else "keep the shipped model"
        console.print(f"{c.lang}: {verdict}: {c.reason}", markup=False, highlight=False, soft_wrap=True)
    minutes, seconds = divmod(round(r.seconds), 60)
    took = f"took {minutes} min {seconds:02d} s"
    if r.version:
        console.print(
            f"adopted for {', '.join(r.adopted)} as {r.version} ({escape(str(r.path))}); {took}",
            highlight=False,
            soft_wrap=True,
        )
    elif r.dry_run:
        what = f"would adopt it for {', '.join(r.adopted)}" if r.adopted else "would keep the shipped model"
        console.print(f"dry run: {what}; nothing changed; {took}", highlight=False, soft_wrap=True)
    else:
        console.print(f"kept the shipped model: the adapter is not clearly better anywhere; {took}", highlight=False)


@model_app.command("adapt")
@handle_errors
def adapt_cmd(
    dry_run: bool = typer.Option(False, "--dry-run", help="Cross-validate and report; adopt nothing."),
    revert: bool = typer.Option(False, "--revert", help="Go back to the shipped model (and rescore)."),
    folds: int = typer.Option(5, "--folds", min=2, help="Folds of the cross-validation."),
    min_labels: int = typer.Option(50, "--min-labels", min=2, help="Refuse with fewer labels than this."),
    epochs: int = typer.Option(
        0, "--epochs", min=0, help="Passes over the labels per fine-tuning (0: 6, fewer above 1,000 labels)."
    ),
    threads: int = typer.Option(1, "--threads", min=1, help="CPU threads for torch (1 is fastest on a busy machine)."),
    seed: int = typer.Option(13, "--seed", help="Random seed (folds, order, dropout)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """Fine-tune a workspace adapter on the team's labels (people's and the stars'); adopt it per
    language only where k-fold cross-validation shows it better than the shipped model."""
    from monitor._adapt import adapt
    from monitor._adapt import revert as revert_to_shipped
    from monitor._sentiment.adapt_train import AdaptSettings

    cfg = resolve(config, db)
    idx: MentionIndex = open_index(config, db)
    try:
        if revert:
            record = revert_to_shipped(idx.store)
            if record is None:
                err_console.print("this workspace already scores with the shipped model", highlight=False)
                return
            err_console.print(f"dropped the adapted model {record.version}", markup=False, highlight=False)
            with interruptible():
                _rescore(cfg, idx)
            return
        settings = AdaptSettings(folds=folds, epochs=epochs, threads=threads, seed=seed)
        with interruptible(), _fine_tuning_bar(not as_json) as progress:
            report = adapt(
                cfg,
                idx.store,
                settings,
                min_labels=min_labels,
                dry_run=dry_run,
                progress=progress,
                log=lambda m: err_console.print(m, markup=False, highlight=False, soft_wrap=True),
            )
        if as_json:
            sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
        else:
            _print_report(report)
        if report.version:
            with interruptible():
                _rescore(cfg, idx)
    finally:
        idx.close()


__all__ = ["adapt_cmd"]
