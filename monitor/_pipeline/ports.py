"""What the pipeline steps take: the index as scoring and alerting see it, the model, a collector.

The store ports themselves are in :mod:`monitor._ports`; :class:`monitor._api.MentionIndex`
implements every index port here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from monitor._collect.ports import CollectIndex
from monitor._collect.reports import CollectReport
from monitor._config import Config
from monitor._index.alerts import Alert
from monitor._ports import ScoreStore
from monitor._sentiment.classifier import Classifier

#: Builds the model when scoring starts (so a model that fails to load fails the score step).
ClassifierFactory = Callable[[], Classifier]


class ScoreIndex(Protocol):
    """The index as scoring sees it: its store, and the snapshot refresh after each batch."""

    @property
    def store(self) -> ScoreStore:
        """Where the scores go (:class:`monitor._store.Store`)."""
        ...

    def refresh(self) -> int: ...


class AlertsIndex(Protocol):
    """The index as the refresh step sees it: snapshots, the brands, their alerts."""

    def refresh(self) -> int: ...

    def brands(self) -> list[str]: ...

    def alerts(self, brand: str, at: datetime | None = None) -> Sequence[Alert]: ...


class CollectFn(Protocol):
    """A collection run in place of :func:`monitor._collect.collect` (another process layout, a test's)."""

    def __call__(
        self,
        cfg: Config,
        index: CollectIndex,
        *,
        source: str | None,
        brand: str | None,
        stop: threading.Event | None,
    ) -> CollectReport: ...


__all__ = ["AlertsIndex", "ClassifierFactory", "CollectFn", "ScoreIndex"]
