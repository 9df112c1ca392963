"""When is the digest due?

It goes out at ``digest.time`` in ``digest.timezone``. A morning digest (before 12:00)
reports on the previous calendar day, which is complete by then; an afternoon or evening
digest reports on the current day so far. A digest is due when the latest send time has
passed and no digest for its report day has been written yet.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor._config import DigestConfig
from monitor._ports import RunLog

NOON = time(12, 0)


def report_day(send_day: date, send_time: time) -> date:
    """The calendar day a digest sent on ``send_day`` at ``send_time`` reports on."""
    return send_day - timedelta(days=1) if send_time < NOON else send_day


def latest_send(now: datetime, dcfg: DigestConfig) -> datetime:
    """The latest scheduled send instant at or before ``now`` (aware, digest timezone)."""
    tz = ZoneInfo(dcfg.timezone)
    local = now.astimezone(tz)
    day = local.date()
    candidate = datetime.combine(day, dcfg.local_time, tz)
    if candidate > local:
        candidate = datetime.combine(day - timedelta(days=1), dcfg.local_time, tz)
    return candidate


def due_report_day(now: datetime, dcfg: DigestConfig, done: Callable[[date], bool]) -> date | None:
    """The report day whose digest is due at ``now``, or None if it was already written."""
    send = latest_send(now, dcfg)
    day = report_day(send.date(), dcfg.local_time)
    return None if done(day) else day


def digest_written(runs: RunLog, day: date) -> bool:
    """Whether a scheduled digest for ``day`` was written (its file exists, whatever the deliveries)."""
    for run in runs.recent_runs(limit=200, kind="digest"):
        if (
            run.counts.get("day") == day.isoformat()
            and run.status in ("ok", "partial")
            and run.counts.get("scheduled", True)
        ):
            return True
    return False


__all__ = ["NOON", "digest_written", "due_report_day", "latest_send", "report_day"]
