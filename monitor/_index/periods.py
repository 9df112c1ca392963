"""Calendar periods (day / ISO week / month) and local days in the index timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from monitor.errors import ConfigError

By = Literal["day", "week", "month"] | None
BY_VALUES = ("day", "week", "month", None)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar day ``moment`` falls on in ``tz`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date()


def period_start(day: date, by: By, range_start: date) -> date:
    """The first day of the period ``day`` belongs to (``range_start`` when by is None)."""
    if by == "day":
        return day
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    if by is None:
        return range_start
    raise ConfigError(f"by={by!r}: expected 'day', 'week', 'month' or None")


def periods(start: date, end: date, by: By) -> list[date]:
    """Every period start from ``start`` to ``end`` inclusive, in order."""
    if end < start:
        raise ConfigError(f"end {end} is before start {start}")
    out: list[date] = []
    d = start
    while d <= end:
        p = period_start(d, by, start)
        if not out or out[-1] != p:
            out.append(p)
        d += timedelta(days=1)
    return out


def day_bounds_utc(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants [start, end) of a local calendar day (correct across DST changes)."""
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


__all__ = ["BY_VALUES", "By", "day_bounds_utc", "local_day", "period_start", "periods"]
