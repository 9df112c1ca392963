"""The monitor's jobs: what each does, and the job specs a config asks for.

- ``collect:<source>``: each enabled source on its own schedule (an interval runs at
  start-up and then every interval; a cron expression runs in ``digest.timezone``), then
  scoring of what is new, then the index refresh;
- ``digest``: every day at ``digest.time`` in ``digest.timezone`` (at most once a local day);
- ``retention``: nightly, old leases and expired raw mentions.

Job functions are referenced by text (``monitor._schedule:collect_job``) and resolved at
each firing, and read what they share from the :class:`Runtime` that ``monitor run``
installs; the runtime's dispatcher (:mod:`monitor._schedule.dispatch`) runs the work here
or enqueues it for workers.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from time import monotonic
from typing import TYPE_CHECKING

from monitor._logs import log_crash
from monitor._ports import Clock
from monitor._schedule.dispatch import Dispatcher, InProcess
from monitor._schedule.spec import make_trigger, parse_schedule
from monitor._store.leases import Leases
from monitor.errors import SchedulerError

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

    from monitor._api import MentionIndex
    from monitor._config import Config
    from monitor._pipeline import ClassifierFactory, CollectFn
    from monitor._pipeline.themes import EmbedderFactory
    from monitor._sentiment.adapted import WorkspaceModel
    from monitor._sentiment.classifier import Classifier

log = logging.getLogger(__name__)

JobResult = dict[str, object]
DIGEST_GRACE_S = 12 * 3600  # a late digest is better than none, but not the next day's
RETENTION_TIME = time(3, 17)
JOBS_MODULE = "monitor._schedule"


def system_clock() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass
class Runtime:
    """What the job functions share inside one scheduler process.

    ``idx`` is the process's index; each job hands every pipeline step the port it takes
    (:mod:`monitor._pipeline.ports`), and the store ports (:mod:`monitor._ports`) through
    ``idx.store``.
    """

    cfg: Config
    idx: MentionIndex
    stop: threading.Event = field(default_factory=threading.Event)
    clock: Clock = system_clock
    classifier_loader: ClassifierFactory | None = None
    collect_fn: CollectFn | None = None
    #: The themes step's embedder (default: the base encoder, unless ``classifier_loader`` is a stand-in).
    embedder_loader: EmbedderFactory | None = None
    #: Where each firing's work runs: here (embedded) or on Celery workers (distributed).
    dispatcher: Dispatcher = field(default_factory=InProcess)
    _classifier: Classifier | None = None
    _workspace_model: WorkspaceModel | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    score_lock: threading.Lock = field(default_factory=threading.Lock)

    def classifier(self) -> Classifier:
        """The model, loaded at the first scoring and kept, loaded again when the workspace
        adopts an adapted model or reverts (``monitor model adapt``)."""
        with self._lock:
            if self.classifier_loader is not None:
                if self._classifier is None:
                    self._classifier = self.classifier_loader()
                return self._classifier
            if self._workspace_model is None:
                from monitor._sentiment.adapted import WorkspaceModel

                self._workspace_model = WorkspaceModel(self.cfg.model)
            return self._workspace_model.get(self.idx.store)

    def embedder_factory(self) -> EmbedderFactory | None:
        """What the themes step embeds with: None when themes are off, or the model is a stand-in
        given without an embedder."""
        if not self.cfg.themes.enabled:
            return None
        if self.embedder_loader is not None:
            return self.embedder_loader
        if self.classifier_loader is not None:
            return None
        from monitor._pipeline.themes import shared_embedder

        return shared_embedder


_runtime: Runtime | None = None


def install_runtime(rt: Runtime | None) -> None:
    """Make ``rt`` what the job functions use (None: uninstall)."""
    global _runtime
    _runtime = rt


def _rt() -> Runtime:
    if _runtime is None:
        raise SchedulerError("monitor jobs run only inside `monitor run` (no runtime installed)")
    return _runtime


def _crashed(job: str, started: float, exc: Exception) -> JobResult:
    """A job's unexpected end: its one (ERROR) line, and the result the lease records as failed."""
    log_crash(job, exc, monotonic() - started)
    return {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}


def collect_job(source: str) -> JobResult:
    """Collect one source, score what is new, refresh the index (here, or on workers); one log line."""
    rt = _rt()
    started = monotonic()
    if rt.stop.is_set():
        return {"status": "interrupted"}
    try:
        return rt.dispatcher.collect(rt, source)
    except Exception as exc:
        return _crashed(f"collect:{source}", started, exc)


def digest_job() -> JobResult:
    """Write and deliver the digest that is due (skipped if already written), here or on a worker."""
    from monitor._pipeline import StepResult, digest_written, due_report_day
    from monitor._pipeline.outcome import log_step

    rt = _rt()
    started = monotonic()
    try:
        now = rt.clock()
        day = due_report_day(now, rt.cfg.digest, lambda d: digest_written(rt.idx.store, d))
        if day is None:
            log_step(
                StepResult("digest", status="skipped", counts={"reason": "the due digest is written already"}), "digest"
            )
            return {"status": "skipped", "reason": "already written"}
        return rt.dispatcher.digest(rt, day, now)
    except Exception as exc:
        return _crashed("digest", started, exc)


def retention_job() -> JobResult:
    """Drop old lease rows and expired raw mentions; log one line."""
    from monitor._pipeline import StepResult
    from monitor._pipeline.outcome import log_step

    rt = _rt()
    started = monotonic()
    try:
        now = rt.clock()
        keep = rt.cfg.retention
        store = rt.idx.store
        purged = Leases(store.engine).purge(now - timedelta(days=keep.run_days))
        removed = store.apply_retention(keep.mention_days, keep.run_days, now=now)
    except Exception as exc:
        return _crashed("retention", started, exc)
    step = StepResult("retention", counts={"leases": purged, **removed}, duration_s=monotonic() - started)
    log_step(step, "retention")
    return {"status": "ok", "leases": purged, "store": removed}


@dataclass(frozen=True)
class JobSpec:
    """One job as a config asks for it."""

    id: str
    func: str  # textual reference, resolved at each firing
    kind: str  # interval | cron | daily
    value: str  # seconds, a crontab, or HH:MM
    timezone: str
    kwargs: dict[str, str]
    signature: str  # the job's name; a change replaces the registered job
    grace: int | None

    @property
    def daily(self) -> bool:
        """Fires at most once per local day (the autumn DST hour repeats the time)."""
        return self.kind == "daily"

    def trigger(self, anchor: datetime) -> BaseTrigger:
        """The trigger, an interval counting from ``anchor``."""
        return make_trigger(self.kind, self.value, self.timezone, anchor)


def job_specs(cfg: Config, now: datetime | None = None) -> list[JobSpec]:
    """The jobs a config asks for; each one's trigger is built (at ``now``) to prove it works."""
    tz = cfg.digest.timezone
    specs = []
    for s in cfg.sources:
        if not s.enabled:
            continue
        kind, value = parse_schedule(s.schedule)
        grace = int(value) if kind == "interval" else 3600
        specs.append(
            JobSpec(
                f"collect:{s.name}",
                f"{JOBS_MODULE}:collect_job",
                kind,
                str(value),
                tz,
                {"source": s.name},
                f"collect {s.name} [{s.schedule}]",
                grace,
            )
        )
    t = cfg.digest.local_time
    specs.append(
        JobSpec(
            "digest",
            f"{JOBS_MODULE}:digest_job",
            "daily",
            f"{t.hour:02d}:{t.minute:02d}",
            tz,
            {},
            f"digest [{cfg.digest.time} {tz}]",
            DIGEST_GRACE_S,
        )
    )
    specs.append(
        JobSpec(
            "retention",
            f"{JOBS_MODULE}:retention_job",
            "daily",
            f"{RETENTION_TIME:%H:%M}",
            tz,
            {},
            f"retention [{RETENTION_TIME:%H:%M} {tz}]",
            24 * 3600,
        )
    )
    anchor = now or system_clock()
    for spec in specs:
        spec.trigger(anchor)
    return specs


__all__ = [
    "DIGEST_GRACE_S",
    "JobResult",
    "JobSpec",
    "Runtime",
    "collect_job",
    "digest_job",
    "install_runtime",
    "job_specs",
    "retention_job",
    "system_clock",
]
