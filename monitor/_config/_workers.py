"""``[workers]``: distributed mode, with collection and scoring on Celery workers.

Without ``broker_url`` (the default) everything runs in the ``monitor`` process itself
(embedded mode). With one, ``monitor run`` enqueues each firing on the broker and
``monitor worker`` processes on any number of machines run them; they share the store,
which must then be PostgreSQL (checked in :func:`check_distributed`).
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from monitor._config._fields import Plain, Strict
from monitor._redact import redact_url
from monitor._textsafe import control_characters

BROKER_SCHEMES = ("amqp", "amqps", "pyamqp", "redis", "rediss")


def check_broker_url(url: str) -> str:
    """``url`` if it is an AMQP (RabbitMQ) or Redis URL; else ValueError (password masked)."""
    if control_characters(url):
        raise ValueError("holds a control character")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in BROKER_SCHEMES:
        raise ValueError(
            f"{redact_url(url)!r} is not a broker URL this product supports "
            "(amqp://user@host:5672/vhost for RabbitMQ or redis://host:6379/0)"
        )
    return url


class WorkersConfig(Strict):
    """Where tasks are queued and how workers take them (see :mod:`monitor._workers`)."""

    #: ``amqp://…`` (RabbitMQ) or ``redis://…``; unset = embedded mode. ``MONITOR_BROKER_URL``
    #: overrides it (a URL with a password belongs in the environment, not in this file).
    broker_url: str | None = Field(default=None, repr=False)  # may hold a password: never in a repr
    #: Prefix of every queue and exchange name: deployments sharing one broker keep apart.
    queue_prefix: Plain = "monitor"
    #: Collection queues (``<prefix>.collect.<k>``); a host's sources always go to the same one.
    collect_queues: int = Field(default=4, ge=1, le=256)
    #: Mention ids per scoring task.
    score_batch: int = Field(default=256, ge=1, le=10_000)
    #: Hard time limits per task kind (a soft limit fires 30 s earlier and records the failure).
    collect_time_limit_s: int = Field(default=3600, ge=60, le=86_400)
    score_time_limit_s: int = Field(default=900, ge=60, le=86_400)
    #: Retries (with exponential backoff) of a task that failed for a transient reason.
    max_retries: int = Field(default=5, ge=0, le=100)
    #: How often the scheduler asks a scoring worker to sweep for unscored mentions
    #: (left over by a lost task, or waiting for a new model version).
    sweep_interval_s: int = Field(default=900, ge=10, le=86_400)

    @field_validator("broker_url")
    @classmethod
    def _broker(cls, v: str | None) -> str | None:
        return None if v is None or not v.strip() else check_broker_url(v.strip())

    @field_validator("queue_prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,60}", v):
            raise ValueError(f"queue_prefix {v!r} must be 1-61 letters, digits, '_', '.' or '-'")
        return v

    @property
    def distributed(self) -> bool:
        """True when tasks go through a broker to ``monitor worker`` processes."""
        return self.broker_url is not None


def distributed_problem(database_url: str, workers: WorkersConfig) -> str | None:
    """Why this database cannot back distributed mode (None: it can, or the mode is off)."""
    if not workers.distributed or database_url.split(":", 1)[0].split("+", 1)[0].lower() == "postgresql":
        return None
    return (
        "workers.broker_url is set (distributed mode) but database_url is SQLite: workers on other "
        'machines need a shared PostgreSQL database (database_url = "postgresql://user@host/db"), '
        "or remove workers.broker_url to run embedded"
    )


__all__ = ["BROKER_SCHEMES", "WorkersConfig", "check_broker_url", "distributed_problem"]
