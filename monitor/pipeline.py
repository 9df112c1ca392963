"""One pass of the whole job: collect → score → refresh the index and alerts → digest when due.

``run_once`` is what ``monitor run --once`` (cron-friendly) and the demo call; the scheduler
calls the same steps (``collect_step``, ``score_step``, ``digest_step``) from its jobs. A
``stop`` event makes every step finish its current database write and return early, so a
SIGTERM never leaves a half-written run: each step's Run row ends ``ok``, ``partial``,
``failed`` or ``interrupted``.

When is the digest due? It goes out at ``digest.time`` in ``digest.timezone``. A morning
digest (before 12:00) reports on the previous calendar day, which is complete by then; an
afternoon or evening digest reports on the current day so far. A digest is due when the
latest send time has passed and no digest for its report day has been written yet.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from monitor.config import Config, DigestConfig
from monitor.errors import Interrupted
from monitor.labels import counts_in_index
from monitor.records import Prediction

log = logging.getLogger(__name__)

NOON = time(12, 0)
DigestMode = Literal["auto", "force", "skip"]


class Classifier(Protocol):
    def predict(self, texts: list[str], langs: list[str | None] | None = None) -> list[Prediction]: ...


@dataclass
class StepResult:
    name: str
    status: str = "ok"
    counts: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    run_id: int | None = None


@dataclass
class PipelineResult:
    steps: list[StepResult] = field(default_factory=list)
    digest_paths: list[str] = field(default_factory=list)
    alerts: dict[str, list[Any]] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.interrupted and all(s.status in ("ok", "skipped") for s in self.steps)

    def step(self, name: str) -> StepResult | None:
        return next((s for s in self.steps if s.name == name), None)


# ---------------------------------------------------------------- when is the digest due


def report_day(send_day: date, send_time: time) -> date:
    """The calendar day a digest sent on ``send_day`` at ``send_time`` reports on."""
    return send_day - timedelta(days=1) if send_time < NOON else send_day


def latest_send(now: datetime, dcfg: DigestConfig) -> datetime:
    """The latest scheduled send instant at or before ``now`` (aware, digest timezone)."""
    tz = ZoneInfo(dcfg.timezone)
    local = now.astimezone(tz)
    day = local.date()
    candidate = datetime.combine(day, dcfg.local_time, tz)
    if candidate > local:
        candidate = datetime.combine(day - timedelta(days=1), dcfg.local_time, tz)
    return candidate


def due_report_day(now: datetime, dcfg: DigestConfig, done: Callable[[date], bool]) -> date | None:
    """The report day whose digest is due at ``now``, or None if it was already written."""
    send = latest_send(now, dcfg)
    day = report_day(send.date(), dcfg.local_time)
    return None if done(day) else day


def digest_written(idx: Any, day: date) -> bool:
    """Whether a digest for ``day`` was written (its file exists, whatever the deliveries)."""
    for run in idx.recent_runs(limit=200, kind="digest"):
        counts = run.counts or {}
        if counts.get("day") == day.isoformat() and run.status in ("ok", "partial") and counts.get("scheduled", True):
            return True
    return False


# ---------------------------------------------------------------- steps


def _check(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise Interrupted


def _call_supported(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` with only the keyword arguments its signature accepts."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn(*args, **kwargs)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return fn(*args, **kwargs)
    return fn(*args, **{k: v for k, v in kwargs.items() if k in params})


def _summarise_collect(result: Any) -> tuple[dict[str, Any], list[str], str]:
    """Counts, errors and status from whatever ``collect`` returned."""
    if result is None:
        return {}, [], "ok"
    if hasattr(result, "to_dict"):
        result = result.to_dict()
    if isinstance(result, dict):
        counts: dict[str, Any] = {
            k: v for k, v in result.items() if isinstance(v, (int, float, str)) and k not in ("errors", "status")
        }
        errors = [str(e) for e in result.get("errors", []) or []]
        return counts, errors, str(result.get("status", "partial" if errors else "ok"))
    counts = {}
    totals = getattr(result, "totals", None)
    if callable(totals):
        counts.update(totals())
    sources = getattr(result, "sources", None)
    if isinstance(sources, list):
        counts["sources"] = len(sources)
        for key in ("blocked", "failed"):
            counts[key] = sum(1 for s in sources if getattr(s, "status", "") == key)
    errs = getattr(result, "errors", None)
    errs = errs() if callable(errs) else errs
    errors = [str(e) for e in errs] if isinstance(errs, (list, tuple)) else []
    status = str(getattr(result, "status", "partial" if errors else "ok"))
    return counts, errors, status


def collect_step(
    idx: Any,
    cfg: Config,
    *,
    source: str | None = None,
    brand: str | None = None,
    stop: threading.Event | None = None,
    collect_fn: Callable[..., Any] | None = None,
    relax_loopback: bool = False,
) -> StepResult:
    """Run the collectors (they record their own Run row and source health).

    The real collector runs in its own event loop and is cancelled when ``stop`` is set:
    cancellation lands between pages, each page's mentions are one committed transaction
    and a source's cursor only moves when its walk completes, so nothing is half-written;
    the collector's Run row is then closed as ``interrupted``.
    """
    step = StepResult("collect")
    _check(stop)
    try:
        if collect_fn is None:
            result = _collect_cancellable(
                idx, cfg, source=source, brand=brand, stop=stop, relax_loopback=relax_loopback
            )
        else:
            result = _call_supported(collect_fn, cfg, idx, source=source, brand=brand, stop=stop)
    except Interrupted:
        step.status = "interrupted"
        return step
    except Exception as exc:  # a collector bug must not stop scoring and the digest
        log.exception("collection failed")
        step.status, step.errors = "failed", [f"{type(exc).__name__}: {exc}"]
        return step
    step.counts, step.errors, status = _summarise_collect(result)
    step.status = (
        status if status in ("ok", "partial", "failed", "interrupted") else ("partial" if step.errors else "ok")
    )
    if stop is not None and stop.is_set():
        step.status = "interrupted"
    return step


def _collect_cancellable(
    idx: Any,
    cfg: Config,
    *,
    source: str | None,
    brand: str | None,
    stop: threading.Event | None,
    relax_loopback: bool,
) -> Any:
    import asyncio

    from monitor.collect import collect_async

    before = max((r.id for r in idx.recent_runs(limit=1, kind="collect")), default=0)

    async def main() -> Any:
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

    result = asyncio.run(main())
    if result is None:
        for run in idx.recent_runs(limit=20, kind="collect"):
            if run.id > before and run.status == "running":
                idx.finish_run(run.id, "interrupted", {}, ["stopped by a signal before the run ended"])
        raise Interrupted
    return result


def classifier_identity(clf: Any) -> tuple[str, str]:
    """(model id, model version) of a classifier, however it exposes them."""
    for a, b in (("model_id", "model_version"), ("id", "version")):
        mid, ver = getattr(clf, a, None), getattr(clf, b, None)
        if isinstance(mid, str) and isinstance(ver, str):
            return mid, ver
    info = getattr(clf, "info", None)
    if callable(info):
        info = info()
    if isinstance(info, dict) and "model_id" in info:
        return str(info["model_id"]), str(info.get("model_version", "0"))
    raise TypeError(f"{type(clf).__name__} does not say its model id and version")


def score_step(
    idx: Any,
    cfg: Config,
    classifier: Classifier | Callable[[], Classifier],
    *,
    stop: threading.Event | None = None,
    batch: int = 256,
    progress: Callable[[int, int], None] | None = None,
) -> StepResult:
    """Score every mention the current model version has not scored; one commit per batch."""
    step = StepResult("score")
    run_id = idx.start_run("score")
    step.run_id = run_id
    scored = counted_n = 0
    try:
        clf: Any = classifier() if callable(classifier) and not hasattr(classifier, "predict") else classifier
        mid, ver = classifier_identity(clf)
        total = idx.count_pending(mid, ver)
        threshold = cfg.model.confidence_threshold
        while True:
            _check(stop)
            rows = idx.pending_scoring(mid, ver, limit=batch)
            if not rows:
                break
            preds = clf.predict([t for _, t, _ in rows], langs=[lang for _, _, lang in rows])
            items = []
            for (mention_id, _text, lang), pred in zip(rows, preds, strict=True):
                counted = counts_in_index(pred, lang, threshold)
                counted_n += int(counted)
                items.append((mention_id, pred, counted))
            idx.add_scores(items)  # one transaction per chunk: all or nothing
            scored += len(items)
            if progress is not None:
                progress(scored, total)
            if len(rows) < batch:
                break
    except Interrupted:
        step.status = "interrupted"
    except Exception as exc:
        log.error("scoring failed: %s", exc, exc_info=log.isEnabledFor(logging.DEBUG))
        step.status, step.errors = "failed", [f"{type(exc).__name__}: {exc}"]
    step.counts = {"scored": scored, "counted": counted_n, "unscored": scored - counted_n}
    idx.finish_run(run_id, step.status, step.counts, step.errors)
    if step.status == "interrupted":
        raise Interrupted
    return step


def refresh_step(idx: Any, cfg: Config, *, now: datetime | None = None) -> tuple[StepResult, dict[str, list[Any]]]:
    """Bring stored index snapshots up to date and evaluate the alerts of every brand."""
    step = StepResult("refresh")
    step.counts["snapshots"] = int(idx.refresh() or 0)
    alerts: dict[str, list[Any]] = {}
    brands = [b.name for b in cfg.brands] or list(idx.brands())
    for b in brands:
        try:
            alerts[b] = list(idx.alerts(b, at=now))
        except Exception as exc:  # an unknown brand (no mentions yet) has no alerts
            log.debug("no alerts for %s: %s", b, exc)
            alerts[b] = []
    step.counts["alerts"] = sum(len(v) for v in alerts.values())
    for b, items in alerts.items():
        for a in items:
            log.warning("alert for %s: %s", b, getattr(a, "message", a))
    return step, alerts


def digest_step(
    idx: Any,
    cfg: Config,
    day: date,
    *,
    brands: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    now: datetime | None = None,
    out_dir: str | None = None,
    scheduled: bool = True,
    wait: float = 2.0,
    transport: Any = None,
) -> tuple[StepResult, Any]:
    """Build, render, write and deliver the digest for ``day``; record it as a Run."""
    from monitor.digest.context import build_digest
    from monitor.digest.deliver import MetaLedger, deliver, digest_stem, render_all, retry_pending

    step = StepResult("digest")
    run_id = idx.start_run("digest")
    step.run_id = run_id
    now = now or datetime.now(UTC)
    configured = [b.name for b in cfg.brands] or list(idx.brands())
    chosen = list(brands) if brands else configured
    report = None
    store = getattr(idx, "store", None)  # deliveries are recorded there: each is made once
    ledger = MetaLedger(store.get_meta, store.set_meta) if store is not None else None
    try:
        for r in retry_pending(cfg.digest, out_dir=out_dir, wait=wait, transport=transport, ledger=ledger):
            step.counts[f"outbox_{r.channel}_{'sent' if r.ok else 'pending'}"] = (
                step.counts.get(f"outbox_{r.channel}_{'sent' if r.ok else 'pending'}", 0) + 1
            )
        digest = build_digest(
            idx,
            chosen,
            day,
            tz=cfg.index.timezone,
            bar=cfg.index.bar,
            min_sample=cfg.index.min_sample,
            now=now,
            all_brands=configured if set(chosen) <= set(configured) else chosen,
        )
        rendered = render_all(
            digest, markdown=cfg.digest.markdown, stem=digest_stem(digest, all_brands=set(chosen) == set(configured))
        )
        report = deliver(rendered, cfg.digest, channels, out_dir=out_dir, wait=wait, transport=transport, ledger=ledger)
        step.counts.update(report.counts())
        step.errors = report.errors
        step.status = "ok" if report.ok else "partial"
    except Exception as exc:
        log.exception("digest failed")
        step.status, step.errors = "failed", [f"{type(exc).__name__}: {exc}"]
    step.counts.update({"day": day.isoformat(), "brands": len(chosen), "scheduled": scheduled})
    if report is not None:
        step.counts["html"] = str(report.files.html)
    idx.finish_run(run_id, step.status, step.counts, step.errors)
    return step, report


# ---------------------------------------------------------------- the whole pass


def run_once(
    cfg: Config,
    *,
    idx: Any = None,
    classifier: Classifier | Callable[[], Classifier] | None = None,
    now: datetime | None = None,
    stop: threading.Event | None = None,
    digest: DigestMode = "auto",
    digest_day: date | None = None,
    collect: bool = True,
    collect_fn: Callable[..., Any] | None = None,
    out_dir: str | None = None,
    on_step: Callable[[StepResult], None] | None = None,
    relax_loopback: bool = False,
) -> PipelineResult:
    """collect → score → refresh index and alerts → digest (when due, or ``force``)."""
    own = idx is None
    if idx is None:
        from monitor.api import MentionIndex

        idx = MentionIndex.open(cfg)
    if classifier is None:
        from monitor.sentiment import load_classifier

        model_cfg = cfg.model

        def classifier() -> Classifier:
            clf: Classifier = load_classifier(model_cfg)
            return clf

    result = PipelineResult()

    def done(step: StepResult) -> None:
        result.steps.append(step)
        if on_step is not None:
            on_step(step)

    try:
        if collect:
            done(collect_step(idx, cfg, stop=stop, collect_fn=collect_fn, relax_loopback=relax_loopback))
            _check(stop)
        done(score_step(idx, cfg, classifier, stop=stop))
        _check(stop)
        at = now or datetime.now(UTC)
        refresh, result.alerts = refresh_step(idx, cfg, now=at)
        done(refresh)
        _check(stop)
        if digest != "skip":
            if digest == "force":
                day = digest_day or at.astimezone(ZoneInfo(cfg.index.timezone)).date()
            else:
                day = digest_day or due_report_day(at, cfg.digest, lambda d: digest_written(idx, d))  # type: ignore[assignment]
            if day is None:
                done(StepResult("digest", status="skipped", counts={"reason": "not due"}))
            else:
                step, report = digest_step(idx, cfg, day, now=at, out_dir=out_dir, scheduled=digest == "auto")
                if report is not None:
                    result.digest_paths.append(str(report.files.html))
                done(step)
    except Interrupted:
        result.interrupted = True
        log.warning("run interrupted: stopped after the current write")
    finally:
        if own:
            idx.close()
    return result


__all__ = [
    "Interrupted",
    "PipelineResult",
    "StepResult",
    "classifier_identity",
    "collect_step",
    "digest_step",
    "digest_written",
    "due_report_day",
    "latest_send",
    "refresh_step",
    "report_day",
    "run_once",
    "score_step",
]
