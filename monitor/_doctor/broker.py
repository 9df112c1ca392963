"""The broker of distributed mode (``[workers] broker_url``): reachable, its queues, its workers.

The probe (:func:`default_broker_probe`, through Celery's and kombu's public API) connects
with a short timeout, reads each queue's depth with a passive declare and pings the
workers through Celery's remote control; :func:`check_broker` turns what it found into
checks. Every URL shown has its password masked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from monitor._config import Config
from monitor._doctor.report import Check, fail, ok, warn
from monitor._redact import redact_text, redact_url

CONNECT_TIMEOUT_S = 3.0
PING_TIMEOUT_S = 1.5
START_WORKER = "start `monitor worker` with this config (see DEPLOY.md for systemd units)"


@dataclass(frozen=True)
class BrokerState:
    """What the broker said: an error, or each queue's depth (None: not declared) and the live workers."""

    error: str | None = None
    depths: Mapping[str, int | None] = field(default_factory=dict)
    dead_queue: str = ""
    workers: Mapping[str, list[str]] = field(default_factory=dict)  # worker name → queues it consumes


BrokerProbe = Callable[[Config], BrokerState]


def default_broker_probe(cfg: Config) -> BrokerState:
    """Connect (``CONNECT_TIMEOUT_S``), read the queues' depths, ping the workers (``PING_TIMEOUT_S``)."""
    from monitor._workers.app import make_app
    from monitor._workers.routing import Names
    from monitor._workers.status import connect, queue_depths, workers

    app = make_app(cfg)
    names = Names.of(cfg.workers)
    try:
        connect(app, CONNECT_TIMEOUT_S)
    except Exception as exc:  # refused, unknown host, bad credentials, timeout: all mean unreachable
        return BrokerState(error=f"{type(exc).__name__}: {exc}")
    depths = queue_depths(app, [*names.consumed(), names.dead])
    found = {w.name: w.queues for w in workers(app, timeout=PING_TIMEOUT_S)}
    return BrokerState(depths=depths, dead_queue=names.dead, workers=found)


def check_broker(cfg: Config, probe: BrokerProbe = default_broker_probe) -> list[Check]:
    """Reachable (else fail), queues declared and their depth, failed tasks kept, workers answering."""
    url = redact_url(cfg.workers.broker_url or "")
    st = probe(cfg)
    if st.error is not None:
        fix = (
            "check [workers] broker_url (or $MONITOR_BROKER_URL): host, port, user and password; is the broker running?"
        )
        return [fail("broker", "", f"{url}: unreachable: {redact_text(st.error)}", fix)]
    queues = {q: d for q, d in st.depths.items() if q != st.dead_queue}
    missing = sorted(q for q, d in queues.items() if d is None)
    waiting = sum(d or 0 for d in queues.values())
    busiest = sorted(((d, q) for q, d in queues.items() if d), reverse=True)[:3]
    where = f" ({', '.join(f'{q} {d}' for d, q in busiest)})" if busiest else ""
    checks = [ok("broker", "", f"{url}: reachable; {len(queues)} queues, {waiting} task(s) waiting{where}")]
    if missing:
        checks.append(warn("broker", "queues", f"not declared yet: {', '.join(missing)}", START_WORKER))
    dead = st.depths.get(st.dead_queue) or 0
    if dead:
        checks.append(
            warn(
                "broker",
                "dead letters",
                f"{dead} task(s) failed for good and wait in {st.dead_queue}",
                "read why in the workers' logs; move them back to their queue to run them again, or purge it",
            )
        )
    checks.append(_workers_check(st, sorted(queues)))
    return checks


def _workers_check(st: BrokerState, queues: list[str]) -> Check:
    if not st.workers:
        return warn("broker", "workers", "no worker answered a ping: queued tasks wait until one starts", START_WORKER)
    consumed = {q for qs in st.workers.values() for q in qs}
    idle = [q for q in queues if q not in consumed]
    names = ", ".join(sorted(st.workers))
    if idle:
        return warn(
            "broker",
            "workers",
            f"{len(st.workers)} worker(s) answer ({names}) but none consumes {', '.join(idle)}",
            "start a worker for them: `monitor worker --queues …` (default: every queue)",
        )
    return ok("broker", "workers", f"{len(st.workers)} worker(s) answer ({names}); every queue is consumed")


__all__ = ["BrokerProbe", "BrokerState", "check_broker", "default_broker_probe"]
