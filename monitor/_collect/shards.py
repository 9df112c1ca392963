"""Collection across worker processes: groups of sources handed out on demand.

One Python process spends most of a busy run on the CPU (parsing, language
identification, the store), so ``[http] workers = N`` (or ``monitor collect --workers N``)
spreads the sources over N processes: the collecting process itself and N − 1 spawned
workers, all writing to the same database.

Politeness stays per host: sources are grouped by :func:`politeness_key` (the host of
their URL, or their kind for API sources without one) and a group always goes to one
process, so one host's concurrency and interval limits still live in one process. Only
hosts whose limits are lifted (loopback with ``relax_loopback``) are split source by source.

Groups are handed out on demand — to the parent's own lanes and to a worker whenever it
asks — so a worker's start-up time or one big host does not leave a process idle. A worker
reports progress and per-source reports through a queue; the parent keeps the single Run
record. A worker that dies leaves what it stored stored and its sources' cursors untouched
(like any interrupted walk); the parent records the sources it had been given as
``failed`` with the exit code.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.queues as mp_queues
import queue as queue_mod
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from monitor._config import Config, Secrets, SourceConfig
from monitor._http.hosts import host_key, is_loopback
from monitor._sources.base import Page
from monitor._store import Engine

from .reports import SourceReport
from .runner import SourceRunner

#: A worker's message to the parent: (what, source name, report).
Event = tuple[str, str | None, SourceReport | None]

#: How often a waiting parent checks that its worker is still alive (seconds).
POLL_S = 0.5
PAGE_EVENT_S = 0.25  # a worker reports page progress per source at most this often


def politeness_key(src: SourceConfig, *, relax_loopback: bool = False) -> str:
    """Sources with the same key share a host's politeness limits, so share a process."""
    if src.url:
        url = httpx.URL(src.url)
        if relax_loopback and is_loopback(url.host):
            return f"loopback:{src.name}"  # no limits to share: every source on its own
        return host_key(url)  # the HTTP layer's own budget key (scheme, host, port)
    return f"kind:{src.kind}"  # API sources without a URL: one fixed host per kind


def politeness_groups(sources: Sequence[SourceConfig], *, relax_loopback: bool = False) -> list[list[SourceConfig]]:
    """The sources grouped by :func:`politeness_key`, in config order."""
    groups: dict[str, list[SourceConfig]] = {}
    for src in sources:
        groups.setdefault(politeness_key(src, relax_loopback=relax_loopback), []).append(src)
    return list(groups.values())


def database_url(engine: Engine) -> str | None:
    """The URL a worker can open the same database with (``None``: not shardable)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and (url.database or ":memory:").split("?")[0] in (":memory:", ""):
        return None  # an in-memory database is private to its process
    return str(url.render_as_string(hide_password=False))


@dataclass(frozen=True)
class ShardJob:
    """What a worker process needs (picklable); its sources come later, on demand."""

    cfg: Config = field(repr=False)  # its database_url may hold a password: never in a repr
    secrets: Secrets = field(repr=False)
    database_url: str = field(repr=False)
    first: list[str]  # the group it starts with (so a worker is never started for nothing)
    relax_loopback: bool
    source_concurrency: int
    only_brand: str | None


class _QueueProgress:
    """A worker's progress sink: events go to the parent through the queue.

    Page events are coalesced (the latest report per source, at most every
    :data:`PAGE_EVENT_S`): each message costs both processes CPU, and the progress display
    only needs the running counts. Start and end events are sent at once.
    """

    def __init__(self, q: mp_queues.Queue[Event]) -> None:
        self.q = q
        self._sent_at: dict[str, float] = {}

    def source_started(self, source: SourceConfig) -> None:
        self._sent_at[source.name] = time.monotonic()
        self.q.put(("started", source.name, None))

    def page_done(self, source: SourceConfig, page: Page | None, report: SourceReport) -> None:
        now = time.monotonic()
        if now - self._sent_at.get(source.name, 0.0) >= PAGE_EVENT_S:
            self._sent_at[source.name] = now
            self.q.put(("page", source.name, report))

    def source_done(self, source: SourceConfig, report: SourceReport) -> None:
        self._sent_at.pop(source.name, None)
        self.q.put(("done", source.name, report))


def shard_main(job: ShardJob, q: mp_queues.Queue[Event], replies: mp_queues.Queue[list[str] | None]) -> None:
    """Entry point of a worker process: ask for groups of sources until there are none."""
    from monitor._api import MentionIndex

    cfg = job.cfg.model_copy(update={"database_url": job.database_url})
    index = MentionIndex.open(cfg, migrate=False)
    try:
        collector = SourceRunner(
            cfg,
            index,
            secrets=job.secrets,
            relax_loopback=job.relax_loopback,
            progress=_QueueProgress(q),
            only_brand=job.only_brand,
            source_concurrency=job.source_concurrency,
        )

        async def more() -> list[SourceConfig] | None:
            q.put(("want", None, None))
            names = await asyncio.get_running_loop().run_in_executor(None, replies.get)
            return [cfg.source(n) for n in names] if names else None

        asyncio.run(collector.collect_sources([cfg.source(n) for n in job.first], more=more))
    finally:
        index.close()
        q.put(("end", None, None))


class ShardProcess:
    """The parent's handle on one worker: start it, relay its events, reap it."""

    def __init__(self, collector: SourceRunner, groups: deque[list[SourceConfig]], db_url: str) -> None:
        self.collector = collector
        self.groups = groups  # shared with the parent's own lanes and the other workers
        self.given: list[SourceConfig] = groups.popleft() if groups else []
        ctx = multiprocessing.get_context("spawn")
        self.queue: mp_queues.Queue[Event] = ctx.Queue()
        self.replies: mp_queues.Queue[list[str] | None] = ctx.Queue()
        job = ShardJob(
            cfg=collector.cfg,
            secrets=collector.secrets,
            database_url=db_url,
            first=[src.name for src in self.given],
            relax_loopback=collector.relax_loopback,
            source_concurrency=collector.source_concurrency,
            only_brand=collector.only_brand,
        )
        self.process = ctx.Process(
            target=shard_main, args=(job, self.queue, self.replies), name="monitor-collect-shard", daemon=True
        )

    def _next(self) -> Event | None:
        try:
            return self.queue.get(timeout=POLL_S)
        except queue_mod.Empty:
            return None

    async def run(self) -> list[SourceReport]:
        """Run the worker to the end; one report per source it was given."""
        by_name: dict[str, SourceConfig] = {src.name: src for src in self.given}
        reports: dict[str, SourceReport] = {}
        progress = self.collector.progress
        loop = asyncio.get_running_loop()
        self.process.start()
        finished = False
        try:
            while True:
                msg = await loop.run_in_executor(None, self._next)
                if msg is None:
                    if self.process.is_alive():
                        continue
                    msg = self._next()  # the last events may still be in the pipe
                    if msg is None:
                        break
                kind, name, rep = msg
                if kind == "end":
                    finished = True
                    break
                if kind == "want":
                    group = self.groups.popleft() if self.groups else None
                    for member in group or []:
                        by_name[member.name] = member
                        self.given.append(member)
                    self.replies.put([member.name for member in group] if group else None)
                    continue
                found = by_name.get(name or "")
                if found is None:
                    continue
                src = found
                if kind == "started":
                    progress.source_started(src)
                elif kind == "page" and rep is not None:
                    progress.page_done(src, None, rep)
                elif kind == "done" and rep is not None:
                    reports[src.name] = rep
                    progress.source_done(src, rep)
        finally:
            if finished:
                await loop.run_in_executor(None, self.stop)
            else:  # cancelled (or the worker died): do not wait for it
                self.stop(grace_s=0)
        code = self.process.exitcode
        for src in self.given:
            if src.name not in reports:
                rep = SourceReport(src.name, src.kind)
                self.collector.finish_source(src, rep, "failed", f"collector worker process ended (exit code {code})")
                reports[src.name] = rep
        return [reports[s.name] for s in self.given]

    def stop(self, grace_s: float = 10.0) -> None:
        """Wait up to ``grace_s`` for a clean exit, then terminate (a killed walk resumes next run)."""
        if grace_s > 0:
            self.process.join(timeout=grace_s)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


__all__ = ["ShardJob", "ShardProcess", "database_url", "politeness_groups", "politeness_key", "shard_main"]
