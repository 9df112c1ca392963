"""The reach rollup table (reach-weighted figures read it; :mod:`monitor._index.reach`).

Its own module so ``tables.py`` stays small; ``tables.py`` imports it, so it is in the
schema whenever the other tables are.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel


class ReachRollup(SQLModel, table=True):
    """Mentions with a reach of at least 1 per brand × day × source × language × effective
    label × reach level ⌊log₂(1 + reach)⌋; the others weigh 1 (the daily rollup's count
    minus these)."""

    __tablename__ = "reach_rollup"
    brand_id: int = Field(primary_key=True, foreign_key="brand.id")
    day: date = Field(primary_key=True)
    source_id: int = Field(primary_key=True, foreign_key="source.id")
    lang: str = Field(primary_key=True, max_length=12)
    label: str = Field(primary_key=True, max_length=10)
    level: int = Field(primary_key=True)
    n: int = 0


REACH_ROLLUP_T = ReachRollup.__table__  # type: ignore[attr-defined]
#: Its key columns, in ``ReachKey`` order.
REACH_KEYS = ("brand_id", "day", "source_id", "lang", "label", "level")

__all__ = ["REACH_KEYS", "REACH_ROLLUP_T", "ReachRollup"]
