"""The one timestamp format of the log, ``monitor status`` and the digest (and the one way
a duration is shown: :func:`duration`).

ISO 8601 to the second with its UTC offset (``2026-12-01T14:42:12+01:00``), in one
timezone: ``digest.timezone`` (UTC unless the config sets it). A naive time is UTC, as
everywhere in the project.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def display_zone(name: str | None = None) -> tzinfo:
    """The timezone times are shown in: ``name`` (an IANA name, ``digest.timezone``) or UTC."""
    return ZoneInfo(name) if name and name != "UTC" else UTC


def iso_stamp(value: datetime | float, tz: tzinfo | None = None) -> str:
    """``value`` (a datetime or epoch seconds) as ``2026-12-01T14:42:12+01:00`` in ``tz`` (default UTC)."""
    zone = tz or UTC
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    else:  # epoch seconds (a log record's time): arithmetic, no parsing (that is monitor._dates' job)
        moment = _EPOCH + timedelta(seconds=value)
    return moment.astimezone(zone).isoformat(timespec="seconds")


def duration(seconds: float | None) -> str:
    """How long, in words a reader scans: ``2d 3h``, ``5h 10m``, ``12m`` (``—`` for none)."""
    if seconds is None:
        return "—"
    minutes = int(max(seconds, 0) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins}m" if hours else f"{mins}m"


__all__ = ["display_zone", "duration", "iso_stamp"]
