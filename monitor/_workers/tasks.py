"""The Celery tasks: each a thin shell over :mod:`monitor._workers.work`, plus what follows it.

- ``monitor.collect(sources)``: a host's sources → scoring batches of the new mentions;
  while another worker holds the host, it is retried after a pause (not counted as a failure);
- ``monitor.score(ids)`` → a snapshot refresh; ``monitor.score_sweep()`` → batches of what
  is still unscored (only while the scoring queue is empty, so nothing is handed out twice),
  then the themes step (vectors of new mentions, themes of every brand) and the aspects step;
- ``monitor.refresh()``; ``monitor.digest(day, brands, channels, scheduled)``.

All are ``acks_late`` with ``reject_on_worker_lost`` (a worker killed mid-task leaves its
message to be delivered again, to any worker), retried with exponential backoff on
transient errors (:data:`TRANSIENT`), and rejected without requeue after that or on any
other error, which dead-letters them on RabbitMQ (``<prefix>.dead``); on Redis, which has
no dead-lettering, the failure handler publishes the task to the ``<prefix>.dead`` list
itself. A collection task that fails for good marks its sources ``failed`` (source
health, shown in the digest).

A task of a ``monitor run --once`` pass carries ``pass_id``: it passes it on to what it
publishes, then writes its outcome (``status``, ``counts``, ``errors``, ``details``) to
the pass's list (:mod:`monitor._store.passtasks`), so the pass knows when all is done.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded

from monitor._dates import parse_day
from monitor._ports import JSONObject
from monitor._redact import redact_text
from monitor._store import DatabaseError
from monitor._workers import work
from monitor._workers.enqueue import enqueue, finished, started
from monitor._workers.routing import TASK_COLLECT, TASK_DIGEST, TASK_REFRESH, TASK_SCORE, TASK_SWEEP, Names
from monitor._workers.runtime import current
from monitor.errors import FetchFailed, StorageError, TransientDeliveryError

log = logging.getLogger("monitor._workers")

#: Errors worth retrying: a fetch or a delivery that may work later, the database away for a while.
TRANSIENT: tuple[type[BaseException], ...] = (FetchFailed, TransientDeliveryError, DatabaseError, StorageError)
HOST_BUSY_RETRY_S = 5.0
SOFT_MARGIN_S = 30
#: The message header a dead-lettered task carries on Redis: why it failed.
DEAD_REASON_HEADER = "x-monitor-failure"


def _names() -> Names:
    return Names.of(current().cfg.workers)


def _publish(task: Any, name: str, args: Sequence[object], queue: str, pass_id: str | None, **kw: object) -> str:
    return enqueue(task.app, current().index().engine, name, args, queue, kwargs=kw, pass_id=pass_id)


def _begin(task: Any, pass_id: str | None) -> None:
    started(current().index().engine, task.request.id, pass_id)


def _end(task: Any, pass_id: str | None, outcome: JSONObject) -> JSONObject:
    """Write ``outcome`` to the pass's list (after whatever the task published); return it."""
    finished(current().index().engine, task.request.id, pass_id, str(outcome.get("status", "ok")), outcome)
    return outcome


def _score_batches(task: Any, ids: Sequence[int], pass_id: str | None) -> int:
    """Publish ``ids`` as scoring batches; return how many."""
    size = current().cfg.workers.score_batch
    queue = _names().kind("score")
    parts = [list(ids[i : i + size]) for i in range(0, len(ids), size)]
    for part in parts:
        _publish(task, TASK_SCORE, [part], queue, pass_id)
    return len(parts)


def _again(task: Any, waited: int = 0) -> bool:
    """Whether this task ran before: redelivered by the broker, or retried after a failure
    (``waited``: retries that only waited for a busy host, and stored nothing)."""
    info = task.request.delivery_info or {}
    return bool(info.get("redelivered")) or int(task.request.retries or 0) > waited


def collect_task(self: Any, sources: list[str], waited: int = 0, pass_id: str | None = None) -> JSONObject:
    rt = current()
    _begin(self, pass_id)
    try:
        out = work.collect_group(rt, sources, again=_again(self, waited))
    except SoftTimeLimitExceeded:
        work.record_failed_sources(rt, sources, "collection task stopped at its time limit")
        raise
    if out is None:  # another worker is collecting this host: come back later, uncounted
        raise self.retry(
            args=[sources],
            kwargs={"waited": waited + 1, "pass_id": pass_id},
            countdown=HOST_BUSY_RETRY_S,
            max_retries=int(self.request.retries or 0) + 1,
        )
    batches = _score_batches(self, out.to_score, pass_id)
    counts: JSONObject = {k: v for k, v in out.counts.items() if k != "run"}
    counts.update(sources=len(sources), score_batches=batches)
    for key in ("blocked", "unreachable", "failed"):
        counts[key] = sum(1 for s in out.sources.values() if s == key)
    details: JSONObject = {"sources": dict(out.sources)}
    return _end(self, pass_id, {"status": out.status, "counts": counts, "errors": out.errors, "details": details})


def score_task(self: Any, ids: list[int], pass_id: str | None = None) -> JSONObject:
    rt = current()
    _begin(self, pass_id)
    counts = work.score_batch(rt, ids)
    _publish(self, TASK_REFRESH, [], _names().kind("index"), pass_id)
    clf = rt.classifier()
    details: JSONObject = {"model": clf.model_id, "model_version": clf.model_version}
    return _end(self, pass_id, {"status": "ok", "counts": counts, "details": details})


def sweep_task(self: Any, pass_id: str | None = None) -> JSONObject:
    from monitor._workers.status import queue_depths

    rt = current()
    _begin(self, pass_id)
    score_queue = _names().kind("score")
    waiting = queue_depths(self.app, [score_queue]).get(score_queue)
    if waiting:
        return _end(self, pass_id, {"status": "skipped", "counts": {"reason": f"{waiting} scoring tasks waiting"}})
    ids = work.sweep(rt)
    counts: JSONObject = {"pending": len(ids), "score_batches": _score_batches(self, ids, pass_id)}
    themes = work.themes(rt)  # vectors and themes, on the queue where the model lives
    aspects = work.aspects(rt)  # then aspect tags, from the same vectors
    details: JSONObject = {"themes": themes} if themes is not None else {}
    if aspects is not None:
        details["aspects"] = aspects
    return _end(self, pass_id, {"status": "ok", "counts": counts, "details": details})


def refresh_task(self: Any, pass_id: str | None = None, alerts: bool = False) -> JSONObject:
    _begin(self, pass_id)
    out = work.refresh(current(), alerts=alerts)
    by_brand = out.pop("by_brand", None)
    details: JSONObject = {"alerts": by_brand} if isinstance(by_brand, dict) else {}
    return _end(self, pass_id, {"status": "ok", "counts": out, "details": details})


def digest_task(
    self: Any,
    day: str,
    brands: list[str] | None = None,
    channels: list[str] | None = None,
    scheduled: bool = True,
    pass_id: str | None = None,
) -> JSONObject:
    rt = current()
    _begin(self, pass_id)
    out = work.digest(rt, parse_day(day), brands=brands, channels=channels, scheduled=scheduled)
    return _end(self, pass_id, out)


def _redis(app: Celery) -> bool:
    return str(app.conf.broker_url or "").split(":", 1)[0].lower() in ("redis", "rediss")


def dead_letter(app: Celery, name: str, task_id: str, args: Sequence[Any], kwargs: dict[str, Any], why: str) -> None:
    """Publish a task that failed for good to ``<prefix>.dead`` (Redis; RabbitMQ does it itself).

    The message is the task's own (same name, id and arguments), so moving it back to its
    queue runs it again; the header :data:`DEAD_REASON_HEADER` says why it failed.
    """
    dead = Names.of(app.conf.monitor_workers).dead_queue()
    app.send_task(name, args=list(args), kwargs=kwargs, task_id=task_id, queue=dead, headers={DEAD_REASON_HEADER: why})


def _on_failure(
    self: Any, exc: BaseException, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], einfo: object
) -> None:
    """A task failed for good: its pass hears it, its sources show it, Redis keeps it as dead."""
    why = redact_text(f"{type(exc).__name__}: {exc}")[:1000]
    rt = current()
    if self.name == TASK_COLLECT:
        sources = args[0] if args else kwargs.get("sources", [])
        work.record_failed_sources(rt, list(sources), f"collection task failed: {why}")
    try:
        finished(rt.index().engine, task_id, kwargs.get("pass_id"), "failed", {"status": "failed", "errors": [why]})
    except Exception:
        log.exception("cannot record the failure of task %s", task_id)
    if _redis(self.app) and not isinstance(exc, TimeLimitExceeded):  # a timed-out message is requeued
        try:
            dead_letter(self.app, self.name, task_id, args, kwargs, why)
        except Exception:
            log.exception("cannot dead-letter task %s", task_id)


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
        "on_failure": _on_failure,
    }

    def limits(hard: int) -> dict[str, int]:
        return {"time_limit": hard, "soft_time_limit": max(hard - SOFT_MARGIN_S, 1)}

    app.task(name=TASK_COLLECT, **common, **limits(cfg.collect_time_limit_s))(collect_task)
    app.task(name=TASK_SCORE, **common, **limits(cfg.score_time_limit_s))(score_task)
    app.task(name=TASK_SWEEP, **common, **limits(cfg.score_time_limit_s))(sweep_task)
    app.task(name=TASK_REFRESH, **common, **limits(cfg.score_time_limit_s))(refresh_task)
    app.task(name=TASK_DIGEST, **common, **limits(cfg.collect_time_limit_s))(digest_task)


__all__ = ["DEAD_REASON_HEADER", "TRANSIENT", "dead_letter", "register"]
