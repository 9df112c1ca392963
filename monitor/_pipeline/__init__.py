"""One pass of the whole job: collect → score → refresh the index and alerts → digest when due.

``run_once`` is what ``monitor run --once`` (cron-friendly) and the demo call; the scheduler
calls the same steps (``collect_step``, ``score_step``, ``digest_step``) from its jobs. A
``stop`` event makes every step finish its current database write and return early, so a
SIGTERM never leaves a half-written run: each step's Run row ends ``ok``, ``partial``,
``failed`` or ``interrupted``.

Modules: :mod:`~monitor._pipeline.results` (what a step and a pass report),
:mod:`~monitor._pipeline.ports` (what the steps take), :mod:`~monitor._pipeline.due` (when
the digest is due), :mod:`~monitor._pipeline.steps` (the steps),
:mod:`~monitor._pipeline.aspects` (tagging mentions with aspects),
:mod:`~monitor._pipeline.outcome` (each step's and job's one log line) and
:mod:`~monitor._pipeline.once` (the whole pass).
"""

from __future__ import annotations

from monitor._pipeline.aspects import aspects_step
from monitor._pipeline.due import digest_written, due_report_day, latest_send, report_day
from monitor._pipeline.once import DigestMode, run_once
from monitor._pipeline.ports import AlertsIndex, ClassifierFactory, CollectFn, ScoreIndex
from monitor._pipeline.results import PipelineResult, StepResult
from monitor._pipeline.steps import collect_step, digest_step, refresh_step, score_step
from monitor.errors import Interrupted

__all__ = [
    "AlertsIndex",
    "ClassifierFactory",
    "CollectFn",
    "DigestMode",
    "Interrupted",
    "PipelineResult",
    "ScoreIndex",
    "StepResult",
    "aspects_step",
    "collect_step",
    "digest_step",
    "digest_written",
    "due_report_day",
    "latest_send",
    "refresh_step",
    "report_day",
    "run_once",
    "score_step",
]
