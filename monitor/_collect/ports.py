"""The seams collection sees: the index (:class:`CollectIndex`), its store
(:class:`~monitor._ports.CollectStore`) and a progress display (:class:`ProgressSink`)."""

from __future__ import annotations

from typing import Protocol

from monitor._config import Config, SourceConfig
from monitor._ports import CollectStore
from monitor._sources.base import Page

from .reports import SourceReport


class CollectIndex(Protocol):
    """What a collection run needs of :class:`monitor._api.MentionIndex`.

    Its store takes the mentions, source state and run record; the index registers the
    config's brands and sources before a run and refreshes the snapshots after it.
    """

    @property
    def store(self) -> CollectStore:
        """Where the run writes (:class:`monitor._store.Store`)."""
        ...

    def sync_config(self, cfg: Config) -> None: ...

    def refresh(self) -> int: ...


class ProgressSink(Protocol):
    """Where a run reports its progress (the CLI's live display, a worker's queue)."""

    def source_started(self, source: SourceConfig) -> None: ...
    def page_done(self, source: SourceConfig, page: Page | None, report: SourceReport) -> None: ...
    def source_done(self, source: SourceConfig, report: SourceReport) -> None: ...


class NoProgress:
    """A progress sink that shows nothing."""

    def source_started(self, source: SourceConfig) -> None:
        pass

    def page_done(self, source: SourceConfig, page: Page | None, report: SourceReport) -> None:
        pass

    def source_done(self, source: SourceConfig, report: SourceReport) -> None:
        pass


__all__ = ["CollectIndex", "CollectStore", "NoProgress", "ProgressSink"]
