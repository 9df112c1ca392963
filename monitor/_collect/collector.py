"""A collection run: the Run record, and the sources spread over worker processes when asked.

``[http] workers = N`` (``Collector(workers=N)``) splits the sources over N processes,
never splitting the sources of one host (:mod:`monitor._collect.shards`); each process walks
its sources with :class:`~monitor._collect.runner.SourceRunner`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Sequence
from typing import TypedDict, Unpack

from monitor._config import Config, Secrets, SourceConfig
from monitor._http import HttpClient
from monitor._langid import LanguageIdentifier
from monitor._ports import Clock, JSONObject
from monitor.errors import ConfigError

from .ports import CollectIndex, ProgressSink
from .reports import CollectReport, SourceReport
from .runner import SourceRunner, utcnow
from .shards import ShardProcess, database_url, politeness_groups


def select_sources(cfg: Config, source: str | None = None, brand: str | None = None) -> list[SourceConfig]:
    """Sources to run: ``--source`` (even if disabled) or all enabled, narrowed by ``--brand``."""
    chosen = [cfg.source(source)] if source is not None else [s for s in cfg.sources if s.enabled]
    if brand is not None:
        b = cfg.brand(brand).name
        chosen = [s for s in chosen if s.brand in (None, b)]
    return chosen


class Collector(SourceRunner):
    """One collection run over a config and an index.

    Takes :class:`SourceRunner`'s options, plus ``workers`` (default ``[http] workers``):
    the number of processes the sources are spread over.
    """

    def __init__(
        self,
        cfg: Config,
        index: CollectIndex,
        *,
        http: HttpClient | None = None,
        secrets: Secrets | None = None,
        identifier: LanguageIdentifier | None = None,
        relax_loopback: bool = False,
        progress: ProgressSink | None = None,
        only_brand: str | None = None,
        source_concurrency: int = 4,
        langid_workers: int = 0,
        workers: int | None = None,
        now: Clock = utcnow,
    ) -> None:
        super().__init__(
            cfg,
            index,
            http=http,
            secrets=secrets,
            identifier=identifier,
            relax_loopback=relax_loopback,
            progress=progress,
            only_brand=only_brand,
            source_concurrency=source_concurrency,
            langid_workers=langid_workers,
            now=now,
        )
        self.workers = max(1, cfg.http.workers if workers is None else workers)

    async def run(self, sources: Sequence[SourceConfig]) -> CollectReport:
        """Collect ``sources`` under one Run record (in worker processes when configured)."""
        started = time.monotonic()
        run_id = self.store.start_run("collect")
        report = CollectReport(run_id)
        db_url = database_url(self.store.engine) if self.workers > 1 and self._http is None else None
        results: list[list[SourceReport]]
        if db_url is None:
            results = [await self.collect_sources(sources)]
        else:
            # Groups of sources (one per host) are handed out on demand: to this process's
            # lanes and to each worker when it asks, so a slow start or a big host evens out.
            groups = deque(politeness_groups(sources, relax_loopback=self.relax_loopback))
            others = [ShardProcess(self, groups, db_url) for _ in range(min(self.workers, len(groups)) - 1)]

            async def mine() -> list[SourceConfig] | None:
                return groups.popleft() if groups else None

            results = list(await asyncio.gather(self.collect_sources([], more=mine), *(o.run() for o in others)))
        by_name = {rep.name: rep for reports in results for rep in reports}
        report.sources = [by_name[s.name] for s in sources]
        self.index.refresh()
        report.elapsed_s = time.monotonic() - started
        counts: JSONObject = {
            **report.totals(),
            "sources": {s.name: s.counts() for s in report.sources},
        }
        self.store.finish_run(run_id, report.status, counts, report.errors())
        return report


class CollectorOptions(TypedDict, total=False):
    """:class:`Collector`'s options, as :func:`collect` and :func:`collect_async` pass them on."""

    http: HttpClient | None
    secrets: Secrets | None
    identifier: LanguageIdentifier | None
    relax_loopback: bool
    progress: ProgressSink | None
    source_concurrency: int
    langid_workers: int
    workers: int | None
    now: Clock


async def collect_async(
    cfg: Config,
    index: CollectIndex,
    *,
    source: str | None = None,
    brand: str | None = None,
    **kwargs: Unpack[CollectorOptions],
) -> CollectReport:
    """Collect the selected sources into ``index`` (see :class:`Collector` for options)."""
    chosen = select_sources(cfg, source, brand)
    if not chosen:
        raise ConfigError("no enabled source matches the selection")
    index.sync_config(cfg)
    return await Collector(cfg, index, only_brand=brand, **kwargs).run(chosen)


def collect(
    cfg: Config,
    index: CollectIndex,
    *,
    source: str | None = None,
    brand: str | None = None,
    **kwargs: Unpack[CollectorOptions],
) -> CollectReport:
    """Blocking wrapper of :func:`collect_async`."""
    return asyncio.run(collect_async(cfg, index, source=source, brand=brand, **kwargs))


__all__ = ["Collector", "CollectorOptions", "collect", "collect_async", "select_sources"]
