"""``monitor model eval``: the model (and the frozen-probe peer) on labelled data, side by side."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import typer

from monitor._cli.common import ConfigOpt, bar_progress, console, err_console, handle_errors, interruptible
from monitor._cli.model_cmds import BackendOpt, ModelPathOpt, PrecisionOpt, model_app, model_config
from monitor._sentiment.sidebyside import SideBySide

EvalDataOpt = typer.Option(
    ...,
    "--data",
    metavar="<path>",
    help="A JSON-lines file or a directory of them (fields: text, label, optional lang, split, source, "
    "domain); repeat it to evaluate several data sets in one run.",
)


@contextmanager
def stage_progress() -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress display on stderr with one bar per stage (embedding, scoring)."""
    from rich.progress import TaskID

    with bar_progress() as prog:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = prog.add_task(stage, total=total)
            prog.update(tasks[stage], completed=done, total=total)

        yield update


def run_eval(
    data: Sequence[Path],
    *,
    split: str | None,
    peer: bool,
    config: Path | None = None,
    model_path: Path | None = None,
    precision: str | None = None,
    backend: str | None = None,
) -> SideBySide:
    """Load the model (and the peer's encoder), score the rows, and return the report."""
    from monitor._sentiment import load_classifier
    from monitor._sentiment.sidebyside import side_by_side

    cfg = model_config(config, model_path, precision, backend)
    clf = load_classifier(cfg)
    embedder = None
    if peer:
        from monitor._embed import load_embedder
        from monitor._sentiment.peer import PEER_MAX_LENGTH

        embedder = load_embedder(max_length=PEER_MAX_LENGTH, threads=cfg.threads)

    def say(message: str) -> None:
        err_console.print(message, markup=False, highlight=False, soft_wrap=True)

    with stage_progress() as progress, interruptible():
        return side_by_side(data, clf, split=split, embedder=embedder, progress=progress, log=say)


@model_app.command("eval")
@handle_errors
def eval_cmd(
    data: list[Path] = EvalDataOpt,
    split: str | None = typer.Option("test", "--split", help="Keep rows of this split ('all' keeps every row)."),
    peer: bool = typer.Option(
        False,
        "--peer",
        help="Also train and score the frozen-probe peer (frozen base encoder + logistic regression) "
        "on the train split of the same data; cached, so a second run is quick.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
    config: Path | None = ConfigOpt,
    model_path: Path | None = ModelPathOpt,
    precision: str | None = PrecisionOpt,
    backend: str | None = BackendOpt,
) -> None:
    """Accuracy, macro-F1, per-class F1, polarity accuracy and index bias, per language and per
    source, with issue 11's targets beside them (and the frozen-probe peer with --peer)."""
    from monitor._cli.eval_tables import print_report

    report = run_eval(
        data, split=split, peer=peer, config=config, model_path=model_path, precision=precision, backend=backend
    )
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    print_report(console, report)


__all__ = ["eval_cmd", "run_eval"]
