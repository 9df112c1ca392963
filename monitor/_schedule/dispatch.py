"""Where a firing's work runs: here, in the scheduler process, or on workers through a broker.

A job (:mod:`monitor._schedule.jobs`) decides *what* a firing does — which source, which
digest day — and hands it to the :class:`Dispatcher` of its :class:`~monitor._schedule.jobs.Runtime`.
:class:`InProcess` (embedded mode, the default) runs the pipeline steps here and now; the
Celery dispatcher (:mod:`monitor._workers.dispatch`, distributed mode) enqueues tasks for
``monitor worker`` processes. Either way the firing's lease makes it happen once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from monitor.errors import Interrupted

if TYPE_CHECKING:
    from monitor._schedule.jobs import JobResult, Runtime


class Dispatcher(Protocol):
    """Runs, or enqueues, the work of one firing; returns what the firing's lease records."""

    def collect(self, rt: Runtime, source: str) -> JobResult:
        """Collect ``source``, score what is new, refresh the index."""
        ...

    def digest(self, rt: Runtime, day: date, now: datetime) -> JobResult:
        """Write and deliver the digest of ``day`` (due now, not written yet)."""
        ...


class InProcess:
    """The pipeline steps, run in the scheduler's own process (embedded mode)."""

    def collect(self, rt: Runtime, source: str) -> JobResult:
        from monitor._pipeline import collect_step, score_step

        try:
            c = collect_step(rt.idx, rt.cfg, source=source, stop=rt.stop, collect_fn=rt.collect_fn)
            if c.status == "interrupted" or rt.stop.is_set():
                return {"status": "interrupted", **c.counts}
            # One scorer (and snapshot refresh) at a time: a job that waits finds what the
            # other left, usually nothing.
            with rt.score_lock:
                s = score_step(rt.idx, rt.cfg, rt.classifier, stop=rt.stop)
                rt.idx.refresh()
        except Interrupted:
            return {"status": "interrupted"}
        return {"collect": c.status, "score": s.status, **c.counts}

    def digest(self, rt: Runtime, day: date, now: datetime) -> JobResult:
        from monitor._pipeline import digest_step

        step, _report = digest_step(rt.idx, rt.cfg, day, now=now)
        return {"status": step.status, "day": day.isoformat()}


__all__ = ["Dispatcher", "InProcess"]
