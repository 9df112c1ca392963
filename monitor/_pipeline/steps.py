"""The steps of a pass: collect, score, refresh (index and alerts), digest.

Each records its own Run row and returns a :class:`~monitor._pipeline.results.StepResult`;
a ``stop`` event ends a step after its current database write.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from monitor._collect.ports import CollectIndex
from monitor._collect.reports import CollectReport
from monitor._config import Config
from monitor._index.alerts import Alert
from monitor._labels import counts_in_index
from monitor._pipeline.ports import AlertsIndex, ClassifierFactory, CollectFn, ScoreIndex
from monitor._pipeline.results import StepResult
from monitor._ports import JSONObject
from monitor.errors import Interrupted, MonitorError

if TYPE_CHECKING:
    import httpx

    from monitor._api import MentionIndex
    from monitor._digest.deliver import DeliveryReport

log = logging.getLogger("monitor._pipeline")


def log_failure(what: str, exc: Exception) -> None:
    """A step's failure: a known one (a MonitorError) is said by the step's outcome line, so
    only at DEBUG here; anything else is a bug, logged with its traceback."""
    if isinstance(exc, MonitorError):
        log.debug("%s: %s", what, exc, exc_info=True)
    else:
        log.error("%s: %s: %s", what, type(exc).__name__, exc, exc_info=exc)


def check_stop(stop: threading.Event | None) -> None:
    """Raise :class:`~monitor.errors.Interrupted` once ``stop`` is set."""
    if stop is not None and stop.is_set():
        raise Interrupted


# ---------------------------------------------------------------- collect


def _summarise_collect(report: CollectReport) -> tuple[JSONObject, list[str], str]:
    """Counts, errors and status of a collection run."""
    counts: JSONObject = {**report.totals(), "sources": len(report.sources)}
    for key in ("blocked", "unreachable", "failed"):
        counts[key] = sum(1 for s in report.sources if s.status == key)
    return counts, report.errors(), report.status


def collect_step(
    idx: CollectIndex,
    cfg: Config,
    *,
    source: str | None = None,
    brand: str | None = None,
    stop: threading.Event | None = None,
    collect_fn: CollectFn | None = None,
    relax_loopback: bool = False,
) -> StepResult:
    """Run the collectors (they record their own Run row and source health).

    The real collector runs in its own event loop and is cancelled when ``stop`` is set:
    cancellation lands between pages, each page's mentions are one committed transaction
    and a source's cursor only moves when its walk completes, so nothing is half-written;
    the collector's Run row is then closed as ``interrupted``.
    """
    step = StepResult("collect")
    check_stop(stop)
    try:
        if collect_fn is None:
            report = _collect_cancellable(
                idx, cfg, source=source, brand=brand, stop=stop, relax_loopback=relax_loopback
            )
        else:
            report = collect_fn(cfg, idx, source=source, brand=brand, stop=stop)
    except Interrupted:
        step.status = "interrupted"
        return step
    except Exception as exc:  # a collector bug must not stop scoring and the digest
        log_failure("collection failed", exc)
        step.status, step.errors = "failed", [f"{type(exc).__name__}: {exc}"]
        return step
    step.counts, step.errors, step.status = _summarise_collect(report)
    step.details["sources"] = {s.name: s.status for s in report.sources}
    if stop is not None and stop.is_set():
        step.status = "interrupted"
    return step


def _collect_cancellable(
    idx: CollectIndex,
    cfg: Config,
    *,
    source: str | None,
    brand: str | None,
    stop: threading.Event | None,
    relax_loopback: bool,
) -> CollectReport:
    from monitor._collect import collect_async

    runs = idx.store
    before = max((r.id for r in runs.recent_runs(limit=1, kind="collect")), default=0)

    async def main() -> CollectReport | None:
        task = asyncio.ensure_future(collect_async(cfg, idx, source=source, brand=brand, relax_loopback=relax_loopback))
        while not task.done():
            if stop is not None and stop.is_set():
                task.cancel()
                break
            await asyncio.wait({task}, timeout=0.2)
        try:
            return await task
        except asyncio.CancelledError:
            return None

    report = asyncio.run(main())
    if report is None:
        for run in runs.recent_runs(limit=20, kind="collect"):
            if run.id > before and run.status == "running":
                runs.finish_run(run.id, "interrupted", {}, ["stopped by a signal before the run ended"])
        raise Interrupted
    return report


# ---------------------------------------------------------------- score


def score_step(
    idx: ScoreIndex,
    cfg: Config,
    load: ClassifierFactory,
    *,
    stop: threading.Event | None = None,
    batch: int = 256,
    progress: Callable[[int, int], None] | None = None,
) -> StepResult:
    """Score every mention the current model version has not scored; one commit per batch.

    ``load`` builds the model inside the step, so a model that cannot load fails this
    step (recorded in its Run row) and not the pass.
    """
    store = idx.store
    step = StepResult("score")
    run_id = store.start_run("score")
    step.run_id = run_id
    scored = counted_n = refreshed = 0
    try:
        clf = load()
        mid, ver = clf.model_id, clf.model_version
        step.details.update(model=mid, model_version=ver)
        total = store.count_pending(mid, ver)
        threshold = cfg.model.confidence_threshold
        while True:
            check_stop(stop)
            rows = store.pending_scoring(mid, ver, limit=batch)
            if not rows:
                break
            preds = clf.predict([t for _, t, _ in rows], langs=[lang for _, _, lang in rows])
            items = []
            for (mention_id, _text, lang), pred in zip(rows, preds, strict=True):
                counted = counts_in_index(pred, lang, threshold)
                counted_n += int(counted)
                items.append((mention_id, pred, counted))
            store.add_scores(items)  # one transaction per chunk: all or nothing
            refreshed += idx.refresh()
            scored += len(items)
            if progress is not None:
                progress(scored, total)
            if len(rows) < batch:
                break
    except Interrupted:
        step.status = "interrupted"
    except Exception as exc:
        log_failure("scoring failed", exc)
        step.status, step.errors = "failed", [f"{type(exc).__name__}: {exc}"]
    step.counts = {"scored": scored, "counted": counted_n, "unscored": scored - counted_n}
    step.details["refreshed"] = refreshed
    store.finish_run(run_id, step.status, step.counts, step.errors)
    if step.status == "interrupted":
        raise Interrupted
    return step


# ---------------------------------------------------------------- refresh


def refresh_step(
    idx: AlertsIndex, cfg: Config, *, now: datetime | None = None
) -> tuple[StepResult, dict[str, list[Alert]]]:
    """Bring stored index snapshots up to date and evaluate the alerts of every brand."""
    step = StepResult("refresh")
    step.counts["snapshots"] = idx.refresh()
    alerts: dict[str, list[Alert]] = {}
    brands = [b.name for b in cfg.brands] or idx.brands()
    for b in brands:
        try:
            alerts[b] = list(idx.alerts(b, at=now))
        except Exception as exc:  # an unknown brand (no mentions yet) has no alerts
            log.debug("no alerts for %s: %s", b, exc)
            alerts[b] = []
    step.counts["alerts"] = sum(len(v) for v in alerts.values())
    step.details["alerts"] = {b: len(items) for b, items in alerts.items() if items}
    for b, items in alerts.items():
        for a in items:  # the message usually names its brand already
            log.warning("alert for %s", a.message if a.message.startswith(f"{b}:") else f"{b}: {a.message}")
    return step, alerts


# ---------------------------------------------------------------- digest


def digest_step(
    idx: MentionIndex,
    cfg: Config,
    day: date,
    *,
    brands: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    now: datetime | None = None,
    out_dir: str | None = None,
    scheduled: bool = True,
    wait: float = 2.0,
    transport: httpx.BaseTransport | None = None,
) -> tuple[StepResult, DeliveryReport | None]:
    """Build, render, write and deliver the digest for ``day``; record it as a Run.

    Deliveries are recorded in the store's ``meta`` table, so each is made once.
    """
    from monitor._digest.context import build_digest
    from monitor._digest.deliver import MetaLedger, deliver, digest_stem, render_all, retry_pending
    from monitor._digest.targets import delivery_details

    store = idx.store
    step = StepResult("digest")
    run_id = store.start_run("digest")
    step.run_id = run_id
    now = now or datetime.now(UTC)
    configured = [b.name for b in cfg.brands] or idx.brands()
    chosen = list(brands) if brands else configured
    report: DeliveryReport | None = None
    ledger = MetaLedger(store.get_meta, store.set_meta)
    try:
        outbox: Counter[str] = Counter()
        for r in retry_pending(cfg.digest, out_dir=out_dir, wait=wait, transport=transport, ledger=ledger):
            key = f"outbox_{r.channel}_{'sent' if r.ok else 'pending'}"
            outbox[key] += 1
            step.counts[key] = outbox[key]
        digest = build_digest(
            idx,
            chosen,
            day,
            tz=cfg.index.timezone,
            bar=cfg.index.bar,
            min_sample=cfg.index.min_sample,
            now=now,
            all_brands=configured if set(chosen) <= set(configured) else chosen,
            display_tz=cfg.digest.timezone,
            locale=cfg.digest.locale,
            spike_k=cfg.index.spike_k,
            answer_target_s=cfg.complaints.target.total_seconds(),
        )
        rendered = render_all(
            digest, markdown=cfg.digest.markdown, stem=digest_stem(digest, all_brands=set(chosen) == set(configured))
        )
        report = deliver(rendered, cfg.digest, channels, out_dir=out_dir, wait=wait, transport=transport, ledger=ledger)
        step.details["channels"] = delivery_details(report.results, cfg.digest, report.files)
        step.counts.update(report.counts())
        step.errors = report.errors
        step.status = "ok" if report.ok else "partial"
    except Exception as exc:
        log_failure("digest failed", exc)
        step.status, step.errors = "failed", [f"{type(exc).__name__}: {exc}"]
    step.counts.update({"day": day.isoformat(), "brands": len(chosen), "scheduled": scheduled})
    if report is not None:
        step.counts["html"] = str(report.files.html)
    store.finish_run(run_id, step.status, step.counts, step.errors)
    return step, report


__all__ = ["check_stop", "collect_step", "digest_step", "refresh_step", "score_step"]
