"""``monitor doctor``: check the config, database, broker, model, caches, sources, delivery; say what to fix.

Checks run in that order (the broker only in distributed mode) and each gives one
:class:`~monitor._doctor.report.Check` (ok, warn or fail, with the fix when not ok). The
checks are functions of the config with their I/O as parameters (:class:`Seams`): the
database probe, the broker probe, the model loader, the cache listing and the senders.
A check that raises unexpectedly becomes a ``fail`` line; the doctor itself never stops
half-way once the config has loaded.

Modules: ``report`` (the result types), ``local`` (config, database, model, caches),
``broker`` (distributed mode's broker, queues and workers, through :mod:`monitor._workers`),
``sources`` (settings, and with ``--network`` robots.txt and reachability through
:mod:`monitor._http`), ``delivery`` (SMTP and webhook settings, ``--send-test``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from monitor._config import Config, Secrets
from monitor._doctor.broker import BrokerProbe, check_broker, default_broker_probe
from monitor._doctor.delivery import Senders, check_delivery, send_tests
from monitor._doctor.local import (
    DatabaseProbe,
    ModelLoader,
    check_caches,
    check_config,
    check_database,
    check_model,
    default_database_probe,
    default_model_loader,
    find_config,
)
from monitor._doctor.report import Check, DoctorReport, fail
from monitor._doctor.sources import check_network, check_sources


@dataclass(frozen=True)
class Seams:
    """The doctor's I/O, real by default; tests substitute a fake model loader and such."""

    database: DatabaseProbe = default_database_probe
    broker: BrokerProbe = default_broker_probe
    model_loader: ModelLoader = default_model_loader
    cache_root: Path | None = None
    senders: Senders = field(default_factory=Senders)
    network: Callable[[Config], list[Check]] = check_network


def _guarded(area: str, run: Callable[[], list[Check]]) -> list[Check]:
    """``run()``, or one fail check naming what it raised (a doctor must not crash)."""
    try:
        return run()
    except Exception as exc:  # any bug or surprise in one check is that check's failure
        return [fail(area, "", f"the check itself failed: {type(exc).__name__}: {exc}", "report this as a bug")]


def run_doctor(
    config: Path | None,
    *,
    network: bool = False,
    send_test: bool = False,
    seams: Seams | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    on_check: Callable[[Check], None] | None = None,
) -> DoctorReport:
    """Run every check in order; ``on_check`` sees each as soon as it is known."""
    seams = seams or Seams()
    env = os.environ if env is None else env
    done: list[Check] = []

    def add(checks: list[Check]) -> None:
        for c in checks:
            done.append(c)
            if on_check is not None:
                on_check(c)

    lookup = find_config(config, env=env, cwd=Path.cwd() if cwd is None else cwd)
    first, cfg = check_config(lookup, env=env)
    add(first)
    if cfg is None:
        return DoctorReport(tuple(done), config_loaded=False)
    secrets = Secrets()
    add(_guarded("database", lambda: [check_database(cfg, seams.database)]))
    if cfg.workers.distributed:
        add(_guarded("broker", lambda: check_broker(cfg, seams.broker)))
    add(_guarded("model", lambda: [check_model(cfg.model, seams.model_loader)]))
    add(_guarded("cache", lambda: [check_caches(cfg.model, seams.cache_root)]))
    add(_guarded("source", lambda: check_sources(cfg, secrets)))
    if network:
        add(_guarded("network", lambda: seams.network(cfg)))
    add(_guarded("delivery", lambda: check_delivery(cfg.digest, secrets)))
    if send_test:
        add(_guarded("send-test", lambda: send_tests(cfg.digest, secrets, seams.senders)))
    return DoctorReport(tuple(done), config_loaded=True)


__all__ = ["Check", "DoctorReport", "Seams", "run_doctor"]
