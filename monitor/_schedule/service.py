"""``monitor run``: the scheduler process, until SIGTERM/SIGINT.

The first signal sets the jobs' stop event (collection stops between pages, scoring
between batches) and stops the scheduler; the running job finishes its current write and
records itself ``interrupted``. A second signal exits at once.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

from monitor._ports import Clock
from monitor._schedule.dispatch import Dispatcher
from monitor._schedule.jobs import Runtime, install_runtime, system_clock
from monitor._schedule.runner import MonitorScheduler, make_scheduler
from monitor._schedule.sync import sync_jobs
from monitor._stamps import iso_stamp

if TYPE_CHECKING:
    from monitor._api import MentionIndex
    from monitor._config import Config
    from monitor._pipeline import ClassifierFactory, CollectFn

log = logging.getLogger(__name__)

SignalHandler = Callable[[int, FrameType | None], object] | int | None


def run_scheduler(
    cfg: Config,
    *,
    idx: MentionIndex | None = None,
    clock: Clock = system_clock,
    install_signals: bool = True,
    classifier_loader: ClassifierFactory | None = None,
    collect_fn: CollectFn | None = None,
    ready: Callable[[MonitorScheduler], None] | None = None,
    dispatcher: Dispatcher | None = None,
) -> str | None:
    """Run until SIGTERM/SIGINT (or ``stop()``); the current job ends cleanly.

    ``dispatcher`` (default: in this process) is where each firing's work runs.
    Returns the name of the signal that stopped it (None when stopped otherwise).
    """
    own = idx is None
    if idx is None:
        from monitor._api import MentionIndex

        idx = MentionIndex.open(cfg)
    rt = Runtime(cfg=cfg, idx=idx, clock=clock, classifier_loader=classifier_loader, collect_fn=collect_fn)
    if dispatcher is not None:
        rt.dispatcher = dispatcher
    install_runtime(rt)
    sched = make_scheduler(idx.store.engine, clock=clock, timezone_name=cfg.digest.timezone)
    sched.open()  # paused: nothing runs before the jobs are synced
    for job_id, action in sorted(sync_jobs(sched, cfg).items()):
        job = sched.get_job(job_id)
        nxt = job.next_run_time if job is not None else None
        when = f", next run {iso_stamp(nxt, sched.timezone)}" if nxt is not None else ""
        log.info("job %s %s%s", job_id, action, when)

    signals_seen = 0
    first_signal: str | None = None

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal signals_seen, first_signal
        signals_seen += 1
        first_signal = first_signal or signal.Signals(signum).name
        if signals_seen > 1:
            log.error("second %s: exiting now", signal.Signals(signum).name)
            os._exit(128 + signum)
        rt.stop.set()  # first: the log line below may fail inside a write it interrupted
        threading.Thread(target=sched.stop, daemon=True).start()
        log.warning("%s: finishing the current write, then stopping", signal.Signals(signum).name)

    previous: dict[int, SignalHandler] = {}
    if install_signals and threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        if ready is not None:
            ready(sched)
        sched.serve()
    finally:
        rt.stop.set()
        sched.shutdown(wait=True)  # let the running job record itself
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        install_runtime(None)
        if own:
            idx.close()
    return first_signal


__all__ = ["run_scheduler"]
