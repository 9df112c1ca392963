"""mention-monitor: online-mention sentiment monitoring.

The Python API::

    from monitor import MentionIndex
    idx = MentionIndex.open("sqlite:///monitor.db")      # or a config path
    idx.satisfaction("Acme", start=date(2026, 11, 1), end=date(2026, 11, 30), by="week")

Nothing heavy happens at import: the sentiment model (torch) loads only when asked for.
"""

import typing as _typing
from importlib import metadata as _metadata

from monitor._api import MentionIndex
from monitor._complaint_api import Complaint
from monitor._config import Config, load_config
from monitor._index.agreement import Agreement, ModelCheck
from monitor._index.alerts import Alert
from monitor._index.aspects import AspectFigures
from monitor._index.complaints import ComplaintFigures
from monitor._index.drivers import Driver, DriverReport
from monitor._index.points import Point
from monitor._index.reach import ReachPoint
from monitor._index.snapshots import Snapshot
from monitor._integrity import VerifyReport
from monitor._records import AggregateRating, Mention, Prediction
from monitor._results import BrandFigures, BreakdownRow, ResultList
from monitor._store import IngestResult
from monitor._store.answers import AnswerState
from monitor._store.listings import MentionList, MentionRecord, RunRecord, SourceOverview
from monitor._store.ratings import RatingPoint
from monitor._store.relabels import LabelChange
from monitor._theme_results import ThemeCount, ThemeFigures, ThemeMention
from monitor.errors import (
    ConfigError,
    DeliveryError,
    FetchFailed,
    ImportDataError,
    Interrupted,
    InvalidArgument,
    InvalidLabel,
    ModelError,
    MonitorError,
    ParseError,
    QueryError,
    SchedulerError,
    SourceBlocked,
    SourceError,
    SourceUnreachable,
    StorageError,
    TransientDeliveryError,
    UnknownBrand,
    UnknownLanguage,
    UnknownSource,
)

if _typing.TYPE_CHECKING:  # pragma: no cover
    from monitor._sentiment import SentimentClassifier, load_classifier

try:
    __version__ = _metadata.version("mention-monitor")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

_LAZY = {"SentimentClassifier": "monitor._sentiment", "load_classifier": "monitor._sentiment"}


def __getattr__(name: str) -> _typing.Any:
    """Load the model API lazily (it imports torch)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'monitor' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, the lazily loaded ones included."""
    return sorted({*globals(), *_LAZY})


__all__ = [
    "AggregateRating",
    "Agreement",
    "Alert",
    "AnswerState",
    "AspectFigures",
    "BrandFigures",
    "BreakdownRow",
    "Complaint",
    "ComplaintFigures",
    "Config",
    "ConfigError",
    "DeliveryError",
    "Driver",
    "DriverReport",
    "FetchFailed",
    "ImportDataError",
    "IngestResult",
    "Interrupted",
    "InvalidArgument",
    "InvalidLabel",
    "LabelChange",
    "Mention",
    "MentionIndex",
    "MentionList",
    "MentionRecord",
    "ModelCheck",
    "ModelError",
    "MonitorError",
    "ParseError",
    "Point",
    "Prediction",
    "QueryError",
    "RatingPoint",
    "ReachPoint",
    "ResultList",
    "RunRecord",
    "SchedulerError",
    "SentimentClassifier",
    "Snapshot",
    "SourceBlocked",
    "SourceError",
    "SourceOverview",
    "SourceUnreachable",
    "StorageError",
    "ThemeCount",
    "ThemeFigures",
    "ThemeMention",
    "TransientDeliveryError",
    "UnknownBrand",
    "UnknownLanguage",
    "UnknownSource",
    "VerifyReport",
    "__version__",
    "load_classifier",
    "load_config",
]
