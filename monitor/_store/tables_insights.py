"""Tables of the insights: the aspects a mention talks about, and the daily rollups of themes
and aspects the dashboard and the API read over long windows.

Their own module so ``tables.py`` stays small; ``tables.py`` imports it, so they are in the
schema whenever the other tables are.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel


class MentionAspect(SQLModel, table=True):
    """An aspect a mention talks about; none: one row of aspect "-" (``monitor/_store/aspects.py``)."""

    __tablename__ = "mention_aspect"
    __table_args__ = (Index("ix_mention_aspect_aspect", "aspect", "mention_id"),)  # one aspect's mentions
    mention_id: int = Field(sa_column=Column(Integer, ForeignKey("mention.id", ondelete="CASCADE"), primary_key=True))
    aspect: str = Field(primary_key=True, max_length=40)
    score: float | None = None  # the embedding margin
    keyword: str | None = Field(default=None, max_length=80)  # the keyword that named it


class ThemeDay(SQLModel, table=True):
    """Mentions of a brand's theme per local day × language × effective label
    (``monitor/_store/insight_rollups.py`` keeps it; ``lang`` "" when unknown)."""

    __tablename__ = "theme_day"
    brand_id: int = Field(primary_key=True, foreign_key="brand.id")
    day: date = Field(primary_key=True)
    theme_id: int = Field(primary_key=True, foreign_key="theme.id")
    lang: str = Field(primary_key=True, max_length=12)
    label: str = Field(primary_key=True, max_length=10)
    n: int = 0


class AspectDay(SQLModel, table=True):
    """Mentions of a brand tagged with an aspect per local day × effective label; the aspect
    ``*`` counts the mentions tagged at all (with an aspect or none)."""

    __tablename__ = "aspect_day"
    brand_id: int = Field(primary_key=True, foreign_key="brand.id")
    day: date = Field(primary_key=True)
    aspect: str = Field(primary_key=True, max_length=40)
    label: str = Field(primary_key=True, max_length=10)
    n: int = 0


MENTION_ASPECT_T = MentionAspect.__table__  # type: ignore[attr-defined]
THEME_DAY_T = ThemeDay.__table__  # type: ignore[attr-defined]
ASPECT_DAY_T = AspectDay.__table__  # type: ignore[attr-defined]

__all__ = ["ASPECT_DAY_T", "MENTION_ASPECT_T", "THEME_DAY_T", "AspectDay", "MentionAspect", "ThemeDay"]
