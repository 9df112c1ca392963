"""``monitor run --once`` in distributed mode: one pass on the workers, waited for.

The pass publishes its work in the embedded pass's order, each phase once the one before
it has finished (everything the phase's tasks published in turn included):

1. one collection task per host (each publishes scoring batches of what it added, each
   batch an index refresh);
2. a scoring sweep (mentions still unscored: a lost task's, an older model version's);
3. an index refresh that also evaluates the alerts;
4. the digest, when due (``auto``), now (``force``) or not at all (``skip``): once.

Every task carries the pass's id and writes its outcome to the store
(:mod:`monitor._store.passtasks`); the pass polls that list, hands each finished task to
``on_step`` as a :class:`~monitor._pipeline.results.StepResult`, and stops waiting at the
deadline, when no live worker consumes a queue its tasks wait in for ``grace_s``, or when
``stop`` is set. Whatever it stops waiting for stays queued for the workers.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from celery import Celery

from monitor._config import Config
from monitor._pipeline import StepResult
from monitor._pipeline.due import digest_written, due_report_day
from monitor._redact import redact_text, redact_url
from monitor._store import passtasks
from monitor._store.passtasks import PassTask
from monitor._workers.dispatch import CeleryDispatcher
from monitor._workers.routing import TASK_COLLECT, TASK_DIGEST, TASK_REFRESH, TASK_SCORE, TASK_SWEEP

if TYPE_CHECKING:
    from monitor._api import MentionIndex
    from monitor._pipeline import DigestMode

#: Default of ``--timeout``: how long a pass waits for its workers.
DEFAULT_TIMEOUT_S = 1800.0
#: How long a queue holding the pass's tasks may go without any live worker consuming it.
GRACE_S = 15.0
POLL_S = 0.5
#: How often the live workers' queues are asked for (each ask waits ~1 s for their answers).
CONSUMER_CHECK_S = 3.0
#: Tasks of passes older than this are dropped from the store when a pass starts.
KEEP_PASSES = timedelta(days=7)
KIND = {
    TASK_COLLECT: "collect",
    TASK_SCORE: "score",
    TASK_SWEEP: "sweep",
    TASK_REFRESH: "refresh",
    TASK_DIGEST: "digest",
}

#: The queues live workers consume (the real one asks them through Celery's remote control).
Consumers = Callable[[], set[str]]


@dataclass
class PassResult:
    """A distributed pass: each finished task's step, and why it stopped waiting, if it did."""

    pass_id: str
    steps: list[StepResult] = field(default_factory=list)
    unfinished: list[PassTask] = field(default_factory=list)
    problem: str | None = None
    interrupted: bool = False
    digest_paths: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every task finished ``ok`` or ``skipped``, nothing left waiting."""
        return not (self.problem or self.interrupted) and all(s.status in ("ok", "skipped") for s in self.steps)


def step_of(task: PassTask) -> StepResult:
    """A finished task as the step it stands for (``collect``, ``score``, ``sweep``, ``refresh``, ``digest``)."""
    res = task.result
    counts, errors, details = res.get("counts"), res.get("errors"), res.get("details")
    step = StepResult(
        KIND.get(task.name, task.name),
        status=task.status,
        counts=dict(counts) if isinstance(counts, dict) else {},
        errors=[str(e) for e in errors] if isinstance(errors, list) else [],
        details=dict(details) if isinstance(details, dict) else {},
    )
    if task.finished_at is not None:
        step.duration_s = max((task.finished_at - task.enqueued_at).total_seconds(), 0.0)
    return step


def live_consumers(app: Celery) -> Consumers:
    def ask() -> set[str]:
        from monitor._workers.status import consumed_queues

        return consumed_queues(app)

    return ask


class _Waiter:
    """Polls the pass's tasks until none is open, the deadline passes, or no worker consumes."""

    def __init__(
        self,
        idx: MentionIndex,
        result: PassResult,
        *,
        broker: str,
        deadline: float,
        timeout_s: float,
        grace_s: float,
        stop: threading.Event,
        consumers: Consumers,
        on_step: Callable[[StepResult], None] | None,
        clock: Callable[[], float],
    ) -> None:
        self.idx, self.result, self.broker = idx, result, broker
        self.deadline, self.timeout_s, self.grace_s = deadline, timeout_s, grace_s
        self.stop, self.consumers, self.on_step, self.clock = stop, consumers, on_step, clock
        self.seen: set[str] = set()
        self.unconsumed: dict[str, float] = {}
        self.last_check: float | None = None

    def _report(self, tasks: list[PassTask]) -> None:
        for t in tasks:
            if not t.open and t.task_id not in self.seen:
                self.seen.add(t.task_id)
                step = step_of(t)
                html = step.counts.get("html")
                if step.name == "digest" and isinstance(html, str):
                    self.result.digest_paths.append(html)
                self.result.steps.append(step)
                if self.on_step is not None:
                    self.on_step(step)

    def _check_consumers(self, waiting: list[PassTask], now: float) -> None:
        if self.last_check is not None and now - self.last_check < CONSUMER_CHECK_S:
            return
        self.last_check = now
        consumed = self.consumers()
        queues = {t.queue for t in waiting}
        for q in list(self.unconsumed):
            if q not in queues or q in consumed:
                del self.unconsumed[q]
        for q in sorted(queues - consumed):
            self.unconsumed.setdefault(q, now)

    def _no_worker(self, open_tasks: list[PassTask], now: float, *, at_deadline: bool) -> str | None:
        late = sorted(q for q, since in self.unconsumed.items() if at_deadline or now - since >= self.grace_s)
        if not late:
            return None
        n = sum(1 for t in open_tasks if t.queue in late)
        return (
            f"no worker is consuming queue {', '.join(late)} on {redact_url(self.broker)}; start `monitor worker` "
            f"({n} task(s) of this pass stay queued for it)"
        )

    def wait(self) -> bool:
        """True when every task of the pass has finished; False when it stopped waiting (see the result)."""
        while True:
            tasks = passtasks.tasks(self.idx.engine, self.result.pass_id)
            self._report(tasks)
            open_tasks = [t for t in tasks if t.open]
            self.result.unfinished = open_tasks
            if not open_tasks:
                return True
            if self.stop.is_set():
                self.result.interrupted = True
                return False
            now = self.clock()
            waiting = [t for t in open_tasks if t.status == "waiting"]
            if waiting:
                self._check_consumers(waiting, now)
            else:
                self.unconsumed.clear()
            at_deadline = now >= self.deadline
            problem = self._no_worker(open_tasks, now, at_deadline=at_deadline)
            if problem is None and at_deadline:
                names = ", ".join(sorted({f"{KIND.get(t.name, t.name)} ({t.status})" for t in open_tasks}))
                problem = f"timed out after {self.timeout_s:g} s: {len(open_tasks)} task(s) unfinished: {names}"
            if problem is not None:
                self.result.problem = problem
                return False
            self.stop.wait(min(POLL_S, max(self.deadline - now, 0.01)))


def run_pass(
    cfg: Config,
    idx: MentionIndex,
    *,
    digest: DigestMode = "auto",
    timeout_s: float = DEFAULT_TIMEOUT_S,
    stop: threading.Event | None = None,
    on_step: Callable[[StepResult], None] | None = None,
    app: Celery | None = None,
    consumers: Consumers | None = None,
    grace_s: float = GRACE_S,
    clock: Callable[[], float] = time.monotonic,
) -> PassResult:
    """Enqueue one pass for the workers and wait for it (see the module's docstring)."""
    from monitor._workers.status import connect

    dispatcher = CeleryDispatcher(cfg, app)
    broker = cfg.workers.broker_url or ""
    result = PassResult(uuid.uuid4().hex)
    try:
        connect(dispatcher.app)
    except Exception as exc:
        result.problem = f"broker {redact_url(broker)} unreachable: {redact_text(f'{type(exc).__name__}: {exc}')}"
        return result
    engine = idx.engine
    passtasks.forget(engine, before=datetime.now(UTC) - KEEP_PASSES)
    waiter = _Waiter(
        idx,
        result,
        broker=broker,
        deadline=clock() + timeout_s,
        timeout_s=timeout_s,
        grace_s=min(grace_s, timeout_s),
        stop=stop or threading.Event(),
        consumers=consumers or live_consumers(dispatcher.app),
        on_step=on_step,
        clock=clock,
    )
    pid = result.pass_id

    def phase(publish: Callable[[], object]) -> bool:
        try:
            publish()
        except Exception as exc:  # the broker went away between two phases
            result.problem = f"cannot publish to {redact_url(broker)}: {redact_text(f'{type(exc).__name__}: {exc}')}"
            return False
        return waiter.wait()

    if not (
        phase(lambda: dispatcher.collect_all(engine, pass_id=pid))
        and phase(lambda: dispatcher.sweep(engine, force=True, pass_id=pid))
        and phase(lambda: dispatcher.refresh(engine, pass_id=pid))
    ):
        return result
    day = None if digest == "skip" else _digest_day(cfg, idx, digest)
    if day is not None:
        if not phase(lambda: dispatcher.digest_of(engine, day, scheduled=digest == "auto", pass_id=pid)):
            return result
    elif digest == "auto":
        skipped = StepResult("digest", status="skipped", counts={"reason": "not due"})
        result.steps.append(skipped)
        if on_step is not None:
            on_step(skipped)
    passtasks.forget(engine, pass_id=pid)  # all done: the pass's list has served
    return result


def _digest_day(cfg: Config, idx: MentionIndex, mode: DigestMode) -> date | None:
    now = datetime.now(UTC)
    if mode == "force":
        return now.astimezone(ZoneInfo(cfg.index.timezone)).date()
    store = idx.store
    return due_report_day(now, cfg.digest, lambda d: digest_written(store, d))


__all__ = ["DEFAULT_TIMEOUT_S", "GRACE_S", "Consumers", "PassResult", "live_consumers", "run_pass", "step_of"]
