"""One pass of the whole job: collect → score → refresh the index and alerts → digest when due.

``run_once`` is what ``monitor run --once`` (cron-friendly) and the demo call; the scheduler
calls the same steps (``collect_step``, ``score_step``, ``digest_step``) from its jobs. A
``stop`` event makes every step finish its current database write and return early, so a
SIGTERM never leaves a half-written run: each step's Run row ends ``ok``, ``partial``,
``failed`` or ``interrupted``.

Modules: :mod:`~monitor.pipeline.results` (what a step and a pass report),
:mod:`~monitor.pipeline.ports` (what the steps take), :mod:`~monitor.pipeline.due` (when
the digest is due), :mod:`~monitor.pipeline.steps` (the steps) and
:mod:`~monitor.pipeline.once` (the whole pass).
"""

from __future__ import annotations

from monitor.errors import Interrupted
from monitor.pipeline.due import digest_written, due_report_day, latest_send, report_day
from monitor.pipeline.once import DigestMode, run_once
from monitor.pipeline.ports import AlertsIndex, ClassifierFactory, CollectFn, ScoreIndex
from monitor.pipeline.results import PipelineResult, StepResult
from monitor.pipeline.steps import collect_step, digest_step, refresh_step, score_step

__all__ = [
    "AlertsIndex",
    "ClassifierFactory",
    "CollectFn",
    "DigestMode",
    "Interrupted",
    "PipelineResult",
    "ScoreIndex",
    "StepResult",
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
