"""Runs: opened with an owner, kept alive by heartbeats, closed, interrupted or abandoned."""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from monitor._liveness import Heartbeat, owner_gone, process_owner
from monitor._mention_rules import clean_json, clean_text
from monitor._store.base import StoreBase
from monitor._store.dialect import as_utc, utcnow
from monitor._store.engine import writer
from monitor._store.tables import RUN_T as RUN
from monitor.errors import StorageError

log = logging.getLogger(__name__)


class RunsStore(StoreBase):
    """Run rows of this process and the detection of runs whose process is gone."""

    def start_run(self, kind: str) -> int:
        """Open a run owned by this process (first closing runs whose process is gone)."""
        self.mark_abandoned_runs()
        now = utcnow()
        with writer(self.engine).begin() as conn:
            rid = int(
                conn.execute(
                    RUN.insert()
                    .values(
                        kind=kind,
                        started_at=now,
                        status="running",
                        counts="{}",
                        errors="[]",
                        owner=process_owner(),
                        heartbeat_at=now,
                    )
                    .returning(RUN.c.id)
                ).scalar_one()
            )
        _open_run(self, rid)
        return rid

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any], errors: list[str]) -> None:
        now = utcnow()
        with writer(self.engine).begin() as conn:
            started = conn.execute(select(RUN.c.started_at).where(RUN.c.id == run_id)).scalar_one_or_none()
            if started is None:
                raise StorageError(f"no run with id {run_id}")
            conn.execute(
                update(RUN)
                .where(RUN.c.id == run_id)
                .values(
                    finished_at=now,
                    status=status,
                    counts=clean_text(json.dumps(clean_json(counts), ensure_ascii=False, default=str)),
                    errors=clean_text(json.dumps(clean_json(errors[:200]), ensure_ascii=False)),
                    duration_s=(now - started).total_seconds(),
                    heartbeat_at=now,
                )
            )
        _close_run(self, run_id)

    def close_run(self, run_id: int, status: str, reason: str) -> bool:
        """End a still ``running`` run as ``status`` (keeping its counts), adding ``reason``."""
        now = utcnow()
        with writer(self.engine).begin() as conn:
            row = conn.execute(
                select(RUN.c.started_at, RUN.c.errors).where(RUN.c.id == run_id, RUN.c.status == "running")
            ).one_or_none()
            if row is None:
                return False
            errors = [*json.loads(row.errors or "[]"), reason][-200:]
            conn.execute(
                update(RUN)
                .where(RUN.c.id == run_id, RUN.c.status == "running")
                .values(
                    finished_at=now,
                    status=status,
                    errors=clean_text(json.dumps(clean_json(errors), ensure_ascii=False)),
                    duration_s=(now - as_utc(row.started_at)).total_seconds(),
                )
            )
        _close_run(self, run_id)
        return True

    def mark_abandoned_runs(self, now: datetime | None = None) -> list[int]:
        """Close as ``abandoned`` every ``running`` run whose process is gone; return their ids.

        A run of this host is abandoned when its process no longer exists; a run of another
        host only when its heartbeat expired (see :mod:`monitor._liveness`).
        """
        now = now or utcnow()
        mine = {rid for key, rid in _OPEN_RUNS if key == id(self)}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(RUN.c.id, RUN.c.owner, RUN.c.heartbeat_at, RUN.c.started_at).where(RUN.c.status == "running")
            ).all()
        done = []
        for r in rows:
            beat = as_utc(r.heartbeat_at) if r.heartbeat_at is not None else None
            if beat is None and r.owner is None:
                beat = as_utc(r.started_at)  # a row from before owners were recorded
            why = owner_gone(r.owner, beat, now, mine=r.id in mine, started=as_utc(r.started_at))
            if why is not None and self.close_run(r.id, "abandoned", f"abandoned: {why}"):
                log.warning("run %d marked abandoned: %s", r.id, why)
                done.append(int(r.id))
        return done


# -- the runs this process has open (heartbeat, interrupt) --------------------------------

_OPEN_RUNS: dict[tuple[int, int], RunsStore] = {}  # (id(store), run id) → store
_OPEN_LOCK = threading.Lock()


def _beat_open_runs() -> None:
    with _OPEN_LOCK:
        by_store: dict[int, tuple[RunsStore, list[int]]] = {}
        for (sid, rid), store in _OPEN_RUNS.items():
            by_store.setdefault(sid, (store, []))[1].append(rid)
    for store, ids in by_store.values():
        with writer(store.engine).begin() as conn:
            conn.execute(update(RUN).where(RUN.c.id.in_(ids), RUN.c.status == "running").values(heartbeat_at=utcnow()))


_HEARTBEAT = Heartbeat(_beat_open_runs)


def _open_run(store: RunsStore, run_id: int) -> None:
    with _OPEN_LOCK:
        _OPEN_RUNS[(id(store), run_id)] = store
    _HEARTBEAT.acquire()


def _close_run(store: RunsStore, run_id: int) -> None:
    with _OPEN_LOCK:
        found = _OPEN_RUNS.pop((id(store), run_id), None)
    if found is not None:
        _HEARTBEAT.release()


def forget_open_runs(store: RunsStore) -> None:
    """Stop heartbeating ``store``'s open runs (it is being closed; the rows stay as they are)."""
    with _OPEN_LOCK:
        mine = [key for key in _OPEN_RUNS if key[0] == id(store)]
    for _sid, rid in mine:
        _close_run(store, rid)


def interrupt_open_runs(reason: str = "interrupted by a signal") -> list[int]:
    """Close every run this process still has open as ``interrupted``; return their ids."""
    with _OPEN_LOCK:
        items = list(_OPEN_RUNS.items())
    closed = []
    for (_sid, rid), store in items:
        try:
            if store.close_run(rid, "interrupted", reason):
                closed.append(rid)
        except Exception as exc:  # the database may be what failed
            log.error("cannot record run %d as interrupted: %s", rid, exc)
            _close_run(store, rid)
    return closed
