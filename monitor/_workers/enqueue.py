"""Publishing a task: noted in the store's waiting list, then sent to its queue.

The note (``worker_task``) is what ``monitor status`` reads for the oldest waiting task;
the worker removes it when the task starts (:func:`started`). A publish that fails removes
its note and raises.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from celery import Celery

from monitor._store import Engine, worktasks


def enqueue(app: Celery, engine: Engine, name: str, args: Sequence[object], queue: str) -> str:
    """Send task ``name`` with ``args`` to ``queue``; return its id."""
    task_id = uuid.uuid4().hex
    worktasks.record_enqueued(engine, task_id, name, queue)
    try:
        app.send_task(name, args=list(args), queue=queue, routing_key=queue, task_id=task_id)
    except BaseException:
        worktasks.mark_started(engine, task_id)
        raise
    return task_id


def started(engine: Engine, task_id: str | None) -> None:
    """A worker took task ``task_id``: it no longer waits."""
    if task_id:
        worktasks.mark_started(engine, task_id)


__all__ = ["enqueue", "started"]
