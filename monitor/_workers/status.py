"""What ``monitor status`` shows of distributed mode: workers, queue depths, the oldest waiting task.

- workers: Celery's remote control (``inspect().ping()`` and ``active()``): each live
  worker, the queues it consumes and the tasks it is running;
- queue depths: a passive ``queue_declare`` per queue (messages ready, consumers), which
  both RabbitMQ and the Redis transport answer without changing anything;
- the oldest waiting task per queue: the store's waiting list (``worker_task``), which the
  publisher writes and the worker clears when it starts the task (a broker does not tell
  how long a message has waited). Notes of a queue the broker reports empty for more than
  a minute are dropped (a purged queue, a message dead-lettered unseen).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery import Celery

from monitor._store import Engine, worktasks
from monitor._store.dialect import utcnow
from monitor._workers.routing import Names

log = logging.getLogger("monitor._workers")


@dataclass(frozen=True)
class QueueDepth:
    """One queue: messages ready (None: the broker does not know it), consumers, oldest waiting."""

    name: str
    messages: int | None
    consumers: int | None
    oldest: datetime | None = None
    noted: int = 0


@dataclass(frozen=True)
class WorkerInfo:
    """One live worker: its name, the queues it consumes, the tasks it runs now."""

    name: str
    queues: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)


def connect(app: Celery, timeout: float = 3.0) -> None:
    """Connect to the broker once, within about ``timeout`` seconds; raise what the broker said."""
    with app.connection_for_read(connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)


def _declare(app: Celery, names: Sequence[str]) -> dict[str, tuple[int | None, int | None]]:
    out: dict[str, tuple[int | None, int | None]] = {}
    redis = str(app.conf.broker_url).split(":", 1)[0].startswith("redis")
    with app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1)
        channel = conn.channel()
        try:
            for name in names:
                try:
                    _q, messages, consumers = channel.queue_declare(queue=name, passive=True)
                    out[name] = (int(messages), int(consumers))
                except Exception:  # not declared yet (amqp closes the channel: open another)
                    out[name] = (0, None) if redis else (None, None)
                    channel.close()
                    channel = conn.channel()
        finally:
            channel.close()
    return out


def queue_depths(app: Celery, names: Sequence[str]) -> dict[str, int | None]:
    """Messages ready in each queue (None: unknown to the broker)."""
    return {name: m for name, (m, _c) in _declare(app, names).items()}


def queues(app: Celery, engine: Engine) -> list[QueueDepth]:
    """Every queue of the deployment with its depth, consumers and oldest waiting task."""
    names = Names.of(app.conf.monitor_workers)
    listed = [*names.consumed(), names.dead]
    depths = _declare(app, listed)
    noted = {w.queue: w for w in worktasks.waiting(engine)}
    out = []
    for name in listed:
        messages, consumers = depths.get(name, (None, None))
        w = noted.get(name)
        if w is not None and messages == 0:
            worktasks.forget_queue(engine, name, utcnow() - timedelta(minutes=1))
        out.append(QueueDepth(name, messages, consumers, w.oldest if w else None, w.count if w else 0))
    return out


def workers(app: Celery, timeout: float = 1.5) -> list[WorkerInfo]:
    """The workers that answer within ``timeout`` seconds, by name."""
    insp = app.control.inspect(timeout=timeout)
    pings = insp.ping() or {}
    if not pings:
        return []
    active = insp.active() or {}
    consumed = insp.active_queues() or {}
    out = []
    for name in sorted(pings):
        tasks = [f"{t.get('name', '?')}[{str(t.get('id', ''))[:8]}]" for t in active.get(name, [])]
        qs = sorted(str(q.get("name", "?")) for q in consumed.get(name, []))
        out.append(WorkerInfo(name, qs, tasks))
    return out


def consumed_queues(app: Celery, timeout: float = 1.0) -> set[str]:
    """The queues some live worker consumes (those answering within ``timeout`` seconds)."""
    got = app.control.inspect(timeout=timeout).active_queues() or {}
    return {str(q.get("name")) for qs in got.values() for q in (qs or []) if q.get("name")}


__all__ = ["QueueDepth", "WorkerInfo", "connect", "consumed_queues", "queue_depths", "queues", "workers"]
