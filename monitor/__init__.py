"""mention-monitor: online-mention sentiment monitoring.

The Python API::

    from monitor import MentionIndex
    idx = MentionIndex.open("sqlite:///monitor.db")      # or a config path
    idx.satisfaction("Acme", start=date(2026, 11, 1), end=date(2026, 11, 30), by="week")

Nothing heavy happens at import: the sentiment model (torch) loads only when asked for.
"""

from __future__ import annotations

from importlib import metadata as _metadata
from typing import TYPE_CHECKING, Any

from monitor.api import BrandFigures, MentionIndex, MentionRecord, Snapshot
from monitor.config import Config, load_config
from monitor.errors import (
    ConfigError,
    DeliveryError,
    FetchFailed,
    ImportDataError,
    Interrupted,
    ModelError,
    MonitorError,
    ParseError,
    QueryError,
    SchedulerError,
    SourceBlocked,
    SourceError,
    StorageError,
    TransientDeliveryError,
)
from monitor.index.alerts import Alert
from monitor.index.points import Point
from monitor.integrity import VerifyReport
from monitor.records import Mention, Prediction
from monitor.store import IngestResult

if TYPE_CHECKING:  # pragma: no cover
    from monitor.sentiment import SentimentClassifier, load_classifier

try:
    __version__ = _metadata.version("mention-monitor")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

_LAZY = {"SentimentClassifier": "monitor.sentiment", "load_classifier": "monitor.sentiment"}


def __getattr__(name: str) -> Any:
    """Load the model API lazily (it imports torch)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'monitor' has no attribute {name!r}")


__all__ = [
    "Alert",
    "BrandFigures",
    "Config",
    "ConfigError",
    "DeliveryError",
    "FetchFailed",
    "ImportDataError",
    "IngestResult",
    "Interrupted",
    "Mention",
    "MentionIndex",
    "MentionRecord",
    "ModelError",
    "MonitorError",
    "ParseError",
    "Point",
    "Prediction",
    "QueryError",
    "SchedulerError",
    "SentimentClassifier",
    "Snapshot",
    "SourceBlocked",
    "SourceError",
    "StorageError",
    "TransientDeliveryError",
    "VerifyReport",
    "__version__",
    "load_classifier",
    "load_config",
]
