"""``monitor run``: the background scheduler (APScheduler 3.x).

Jobs (stored with :class:`SQLAlchemyJobStore` in the monitor's own database, so they
survive restarts):

- ``collect:<source>``: each source on its own schedule (``"30m"``/``"6h"`` interval or a
  5-field cron expression), then scoring of what is new, then the index refresh;
- ``digest``: every day at ``digest.time`` in ``digest.timezone`` (DST-aware cron trigger);
- ``retention``: once a day, old leases and (when the store offers it) raw mentions.

Every job coalesces missed runs into one, runs at most one instance at a time and has a
misfire grace time. Two schedulers on one database never run the same job twice: before a
job runs, its executor claims a *lease* row keyed by (job id, scheduled run time) in the
``scheduler_lease`` table; the unique key lets only one claimant win, and a claim is
refused while another process still holds a *live* unfinished lease on the same job.
A lease is live while its scheduler renews its heartbeat (every ``MONITOR_HEARTBEAT_S``
seconds while the job runs); when the heartbeat is older than the expiry
(``MONITOR_HEARTBEAT_EXPIRY_S``, 10 minutes), or the owner process on this host is gone,
another scheduler takes the lease over and re-runs that very firing.

Time is injectable: ``MonitorScheduler(clock=...)`` and :meth:`MonitorScheduler.tick`
let tests drive the scheduler through DST changes and outages without sleeping.
SIGTERM/SIGINT stop it cleanly: the running job finishes its current write and records
itself ``interrupted``; nothing is left half-written.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor as _Pool
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import partial
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from apscheduler.executors.base import BaseExecutor, MaxInstancesReachedError
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import STATE_PAUSED, STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from monitor import liveness
from monitor.config import Config, parse_schedule
from monitor.store.tables import LEASE_T as LEASES

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
JOBS_TABLE = "apscheduler_jobs"
STALE_LEASE = timedelta(hours=6)  # a lease without heartbeat (older schema) older than this is dead
DIGEST_GRACE_S = 12 * 3600  # a late digest is better than none, but not the next day's
RETENTION_TIME = time(3, 17)


def system_clock() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- leases


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class Leases:
    """Exactly-once claims of (job, scheduled time) across processes sharing a database."""

    def __init__(self, engine: Engine, owner: str | None = None) -> None:
        self.engine = engine
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    def _begin(self) -> Any:
        if self.engine.dialect.name == "sqlite":
            return self.engine.execution_options(sqlite_begin="IMMEDIATE").begin()
        return self.engine.begin()

    def _live(self, now: datetime) -> Any:
        """SQL: a running lease whose holder is still alive (fresh heartbeat)."""
        return and_(
            LEASES.c.status == "running",
            or_(
                LEASES.c.heartbeat_at >= liveness.expired_before(now),
                and_(LEASES.c.heartbeat_at.is_(None), LEASES.c.started_at > now - STALE_LEASE),
            ),
        )

    def claim(self, job_id: str, run_time: datetime, now: datetime) -> bool:
        key = _iso(run_time)
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
            log.info("job %s at %s skipped: another instance is still running", job_id, key)
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
                taken.append((r.job_id, datetime.fromisoformat(r.run_time.replace("Z", "+00:00"))))
        return taken

    def release(self, job_id: str, run_time: datetime, status: str, now: datetime) -> None:
        with self._begin() as conn:
            conn.execute(
                update(LEASES)
                .where(
                    and_(LEASES.c.job_id == job_id, LEASES.c.run_time == _iso(run_time), LEASES.c.owner == self.owner)
                )
                .values(status=status, finished_at=now)
            )

    def purge(self, before: datetime) -> int:
        with self._begin() as conn:
            res = conn.execute(delete(LEASES).where(LEASES.c.started_at < before, LEASES.c.status != "running"))
        return int(res.rowcount or 0)

    def history(self, job_id: str | None = None) -> list[dict[str, Any]]:
        q = select(LEASES).order_by(LEASES.c.started_at)
        if job_id is not None:
            q = q.where(LEASES.c.job_id == job_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def last_runs(self) -> dict[str, dict[str, Any]]:
        """The newest lease of every job (for ``monitor status``)."""
        out: dict[str, dict[str, Any]] = {}
        for row in self.history():
            out[row["job_id"]] = row
        return out


# ---------------------------------------------------------------- executor


class LeasedExecutor(BaseExecutor):
    """Runs a job only after claiming its lease; misfires judged by the scheduler's clock.

    ``inline=True`` runs jobs in the calling thread (deterministic tests); otherwise a
    thread pool runs them.
    """

    def __init__(
        self, leases: Leases, clock: Clock = system_clock, *, inline: bool = False, max_workers: int = 4
    ) -> None:
        super().__init__()
        self.leases = leases
        self.clock = clock
        self.inline = inline
        self._pool = None if inline else _Pool(max_workers=max_workers, thread_name_prefix="monitor-job")
        self._heartbeat = liveness.Heartbeat(self._beat)

    def _beat(self) -> None:
        self.leases.beat(self.clock())

    def submit_job(self, job: Any, run_times: list[datetime]) -> None:
        assert self._lock is not None, "executor not started"
        with self._lock:
            if self._instances[job.id] >= job.max_instances:
                raise MaxInstancesReachedError(job)
            self._instances[job.id] += 1
        if self._pool is None:
            self._finish(job, self._run(job, run_times))
        else:
            fut = self._pool.submit(self._run, job, run_times)
            fut.add_done_callback(lambda f: self._finish(job, f.result() if not f.exception() else []))

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:  # pragma: no cover
        raise NotImplementedError  # submit_job is overridden

    def _finish_future(self, job: Any, fut: Any) -> None:
        self._finish(job, [fut.result()] if not fut.exception() else [])

    def _finish(self, job: Any, events: list[Any]) -> None:
        self._run_job_success(job.id, events)

    def _run(self, job: Any, run_times: list[datetime]) -> list[Any]:
        events: list[Any] = []
        for run_time in run_times:
            now = self.clock()
            if job.misfire_grace_time is not None and now - run_time > timedelta(seconds=job.misfire_grace_time):
                log.warning("job %s missed its %s run by %s", job.id, run_time.isoformat(), now - run_time)
                events.append(JobExecutionEvent(EVENT_JOB_MISSED, job.id, job._jobstore_alias, run_time))
                continue
            if not self.leases.claim(job.id, run_time, now):
                log.info("job %s at %s: taken by another scheduler", job.id, run_time.isoformat())
                continue
            events.append(self._execute(job, run_time))
        return events

    def _execute(self, job: Any, run_time: datetime) -> Any:
        """Run a job whose lease this owner holds, renewing the lease while it runs."""
        alias = job._jobstore_alias
        self._heartbeat.acquire()
        try:
            retval = job.func(*job.args, **job.kwargs)
        except BaseException as exc:
            self.leases.release(job.id, run_time, "failed", self.clock())
            log.exception("job %s failed", job.id)
            if not isinstance(exc, Exception):
                raise
            return JobExecutionEvent(EVENT_JOB_ERROR, job.id, alias, run_time, exception=exc, traceback=None)
        finally:
            self._heartbeat.release()
        interrupted = isinstance(retval, dict) and retval.get("status") == "interrupted"
        self.leases.release(job.id, run_time, "interrupted" if interrupted else "done", self.clock())
        return JobExecutionEvent(EVENT_JOB_EXECUTED, job.id, alias, run_time, retval=retval)

    def recover(self, sched: BlockingScheduler) -> int:
        """Take over and re-run the firings whose scheduler died; return how many."""
        n = 0
        for job_id, run_time in self.leases.take_over(self.clock()):
            job = sched.get_job(job_id)
            if job is None:
                self.leases.release(job_id, run_time, "abandoned", self.clock())
                continue
            assert self._lock is not None, "executor not started"
            with self._lock:
                self._instances[job.id] += 1
            n += 1
            if self._pool is None:
                self._finish(job, [self._execute(job, run_time)])
            else:
                fut = self._pool.submit(self._execute, job, run_time)
                fut.add_done_callback(partial(self._finish_future, job))
        return n

    def shutdown(self, wait: bool = True) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait)


# ---------------------------------------------------------------- scheduler


class MonitorScheduler(BlockingScheduler):
    """A BlockingScheduler whose notion of *now* comes from an injectable clock."""

    _event: Any

    def __init__(self, *, clock: Clock = system_clock, **options: Any) -> None:
        self.clock = clock
        super().__init__(**options)

    def _process_jobs(self) -> float | None:
        if self.state == STATE_PAUSED:
            return None
        wait = self.tick()
        # Wake up at least every heartbeat to take over the firings of dead schedulers.
        return liveness.HEARTBEAT_S if wait is None else min(wait, liveness.HEARTBEAT_S)

    def open(self) -> None:
        """Start executors and job stores without processing jobs (paused)."""
        from threading import Event

        from apscheduler.schedulers.base import BaseScheduler

        if self._event is None or self._event.is_set():
            self._event = Event()
        BaseScheduler.start(self, paused=True)

    def serve(self) -> None:
        """Process jobs until :meth:`shutdown` (blocks; returns at once if already shut down)."""
        from apscheduler.schedulers import SchedulerNotRunningError

        try:
            self.resume()
        except SchedulerNotRunningError:  # a signal arrived before the loop started
            return
        self._main_loop()

    def tick(self, now: datetime | None = None) -> float | None:
        """Run what is due at ``now`` (default: the clock); return seconds to the next wakeup.

        Called by the main loop; tests call it directly (also while paused after :meth:`open`).
        """
        now = _aware(now or self.clock()).astimezone(self.timezone)
        for executor in self._executors.values():
            if isinstance(executor, LeasedExecutor):
                try:
                    executor.recover(self)
                except Exception:
                    log.exception("cannot take over the leases of a dead scheduler")
        next_wakeup: datetime | None = None
        events: list[Any] = []
        with self._jobstores_lock:
            for alias, store in self._jobstores.items():
                try:
                    due = store.get_due_jobs(now)
                except Exception as exc:
                    log.warning("cannot read due jobs from job store %r: %s", alias, exc)
                    retry = now + timedelta(seconds=self.jobstore_retry_interval)
                    next_wakeup = retry if next_wakeup is None else min(next_wakeup, retry)
                    continue
                for job in due:
                    executor = self._lookup_executor(job.executor)
                    run_times = job._get_run_times(now)
                    run_times = run_times[-1:] if run_times and job.coalesce else run_times
                    if not run_times:
                        continue
                    try:
                        executor.submit_job(job, run_times)
                    except MaxInstancesReachedError:
                        log.warning("job %s skipped: still running", job.id)
                        events.append(JobSubmissionEvent(EVENT_JOB_MAX_INSTANCES, job.id, alias, run_times))
                    except Exception:
                        log.exception("cannot submit job %s", job.id)
                    else:
                        events.append(JobSubmissionEvent(EVENT_JOB_SUBMITTED, job.id, alias, run_times))
                    following = job.trigger.get_next_fire_time(run_times[-1], now)
                    if following:
                        job._modify(next_run_time=following)
                        store.update_job(job)
                    else:
                        self.remove_job(job.id, alias)
                store_next = store.get_next_run_time()
                if store_next and (next_wakeup is None or store_next < next_wakeup):
                    next_wakeup = store_next.astimezone(self.timezone)
        for event in events:
            self._dispatch_event(event)
        if self.state == STATE_STOPPED or next_wakeup is None:
            return None
        return min(max(next_wakeup.timestamp() - _aware(self.clock()).timestamp(), 0.0), 24 * 3600.0)


# ---------------------------------------------------------------- the monitor's jobs


class DailyCronTrigger(CronTrigger):
    """A once-a-day local-time trigger that fires once even when DST repeats that time.

    On the autumn change a local time like 02:30 happens twice; plain cron fires at both.
    (On the spring change a time that does not exist fires at the first valid instant.)
    """

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        nxt = super().get_next_fire_time(previous_fire_time, now)
        if previous_fire_time is None:
            return nxt
        last_day = previous_fire_time.astimezone(self.timezone).date()
        while nxt is not None and nxt.astimezone(self.timezone).date() == last_day:
            nxt = super().get_next_fire_time(nxt, nxt)
        return nxt


@dataclass
class Runtime:
    """What the job functions share inside one scheduler process."""

    cfg: Config
    idx: Any
    stop: threading.Event = field(default_factory=threading.Event)
    clock: Clock = system_clock
    classifier_loader: Callable[[], Any] | None = None
    collect_fn: Callable[..., Any] | None = None
    _classifier: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    score_lock: threading.Lock = field(default_factory=threading.Lock)

    def classifier(self) -> Any:
        with self._lock:
            if self._classifier is None:
                if self.classifier_loader is not None:
                    self._classifier = self.classifier_loader()
                else:
                    from monitor.sentiment import load_classifier

                    self._classifier = load_classifier(self.cfg.model)
            return self._classifier


_runtime: Runtime | None = None


def _rt() -> Runtime:
    if _runtime is None:
        raise RuntimeError("monitor jobs run only inside `monitor run` (no runtime installed)")
    return _runtime


def collect_job(source: str) -> dict[str, Any]:
    """Collect one source, score what is new, refresh the index."""
    from monitor.pipeline import Interrupted, collect_step, score_step

    rt = _rt()
    if rt.stop.is_set():
        return {"status": "interrupted"}
    try:
        c = collect_step(rt.idx, rt.cfg, source=source, stop=rt.stop, collect_fn=rt.collect_fn)
        if c.status == "interrupted" or rt.stop.is_set():
            return {"status": "interrupted", **c.counts}
        # One scorer (and snapshot refresh) at a time: a job that waits finds what the
        # other left, usually nothing.
        with rt.score_lock:
            s = score_step(rt.idx, rt.cfg, rt.classifier, stop=rt.stop)
            rt.idx.refresh()
    except Interrupted:
        return {"status": "interrupted"}
    return {"collect": c.status, "score": s.status, **c.counts}


def digest_job() -> dict[str, Any]:
    """Write and deliver the digest that is due (skipped if already written)."""
    from monitor.pipeline import digest_step, digest_written, due_report_day

    rt = _rt()
    now = rt.clock()
    day = due_report_day(now, rt.cfg.digest, lambda d: digest_written(rt.idx, d))
    if day is None:
        return {"status": "skipped", "reason": "already written"}
    step, _report = digest_step(rt.idx, rt.cfg, day, now=now)
    return {"status": step.status, "day": day.isoformat()}


def retention_job() -> dict[str, Any]:
    """Drop old lease rows and, where the store supports it, expired raw mentions."""
    rt = _rt()
    now = rt.clock()
    out: dict[str, Any] = {"leases": Leases(rt.idx.engine).purge(now - timedelta(days=rt.cfg.retention.run_days))}
    apply = getattr(rt.idx, "apply_retention", None)
    if callable(apply):
        out["store"] = apply(now=now)
    else:
        log.info("retention: this store keeps raw mentions (no apply_retention)")
    return out


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str
    trigger: BaseTrigger
    kwargs: dict[str, Any]
    signature: str  # the job's name; a change replaces the stored job
    grace: int | None


def job_specs(cfg: Config, now: datetime | None = None) -> list[JobSpec]:
    """The jobs a config asks for; interval jobs first run at ``now`` (then every interval)."""
    now = _aware(now or system_clock())
    specs = []
    for s in cfg.sources:
        if not s.enabled:
            continue
        kind, value = parse_schedule(s.schedule)
        trigger: BaseTrigger
        if kind == "interval":
            assert isinstance(value, int)
            trigger = IntervalTrigger(seconds=value, start_date=now, timezone=cfg.digest.timezone)
            grace = value
        else:
            assert isinstance(value, str)
            trigger = CronTrigger.from_crontab(value, timezone=cfg.digest.timezone)
            grace = 3600
        specs.append(
            JobSpec(
                f"collect:{s.name}",
                "monitor.scheduler:collect_job",
                trigger,
                {"source": s.name},
                f"collect {s.name} [{s.schedule}]",
                grace,
            )
        )
    t = cfg.digest.local_time
    specs.append(
        JobSpec(
            "digest",
            "monitor.scheduler:digest_job",
            DailyCronTrigger(hour=t.hour, minute=t.minute, timezone=cfg.digest.timezone),
            {},
            f"digest [{cfg.digest.time} {cfg.digest.timezone}]",
            DIGEST_GRACE_S,
        )
    )
    specs.append(
        JobSpec(
            "retention",
            "monitor.scheduler:retention_job",
            DailyCronTrigger(hour=RETENTION_TIME.hour, minute=RETENTION_TIME.minute, timezone=cfg.digest.timezone),
            {},
            f"retention [{RETENTION_TIME:%H:%M} {cfg.digest.timezone}]",
            24 * 3600,
        )
    )
    return specs


def make_scheduler(
    engine: Engine,
    *,
    clock: Clock = system_clock,
    inline: bool = False,
    owner: str | None = None,
    timezone_name: str = "UTC",
) -> MonitorScheduler:
    """A scheduler storing its jobs in ``engine``'s database, with the lease executor."""
    leases = Leases(engine, owner)
    sched = MonitorScheduler(
        clock=clock,
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
        executors={"default": LeasedExecutor(leases, clock, inline=inline)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=timezone_name,
    )
    return sched


def sync_jobs(sched: MonitorScheduler, cfg: Config, *, now: datetime | None = None) -> dict[str, str]:
    """Make the stored jobs match the config.

    A stored job whose schedule is unchanged is kept as it is, so its persisted next run
    time (possibly during an outage) resumes: it runs once, coalesced, if within its
    grace time. Changed jobs are replaced; jobs no longer configured are removed.
    Returns ``{job id: "kept"|"added"|"replaced"|"removed"}``.
    """
    now = _aware(now or sched.clock())
    wanted = {spec.id: spec for spec in job_specs(cfg, now)}
    existing = {job.id: job for job in sched.get_jobs()}
    actions: dict[str, str] = {}
    for job_id in existing:
        if job_id not in wanted:
            sched.remove_job(job_id)
            actions[job_id] = "removed"
    for spec in wanted.values():
        old = existing.get(spec.id)
        if old is not None and old.name == spec.signature:
            actions[spec.id] = "kept"
            continue
        sched.add_job(
            spec.func,
            trigger=spec.trigger,
            id=spec.id,
            name=spec.signature,
            kwargs=spec.kwargs,
            replace_existing=True,
            misfire_grace_time=spec.grace,
            coalesce=True,
            max_instances=1,
            next_run_time=spec.trigger.get_next_fire_time(None, now),
        )
        actions[spec.id] = "replaced" if old is not None else "added"
    return actions


def stored_jobs(engine: Engine) -> list[dict[str, Any]]:
    """The persisted jobs with their next run times (no scheduler needs to be running)."""
    store = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    store.start(None, "default")
    try:
        jobs = store.get_all_jobs()
    except Exception as exc:  # a job whose function no longer imports
        log.warning("cannot read stored jobs: %s", exc)
        return []
    return [{"id": j.id, "name": j.name, "next_run_time": j.next_run_time, "trigger": str(j.trigger)} for j in jobs]


def run_scheduler(
    cfg: Config,
    *,
    idx: Any = None,
    clock: Clock = system_clock,
    install_signals: bool = True,
    classifier_loader: Callable[[], Any] | None = None,
    collect_fn: Callable[..., Any] | None = None,
    ready: Callable[[MonitorScheduler], None] | None = None,
) -> str | None:
    """Run until SIGTERM/SIGINT (or ``shutdown()``); the current job ends cleanly.

    Returns the name of the signal that stopped it (None when stopped otherwise).
    """
    global _runtime
    from monitor.api import MentionIndex

    own = idx is None
    idx = idx if idx is not None else MentionIndex.open(cfg)
    rt = Runtime(cfg=cfg, idx=idx, clock=clock, classifier_loader=classifier_loader, collect_fn=collect_fn)
    _runtime = rt
    sched = make_scheduler(idx.engine, clock=clock, timezone_name=cfg.digest.timezone)
    sched.open()  # job stores ready; nothing runs before the jobs are synced
    actions = sync_jobs(sched, cfg)
    for job_id, action in sorted(actions.items()):
        log.info("job %s: %s", job_id, action)

    signals_seen = 0
    first_signal: str | None = None

    def on_signal(signum: int, _frame: Any) -> None:
        nonlocal signals_seen, first_signal
        signals_seen += 1
        first_signal = first_signal or signal.Signals(signum).name
        if signals_seen > 1:
            log.error("second %s: exiting now", signal.Signals(signum).name)
            os._exit(128 + signum)
        log.warning("%s: finishing the current write, then stopping", signal.Signals(signum).name)
        rt.stop.set()
        threading.Thread(target=_shutdown, args=(sched,), daemon=True).start()

    previous: dict[int, Any] = {}
    if install_signals and threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        if ready is not None:
            ready(sched)
        sched.serve()
    finally:
        rt.stop.set()
        executor = sched._lookup_executor("default")
        executor.shutdown(wait=True)  # let the running job record itself
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _runtime = None
        if own:
            idx.close()
    return first_signal


def _shutdown(sched: MonitorScheduler) -> None:
    try:
        sched.shutdown(wait=False)
    except Exception:  # already stopped
        log.debug("scheduler already stopped")


def jobstore_of(sched: MonitorScheduler) -> BaseJobStore:
    return sched._lookup_jobstore("default")


__all__ = [
    "LEASES",
    "JobSpec",
    "LeasedExecutor",
    "Leases",
    "MonitorScheduler",
    "Runtime",
    "collect_job",
    "digest_job",
    "job_specs",
    "make_scheduler",
    "retention_job",
    "run_scheduler",
    "stored_jobs",
    "sync_jobs",
    "system_clock",
]
