"""The seams collection sees: the store (:class:`IndexLike`) and a progress display (:class:`ProgressSink`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from monitor.config import Config, SourceConfig
from monitor.records import AggregateRating, MentionIn
from monitor.sources.base import Page
from monitor.store import Engine, IngestResult, SourceState

from .reports import SourceReport


class IndexLike(Protocol):
    """The part of :class:`monitor.api.MentionIndex` collection uses."""

    @property
    def engine(self) -> Engine | None:
        """The database worker processes open again (``None``: collect in this process only)."""
        ...

    def sync_config(self, cfg: Config) -> None: ...
    def add_mentions(
        self,
        brand: str,
        source: str,
        items: Sequence[MentionIn],
        *,
        source_kind: str | None = None,
        refresh: bool = True,
    ) -> IngestResult: ...
    def refresh(self) -> int: ...
    def known_external_ids(self, source: str, external_ids: Iterable[str]) -> set[str]: ...
    def source_state(self, source: str) -> SourceState: ...
    def record_source_result(
        self,
        source: str,
        status: str,
        reason: str | None = None,
        cursor: dict[str, Any] | None = None,
    ) -> None: ...
    def http_validators(self, url: str) -> tuple[str | None, str | None] | None: ...
    def set_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None: ...
    def record_rating(self, source: str, rating: AggregateRating, *, at: datetime, url: str | None = None) -> None:
        """Keep a page's AggregateRating as the source's rating snapshot of ``at``'s day."""
        ...

    def start_run(self, kind: str) -> int: ...
    def finish_run(self, run_id: int, status: str, counts: dict[str, Any], errors: list[str]) -> None: ...


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


__all__ = ["IndexLike", "NoProgress", "ProgressSink"]
