"""``monitor worker``, and distributed mode's part of ``monitor run`` and ``monitor status``.

Everything Celery is imported inside the functions: embedded mode never loads it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer

from monitor._cli.app import app
from monitor._cli.common import ConfigOpt, DbOpt, console, escape, handle_errors, resolve_config
from monitor._cli.tables import Col, make_table, print_table
from monitor._config._workers import distributed_problem
from monitor._redact import redact_url
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor._api import MentionIndex
    from monitor._config import Config
    from monitor._pipeline import DigestMode, StepResult
    from monitor._schedule.dispatch import Dispatcher

log = logging.getLogger("monitor")
EXIT_FAILED = 1

WORKER_COLS = [Col("name", "worker", "name", 40), Col("queues", "queues"), Col("active", "running now")]
QUEUE_COLS = [
    Col("name", "queue", "name", 32),
    Col("messages", "waiting", "figure"),
    Col("consumers", "consumers", "figure"),
    Col("oldest", "oldest waiting since", "time"),
]


def check_distributed(cfg: Config) -> None:
    """ConfigError unless ``cfg`` is in distributed mode on PostgreSQL."""
    if not cfg.workers.distributed:
        raise ConfigError(
            "monitor worker needs distributed mode: set [workers] broker_url (amqp://… or redis://…) "
            "and a PostgreSQL database_url"
        )
    problem = distributed_problem(cfg.database_url, cfg.workers)
    if problem is not None:
        raise ConfigError(problem)


@app.command()
@handle_errors
def worker(
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
    queues: str | None = typer.Option(
        None,
        "--queues",
        "-Q",
        help="Comma-separated: collect, score, index, digest (or collect.<k>). Default: all of them.",
    ),
    concurrency: int = typer.Option(1, "--concurrency", "-n", min=1, max=256, help="Pool processes."),
    name: str | None = typer.Option(None, "--name", help="Worker name (default monitor-<pid>@<host>)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
    classifier: str | None = typer.Option(
        None, "--classifier", hidden=True, help="module:callable building the model."
    ),
) -> None:
    """Run a Celery worker for distributed mode (needs [workers] broker_url and PostgreSQL).

    Takes collection, scoring, index and digest tasks from the broker; start any number,
    on any machine with the same config. SIGTERM finishes the running tasks and exits; a
    worker killed outright leaves its tasks to be delivered again to another worker.
    """
    from monitor._workers.runtime import resolve_factory
    from monitor._workers.worker import run_worker

    cfg = resolve_config(config, db)
    check_distributed(cfg)
    factory = resolve_factory(classifier) if classifier else None
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    broker = redact_url(cfg.workers.broker_url or "")
    log.info("monitor worker: broker %s, queue prefix %s", broker, cfg.workers.queue_prefix)
    run_worker(
        cfg,
        queues=queues,
        concurrency=concurrency,
        loglevel="DEBUG" if verbose else "INFO",
        name=name,
        classifier_factory=factory,
    )


def scheduler_dispatcher(cfg: Config) -> Dispatcher | None:
    """The dispatcher ``monitor run`` uses: Celery's in distributed mode, else None (in-process)."""
    if not cfg.workers.distributed:
        return None
    check_distributed(cfg)
    from monitor._workers.dispatch import CeleryDispatcher

    return CeleryDispatcher(cfg)


def run_once_distributed(
    cfg: Config, digest: DigestMode, timeout_s: float, step_line: Callable[[StepResult], str]
) -> None:
    """``monitor run --once`` in distributed mode: the pass on the workers, waited for.

    One line per finished task (``step_line``), as the embedded pass prints one per step;
    exit 1 when a task failed, the workers did not finish in ``timeout_s`` or no worker
    consumes a queue; 3 when interrupted (the tasks stay queued for the workers).
    """
    import threading

    from monitor._api import MentionIndex
    from monitor._cli.common import EXIT_INTERRUPTED, err_console, interruptible
    from monitor._pipeline.outcome import log_step
    from monitor._workers.once import run_pass

    check_distributed(cfg)

    def show(step: StepResult) -> None:
        log_step(step)
        console.print(step_line(step))

    with MentionIndex.open(cfg) as idx, interruptible(threading.Event()) as stop:
        result = run_pass(cfg, idx, digest=digest, timeout_s=timeout_s, stop=stop, on_step=show)
        if result.interrupted:  # interruptible() exits 3 on the way out
            err_console.print(f"[yellow]stopped waiting: {len(result.unfinished)} task(s) stay with the workers[/]")
    for path in result.digest_paths:
        console.print(f"Digest: [bold]{escape(path)}[/] (written by the worker)")
    if result.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if result.problem is not None:
        log.warning("the pass stopped waiting: %s", result.problem)  # the time, for the log
        err_console.print(f"[bold red]error:[/] {escape(result.problem)}", soft_wrap=True)
        raise typer.Exit(EXIT_FAILED)
    if not result.ok:
        raise typer.Exit(EXIT_FAILED)


def print_distributed_status(cfg: Config, idx: MentionIndex) -> None:
    """``monitor status`` in distributed mode: workers, queue depths, the oldest waiting tasks."""
    from monitor._workers import status
    from monitor._workers.app import make_app

    tz = ZoneInfo(cfg.digest.timezone)
    celery_app = make_app(cfg)
    try:
        found = status.workers(celery_app)
        qs = status.queues(celery_app, idx.engine)
    except Exception as exc:
        console.print(
            f"[red]broker {escape(redact_url(cfg.workers.broker_url or ''))} unreachable:[/] "
            f"{escape(type(exc).__name__)}"
        )
        return
    rows = [{"name": w.name, "queues": ", ".join(w.queues), "active": ", ".join(w.active) or "idle"} for w in found]
    caption = "" if found else "No worker answered: start one with `monitor worker`."
    print_table(console, make_table(WORKER_COLS, rows, title="Workers", caption=caption, tz=tz))
    now = datetime.now(UTC)
    qrows = [
        {
            "name": q.name,
            "messages": "?" if q.messages is None else q.messages,
            "consumers": "?" if q.consumers is None else q.consumers,
            "oldest": q.oldest,
        }
        for q in qs
    ]
    oldest = min((q.oldest for q in qs if q.oldest is not None), default=None)
    note = f"oldest waiting task: {int((now - oldest).total_seconds())} s" if oldest else "nothing waiting"
    print_table(console, make_table(QUEUE_COLS, qrows, title=f"Queues ({note})", tz=tz))


__all__ = ["check_distributed", "print_distributed_status", "run_once_distributed", "scheduler_dispatcher", "worker"]
