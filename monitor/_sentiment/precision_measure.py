"""Measure every precision of the shipped model on dev rows (``monitor model precisions``).

Each precision scores the same dev rows (the score cache emptied), timed in CPU-seconds of
this process, so the speed holds on a machine other jobs share. Its dev macro-F1 per
language (rows of every data set pooled) is compared with torch fp32's; per data set and
language figures are kept too. :func:`table_entry` is what ``--write`` stores under the
CPU's class in the model's ``config.json``; :func:`~monitor._sentiment.precisions.choose_auto`
reads it.
"""

from __future__ import annotations

import gc
import platform
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor._config import ModelConfig
from monitor._records import LABELS
from monitor._sentiment.data import Example, fill_languages, group_by, load_examples
from monitor._sentiment.metrics import score
from monitor._sentiment.precisions import MEASURABLE, REPORTED_FLAGS, TOLERANCE_POINTS, runnable
from monitor.errors import ModelError

Log = Callable[[str], None]
WARM_UP_TEXTS = 8


def load_dev(data: Sequence[Path], limit: int | None = None) -> list[Example]:
    """The dev rows of each data set (at most ``limit`` per data set and language, in file order)."""
    rows: list[Example] = []
    for folder in data:
        dev = [r for r in load_examples(folder) if r.split == "dev"]
        if not dev:
            raise ModelError(f"{folder}: no rows with split 'dev' to measure precisions on")
        if limit is not None:
            groups = group_by(dev, "group")
            dev = [dev[i] for idx in groups.values() for i in idx[:limit]]
        rows += dev
    return fill_languages(rows)


def _macro_f1(rows: Sequence[Example], pred: Sequence[int], key: str) -> dict[str, float]:
    gold = [r.y for r in rows]
    return {
        k: score([gold[i] for i in idx], [pred[i] for i in idx]).macro_f1
        for k, idx in sorted(group_by(rows, key).items())
    }


def measure_one(clf: Any, rows: Sequence[Example]) -> dict[str, Any]:
    """Labels, macro-F1 (per language and per data set/language) and speed of one classifier."""
    from monitor._sentiment.classifier import ScoreCache

    texts = [r.text for r in rows]
    clf.predict(texts[:WARM_UP_TEXTS] or ["warm-up"], None)
    clf.cache = ScoreCache()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    preds = clf.predict(texts, [r.lang for r in rows])
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    index = {label: i for i, label in enumerate(LABELS)}
    pred = [index[p.label] for p in preds]
    return {
        "labels": pred,
        "macro_f1": _macro_f1(rows, pred, "lang"),
        "group_macro_f1": _macro_f1(rows, pred, "group"),
        "cpu_seconds": cpu,
        "wall_seconds": wall,
    }


def compare(raw: dict[str, dict[str, Any]], rows: Sequence[Example]) -> dict[str, dict[str, Any]]:
    """Each precision's figures against torch fp32's (``raw`` must hold ``fp32``)."""
    if "fp32" not in raw:
        raise ModelError("the precision table needs fp32, the reference every precision is compared with")
    ref = raw["fp32"]
    n = len(rows)
    out: dict[str, dict[str, Any]] = {}
    for precision, r in raw.items():
        same = sum(a == b for a, b in zip(r["labels"], ref["labels"], strict=True))
        out[precision] = {
            "texts_per_cpu_second": round(n / max(r["cpu_seconds"], 1e-9), 2),
            "texts_per_second": round(n / max(r["wall_seconds"], 1e-9), 2),
            "macro_f1": {k: round(v, 4) for k, v in r["macro_f1"].items()},
            "delta_points": {k: round(100 * (v - ref["macro_f1"][k]), 2) for k, v in r["macro_f1"].items()},
            "group_delta_points": {
                k: round(100 * (v - ref["group_macro_f1"][k]), 2) for k, v in r["group_macro_f1"].items()
            },
            "labels_as_fp32": round(same / n, 4) if n else 1.0,
        }
    return out


def measure(
    precisions: Sequence[str],
    rows: Sequence[Example],
    base_cfg: ModelConfig,
    flags: frozenset[str],
    *,
    onnx_available: bool,
    log: Log = lambda _: None,
    load: Callable[[ModelConfig], Any] | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Measure ``precisions`` (fp32 first) on ``rows``: (results by precision, skipped ones and why)."""
    if load is None:
        from monitor._sentiment.loader import load_classifier

        load = load_classifier
    unknown = [p for p in precisions if p not in MEASURABLE]
    if unknown:
        raise ModelError(f"unknown precision {unknown[0]!r} (expected some of {', '.join(MEASURABLE)})")
    if not rows:
        raise ModelError("no dev rows to measure precisions on")
    order = ["fp32", *[p for p in dict.fromkeys(precisions) if p != "fp32"]]
    raw: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    for precision in order:
        why_not = runnable(precision, flags, onnx_available)
        if why_not:
            skipped[precision] = why_not
            log(f"{precision}: skipped ({why_not})")
            continue
        cfg = ModelConfig.model_validate({**base_cfg.model_dump(), "precision": precision})
        clf = load(cfg)
        raw[precision] = measure_one(clf, rows)
        del clf
        gc.collect()
        log(f"{precision}: {len(rows)} dev rows in {raw[precision]['cpu_seconds']:.1f} CPU-seconds")
    return compare(raw, rows), skipped


def cpu_name() -> str:
    """The CPU's model name (Linux), else the machine type."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="ignore").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.machine()


def table_entry(
    results: dict[str, dict[str, Any]],
    skipped: dict[str, str],
    rows: Sequence[Example],
    flags: frozenset[str],
    *,
    threads: int,
    data: Sequence[Path],
    limit: int | None,
) -> dict[str, Any]:
    """The JSON stored under the CPU class in ``config.json``'s ``precisions``."""
    langs = group_by(rows, "lang")
    return {
        "measured": datetime.now(UTC).strftime("%Y-%m-%d"),
        "cpu": cpu_name(),
        "cpu_flags": [f for f in REPORTED_FLAGS if f in flags],
        "threads": threads,
        "data": [Path(d).name for d in data],
        "dev_rows": {k: len(v) for k, v in sorted(langs.items())},
        "limit_per_group": limit,
        "rule": f"dev macro-F1 per language within {TOLERANCE_POINTS:g} point of torch fp32",
        "results": results,
        "skipped": skipped,
    }


def format_results(results: dict[str, dict[str, Any]], skipped: dict[str, str], chosen: str) -> str:
    """One line per precision: speed, ×fp32, labels equal to fp32, Δ macro-F1 per language."""
    from monitor._sentiment.precisions import passes, worst_delta

    ref = results["fp32"]["texts_per_cpu_second"]
    langs = list(results["fp32"]["delta_points"])
    head = f"{'precision':<11}{'texts/CPU-s':>12}{'×fp32':>7}{'=fp32':>8}  " + "".join(f"{k:>7}" for k in langs)
    lines = [head + "  verdict"]
    for p, r in results.items():
        ok = p in ("fp32", "onnx-fp32") or passes(r)
        worst = worst_delta(r)
        verdict = (
            "reference" if p == "fp32" else "ok" if ok else f"fails ({worst[0]} {worst[1]:+.2f})" if worst else "?"
        )
        deltas = "".join(f"{r['delta_points'].get(k, 0.0):>+7.2f}" for k in langs)
        lines.append(
            f"{p:<11}{r['texts_per_cpu_second']:>12.1f}{r['texts_per_cpu_second'] / ref:>7.2f}"
            f"{100 * r['labels_as_fp32']:>7.1f}%  {deltas}  {verdict}{'  ← auto' if p == chosen else ''}"
        )
    for p, why in skipped.items():
        lines.append(f"{p:<11} skipped: {why}")
    lines.append("Δ: dev macro-F1 change against torch fp32, in points (rows of every data set pooled per language)")
    return "\n".join(lines)


__all__ = ["compare", "format_results", "load_dev", "measure", "measure_one", "table_entry"]
