"""The scheduler: APScheduler 3's ``BackgroundScheduler`` through its public API, plus leases.

Jobs live in APScheduler's default in-memory job store; they are rebuilt from the config at
every start (:func:`monitor._schedule.sync.sync_jobs`). APScheduler fires them
(``coalesce``, ``misfire_grace_time``, ``max_instances``, local-time cron triggers); each
job's function is a :class:`LeasedJob` that first works out which firing it runs for, then
claims that firing's lease in the database, so that of several schedulers on one database
exactly one runs it. While a job runs, its lease's heartbeat is renewed; every
``MONITOR_HEARTBEAT_S`` seconds the scheduler takes over (and re-runs) the firings of
schedulers that died.

:meth:`MonitorScheduler.tick` drives the same jobs, triggers, wrappers and leases
synchronously from an injectable clock (tests step through DST changes and outages
without sleeping); :meth:`MonitorScheduler.serve` hands the timing to APScheduler.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from apscheduler.events import (
    EVENT_ALL,
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
    SchedulerEvent,
)
from apscheduler.executors.debug import DebugExecutor
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.util import ref_to_obj

from monitor import _liveness as liveness
from monitor._logs import log_not_run
from monitor._ports import Clock
from monitor._schedule.jobs import system_clock
from monitor._schedule.spec import due_times, following, latest_due, next_fire, same_local_day
from monitor._stamps import iso_stamp
from monitor._store import Engine
from monitor._store.leases import Leases

log = logging.getLogger(__name__)

Listener = Callable[[SchedulerEvent], None]
JOBSTORE = "default"


@dataclass(frozen=True)
class Fired:
    """What a job wrapper returns when it ran a firing (its lease was this scheduler's)."""

    job_id: str
    run_time: datetime
    value: object


@dataclass(frozen=True)
class NotRun:
    """What a job wrapper returns when it did not run: another scheduler had the firing, ..."""

    job_id: str
    reason: str


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class LeasedJob:
    """A job's function as APScheduler sees it: find the firing, claim its lease, run, release."""

    def __init__(
        self,
        sched: MonitorScheduler,
        job_id: str,
        func: str | Callable[..., object],
        args: Sequence[object],
        kwargs: dict[str, object],
        trigger: BaseTrigger,
        first: datetime | None,
        *,
        daily: bool = False,
    ) -> None:
        self.sched = sched
        self.job_id = job_id
        self.func = func
        self.args = tuple(args)
        self.kwargs = dict(kwargs)
        self.trigger = trigger
        self.daily = daily
        self._next = first  # the first firing no run was attributed to yet
        self._lock = threading.Lock()

    def __call__(self) -> Fired | NotRun:
        """Called by APScheduler at a fire time: run the latest firing due now (coalesced)."""
        now = _aware(self.sched.clock())
        with self._lock:
            run_time = latest_due(self.trigger, self._next, now) if self._next is not None else None
            if run_time is None:
                return NotRun(self.job_id, "no firing due")
            self._next = following(self.trigger, run_time)
        return self.fire(run_time)

    def attributed(self, run_time: datetime) -> None:
        """A driver (``tick``) chose ``run_time``: later calls start after it."""
        with self._lock:
            self._next = following(self.trigger, run_time)

    def fire(self, run_time: datetime, claimed: bool = False) -> Fired | NotRun:
        """Run the firing at ``run_time`` once across schedulers (``claimed``: its lease is ours)."""
        leases, now = self.sched.leases, self.sched.clock()
        if not claimed:
            if self.daily:
                last = leases.last_firing(self.job_id)
                if (
                    last is not None
                    and last < run_time.astimezone(UTC)
                    and same_local_day(last, run_time, self.sched.timezone)
                ):
                    why = "already fired that local day (the clock went back)"
                    log_not_run(self.job_id, iso_stamp(run_time, self.sched.timezone), why)
                    return NotRun(self.job_id, "already fired that local day")
            if not leases.claim(self.job_id, run_time, now):
                # INFO, not DEBUG: on this scheduler it is that firing's one outcome line.
                why = "another scheduler holds its lease, or the job's previous run is still going"
                log_not_run(self.job_id, iso_stamp(run_time, self.sched.timezone), why)
                return NotRun(self.job_id, "taken by another scheduler")
        return Fired(self.job_id, run_time, self.sched.run_leased(self.job_id, run_time, self.call))

    def call(self) -> object:
        func = ref_to_obj(self.func) if isinstance(self.func, str) else self.func
        return func(*self.args, **self.kwargs)


class MonitorScheduler:
    """APScheduler's ``BackgroundScheduler`` with leased jobs and an injectable clock."""

    def __init__(
        self,
        leases: Leases,
        *,
        clock: Clock = system_clock,
        inline: bool = False,
        timezone_name: str = "UTC",
        max_workers: int = 4,
    ) -> None:
        self.leases = leases
        self.clock = clock
        self.inline = inline
        executor = DebugExecutor() if inline else ThreadPoolExecutor(max_workers)
        self._aps = BackgroundScheduler(
            executors={"default": executor},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=timezone_name,
        )
        self.timezone: tzinfo = self._aps.timezone
        self._wrappers: dict[str, LeasedJob] = {}
        self._listeners: list[tuple[Listener, int]] = []
        self._stopped = threading.Event()
        self._heartbeat = liveness.Heartbeat(self._beat)
        self._aps.add_listener(self._forward, EVENT_ALL)

    # ------------------------------------------------------------ lifecycle

    def open(self) -> None:
        """Start paused: jobs can be added; nothing fires before :meth:`serve` (or :meth:`tick`)."""
        self._aps.start(paused=True)

    def serve(self) -> None:
        """Let APScheduler fire the jobs until :meth:`stop`/:meth:`shutdown` (blocks).

        Returns at once if already stopped (a signal arrived before the loop started).
        """
        if self._stopped.is_set():
            return
        try:
            self._aps.resume()
        except SchedulerNotRunningError:
            return
        while True:
            self._recover_safely(self.clock())
            if self._stopped.wait(liveness.HEARTBEAT_S):
                return

    def stop(self) -> None:
        """Make :meth:`serve` return (the caller then shuts down)."""
        self._stopped.set()

    def shutdown(self, wait: bool = True) -> None:
        """Stop firing; with ``wait``, let the running jobs finish and record themselves."""
        self._stopped.set()
        try:
            self._aps.shutdown(wait=wait)
        except SchedulerNotRunningError:
            log.debug("scheduler already stopped")

    # ------------------------------------------------------------ jobs

    def add_job(
        self,
        func: str | Callable[..., object],
        trigger: BaseTrigger,
        *,
        id: str,
        name: str | None = None,
        args: Sequence[object] = (),
        kwargs: dict[str, object] | None = None,
        replace_existing: bool = False,
        coalesce: bool = True,
        max_instances: int = 1,
        misfire_grace_time: int | None = 3600,
        next_run_time: datetime | None = None,
        daily: bool = False,
    ) -> Job:
        """Schedule ``func`` (a callable or ``"module:name"``) under a lease, from ``next_run_time``."""
        first = next_run_time
        if first is None:
            first = next_fire(trigger, None, _aware(self.clock()))
        wrapper = LeasedJob(self, id, func, args, kwargs or {}, trigger, first, daily=daily)
        self._wrappers[id] = wrapper
        return self._aps.add_job(
            wrapper,
            trigger=trigger,
            id=id,
            name=name or id,
            replace_existing=replace_existing,
            coalesce=coalesce,
            max_instances=max_instances,
            misfire_grace_time=misfire_grace_time,
            next_run_time=first,
        )

    def remove_job(self, job_id: str) -> None:
        self._aps.remove_job(job_id)
        self._wrappers.pop(job_id, None)

    def get_job(self, job_id: str) -> Job | None:
        return self._aps.get_job(job_id)

    def get_jobs(self) -> list[Job]:
        return list(self._aps.get_jobs())

    def add_listener(self, callback: Listener, mask: int = EVENT_ALL) -> None:
        """Call ``callback`` with the events in ``mask`` (EXECUTED only for firings this scheduler ran)."""
        self._listeners.append((callback, mask))

    # ------------------------------------------------------------ running

    def run_leased(self, job_id: str, run_time: datetime, call: Callable[[], object]) -> object:
        """Run a job whose lease this scheduler holds, renewing the lease while it runs."""
        self._heartbeat.acquire()
        try:
            value = call()
        except BaseException:
            self.leases.release(job_id, run_time, "failed", self.clock())
            raise
        finally:
            self._heartbeat.release()
        said = value.get("status") if isinstance(value, dict) else None
        status = {"interrupted": "interrupted", "failed": "failed"}.get(str(said), "done")
        self.leases.release(job_id, run_time, status, self.clock())
        return value

    def tick(self, now: datetime | None = None) -> float | None:
        """Run what is due at ``now`` (default: the clock) here and now; return seconds to the next wakeup.

        The same coalescing and misfire grace as APScheduler's own loop, on the jobs'
        public attributes; tests call it (after :meth:`open`) to step the clock.
        """
        now = _aware(now or self.clock()).astimezone(UTC)  # instants compare in UTC (DST folds)
        self._recover_safely(now)
        for job in self.get_jobs():
            wrapper = self._wrappers.get(job.id)
            if job.next_run_time is None or wrapper is None:
                continue
            run_times = due_times(job.trigger, job.next_run_time, now)
            if not run_times:
                continue
            for run_time in run_times[-1:] if job.coalesce else run_times:
                grace = job.misfire_grace_time
                if grace is not None and now - run_time > timedelta(seconds=grace):
                    why = f"missed by {now - run_time} (more than its grace time)"
                    log_not_run(job.id, iso_stamp(run_time, self.timezone), why, status="missed")
                    self._dispatch(JobExecutionEvent(EVENT_JOB_MISSED, job.id, JOBSTORE, run_time))
                    continue
                wrapper.attributed(run_time)
                self._run_here(wrapper, run_time)
            nxt = next_fire(job.trigger, run_times[-1], now)
            if nxt is None:
                self.remove_job(job.id)
            else:
                self._aps.modify_job(job.id, next_run_time=nxt)
        if self._stopped.is_set():
            return None
        pending = [j.next_run_time.timestamp() for j in self.get_jobs() if isinstance(j.next_run_time, datetime)]
        if not pending:
            return None
        wait: float = min(pending) - _aware(self.clock()).timestamp()
        return min(max(wait, 0.0), 24 * 3600.0)

    def _run_here(self, wrapper: LeasedJob, run_time: datetime, claimed: bool = False) -> None:
        try:
            result = wrapper.fire(run_time, claimed)
        except Exception as exc:
            log.exception("job %s failed", wrapper.job_id)
            self._dispatch(JobExecutionEvent(EVENT_JOB_ERROR, wrapper.job_id, JOBSTORE, run_time, exception=exc))
            return
        if isinstance(result, Fired):
            self._dispatch(
                JobExecutionEvent(EVENT_JOB_EXECUTED, result.job_id, JOBSTORE, result.run_time, retval=result.value)
            )

    def recover(self, now: datetime) -> int:
        """Take over and re-run the firings whose scheduler died; return how many."""
        n = 0
        for job_id, run_time in self.leases.take_over(now):
            wrapper = self._wrappers.get(job_id)
            if wrapper is None:
                self.leases.release(job_id, run_time, "abandoned", self.clock())
                continue
            n += 1
            if self.inline:
                self._run_here(wrapper, run_time, claimed=True)
            else:  # a one-off job, now, in APScheduler's pool
                self._aps.add_job(
                    wrapper.fire,
                    args=(run_time, True),
                    id=f"{job_id}@{run_time.isoformat()}",
                    name=f"{job_id} (taken over)",
                    misfire_grace_time=None,
                )
        return n

    def _recover_safely(self, now: datetime) -> None:
        try:
            self.recover(_aware(now))
        except Exception:
            log.exception("cannot take over the leases of a dead scheduler")

    def _beat(self) -> None:
        self.leases.beat(self.clock())

    # ------------------------------------------------------------ events

    def _forward(self, event: SchedulerEvent) -> None:
        """APScheduler's events to our listeners; a wrapper's result names the firing it ran."""
        if isinstance(event, JobExecutionEvent) and event.code == EVENT_JOB_EXECUTED:
            result = event.retval
            if isinstance(result, NotRun):
                return
            if isinstance(result, Fired):
                event = JobExecutionEvent(
                    EVENT_JOB_EXECUTED, result.job_id, event.jobstore, result.run_time, retval=result.value
                )
        self._dispatch(event)

    def _dispatch(self, event: SchedulerEvent) -> None:
        for callback, mask in list(self._listeners):
            if event.code & mask:
                try:
                    callback(event)
                except Exception:
                    log.exception("scheduler listener %r failed", callback)


def make_scheduler(
    engine: Engine,
    *,
    clock: Clock = system_clock,
    inline: bool = False,
    owner: str | None = None,
    timezone_name: str = "UTC",
) -> MonitorScheduler:
    """A scheduler whose jobs claim their firings in ``engine``'s database."""
    return MonitorScheduler(Leases(engine, owner), clock=clock, inline=inline, timezone_name=timezone_name)


__all__ = ["Fired", "LeasedJob", "MonitorScheduler", "NotRun", "make_scheduler"]
