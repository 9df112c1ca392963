"""The scheduler's shared state in the database: firing leases and the registered jobs.

A *lease* is an exactly-once claim of one job firing, keyed by (job id, scheduled time) in
the ``scheduler_lease`` table: the unique key lets only one scheduler win a firing, and a
claim is refused (recorded ``skipped``) while another process holds a *live* unfinished
lease on the same job. A lease is live while its scheduler renews the heartbeat; when the
heartbeat is older than :data:`monitor._liveness.EXPIRY`, or its owner process on this host
is gone, another scheduler takes it over and runs that very firing again.

The *job registry* (one ``meta`` row per job, JSON, no pickles) records what each job was
scheduled as and since when, so a restart resumes the same schedule and ``monitor
status`` can show next runs without a running scheduler.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TypedDict

from sqlalchemy import ColumnElement, Engine, and_, delete, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from monitor import _liveness as liveness
from monitor._dates import parse_iso
from monitor._store.tables import LEASE_T as LEASES
from monitor._store.tables import META_T

log = logging.getLogger(__name__)

#: A lease without heartbeat (older schema) older than this is dead.
STALE_LEASE = timedelta(hours=6)
#: Prefix of the ``meta`` keys holding the registered jobs.
JOB_KEY = "scheduler.job:"


class LeaseRow(TypedDict):
    """One ``scheduler_lease`` row as stored (``run_time`` is ISO 8601 UTC text)."""

    job_id: str
    run_time: str
    owner: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    heartbeat_at: datetime | None


@dataclass(frozen=True)
class JobRecord:
    """How a job was scheduled: its trigger's kind and value, timezone and anchor."""

    id: str
    name: str  # the job's signature: a change means a new schedule
    kind: str  # interval | cron | daily
    value: str  # seconds, a crontab, or HH:MM
    timezone: str
    anchor: datetime  # when this schedule was registered (an interval's start)
    grace: int | None


def lease_key(run_time: datetime) -> str:
    """The stored form of a scheduled time (ISO 8601 UTC, microseconds)."""
    return run_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_key(key: str) -> datetime:
    """A :func:`lease_key` back to aware UTC."""
    return parse_iso(key)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def new_owner() -> str:
    """``host:pid:tag`` of a scheduler in this process."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Leases:
    """Exactly-once claims of (job, scheduled time) across processes sharing a database."""

    def __init__(self, engine: Engine, owner: str | None = None) -> None:
        self.engine = engine
        self.owner = owner or new_owner()

    def _begin(self) -> AbstractContextManager[Connection]:
        """A write transaction (SQLite: taking the write lock at once)."""
        if self.engine.dialect.name == "sqlite":
            return self.engine.execution_options(sqlite_begin="IMMEDIATE").begin()
        return self.engine.begin()

    def _live(self, now: datetime) -> ColumnElement[bool]:
        """SQL: a running lease whose holder is still alive (fresh heartbeat)."""
        return and_(
            LEASES.c.status == "running",
            or_(
                LEASES.c.heartbeat_at >= liveness.expired_before(now),
                and_(LEASES.c.heartbeat_at.is_(None), LEASES.c.started_at > now - STALE_LEASE),
            ),
        )

    def claim(self, job_id: str, run_time: datetime, now: datetime) -> bool:
        """Acquire the lease of one firing; False if another scheduler has it or the job is busy."""
        key = lease_key(run_time)
        try:
            with self._begin() as conn:
                busy = conn.execute(
                    select(func.count()).select_from(LEASES).where(LEASES.c.job_id == job_id, self._live(now))
                ).scalar_one()
                conn.execute(
                    LEASES.insert().values(
                        job_id=job_id,
                        run_time=key,
                        owner=self.owner,
                        started_at=now,
                        heartbeat_at=now,
                        finished_at=now if busy else None,
                        status="skipped" if busy else "running",
                    )
                )
        except IntegrityError:
            return False  # someone else claimed this very run
        if busy:
            log.debug("job %s at %s skipped: another instance is still running", job_id, key)
        return not busy

    def beat(self, now: datetime) -> int:
        """Renew the heartbeat of every running lease this owner holds."""
        with self._begin() as conn:
            res = conn.execute(
                update(LEASES)
                .where(LEASES.c.owner == self.owner, LEASES.c.status == "running")
                .values(heartbeat_at=now)
            )
        return int(res.rowcount or 0)

    def take_over(self, now: datetime) -> list[tuple[str, datetime]]:
        """Claim the running leases whose scheduler died; return their (job id, run time).

        A lease is dead when its heartbeat expired, or when its owner ran on this host and
        that process is gone. The update is conditional on the old owner and heartbeat, so
        of several schedulers taking over at once exactly one wins each firing.
        """
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(LEASES.c.job_id, LEASES.c.run_time, LEASES.c.owner, LEASES.c.heartbeat_at).where(
                    LEASES.c.status == "running", LEASES.c.owner != self.owner
                )
            ).all()
        taken = []
        for r in rows:
            if r.heartbeat_at is None:
                continue  # an older schema's lease: STALE_LEASE lets the next firing run
            expired = _aware(r.heartbeat_at) < liveness.expired_before(now)
            if not expired and not liveness.lease_owner_gone(r.owner):
                continue
            same = [LEASES.c.job_id == r.job_id, LEASES.c.run_time == r.run_time, LEASES.c.owner == r.owner]
            with self._begin() as conn:
                res = conn.execute(
                    update(LEASES)
                    .where(*same, LEASES.c.status == "running", LEASES.c.heartbeat_at == r.heartbeat_at)
                    .values(owner=self.owner, heartbeat_at=now)
                )
            if res.rowcount == 1:
                log.warning(
                    "job %s at %s: its scheduler %s died; running that firing again", r.job_id, r.run_time, r.owner
                )
                taken.append((r.job_id, parse_key(r.run_time)))
        return taken

    def release(self, job_id: str, run_time: datetime, status: str, now: datetime) -> None:
        """Finish this owner's lease of one firing with ``status`` (done, failed, ...)."""
        with self._begin() as conn:
            conn.execute(
                update(LEASES)
                .where(
                    LEASES.c.job_id == job_id, LEASES.c.run_time == lease_key(run_time), LEASES.c.owner == self.owner
                )
                .values(status=status, finished_at=now)
            )

    def purge(self, before: datetime) -> int:
        """Delete finished leases started before ``before``; return how many."""
        with self._begin() as conn:
            res = conn.execute(delete(LEASES).where(LEASES.c.started_at < before, LEASES.c.status != "running"))
        return int(res.rowcount or 0)

    def history(self, job_id: str | None = None) -> list[LeaseRow]:
        """Every lease (of one job), oldest first."""
        q = select(LEASES).order_by(LEASES.c.started_at)
        if job_id is not None:
            q = q.where(LEASES.c.job_id == job_id)
        with self.engine.connect() as conn:
            return [
                LeaseRow(
                    job_id=r.job_id,
                    run_time=r.run_time,
                    owner=r.owner,
                    started_at=r.started_at,
                    finished_at=r.finished_at,
                    status=r.status,
                    heartbeat_at=r.heartbeat_at,
                )
                for r in conn.execute(q)
            ]

    def last_runs(self) -> dict[str, LeaseRow]:
        """The newest lease of every job (for ``monitor status``)."""
        return {row["job_id"]: row for row in self.history()}

    def last_firing(self, job_id: str) -> datetime | None:
        """The latest scheduled time any scheduler claimed (or skipped) for ``job_id``."""
        with self.engine.connect() as conn:
            key = conn.execute(select(func.max(LEASES.c.run_time)).where(LEASES.c.job_id == job_id)).scalar_one()
        return parse_key(key) if key else None


# ---------------------------------------------------------------- the job registry


def _record_json(rec: JobRecord) -> str:
    data = asdict(rec)
    data["anchor"] = lease_key(rec.anchor)
    return json.dumps(data, sort_keys=True)


def _record(raw: str) -> JobRecord | None:
    try:
        data = json.loads(raw)
        data["anchor"] = parse_key(data["anchor"])
        return JobRecord(**data)
    except (ValueError, TypeError, KeyError) as exc:
        log.warning("ignoring an unreadable registered job: %s", exc)
        return None


def registered_jobs(engine: Engine) -> dict[str, JobRecord]:
    """The registered jobs by id."""
    with engine.connect() as conn:
        rows = conn.execute(select(META_T.c.value).where(META_T.c.key.startswith(JOB_KEY, autoescape=True))).all()
    records = (_record(r.value) for r in rows)
    return {rec.id: rec for rec in records if rec is not None}


def register_job(engine: Engine, rec: JobRecord) -> None:
    """Record (or replace) one job's schedule."""
    key = JOB_KEY + rec.id
    try:
        with engine.begin() as conn:
            conn.execute(delete(META_T).where(META_T.c.key == key))
            conn.execute(META_T.insert().values(key=key, value=_record_json(rec)))
    except IntegrityError:  # another scheduler registered it at the same moment
        log.debug("job %s was registered by another scheduler meanwhile", rec.id)


def unregister_job(engine: Engine, job_id: str) -> None:
    """Forget a job that is no longer configured (its leases stay as history)."""
    with engine.begin() as conn:
        conn.execute(delete(META_T).where(META_T.c.key == JOB_KEY + job_id))


__all__ = [
    "STALE_LEASE",
    "JobRecord",
    "LeaseRow",
    "Leases",
    "lease_key",
    "new_owner",
    "parse_key",
    "register_job",
    "registered_jobs",
    "unregister_job",
]
