"""``monitor model train|info|cache`` and ``monitor score``: the sentiment model's commands.

``monitor model eval`` is in :mod:`monitor._cli.eval_cmds`, ``monitor model adapt`` in
:mod:`monitor._cli.adapt_cmds`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from monitor._cli.app import app
from monitor._cli.common import (
    ConfigOpt,
    DbOpt,
    console,
    err_console,
    escape,
    handle_errors,
    interruptible,
    open_index,
    progress_bar,
    resolve_config,
)
from monitor._config import PRECISIONS, ModelConfig, find_config
from monitor.errors import ConfigError, MonitorError

if TYPE_CHECKING:
    from monitor._api import MentionIndex

model_app = typer.Typer(
    help="Train, evaluate and inspect the sentiment model.",
    no_args_is_help=True,
)
app.add_typer(model_app, name="model")

PrecisionOpt = typer.Option(None, "--precision", help=f"Override model.precision: {', '.join(PRECISIONS)}.")
ModelPathOpt = typer.Option(None, "--model-path", help="Use the model in this directory instead of the configured one.")
BackendOpt = typer.Option(None, "--backend", help="Override model.backend: embedded or hf.")
TrainDataOpt = typer.Option(
    ...,
    "--data",
    help="Directory of <lang>.jsonl files with a 'split' field; repeat it to train on several data sets.",
)
TrainOutOpt = typer.Option(
    Path("models/mm-e5-small-sentiment"),
    "--out",
    help="Directory to write the adapter, head and config.",
)


def model_config(
    config: Path | None, model_path: Path | None, precision: str | None, backend: str | None
) -> ModelConfig:
    cfg = resolve_config(config, project=False).model  # the model commands need no project
    update: dict[str, Any] = {}
    if model_path is not None:
        update["path"] = str(model_path)
    if precision is not None:
        if precision not in PRECISIONS:
            raise ConfigError(f"--precision {precision!r}: expected {', '.join(PRECISIONS)}")
        update["precision"] = precision
    if backend is not None:
        if backend not in ("embedded", "hf"):
            raise ConfigError(f"--backend {backend!r}: expected embedded or hf")
        update["backend"] = backend
    return ModelConfig.model_validate({**cfg.model_dump(), **update}) if update else cfg


@model_app.command("train")
@handle_errors
def train_cmd(
    data: list[Path] = TrainDataOpt,
    out: Path = TrainOutOpt,
    name: str = typer.Option("mm-e5-small-sentiment", "--name", help="Model id stored with every score."),
    epochs: int | None = typer.Option(None, "--epochs", help="Passes over the training data (at most)."),
    patience: int | None = typer.Option(
        None, "--patience", help="Stop after N epochs without a better dev mean macro-F1 (0: run every epoch)."
    ),
    swa_from: int | None = typer.Option(
        None,
        "--swa-from",
        help="Average the LoRA + head weights of epochs N..last; kept when dev is better (0: off).",
    ),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (order, dropout, init)."),
    batch_size: int | None = typer.Option(None, "--batch-size", help="Examples per optimiser step."),
    lr: float | None = typer.Option(None, "--lr", help="Peak learning rate of the LoRA weights."),
    head_lr: float | None = typer.Option(None, "--head-lr", help="Peak learning rate of the classification head."),
    max_length: int | None = typer.Option(None, "--max-length", help="Tokens per training example."),
    threads: int | None = typer.Option(None, "--threads", help="CPU threads for torch."),
    use_mt_hy: bool | None = typer.Option(
        None, "--use-mt-hy/--no-mt-hy", help="Also train on extra/hy_machine_translated.jsonl."
    ),
    hy_repeat: int | None = typer.Option(None, "--hy-repeat", help="Repeat Armenian rows N times."),
    lora_rank: int | None = typer.Option(
        None, "--lora-rank", help="Rank of the LoRA updates (their alpha is twice the rank)."
    ),
    limit: int | None = typer.Option(
        None,
        "--limit-per-language",
        help="Train on at most N rows per language (quick experiments).",
    ),
) -> None:
    """Fine-tune LoRA + the head on the train split; print dev macro-F1 per language per epoch."""
    from monitor._sentiment.train import TrainSettings, train

    s = TrainSettings()
    for key, value in {
        "epochs": epochs,
        "patience": patience,
        "swa_from": swa_from,
        "seed": seed,
        "batch_size": batch_size,
        "lr": lr,
        "head_lr": head_lr,
        "max_length": max_length,
        "threads": threads,
        "use_mt_hy": use_mt_hy,
        "limit_per_language": limit,
    }.items():
        if value is not None:
            setattr(s, key, value)
    if hy_repeat is not None:
        s.repeat = {**s.repeat, "hy": hy_repeat}
    if lora_rank is not None:
        s.lora = {**s.lora, "r": lora_rank, "lora_alpha": 2 * lora_rank}
    with interruptible():
        train(data, out, s, name=name, log=lambda m: console.print(m, highlight=False, markup=False, soft_wrap=True))


@model_app.command("info")
@handle_errors
def info_cmd(
    config: Path | None = ConfigOpt,
    model_path: Path | None = ModelPathOpt,
    precision: str | None = PrecisionOpt,
    backend: str | None = BackendOpt,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Load the configured model and show what it is, where it came from and its pinned scores;
    in a project whose workspace adopted an adapter (``monitor model adapt``), the routed model
    that scores it, with the adapted languages."""
    import time

    from monitor._sentiment import load_classifier
    from monitor._sentiment.adapted import read_record, workspace_classifier

    cfg = model_config(config, model_path, precision, backend)
    t0 = time.perf_counter()
    record, idx = None, None
    if find_config(config, env=os.environ, cwd=Path.cwd()).path is not None and model_path is None:
        try:  # a project: its workspace may score with an adopted adapter
            idx = open_index(config)
            record = read_record(idx.store)
        except MonitorError as exc:
            err_console.print(f"not reading the workspace's model: {escape(str(exc))}", soft_wrap=True)
    try:
        clf = workspace_classifier(cfg, idx.store) if record is not None and idx is not None else load_classifier(cfg)
    finally:
        if idx is not None:
            idx.close()
    info: dict[str, Any] = {**clf.info(), "load_seconds": round(time.perf_counter() - t0, 2)}
    if record is not None:
        info["adopted"] = (
            f"{record.adopted_at} from {record.labels} of the team's labels ({', '.join(record.languages)})"
        )
    if cfg.backend == "embedded" and "model_dir" in info:
        from monitor._sentiment.artifacts import ModelMeta

        meta = ModelMeta.read(Path(info["model_dir"]))
        info["test_macro_f1"] = meta.metrics.get("test_macro_f1")
        info["trained_on"] = meta.training.get("train_rows")
        info["precision_tables"] = {
            klass: f"auto {entry.get('auto', '?')} (dev, measured {entry.get('measured', '?')})"
            for klass, entry in meta.precisions.items()
        } or "none (auto runs the model's auto_precision)"
    info["confidence_threshold"] = cfg.confidence_threshold
    if as_json:
        sys.stdout.write(json.dumps(info, ensure_ascii=False, indent=2) + "\n")
        return
    for k, v in info.items():
        sys.stdout.write(f"{k:>22}: {v}\n")


@model_app.command("precisions")
@handle_errors
def precisions_cmd(
    data: list[Path] = typer.Option(
        ..., "--data", help="A data set directory whose 'dev' rows are scored; repeat it for several."
    ),
    write: bool = typer.Option(
        False, "--write", help="Store the table under this CPU's class in the model's config.json."
    ),
    limit: int | None = typer.Option(
        None, "--limit", min=1, help="At most N dev rows per data set and language (quick runs)."
    ),
    precisions: str | None = typer.Option(
        None, "--precisions", help="Comma-separated precisions to measure (default: all; fp32 is always measured)."
    ),
    threads: int = typer.Option(
        1, "--threads", min=1, max=64, help="Threads while timing (1: other jobs on the machine distort it least)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the table entry as JSON."),
    config: Path | None = ConfigOpt,
    model_path: Path | None = ModelPathOpt,
) -> None:
    """Score the dev split in every precision on this CPU; `auto` picks the fastest within 0.5 point of fp32."""
    from monitor._sentiment.artifacts import ModelMeta, find_model_dir
    from monitor._sentiment.loader import cpu_flags
    from monitor._sentiment.onnx_build import onnxruntime_available
    from monitor._sentiment.precision_measure import format_results, load_dev, measure, table_entry
    from monitor._sentiment.precisions import MEASURABLE, choose_auto, cpu_class

    cfg = model_config(config, model_path, None, None).model_copy(update={"threads": threads})
    if cfg.backend != "embedded":
        raise ConfigError("monitor model precisions measures the embedded model (model.backend = embedded)")
    wanted = [p.strip() for p in (precisions or ",".join(MEASURABLE)).split(",") if p.strip()]
    flags, onnx = cpu_flags(), onnxruntime_available()
    rows = load_dev(data, limit)

    def log(message: str) -> None:
        err_console.print(message, markup=False, highlight=False, soft_wrap=True)

    klass = cpu_class(flags)
    log(f"CPU class {klass}; {len(rows)} dev rows; precisions {', '.join(wanted)}")
    with interruptible():
        results, skipped = measure(wanted, rows, cfg, flags, onnx_available=onnx, log=log)
    entry = table_entry(results, skipped, rows, flags, threads=cfg.threads, data=data, limit=limit)
    choice = choose_auto({klass: entry}, flags, onnx_available=onnx)
    entry["auto"] = choice.precision
    if write:
        model_dir = find_model_dir(cfg.name, cfg.path)
        meta = ModelMeta.read(model_dir)
        meta.precisions = {**meta.precisions, klass: entry}
        meta.write(model_dir)
        log(f"wrote the {klass} precision table to {model_dir / 'config.json'}")
    if as_json:
        sys.stdout.write(json.dumps({"cpu_class": klass, **entry, "why": choice.reason}, indent=2) + "\n")
        return
    sys.stdout.write(format_results(results, skipped, choice.precision) + "\n")
    sys.stdout.write(f"auto on {klass}: {choice.precision} ({choice.reason})\n")


@model_app.command("cache")
@handle_errors
def cache_cmd(
    prune: bool = typer.Option(
        False, "--prune", help="Delete the stale entries (never models/, what is in use, or fresh temporaries)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead of a table."),
    config: Path | None = ConfigOpt,
) -> None:
    """List the cache folders (converted base, ONNX exports, language ID) and prune the stale ones."""
    from monitor._cache_admin import list_cache, prune_cache
    from monitor._cache_dirs import cache_dir

    root = cache_dir()
    entries = list_cache(model_config(config, None, None, None), root=root)
    stale = [e for e in entries if not e.in_use]
    removed, freed = prune_cache(entries, root=root) if prune else (0, 0)
    if as_json:
        rows = [
            {"kind": e.kind, "path": str(e.path), "bytes": e.bytes, "in_use": e.in_use, "reason": e.reason}
            | ({"pruned": not e.in_use} if prune else {})
            for e in entries
        ]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if prune:
        for e in stale:
            console.print(f"removed {escape(str(e.path))} ({e.bytes / 1e6:.1f} MB)", highlight=False, soft_wrap=True)
        console.print(
            f"freed {freed / 1e6:.1f} MB in {removed} entries under {escape(str(root))}",
            highlight=False,
            soft_wrap=True,
        )
        return
    from monitor._cli.tables import Col, make_table, print_table

    cols = [
        Col("kind", "kind", "word"),
        Col("folder", "folder", "text"),  # the whole name, folded if need be
        Col("MB", "MB", "figure"),
        Col("status", "status", "word"),
        Col("reason", "reason", "text", 200),
    ]
    rows = [
        {
            "kind": e.kind,
            "folder": str(e.path.relative_to(root) if e.path.is_relative_to(root) else e.path),
            "MB": f"{e.bytes / 1e6:.1f}",
            "status": "stale" if not e.in_use else "kept" if e.reason.startswith("unknown") else "in use",
            "reason": e.reason,
        }
        for e in entries
    ]
    print_table(console, make_table(cols, rows, title=f"cache: {root}"))
    total = sum(e.bytes for e in stale)
    hint = " (monitor model cache --prune deletes them)" if stale else ""
    console.print(f"reclaimable: {total / 1e6:.1f} MB in {len(stale)} entries{hint}", highlight=False, soft_wrap=True)


@app.command("score")
@handle_errors
def score_cmd(
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
    batch: int = typer.Option(256, "--batch", min=1, help="Mentions per database transaction."),
) -> None:
    """Score every mention the current model version has not scored yet (with a progress bar)."""
    from monitor._pipeline import score_step
    from monitor._sentiment.adapted import workspace_classifier

    cfg = resolve_config(config, db)
    idx: MentionIndex = open_index(config, db)
    try:
        clf = workspace_classifier(cfg.model, idx.store)  # the shipped model, or this workspace's adapted one
        mid, ver = clf.model_id, clf.model_version
        total = idx.store.count_pending(mid, ver)
        done = 0
        with progress_bar("scoring", total) as advance:

            def progress(n: int, _total: int) -> None:
                nonlocal done
                advance(n - done)
                done = n

            with interruptible():
                step = score_step(idx, cfg, lambda: clf, batch=batch, progress=progress)
    finally:
        idx.close()
    c = step.counts
    err_console.print(
        f"scored {c.get('scored', 0)} mentions with {mid} {ver}: "
        f"{c.get('counted', 0)} count in the index, {c.get('unscored', 0)} stay unscored "
        f"(language or confidence < {cfg.model.confidence_threshold})",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if step.status != "ok":
        err_console.print(f"scoring {step.status}: {'; '.join(step.errors)}", markup=False, soft_wrap=True)
        raise typer.Exit(1)


__all__ = ["BackendOpt", "ModelPathOpt", "PrecisionOpt", "model_app", "model_config"]
