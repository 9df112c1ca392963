"""The scheduler's dispatcher in distributed mode: each firing becomes Celery tasks.

``monitor run`` keeps APScheduler and its leases (a firing is claimed once across
scheduler replicas); :class:`CeleryDispatcher` then publishes the firing's work instead of
running it: a collection task for the source (on its host's collection queue), and at
most every ``sweep_interval_s`` a scoring sweep; the digest task for a due day. What
follows a collection (scoring batches, refreshes) the tasks publish themselves.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from celery import Celery

from monitor._collect.shards import politeness_groups, politeness_key
from monitor._config import Config
from monitor._store import Engine
from monitor._workers.app import declare_dead_letter, make_app
from monitor._workers.enqueue import enqueue
from monitor._workers.routing import TASK_COLLECT, TASK_DIGEST, TASK_REFRESH, TASK_SWEEP, Names

if TYPE_CHECKING:
    from monitor._schedule.jobs import JobResult, Runtime

log = logging.getLogger("monitor._workers")


class CeleryDispatcher:
    """Publishes each firing's work for ``monitor worker`` processes (see :mod:`monitor._schedule.dispatch`)."""

    def __init__(self, cfg: Config, app: Celery | None = None) -> None:
        self.cfg = cfg
        self.app = app or make_app(cfg)
        self.names = Names.of(cfg.workers)
        self._last_sweep: float | None = None
        self._lock = threading.Lock()
        self._declared = False

    def _ready(self) -> None:
        if not self._declared:
            declare_dead_letter(self.app)
            self._declared = True

    def collect_sources(self, engine: Engine, sources: Sequence[str], pass_id: str | None = None) -> str:
        """Publish the collection of ``sources`` (one host's) to that host's queue; return the task id."""
        self._ready()
        key = politeness_key(self.cfg.source(sources[0]))
        queue = self.names.collect(key)
        task_id = enqueue(self.app, engine, TASK_COLLECT, [list(sources)], queue, pass_id=pass_id)
        log.info("collect %s enqueued on %s (task %s)", ", ".join(sources), queue, task_id)
        return task_id

    def sweep(self, engine: Engine, *, force: bool = False, pass_id: str | None = None) -> str | None:
        """Publish a scoring sweep, at most every ``sweep_interval_s`` unless ``force``."""
        with self._lock:
            now = time.monotonic()
            if (
                not force
                and self._last_sweep is not None
                and now - self._last_sweep < self.cfg.workers.sweep_interval_s
            ):
                return None
            self._last_sweep = now
        self._ready()
        return enqueue(self.app, engine, TASK_SWEEP, [], self.names.kind("score"), pass_id=pass_id)

    def refresh(self, engine: Engine, pass_id: str | None = None) -> str:
        """Publish an index refresh that also evaluates the alerts (the last step before a digest)."""
        self._ready()
        return enqueue(
            self.app, engine, TASK_REFRESH, [], self.names.kind("index"), kwargs={"alerts": True}, pass_id=pass_id
        )

    def digest_of(self, engine: Engine, day: date, *, scheduled: bool = True, pass_id: str | None = None) -> str:
        """Publish the digest of ``day`` (``scheduled``: skipped when already written); return the task id."""
        self._ready()
        args = [day.isoformat(), None, None, scheduled]
        task_id = enqueue(self.app, engine, TASK_DIGEST, args, self.names.kind("digest"), pass_id=pass_id)
        log.info("digest of %s enqueued (task %s)", day.isoformat(), task_id)
        return task_id

    def collect(self, rt: Runtime, source: str) -> JobResult:
        engine = rt.idx.store.engine
        task_id = self.collect_sources(engine, [source])
        sweep_id = self.sweep(engine)
        out: JobResult = {"status": "enqueued", "task": task_id}
        if sweep_id is not None:
            out["sweep"] = sweep_id
        return out

    def digest(self, rt: Runtime, day: date, now: datetime) -> JobResult:
        task_id = self.digest_of(rt.idx.store.engine, day)
        return {"status": "enqueued", "day": day.isoformat(), "task": task_id}

    def collect_all(
        self, engine: Engine, source: str | None = None, brand: str | None = None, *, pass_id: str | None = None
    ) -> list[str]:
        """Publish one collection task per host for the selected sources (``monitor run --once``)."""
        from monitor._collect import select_sources

        groups = politeness_groups(select_sources(self.cfg, source, brand))
        return [self.collect_sources(engine, [s.name for s in group], pass_id) for group in groups]


__all__ = ["CeleryDispatcher"]
