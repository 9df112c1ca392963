"""The Celery application of a config: broker, queues, reliability settings, the tasks.

``make_app(cfg)`` is used by both sides: ``monitor run`` publishes through it and
``monitor worker`` consumes through it. The settings that make a task safe to lose a worker
over: ``task_acks_late`` (a message is acknowledged when its task ends, not when it
starts), ``task_reject_on_worker_lost`` (a pool process killed mid-task sends the message
back), ``worker_prefetch_multiplier = 1`` (a worker holds one message per process, so a
long scoring batch does not keep others waiting behind it), and
``task_acks_on_failure_or_timeout = False`` (a task that failed for good is rejected, and
RabbitMQ dead-letters it). Results are not stored: the store is where tasks write.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from monitor._config import Config
from monitor._workers.routing import Names
from monitor.errors import ConfigError


def celery_settings(cfg: Config) -> dict[str, Any]:
    """The Celery settings of ``cfg`` (which must be distributed)."""
    broker = cfg.workers.broker_url
    if broker is None:
        raise ConfigError("workers.broker_url is not set: distributed mode needs a broker (amqp://… or redis://…)")
    names = Names.of(cfg.workers)
    return {
        "broker_url": broker,
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 10,
        "broker_heartbeat": 30,
        "task_queues": names.queues(),
        "task_default_queue": names.kind("index"),
        "task_default_exchange": names.prefix,
        "task_default_routing_key": names.kind("index"),
        "task_create_missing_queues": False,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "result_backend": None,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": False,
        "worker_prefetch_multiplier": 1,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "broker_transport_options": {"visibility_timeout": cfg.workers.collect_time_limit_s + 600},
        "monitor_workers": cfg.workers,
    }


def make_app(cfg: Config) -> Celery:
    """A Celery app for ``cfg``, its tasks registered (nothing connects until used)."""
    from monitor._workers import tasks

    app = Celery(f"{cfg.workers.queue_prefix}", set_as_current=False)
    app.conf.update(celery_settings(cfg))
    tasks.register(app)
    return app


def declare_dead_letter(app: Celery) -> None:
    """Declare the dead-letter exchange and queue (RabbitMQ keeps dead tasks there)."""
    names = Names.of(app.conf.monitor_workers)
    with app.connection_for_write() as conn:
        names.dead_queue()(conn.default_channel).declare()  # type: ignore[no-untyped-call]


__all__ = ["celery_settings", "declare_dead_letter", "make_app"]
