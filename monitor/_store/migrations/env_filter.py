"""Which database objects the migrations own (shared by env.py and the schema test)."""

from __future__ import annotations


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """APScheduler creates and owns its job table; the migrations leave it alone. The text
    search's tables (``mention_search``, SQLite's FTS5 table and its shadow tables) are made
    by migration ``0008_search`` in forms the schema comparison cannot describe."""
    if type_ == "table" and name is not None and name.startswith("mention_search"):
        return False
    return not (type_ == "table" and name == "apscheduler_jobs")
