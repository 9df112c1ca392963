"""Publishing a task: noted in the store's waiting list, then sent to its queue.

The note (``worker_task``) is what ``monitor status`` reads for the oldest waiting task;
the worker removes it when the task starts (:func:`started`). A task published for a
``monitor run --once`` pass carries the pass's id (``pass_id``) and is noted in the pass's
list too (``worker_pass_task``), so the pass can wait for it; whatever it publishes in
turn joins the same pass. A publish that fails removes its notes and raises.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from celery import Celery

from monitor._store import Engine, passtasks, worktasks


def enqueue(
    app: Celery,
    engine: Engine,
    name: str,
    args: Sequence[object],
    queue: str,
    *,
    kwargs: Mapping[str, object] | None = None,
    pass_id: str | None = None,
) -> str:
    """Send task ``name`` with ``args`` to ``queue`` (for pass ``pass_id``, if any); return its id."""
    task_id = uuid.uuid4().hex
    options = dict(kwargs or {})
    if pass_id is not None:
        options["pass_id"] = pass_id
        passtasks.record(engine, pass_id, task_id, name, queue)
    worktasks.record_enqueued(engine, task_id, name, queue)
    try:
        app.send_task(name, args=list(args), kwargs=options, queue=queue, routing_key=queue, task_id=task_id)
    except BaseException:
        worktasks.mark_started(engine, task_id)
        if pass_id is not None:
            passtasks.forget(engine, pass_id=pass_id, task_id=task_id)
        raise
    return task_id


def started(engine: Engine, task_id: str | None, pass_id: str | None = None) -> None:
    """A worker took task ``task_id``: it no longer waits (and runs, for its pass)."""
    if task_id:
        worktasks.mark_started(engine, task_id)
        if pass_id is not None:
            passtasks.mark_running(engine, task_id)


def finished(
    engine: Engine, task_id: str | None, pass_id: str | None, status: str, result: Mapping[str, object]
) -> None:
    """Task ``task_id`` of pass ``pass_id`` ended: its outcome for the pass (nothing without a pass)."""
    if task_id and pass_id is not None:
        passtasks.finish(engine, task_id, status, result)


__all__ = ["enqueue", "finished", "started"]
