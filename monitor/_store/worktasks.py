"""Tasks waiting on the broker (distributed mode): enqueued, not started yet.

A broker tells how many messages a queue holds, not how long the oldest has waited, so
the publisher records each task here (:func:`record_enqueued`) and the worker removes it
when it starts (:func:`mark_started`); ``monitor status`` shows each queue's oldest. A
task retried after a failure waits for its backoff in a worker, not in the queue, and is
not listed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, func, select

from monitor._store.dialect import as_utc, dialect_insert, utcnow
from monitor._store.engine import writer
from monitor._store.tables import WORKER_TASK_T as WT


@dataclass(frozen=True, slots=True)
class WaitingQueue:
    """One queue's tasks that wait: how many, and since when the oldest."""

    queue: str
    count: int
    oldest: datetime


def record_enqueued(engine: Engine, task_id: str, name: str, queue: str, at: datetime | None = None) -> None:
    """Note that task ``task_id`` was published to ``queue`` (a second note of one id is ignored)."""
    with writer(engine).begin() as conn:
        ins = dialect_insert(conn, WT).values(
            task_id=task_id[:64], name=name[:100], queue=queue[:200], enqueued_at=at or utcnow()
        )
        conn.execute(ins.on_conflict_do_nothing())


def mark_started(engine: Engine, task_id: str) -> None:
    """Task ``task_id`` left the queue (a worker started it)."""
    with writer(engine).begin() as conn:
        conn.execute(delete(WT).where(WT.c.task_id == task_id[:64]))


def waiting(engine: Engine) -> list[WaitingQueue]:
    """Each queue with tasks waiting, by name."""
    q = select(WT.c.queue, func.count(), func.min(WT.c.enqueued_at)).group_by(WT.c.queue).order_by(WT.c.queue)
    with engine.connect() as conn:
        return [WaitingQueue(str(r[0]), int(r[1]), as_utc(r[2])) for r in conn.execute(q)]


def forget_queue(engine: Engine, queue: str, before: datetime) -> int:
    """Drop notes of ``queue`` older than ``before`` (the broker says it is empty: purged, expired)."""
    with writer(engine).begin() as conn:
        return int(conn.execute(delete(WT).where(WT.c.queue == queue, WT.c.enqueued_at < before)).rowcount)


__all__ = ["WaitingQueue", "forget_queue", "mark_started", "record_enqueued", "waiting"]
