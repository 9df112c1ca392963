"""``monitor worker``: a Celery worker on the config's broker, through Celery's public API.

Before Celery starts, the config is checked (distributed, PostgreSQL), the database is
migrated and the dead-letter queue declared; the :class:`~monitor._workers.runtime.WorkerRuntime`
is installed, so every pool process (forked from this one) finds the config and opens its
own connections. SIGTERM is Celery's warm shutdown: running tasks finish, waiting messages
stay on the broker.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence

from celery.signals import worker_process_init

from monitor._config import Config
from monitor._workers.app import declare_dead_letter, make_app
from monitor._workers.routing import Names
from monitor._workers.runtime import ClassifierFactory, WorkerRuntime, install, process_init

log = logging.getLogger("monitor._workers")


def worker_argv(queues: Sequence[str], concurrency: int, loglevel: str, name: str | None = None) -> list[str]:
    """The ``celery worker`` arguments of a monitor worker."""
    node = name or f"monitor-{os.getpid()}@{socket.gethostname()}"
    return [
        "worker",
        f"--queues={','.join(queues)}",
        f"--concurrency={concurrency}",
        f"--loglevel={loglevel}",
        f"--hostname={node}",
        "--pool=prefork",
        "--without-mingle",
        "--without-gossip",
    ]


def run_worker(
    cfg: Config,
    *,
    queues: str | None = None,
    concurrency: int = 1,
    loglevel: str = "INFO",
    name: str | None = None,
    classifier_factory: ClassifierFactory | None = None,
) -> None:
    """Run a worker on ``queues`` (``collect,score,index,digest``; default all) until stopped."""
    from monitor._api import MentionIndex

    chosen = Names.of(cfg.workers).expand(queues)
    MentionIndex.open(cfg).close()  # migrate once here; pool processes open their own connections
    app = make_app(cfg)
    declare_dead_letter(app)
    install(WorkerRuntime(cfg, classifier_factory))
    worker_process_init.connect(process_init, weak=False)
    log.info("worker consuming %s with %d process(es)", ", ".join(chosen), concurrency)
    try:
        app.worker_main(argv=worker_argv(chosen, concurrency, loglevel, name))
    finally:
        install(None)


__all__ = ["run_worker", "worker_argv"]
