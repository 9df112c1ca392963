"""Schedule strings → APScheduler triggers, and fire-time arithmetic on the public trigger API.

A source's ``schedule`` is an interval (``"30m"``, ``"6h"``, ``"1d"``: one minute to
:data:`MAX_INTERVAL_DAYS` days) or a 5-field cron expression that must fire at least once.
Daily jobs (digest, retention) use a local-time cron trigger; the runner fires them at most
once per local day, so the repeated hour of an autumn DST change does not fire them twice.

Everything here is pure: :func:`parse_schedule` raises :class:`ValueError` with the
message :mod:`monitor._config` shows for a bad schedule.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor._textsafe import control_characters, shown

#: The longest interval schedule: a source collected less than once a year is a mistake.
MAX_INTERVAL_DAYS = 366
_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")

Kind = Literal["interval", "cron", "daily"]


def parse_schedule(value: str) -> tuple[Literal["interval"], int] | tuple[Literal["cron"], str]:
    """Parse ``"30m"``/``"6h"``/``"1d"`` into seconds, or a 5-field cron expression."""
    match = _INTERVAL.match(value)
    if match:
        digits, unit = match.group(1), match.group(2)
        too_long = ValueError(f"schedule {shown(value)!r} is longer than {MAX_INTERVAL_DAYS} days")
        if len(digits) > 12:  # also keeps int() away from thousands of digits
            raise too_long
        seconds = int(digits) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
        if seconds < 60:
            raise ValueError(f"schedule {value!r} is shorter than one minute")
        if seconds > MAX_INTERVAL_DAYS * 86400:
            raise too_long
        return ("interval", seconds)
    if control_characters(value):
        raise ValueError("schedule holds a control character")
    fields = value.split()
    if len(fields) != 5:
        raise ValueError(
            f"schedule {value!r} is neither an interval like '30m'/'6h'/'1d' "
            "nor a 5-field cron expression like '0 */2 * * *'"
        )
    try:
        trigger = CronTrigger.from_crontab(value, timezone="UTC")
    except ValueError as exc:
        raise ValueError(f"schedule {value!r} is not a valid cron expression: {exc}") from exc
    if trigger.get_next_fire_time(None, dt.datetime.now(dt.UTC)) is None:
        raise ValueError(f"schedule {value!r} never fires (no such date)")
    return ("cron", value)


def make_trigger(kind: str, value: str, timezone: str, anchor: dt.datetime) -> BaseTrigger:
    """The trigger of a job: an interval started at ``anchor``, a crontab, or a daily ``HH:MM``."""
    if kind == "interval":
        return IntervalTrigger(seconds=int(value), start_date=anchor, timezone=timezone)
    if kind == "cron":
        return CronTrigger.from_crontab(value, timezone=timezone)
    if kind == "daily":
        hour, minute = (int(part) for part in value.split(":"))
        return CronTrigger(hour=hour, minute=minute, timezone=timezone)
    raise ValueError(f"unknown schedule kind {kind!r}")


def next_fire(trigger: BaseTrigger, previous: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    """``trigger.get_next_fire_time``, typed (None: the trigger is done)."""
    when = trigger.get_next_fire_time(previous, now)
    return when if isinstance(when, dt.datetime) else None


def following(trigger: BaseTrigger, fired: dt.datetime) -> dt.datetime | None:
    """The trigger's first fire time after ``fired``."""
    return next_fire(trigger, fired, fired)


def _utc(when: dt.datetime) -> dt.datetime:
    # Instants compare in UTC: two times in one zone compare by wall clock, ignoring the
    # DST fold (02:30 CET would not be later than 02:30 CEST).
    return when.astimezone(dt.UTC)


def due_times(trigger: BaseTrigger, first: dt.datetime, now: dt.datetime) -> list[dt.datetime]:
    """The fire times from ``first`` (itself a fire time) up to ``now``, oldest first."""
    out: list[dt.datetime] = []
    t: dt.datetime | None = first
    while t is not None and _utc(t) <= _utc(now):
        out.append(t)
        t = next_fire(trigger, t, now)
    return out


def latest_due(trigger: BaseTrigger, first: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    """The last fire time at or before ``now``, counting from ``first``; None if ``first`` is later."""
    latest: dt.datetime | None = None
    t: dt.datetime | None = first
    while t is not None and _utc(t) <= _utc(now):
        latest = t
        t = next_fire(trigger, t, now)
    return latest


def resume_from(trigger: BaseTrigger, anchor: dt.datetime, last_fired: dt.datetime | None) -> dt.datetime | None:
    """The first firing still owed: the one after the last fired, else the first since ``anchor``.

    In the past after an outage: the scheduler then runs it once (coalesced) if within the
    job's misfire grace time, and otherwise skips to the next.
    """
    if last_fired is not None and _utc(last_fired) >= _utc(anchor):
        return following(trigger, last_fired)
    return next_fire(trigger, None, anchor)


def same_local_day(a: dt.datetime, b: dt.datetime, timezone: dt.tzinfo) -> bool:
    """Whether two instants fall on one calendar day in ``timezone``."""
    return a.astimezone(timezone).date() == b.astimezone(timezone).date()


__all__ = [
    "MAX_INTERVAL_DAYS",
    "Kind",
    "due_times",
    "following",
    "latest_due",
    "make_trigger",
    "next_fire",
    "parse_schedule",
    "resume_from",
    "same_local_day",
]
