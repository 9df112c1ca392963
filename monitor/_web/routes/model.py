"""``/model``: what model is configured and shipped (read from its files, torch not loaded),
the adapter this workspace adopted (``monitor model adapt``), its measured precision, what
labelled the stored mentions, and its agreement with star ratings
(:meth:`~monitor.MentionIndex.model_check`, the same figures as ``monitor model check``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor._labels import LABELS
from monitor._sentiment.adapted import MetaReader
from monitor._store.agreement import OriginCount, label_origins
from monitor._web.auth import Who, page
from monitor._web.routes.common import today
from monitor._web.state import WebState, state
from monitor._web.views import render
from monitor.errors import ModelError, MonitorError

CHECK_DAYS = 30  # the agreement's window, as `monitor model check`'s default
CACHE_SECONDS = 300.0


def _meta(st: WebState) -> tuple[dict[str, Any] | None, str]:
    cfg = st.index.config.model
    if cfg.backend != "embedded":
        return None, f"the {cfg.backend} backend loads {cfg.name!r} when scoring; nothing to read here"
    from monitor._sentiment.artifacts import ModelMeta, artifact_digest, find_model_dir
    from monitor._sentiment.classifier import score_version
    from monitor._sentiment.loader import auto_choice, resolve_precision

    try:
        model_dir = find_model_dir(cfg.name, cfg.path)
        meta = ModelMeta.read(model_dir)
        choice = auto_choice(meta)
        precision = resolve_precision(cfg.precision, choice.precision)
        version = score_version(meta.version, artifact_digest(model_dir, meta), precision)
    except (ModelError, OSError) as exc:
        return None, str(exc)
    metrics = meta.metrics
    per_lang = metrics.get("test_macro_f1")
    return {
        "dir": str(Path(model_dir)),
        "name": meta.name,
        "version": meta.version,
        "auto_precision": resolve_precision("auto", choice.precision),
        "auto_reason": choice.reason,
        "cpu_class": choice.cpu_class,
        "precision_tables": {k: _table_rows(v) for k, v in meta.precisions.items()},
        "precision": precision,
        "score_version": f"{meta.name}@{version}",
        "languages": meta.supported_languages,
        "binary_languages": meta.binary_languages,
        "overall_f1": metrics.get("test_overall_macro_f1"),
        "per_lang": per_lang if isinstance(per_lang, dict) else {},
        "accuracy": metrics.get("test_accuracy") if isinstance(metrics.get("test_accuracy"), dict) else {},
        "note": metrics.get("note", ""),
    }, ""


def _table_rows(entry: dict[str, Any]) -> dict[str, Any]:
    """One CPU class's measurement as the page shows it: per precision, speed and worst Δ."""
    from monitor._sentiment.precisions import worst_delta

    results = entry.get("results", {})
    ref = float(results.get("fp32", {}).get("texts_per_cpu_second") or 0.0)
    rows = []
    for precision, r in results.items():
        worst = worst_delta(r)
        speed = float(r.get("texts_per_cpu_second") or 0.0)
        rows.append(
            {
                "precision": precision,
                "speed": speed,
                "vs_fp32": speed / ref if ref else None,
                "worst": f"{worst[0]} {worst[1]:+.2f}" if worst else "",
                "chosen": precision == entry.get("auto"),
            }
        )
    return {"measured": entry.get("measured", ""), "auto": entry.get("auto", ""), "rows": rows}


def adopted(meta: MetaReader) -> dict[str, Any] | None:
    """The workspace's adopted adapter (``monitor model adapt``) as the page shows it, or None;
    a record that cannot be read is shown as such, not raised."""
    from monitor._sentiment.adapted import read_record

    try:
        record = read_record(meta)
    except MonitorError as exc:
        return {"problem": str(exc)}
    if record is None:
        return None
    return {
        "version": record.version,
        "languages": record.languages,
        "labels": record.labels,
        "adopted_at": record.adopted_at,
        "shipped_version": record.shipped_version,
        "comparisons": [c for c in record.comparisons if isinstance(c, dict)],
    }


def model_data(st: WebState) -> dict[str, Any]:
    """The model page's figures (cached a few minutes: the agreement reads mentions)."""
    hit = st.cache.get("model")
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS and isinstance(hit[1], dict):
        return hit[1]
    meta, problem = _meta(st)
    origins: list[OriginCount] = label_origins(st.index.engine)
    data = {
        "config": st.index.config.model,
        "adapted": adopted(st.index.store),
        "meta": meta,
        "problem": problem,
        "origins": origins,
        "check": st.index.model_check(days=CHECK_DAYS, end=today(st)),
        "labels": LABELS,
    }
    st.cache["model"] = (time.monotonic(), data)
    return data


@page("viewer")
async def model_page(request: Request, who: Who) -> Response:
    """The model page."""
    st = state(request)
    data = await run_in_threadpool(model_data, st)
    return render(st.templates, request, "model.html", data)


ROUTES = [Route("/model", model_page, methods=["GET"])]

__all__ = ["ROUTES", "model_data"]
