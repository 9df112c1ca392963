"""The tasks of one ``monitor run --once`` pass in distributed mode, and their outcomes.

The pass notes each task it publishes (:func:`record`), and so does every task that
publishes more on the pass's behalf (a collection its scoring batches, a batch its
refresh) *before* it finishes itself: the pass is over when none of its tasks is
``waiting`` or ``running``. A worker marks a task ``running`` when it starts it and writes
its status and result (counts, errors, details) when it ends (:func:`finish`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select, update

from monitor._mention_rules import clean_json, clean_text
from monitor._store.dialect import as_utc, dialect_insert, utcnow
from monitor._store.engine import writer
from monitor._store.tables import WORKER_PASS_TASK_T as PT

#: A task not finished yet is in one of these states.
OPEN = ("waiting", "running")


@dataclass(frozen=True, slots=True)
class PassTask:
    """One task of a pass: its name and queue, its status and (once finished) its result."""

    task_id: str
    name: str
    queue: str
    status: str
    enqueued_at: datetime
    finished_at: datetime | None = None
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return self.status in OPEN


def record(engine: Engine, pass_id: str, task_id: str, name: str, queue: str, at: datetime | None = None) -> None:
    """Note task ``task_id`` of pass ``pass_id`` as waiting (a second note of one id is ignored)."""
    with writer(engine).begin() as conn:
        ins = dialect_insert(conn, PT).values(
            task_id=task_id[:64],
            pass_id=pass_id[:64],
            name=name[:100],
            queue=queue[:200],
            status="waiting",
            result="{}",
            enqueued_at=at or utcnow(),
        )
        conn.execute(ins.on_conflict_do_nothing())


def mark_running(engine: Engine, task_id: str) -> None:
    """A worker started ``task_id`` (a finished task stays finished)."""
    with writer(engine).begin() as conn:
        conn.execute(update(PT).where(PT.c.task_id == task_id[:64], PT.c.status == "waiting").values(status="running"))


def finish(engine: Engine, task_id: str, status: str, result: Mapping[str, Any]) -> None:
    """Task ``task_id`` ended with ``status`` and ``result`` (counts, errors, details)."""
    text = clean_text(json.dumps(clean_json(dict(result)), ensure_ascii=False, default=str))
    with writer(engine).begin() as conn:
        conn.execute(
            update(PT).where(PT.c.task_id == task_id[:64]).values(status=status[:20], result=text, finished_at=utcnow())
        )


def tasks(engine: Engine, pass_id: str) -> list[PassTask]:
    """Every task of ``pass_id``, in the order they were enqueued."""
    q = select(PT).where(PT.c.pass_id == pass_id[:64]).order_by(PT.c.enqueued_at, PT.c.task_id)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [
        PassTask(
            r.task_id,
            r.name,
            r.queue,
            r.status,
            as_utc(r.enqueued_at),
            as_utc(r.finished_at) if r.finished_at is not None else None,
            json.loads(r.result or "{}"),
        )
        for r in rows
    ]


def forget(
    engine: Engine, *, pass_id: str | None = None, task_id: str | None = None, before: datetime | None = None
) -> int:
    """Drop the tasks of ``pass_id`` (only ``task_id`` when given), or every task enqueued
    before ``before``; how many."""
    if pass_id is not None:
        cond = PT.c.pass_id == pass_id[:64]
        if task_id is not None:
            cond = cond & (PT.c.task_id == task_id[:64])
    else:
        cond = PT.c.enqueued_at < (before or utcnow())
    with writer(engine).begin() as conn:
        return int(conn.execute(delete(PT).where(cond)).rowcount)


__all__ = ["OPEN", "PassTask", "finish", "forget", "mark_running", "record", "tasks"]
