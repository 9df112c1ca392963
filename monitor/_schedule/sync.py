"""The jobs a config asks for, made real in a scheduler; next runs without a scheduler.

Each job is registered in the database (:mod:`monitor._store.leases`: its signature, trigger
and anchor, as JSON). A restart with an unchanged schedule keeps the registration, so the
job resumes where the leases say it last fired: a firing missed while no scheduler ran is
run once (coalesced) at start if within its misfire grace time. A changed schedule
replaces the job; a job no longer configured is removed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, TypedDict

from monitor._schedule.jobs import job_specs, system_clock
from monitor._schedule.runner import MonitorScheduler
from monitor._schedule.spec import latest_due, make_trigger, next_fire, resume_from
from monitor._store import Engine
from monitor._store.leases import JobRecord, Leases, register_job, registered_jobs, unregister_job

if TYPE_CHECKING:
    from monitor._config import Config

log = logging.getLogger(__name__)

Action = Literal["kept", "added", "replaced", "removed"]


class StoredJob(TypedDict):
    """A registered job and its next run, as ``monitor status`` shows it."""

    id: str
    name: str
    next_run_time: datetime | None
    trigger: str


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def sync_jobs(sched: MonitorScheduler, cfg: Config, *, now: datetime | None = None) -> dict[str, Action]:
    """Make the scheduler's (and the database's) jobs match the config.

    Returns ``{job id: "kept"|"added"|"replaced"|"removed"}``.
    """
    now = _aware(now or sched.clock())
    engine = sched.leases.engine
    wanted = {spec.id: spec for spec in job_specs(cfg, now)}
    registered = registered_jobs(engine)
    live = {job.id for job in sched.get_jobs()}
    actions: dict[str, Action] = {}
    for job_id in sorted(set(registered) | live):
        if job_id not in wanted:
            if job_id in live:
                sched.remove_job(job_id)
            unregister_job(engine, job_id)
            actions[job_id] = "removed"
    for spec in wanted.values():
        rec = registered.get(spec.id)
        kept = rec is not None and rec.name == spec.signature
        if kept and spec.id in live:
            actions[spec.id] = "kept"
            continue
        if rec is None or not kept:
            rec = JobRecord(spec.id, spec.signature, spec.kind, spec.value, spec.timezone, now, spec.grace)
            register_job(engine, rec)
        trigger = spec.trigger(rec.anchor)
        last = sched.leases.last_firing(spec.id) if kept else None
        sched.add_job(
            spec.func,
            trigger,
            id=spec.id,
            name=spec.signature,
            kwargs=dict(spec.kwargs),
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=spec.grace,
            next_run_time=resume_from(trigger, rec.anchor, last),
            daily=spec.daily,
        )
        actions[spec.id] = "kept" if kept else ("replaced" if spec.id in registered or spec.id in live else "added")
    return actions


def stored_jobs(engine: Engine, now: datetime | None = None) -> list[StoredJob]:
    """The registered jobs with their next run times (no scheduler needs to be running).

    A missed firing still within its grace time shows as due (in the past): the next
    scheduler runs it at start. Older misses are skipped to the next firing.
    """
    now = _aware(now or system_clock())
    leases = Leases(engine)
    out: list[StoredJob] = []
    for rec in sorted(registered_jobs(engine).values(), key=lambda r: r.id):
        try:
            trigger = make_trigger(rec.kind, rec.value, rec.timezone, rec.anchor)
        except (ValueError, LookupError) as exc:
            log.warning("job %s: unreadable schedule %r: %s", rec.id, rec.value, exc)
            continue
        nxt = resume_from(trigger, rec.anchor, leases.last_firing(rec.id))
        if nxt is not None and nxt < now:
            latest = latest_due(trigger, nxt, now)
            if latest is not None and rec.grace is not None and (now - latest).total_seconds() > rec.grace:
                nxt = next_fire(trigger, None, now)
        out.append(StoredJob(id=rec.id, name=rec.name, next_run_time=nxt, trigger=str(trigger)))
    return out


__all__ = ["Action", "StoredJob", "stored_jobs", "sync_jobs"]
