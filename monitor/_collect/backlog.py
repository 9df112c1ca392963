"""The cursor of a walk stopped at ``max_pages``: where to go on, and what to commit once it is read.

A walk stopped at ``max_pages`` with pages left stores where it stopped (``resume`` in the
cursor); the next run goes on from there, and the cursor's ``newest`` (with the kind's
values, e.g. Mastodon ``since_id``) advances only when that backlog is read to its end, so
nothing between is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor._dates import parse_datetime
from monitor._ports import JSONObject
from monitor._sources.base import Resume

RESUME = "resume"  # the cursor key of an unfinished backlog (see Backlog)


@dataclass(frozen=True)
class Backlog:
    """A walk stopped at ``max_pages``: where to go on, and what its first run saw.

    Kept in the cursor under ``resume``; ``newest`` and ``cursor_out`` are what the first
    run of the backlog (the one that read the newest page) would have committed, held back
    until the backlog is read to its end so nothing between is skipped.
    """

    resume: Resume
    newest: datetime | None
    cursor_out: JSONObject

    def extend(self, newest: datetime | None, cursor_out: JSONObject) -> Backlog:
        """The backlog after one more run (the first run's kind-specific values win)."""
        return Backlog(self.resume, later(self.newest, newest), {**cursor_out, **self.cursor_out})

    def as_dict(self) -> JSONObject:
        """The backlog as stored in the cursor."""
        held = {"newest": self.newest.isoformat() if self.newest else None, "cursor_out": self.cursor_out}
        return {**self.resume.as_dict(), "held": held}

    @classmethod
    def from_cursor(cls, cursor: JSONObject) -> Backlog | None:
        """The backlog a cursor holds (``None``: the last walk read everything)."""
        raw = cursor.get(RESUME)
        resume = Resume.from_dict(raw)
        if resume is None or not isinstance(raw, dict):
            return None
        held = raw.get("held")
        if not isinstance(held, dict):
            held = {}
        out = held.get("cursor_out")
        return cls(resume, parse_newest(held.get("newest")), dict(out) if isinstance(out, dict) else {})


def later(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later of two optional times."""
    if a is None or b is None:
        return a or b
    return max(a, b)


def parse_newest(value: object) -> datetime | None:
    """The cursor's ``newest`` as an aware datetime (``None``: absent or unreadable)."""
    return parse_datetime(value)


__all__ = ["RESUME", "Backlog", "later", "parse_newest"]
