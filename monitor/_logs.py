"""The product's log: one line per event, one timestamp format, text or JSON, secrets masked.

:func:`configure_logging` is the one place the log is set up (``monitor run``, ``monitor
digest``, ``monitor demo``). Every line starts with its time as ISO 8601 with the offset
(:func:`monitor._stamps.iso_stamp`, in ``digest.timezone``), the format ``monitor status``
and the digest use. ``json`` writes one object per line for log shippers: ``ts``,
``level``, ``logger``, ``message``, the structured fields of an outcome line
(:func:`outcome`: ``job``, ``kind``, ``status``, ``new``, ``scored``, ``duration_s`` …)
and ``exc`` (the traceback) when there is one.

Whatever is logged passes :func:`monitor._redact.redact_text` (no URL password, token or
key reaches the log) and :func:`monitor._textsafe.printable` (no escape sequence reaches a
terminal).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import tzinfo
from typing import Literal, TextIO, get_args

from monitor._redact import redact_text
from monitor._stamps import iso_stamp
from monitor._textsafe import printable
from monitor.errors import MonitorError

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[str, ...] = get_args(LogFormat)
#: The LogRecord attribute holding an outcome line's structured fields.
FIELDS = "monitor_fields"
#: Libraries that log every request or migration at INFO: only their warnings are shown.
QUIET = ("httpx", "httpcore", "alembic", "apscheduler")
_BASE_KEYS = ("ts", "level", "logger", "message")
#: The logger of outcome lines (one per job of ``monitor run``, one per step of ``--once``).
RUN_LOG = logging.getLogger("monitor.run")
#: Statuses of work done as asked; any other status is logged as a WARNING.
GOOD = frozenset({"ok", "not_modified", "skipped", "done"})
#: At most this many characters of errors in one line.
REASON_LIMIT = 600


def outcome(
    logger: logging.Logger,
    level: int,
    message: str,
    fields: Mapping[str, object],
    exc: BaseException | None = None,
) -> None:
    """Log one outcome line: ``message`` for people, ``fields`` for log shippers (``--log-format
    json``), and ``exc``'s traceback (only for an exception nobody expected)."""
    logger.log(level, "%s", message, extra={FIELDS: dict(fields)}, exc_info=exc)


def level_of(status: str) -> int:
    """INFO for work done (:data:`GOOD`), WARNING for anything else."""
    return logging.INFO if status in GOOD else logging.WARNING


def reason(errors: Sequence[str]) -> str:
    """The errors as one line, redacted and cut at :data:`REASON_LIMIT` characters."""
    text = redact_text("; ".join(e.replace("\n", " ") for e in errors))
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def log_crash(job: str, exc: BaseException, duration_s: float) -> None:
    """A job that raised: one ERROR line with the reason; the traceback only when the
    exception is not one of the product's own (a :class:`~monitor.errors.MonitorError`)."""
    known = isinstance(exc, MonitorError)
    error = reason([str(exc) if known else f"{type(exc).__name__}: {exc}"])
    fields: dict[str, object] = {
        "job": job,
        "kind": job.split(":", 1)[0],
        "status": "failed",
        "duration_s": round(duration_s, 3),
        "error": error,
    }
    outcome(RUN_LOG, logging.ERROR, f"{job} failed in {duration_s:.1f}s — {error}", fields, exc=None if known else exc)


def log_not_run(job: str, run_time: str, why: str, *, status: str = "skipped") -> None:
    """A firing this scheduler did not run (another one holds its lease, it was missed): its one
    line, INFO when skipped on purpose, WARNING otherwise."""
    fields: dict[str, object] = {"job": job, "kind": job.split(":", 1)[0], "status": status, "run_time": run_time}
    fields["reason"] = why
    outcome(RUN_LOG, level_of(status), f"{job} at {run_time} {status}: {why}", fields)


def _clean(value: object) -> object:
    """A field's value, JSON-ready, with secrets masked and control characters removed."""
    if isinstance(value, str):
        return printable(redact_text(value))
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return printable(redact_text(str(value)))


class _Formatter(logging.Formatter):
    def __init__(self, tz: tzinfo | None) -> None:
        super().__init__()
        self.tz = tz

    def parts(self, record: logging.LogRecord) -> tuple[str, str, str | None]:
        """The record's time, its message (one line) and its traceback, cleaned."""
        message = printable(redact_text(record.getMessage()))
        trace = None
        if record.exc_info:
            trace = self.formatException(record.exc_info)
        elif record.exc_text:
            trace = record.exc_text
        if record.stack_info:
            trace = (trace + "\n" if trace else "") + self.formatStack(record.stack_info)
        if trace is not None:
            trace = printable(redact_text(trace), keep="\n")
        return iso_stamp(record.created, self.tz), message, trace


class TextFormatter(_Formatter):
    """``2026-12-01T14:42:12+01:00 INFO    message`` (a traceback follows on its own lines)."""

    def format(self, record: logging.LogRecord) -> str:
        ts, message, trace = self.parts(record)
        line = f"{ts} {record.levelname:<7} {message}"
        return f"{line}\n{trace}" if trace else line


class JsonFormatter(_Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, ``message``, the outcome fields, ``exc``."""

    def format(self, record: logging.LogRecord) -> str:
        ts, message, trace = self.parts(record)
        obj: dict[str, object] = {"ts": ts, "level": record.levelname, "logger": record.name, "message": message}
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, Mapping):
            for key, value in fields.items():
                if str(key) not in _BASE_KEYS:
                    obj[str(key)] = _clean(value)
        if trace:
            obj["exc"] = trace
        return json.dumps(obj, ensure_ascii=False, default=str)


def make_handler(fmt: LogFormat = "text", tz: tzinfo | None = None, stream: TextIO | None = None) -> logging.Handler:
    """A handler writing ``fmt`` lines to ``stream`` (default: the current ``sys.stderr``)."""
    if fmt not in LOG_FORMATS:
        raise ValueError(f"log format {fmt!r}: expected one of {', '.join(LOG_FORMATS)}")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter(tz) if fmt == "json" else TextFormatter(tz))
    return handler


@contextmanager
def configure_logging(
    level: int = logging.INFO,
    *,
    fmt: LogFormat = "text",
    tz: tzinfo | None = None,
    stream: TextIO | None = None,
) -> Iterator[logging.Handler]:
    """Log ``level`` and above to ``stream`` as ``fmt`` lines, times in ``tz``; restore the setup after.

    The handler goes on the root logger (every ``monitor.*`` logger reaches it); the
    libraries in :data:`QUIET` show only their warnings.
    """
    handler = make_handler(fmt, tz, stream)
    handler.setLevel(level)
    root = logging.getLogger()
    quiet = {name: logging.getLogger(name) for name in QUIET}
    saved = (root.level, {name: lg.level for name, lg in quiet.items()})
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO))
    for lg in quiet.values():
        lg.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        handler.flush()
        root.setLevel(saved[0])
        for name, lg in quiet.items():
            lg.setLevel(saved[1][name])


__all__ = [
    "FIELDS",
    "GOOD",
    "LOG_FORMATS",
    "RUN_LOG",
    "JsonFormatter",
    "LogFormat",
    "TextFormatter",
    "configure_logging",
    "level_of",
    "log_crash",
    "log_not_run",
    "make_handler",
    "outcome",
    "reason",
]
