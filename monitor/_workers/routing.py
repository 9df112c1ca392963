"""Queue and task names, and where each task goes.

Every name starts with ``[workers] queue_prefix`` so deployments can share a broker:

- ``<prefix>.collect.<k>`` (k < ``collect_queues``): collection; a host's sources always go
  to the same queue (:func:`collect_slot`, a stable hash of the host), so its tasks are
  taken in order and, with the host slot in the store, never run at once anywhere;
- ``<prefix>.score``: scoring batches and sweeps; ``<prefix>.index``: snapshot refreshes;
  ``<prefix>.digest``: digests;
- ``<prefix>.dead``: where RabbitMQ dead-letters a task that failed for good (its queues
  carry ``x-dead-letter-exchange``); no worker consumes it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from kombu.entity import Exchange, Queue

from monitor._config import WorkersConfig
from monitor.errors import ConfigError

TASK_COLLECT = "monitor.collect"
TASK_SCORE = "monitor.score"
TASK_SWEEP = "monitor.score_sweep"
TASK_REFRESH = "monitor.refresh"
TASK_DIGEST = "monitor.digest"
KINDS = ("collect", "score", "index", "digest")


def collect_slot(host_key: str, n: int) -> int:
    """The collection queue of a host: a stable hash (the same on every machine and release)."""
    return int.from_bytes(hashlib.blake2b(host_key.encode("utf-8"), digest_size=8).digest(), "big") % n


@dataclass(frozen=True)
class Names:
    """The queue and exchange names of one deployment."""

    prefix: str
    collect_queues: int

    @classmethod
    def of(cls, cfg: WorkersConfig) -> Names:
        return cls(cfg.queue_prefix, cfg.collect_queues)

    def collect(self, host_key: str) -> str:
        return f"{self.prefix}.collect.{collect_slot(host_key, self.collect_queues)}"

    def kind(self, kind: str) -> str:
        """The queue of ``score``, ``index`` or ``digest`` tasks."""
        return f"{self.prefix}.{kind}"

    @property
    def dead(self) -> str:
        return f"{self.prefix}.dead"

    def all_collect(self) -> list[str]:
        return [f"{self.prefix}.collect.{k}" for k in range(self.collect_queues)]

    def consumed(self) -> list[str]:
        """Every queue a worker may consume (the dead-letter queue is not one)."""
        return [*self.all_collect(), *(self.kind(k) for k in KINDS[1:])]

    def expand(self, spec: str | None) -> list[str]:
        """``--queues collect,score`` → queue names (``collect`` is every collection queue)."""
        if spec is None or not spec.strip():
            return self.consumed()
        out: list[str] = []
        known = set(self.consumed())
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            if part == "collect":
                names = self.all_collect()
            elif part in KINDS:
                names = [self.kind(part)]
            elif part.startswith("collect.") and f"{self.prefix}.{part}" in known:
                names = [f"{self.prefix}.{part}"]
            else:
                raise ConfigError(
                    f"--queues: unknown queue {part!r} (use collect, score, index, digest "
                    f"or collect.<k> with k below {self.collect_queues})"
                )
            out += [n for n in names if n not in out]
        return out

    def queues(self) -> list[Queue]:
        """Every consumed queue, durable, dead-lettering to :attr:`dead`."""
        exchange = Exchange(self.prefix, type="direct", durable=True)  # type: ignore[no-untyped-call]
        args = {"x-dead-letter-exchange": f"{self.prefix}.dlx", "x-dead-letter-routing-key": self.dead}
        return [
            Queue(n, exchange, routing_key=n, durable=True, queue_arguments=args)  # type: ignore[no-untyped-call]
            for n in self.consumed()
        ]

    def dead_queue(self) -> Queue:
        dlx = Exchange(f"{self.prefix}.dlx", type="direct", durable=True)  # type: ignore[no-untyped-call]
        return Queue(self.dead, dlx, routing_key=self.dead)  # type: ignore[no-untyped-call]


__all__ = [
    "KINDS",
    "TASK_COLLECT",
    "TASK_DIGEST",
    "TASK_REFRESH",
    "TASK_SCORE",
    "TASK_SWEEP",
    "Names",
    "collect_slot",
]
