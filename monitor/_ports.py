"""The seams to the store, as Protocols: what collection, scoring and the jobs need of it.

:class:`monitor._store.Store` implements every port here (``MentionIndex.store`` is one);
each consumer names the smallest port it needs, so a test may hand in any object with
those methods. The model's port is :class:`monitor._sentiment.classifier.Classifier`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from monitor._records import AggregateRating, BrandReply, Mention, Prediction
from monitor._store import Engine, IngestResult, SourceState
from monitor._store.aspects import TagRow, Untagged
from monitor._store.listings import RunRecord

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from monitor._store import Store

#: The current time, aware (tests inject a fixed or stepping one).
Clock = Callable[[], datetime]
#: A JSON object as stored: a run's counts, a source's cursor.
JSONObject = dict[str, object]


class RunLog(Protocol):
    """Run records: each step opens one, closes it with its status and counts, and reads the latest."""

    def start_run(self, kind: str) -> int: ...

    def finish_run(self, run_id: int, status: str, counts: JSONObject, errors: list[str]) -> None: ...

    def recent_runs(self, limit: int = 20, kind: str | None = None) -> list[RunRecord]: ...


class CollectStore(RunLog, Protocol):
    """The store as collection writes it: mentions, source state and cursors, HTTP validators,
    the brand's replies seen."""

    @property
    def engine(self) -> Engine:
        """The database worker processes open again."""
        ...

    def add_mentions(
        self, brand: str, source: str, items: Sequence[Mention], *, source_kind: str | None = None
    ) -> IngestResult: ...

    def known_external_ids(self, source: str, external_ids: Iterable[str]) -> set[str]: ...

    def source_state(self, name: str) -> SourceState: ...

    def record_source_result(
        self, name: str, status: str, reason: str | None = None, cursor: JSONObject | None = None
    ) -> None: ...

    def http_validators(self, url: str) -> tuple[str | None, str | None] | None: ...

    def set_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None: ...

    def record_rating(self, source: str, rating: AggregateRating, *, at: datetime, url: str | None = None) -> None:
        """Keep a page's AggregateRating as the source's rating snapshot of ``at``'s day."""
        ...

    def mark_replied(self, source: str, replies: Sequence[BrandReply]) -> int:
        """Mark the mentions the brand's own ``replies`` answer answered; how many changed."""
        ...


class ScoreStore(RunLog, Protocol):
    """The store as scoring sees it: what a model version has yet to score, and its scores."""

    def count_pending(self, model_id: str, model_version: str) -> int: ...

    def pending_scoring(self, model_id: str, model_version: str, limit: int) -> list[tuple[int, str, str | None]]: ...

    def add_scores(self, items: Sequence[tuple[int, Prediction, bool]]) -> int: ...


class MetaStore(Protocol):
    """The key/value ``meta`` table (the digest's delivery ledger)."""

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...


class VectorStore(Protocol):
    """Stored mention vectors of one embedder version (:class:`~monitor._store.vectors.MentionVectors`)."""

    def vectors_for(self, ids: Sequence[int]) -> tuple[list[int], NDArray[np.float32]]: ...

    def store_vectors(self, ids: Sequence[int], vectors: NDArray[np.float32]) -> int: ...


class AspectStore(RunLog, MetaStore, Protocol):
    """The store as aspect tagging sees it: the mentions still to tag, their tags, a fresh start,
    and the mention vectors the themes step stores (embedded once, read by both)."""

    def mention_vectors(self, version: str, dim: int) -> VectorStore: ...

    def untagged_mentions(self, after: int, limit: int) -> list[Untagged]: ...

    def count_untagged(self) -> int: ...

    def write_aspect_tags(self, rows: Sequence[TagRow]) -> int: ...

    def clear_aspect_tags(self) -> int: ...


class RetentionStore(Protocol):
    """Dropping raw mentions and runs past their retention (the index history stays)."""

    def apply_retention(self, mention_days: int, run_days: int, *, now: datetime | None = None) -> dict[str, int]: ...


class PipelineStore(CollectStore, ScoreStore, AspectStore, MetaStore, RetentionStore, Protocol):
    """Every port at once: the store as the pipeline and the scheduled jobs hold it."""


def _store_implements_every_port(store: Store) -> PipelineStore:
    """Never called: mypy checks here that :class:`~monitor._store.Store` implements the ports."""
    return store


__all__ = [
    "AspectStore",
    "Clock",
    "CollectStore",
    "JSONObject",
    "MetaStore",
    "PipelineStore",
    "RetentionStore",
    "RunLog",
    "ScoreStore",
]
