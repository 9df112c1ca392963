"""Where a firing's work runs: here, in the scheduler process, or on workers through a broker.

A job (:mod:`monitor._schedule.jobs`) decides *what* a firing does — which source, which
digest day — and hands it to the :class:`Dispatcher` of its :class:`~monitor._schedule.jobs.Runtime`.
:class:`InProcess` (embedded mode, the default) runs the pipeline steps here and now; the
Celery dispatcher (:mod:`monitor._workers.dispatch`, distributed mode) enqueues tasks for
``monitor worker`` processes. Either way the firing's lease makes it happen once.
"""

from __future__ import annotations

from datetime import date, datetime
from time import monotonic
from typing import TYPE_CHECKING, Protocol

from monitor.errors import Interrupted

if TYPE_CHECKING:
    from monitor._schedule.jobs import JobResult, Runtime


class Dispatcher(Protocol):
    """Runs, or enqueues, the work of one firing; returns what the firing's lease records."""

    def collect(self, rt: Runtime, source: str) -> JobResult:
        """Collect ``source``, score and tag (aspects) what is new, refresh the index."""
        ...

    def digest(self, rt: Runtime, day: date, now: datetime) -> JobResult:
        """Write and deliver the digest of ``day`` (due now, not written yet)."""
        ...


class InProcess:
    """The pipeline steps, run in the scheduler's own process (embedded mode)."""

    def collect(self, rt: Runtime, source: str) -> JobResult:
        """Collect, score and refresh here, then embed and update the themes and tag aspects; log the outcome lines."""
        from monitor._pipeline import StepResult, collect_step, score_step
        from monitor._pipeline.aspects import aspects_step
        from monitor._pipeline.outcome import collect_job_line, count, log_line, log_step
        from monitor._pipeline.themes import themes_step

        job, started = f"collect:{source}", monotonic()
        c = StepResult("collect", status="interrupted", errors=["stopped by a signal before it started"])
        s: StepResult | None = None
        refreshed = 0
        try:
            if not rt.stop.is_set():
                c = collect_step(rt.idx, rt.cfg, source=source, stop=rt.stop, collect_fn=rt.collect_fn)
            if c.status != "interrupted" and not rt.stop.is_set():
                # One scorer (and snapshot refresh) at a time: a job that waits finds what the
                # other left, usually nothing.
                with rt.score_lock:
                    s = score_step(rt.idx, rt.cfg, rt.classifier, stop=rt.stop)
                    refreshed = count(s.details, "refreshed") + rt.idx.refresh()
                    embed = rt.embedder_factory()
                    if embed is not None and s.status == "ok" and not rt.stop.is_set():
                        themes_started = monotonic()
                        t = themes_step(rt.idx, rt.cfg, embed, stop=rt.stop)  # stores the new vectors
                        t.duration_s = monotonic() - themes_started
                        log_step(t, job)
                    aspects = aspects_step(
                        rt.idx.store, rt.cfg, stop=rt.stop
                    )  # reads them; its Run row says what it did
                    if aspects.status not in ("ok", "skipped"):
                        log_step(aspects, f"{job}:aspects")
            elif c.status != "interrupted":
                c.status = "interrupted"
        except Interrupted:
            c.status = "interrupted"
            s = None
        log_line(*collect_job_line(job, source, c, s, refreshed, monotonic() - started))
        if c.status == "interrupted":
            return {"status": "interrupted", **c.counts}
        status = "failed" if s is not None and s.status == "failed" else c.status
        return {"status": status, "collect": c.status, "score": s.status if s else None, **c.counts}

    def digest(self, rt: Runtime, day: date, now: datetime) -> JobResult:
        """Write and deliver the digest of ``day`` here; log its outcome line."""
        from monitor._pipeline import digest_step
        from monitor._pipeline.outcome import log_step

        started = monotonic()
        step, _report = digest_step(rt.idx, rt.cfg, day, now=now)
        step.duration_s = monotonic() - started
        log_step(step, "digest")
        return {"status": step.status, "day": day.isoformat()}


__all__ = ["Dispatcher", "InProcess"]
