"""Which database objects the migrations own (shared by env.py and the schema test)."""

from __future__ import annotations


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """APScheduler creates and owns its job table; the migrations leave it alone."""
    return not (type_ == "table" and name == "apscheduler_jobs")
