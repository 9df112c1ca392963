"""The one exception hierarchy of mention-monitor.

::

    MonitorError                 base of everything this package raises on purpose
    ├── ConfigError              a config file, field or CLI argument is wrong
    │   ├── QueryError           a brand's boolean query does not parse (also a ValueError)
    │   ├── UnknownBrand         an API call names a brand the database does not hold (also a LookupError)
    │   └── InvalidArgument      a bad argument to an API method: ``by=``, a date, a limit (also a ValueError)
    │       └── InvalidLabel     a label that is not negative/neutral/positive (also a StorageError)
    ├── StorageError             the database refused, or holds something unexpected
    ├── ImportDataError          a row of an imported file is unusable (carries the line)
    ├── SourceError              a source could not be collected
    │   ├── SourceBlocked        401/403/429 after retries, robots.txt, or a bot wall
    │   └── FetchFailed          network faults, 5xx after retries, oversize bodies
    │       └── SourceUnreachable    no answer: DNS lookup failed, connection refused, timed out
    ├── ParseError               a response/page could not be parsed
    ├── ModelError               the sentiment model cannot be built, loaded or run
    ├── DeliveryError            a digest could not be delivered (SMTP, webhook, file)
    │   └── TransientDeliveryError   worth retrying soon (refused, 4xx SMTP reply, HTTP 5xx)
    ├── SchedulerError           a scheduled job cannot run (e.g. outside ``monitor run``)
    └── Interrupted              a step saw its stop event (SIGTERM); the run is ``interrupted``

The HTTP layer's own control-flow exceptions (``monitor._http``) never leave
:meth:`~monitor._http.HttpClient.fetch`, which returns a result instead.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base class of every error mention-monitor raises deliberately."""


class ConfigError(MonitorError):
    """A configuration file, a field in it, or a command-line argument is invalid."""


class StorageError(MonitorError):
    """The database could not be opened, migrated or written."""


class ImportDataError(MonitorError):
    """A row of an imported file is invalid; ``line`` is its 1-based line number."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


class SourceError(MonitorError):
    """A source could not be collected."""


class SourceBlocked(SourceError):
    """The site refused us (401/403/429, robots.txt, captcha or bot wall)."""


class FetchFailed(SourceError):
    """A fetch failed for network or server reasons after retries."""


class SourceUnreachable(FetchFailed):
    """The host did not answer (DNS lookup failed, connection refused, timed out) after retries."""


class ParseError(MonitorError):
    """A response body could not be parsed into mentions."""


class ModelError(MonitorError):
    """The sentiment model could not be built, loaded or run."""


class DeliveryError(MonitorError):
    """A digest could not be delivered."""


class SchedulerError(MonitorError):
    """A scheduled job cannot run: e.g. a job function called outside ``monitor run``."""


class QueryError(ConfigError, ValueError):
    """A brand's boolean query does not parse (a ``ValueError`` too, for pydantic validators)."""


class UnknownBrand(ConfigError, LookupError):
    """An API call names a brand the database does not hold; ``brand`` is the name asked for."""

    def __init__(self, brand: str, known: list[str] | tuple[str, ...] = ()) -> None:
        self.brand = brand
        self.known = tuple(known)
        super().__init__(f"unknown brand {brand!r} (known: {', '.join(self.known) or 'none yet'})")


class InvalidArgument(ConfigError, ValueError):
    """A bad argument to an API method (a ``ConfigError`` and a ``ValueError`` too)."""


class InvalidLabel(InvalidArgument, StorageError):
    """A label outside :data:`monitor._labels.LABELS` (a ``StorageError`` too, as the store raised before)."""


class TransientDeliveryError(DeliveryError):
    """A delivery failure worth retrying soon (connection refused, 4xx SMTP reply, HTTP 5xx)."""


class Interrupted(MonitorError):
    """Raised inside a pipeline step when its stop event is set; callers record ``interrupted``."""


__all__ = [
    "ConfigError",
    "DeliveryError",
    "FetchFailed",
    "ImportDataError",
    "Interrupted",
    "InvalidArgument",
    "InvalidLabel",
    "ModelError",
    "MonitorError",
    "ParseError",
    "QueryError",
    "SchedulerError",
    "SourceBlocked",
    "SourceError",
    "SourceUnreachable",
    "StorageError",
    "TransientDeliveryError",
    "UnknownBrand",
]
