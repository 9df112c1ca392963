"""Scheduling: ``monitor run`` on APScheduler 3's public API, exactly once across schedulers.

- :mod:`~monitor._schedule.spec`: schedule strings (``"30m"``, cron) → triggers; fire-time arithmetic;
- :mod:`~monitor._schedule.jobs`: the monitor's jobs and the job specs a config asks for;
- :mod:`~monitor._schedule.dispatch`: where a firing's work runs (here, or on workers);
- :mod:`~monitor._schedule.runner`: the scheduler (APScheduler + leased job wrappers);
- :mod:`~monitor._schedule.sync`: config → scheduled jobs, restart resume, next runs;
- :mod:`~monitor._schedule.service`: the ``monitor run`` process (signals).

The leases themselves (SQL) are in :mod:`monitor._store.leases`. Job functions are referenced
as ``monitor._schedule:<name>`` and resolved at each firing.
"""

from __future__ import annotations

from monitor._schedule.dispatch import Dispatcher, InProcess
from monitor._schedule.jobs import (
    JobSpec,
    Runtime,
    collect_job,
    digest_job,
    job_specs,
    retention_job,
    system_clock,
)
from monitor._schedule.runner import MonitorScheduler, make_scheduler
from monitor._schedule.service import run_scheduler
from monitor._schedule.spec import parse_schedule
from monitor._schedule.sync import StoredJob, stored_jobs, sync_jobs
from monitor._store.leases import LeaseRow, Leases

__all__ = [
    "Dispatcher",
    "InProcess",
    "JobSpec",
    "LeaseRow",
    "Leases",
    "MonitorScheduler",
    "Runtime",
    "StoredJob",
    "collect_job",
    "digest_job",
    "job_specs",
    "make_scheduler",
    "parse_schedule",
    "retention_job",
    "run_scheduler",
    "stored_jobs",
    "sync_jobs",
    "system_clock",
]
