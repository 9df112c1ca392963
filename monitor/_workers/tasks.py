"""The Celery tasks: each a thin shell over :mod:`monitor._workers.work`, plus what follows it.

- ``monitor.collect(sources)``: a host's sources → scoring batches of the new mentions;
  while another worker holds the host, it is retried after a pause (not counted as a failure);
- ``monitor.score(ids)`` → a snapshot refresh; ``monitor.score_sweep()`` → batches of what
  is still unscored (only while the scoring queue is empty, so nothing is handed out twice);
- ``monitor.refresh()``; ``monitor.digest(day, brands, channels, scheduled)``.

All are ``acks_late`` with ``reject_on_worker_lost`` (a worker killed mid-task leaves its
message to be delivered again, to any worker), retried with exponential backoff on
transient errors (:data:`TRANSIENT`), and rejected without requeue after that or on any
other error, which dead-letters them on RabbitMQ (``<prefix>.dead``). A collection task
that fails for good marks its sources ``failed`` (source health, shown in the digest).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded

from monitor._dates import parse_day
from monitor._ports import JSONObject
from monitor._redact import redact_text
from monitor._store import DatabaseError
from monitor._workers import work
from monitor._workers.enqueue import enqueue, started
from monitor._workers.routing import TASK_COLLECT, TASK_DIGEST, TASK_REFRESH, TASK_SCORE, TASK_SWEEP, Names
from monitor._workers.runtime import current
from monitor.errors import FetchFailed, StorageError, TransientDeliveryError

log = logging.getLogger("monitor._workers")

#: Errors worth retrying: a fetch or a delivery that may work later, the database away for a while.
TRANSIENT: tuple[type[BaseException], ...] = (FetchFailed, TransientDeliveryError, DatabaseError, StorageError)
HOST_BUSY_RETRY_S = 5.0
SOFT_MARGIN_S = 30


def _names() -> Names:
    return Names.of(current().cfg.workers)


def _publish(task: Any, name: str, args: Sequence[object], queue: str) -> str:
    return enqueue(task.app, current().index().engine, name, args, queue)


def _score_batches(task: Any, ids: Sequence[int]) -> int:
    """Publish ``ids`` as scoring batches; return how many."""
    size = current().cfg.workers.score_batch
    queue = _names().kind("score")
    parts = [list(ids[i : i + size]) for i in range(0, len(ids), size)]
    for part in parts:
        _publish(task, TASK_SCORE, [part], queue)
    return len(parts)


def _again(task: Any, waited: int = 0) -> bool:
    """Whether this task ran before: redelivered by the broker, or retried after a failure
    (``waited``: retries that only waited for a busy host, and stored nothing)."""
    info = task.request.delivery_info or {}
    return bool(info.get("redelivered")) or int(task.request.retries or 0) > waited


def collect_task(self: Any, sources: list[str], waited: int = 0) -> JSONObject:
    rt = current()
    started(rt.index().engine, self.request.id)
    try:
        out = work.collect_group(rt, sources, again=_again(self, waited))
    except SoftTimeLimitExceeded:
        work.record_failed_sources(rt, sources, "collection task stopped at its time limit")
        raise
    if out is None:  # another worker is collecting this host: come back later, uncounted
        raise self.retry(
            args=[sources],
            kwargs={"waited": waited + 1},
            countdown=HOST_BUSY_RETRY_S,
            max_retries=int(self.request.retries or 0) + 1,
        )
    batches = _score_batches(self, out.to_score)
    return {"status": out.status, **out.counts, "score_batches": batches}


def score_task(self: Any, ids: list[int]) -> JSONObject:
    rt = current()
    started(rt.index().engine, self.request.id)
    counts = work.score_batch(rt, ids)
    _publish(self, TASK_REFRESH, [], _names().kind("index"))
    return counts


def sweep_task(self: Any) -> JSONObject:
    from monitor._workers.status import queue_depths

    rt = current()
    started(rt.index().engine, self.request.id)
    score_queue = _names().kind("score")
    waiting = queue_depths(self.app, [score_queue]).get(score_queue)
    if waiting:
        return {"status": "skipped", "reason": f"{waiting} scoring tasks waiting"}
    ids = work.sweep(rt)
    return {"status": "ok", "pending": len(ids), "score_batches": _score_batches(self, ids)}


def refresh_task(self: Any) -> JSONObject:
    rt = current()
    started(rt.index().engine, self.request.id)
    return {"brand_days": work.refresh(rt)}


def digest_task(
    self: Any, day: str, brands: list[str] | None = None, channels: list[str] | None = None, scheduled: bool = True
) -> JSONObject:
    rt = current()
    started(rt.index().engine, self.request.id)
    return work.digest(rt, parse_day(day), brands=brands, channels=channels, scheduled=scheduled)


def _on_collect_failure(
    self: Any, exc: BaseException, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], einfo: object
) -> None:
    sources = args[0] if args else kwargs.get("sources", [])
    work.record_failed_sources(
        current(), list(sources), redact_text(f"collection task failed: {type(exc).__name__}: {exc}")
    )


def register(app: Celery) -> None:
    """Register the tasks on ``app`` (options from the app's config: time limits, retries)."""
    cfg = app.conf.monitor_workers
    common: dict[str, Any] = {
        "bind": True,
        "acks_late": True,
        "reject_on_worker_lost": True,
        "autoretry_for": TRANSIENT,
        "retry_backoff": 2,
        "retry_backoff_max": 600,
        "retry_jitter": True,
        "max_retries": cfg.max_retries,
        "ignore_result": True,
    }

    def limits(hard: int) -> dict[str, int]:
        return {"time_limit": hard, "soft_time_limit": max(hard - SOFT_MARGIN_S, 1)}

    app.task(name=TASK_COLLECT, on_failure=_on_collect_failure, **common, **limits(cfg.collect_time_limit_s))(
        collect_task
    )
    app.task(name=TASK_SCORE, **common, **limits(cfg.score_time_limit_s))(score_task)
    app.task(name=TASK_SWEEP, **common, **limits(cfg.score_time_limit_s))(sweep_task)
    app.task(name=TASK_REFRESH, **common, **limits(cfg.score_time_limit_s))(refresh_task)
    app.task(name=TASK_DIGEST, **common, **limits(cfg.collect_time_limit_s))(digest_task)


__all__ = ["TRANSIENT", "register"]
