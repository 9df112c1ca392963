"""Tables of the insights: the aspects a mention talks about (themes add theirs here).

Their own module so ``tables.py`` stays small; ``tables.py`` imports it, so they are in the
schema whenever the other tables are.
"""

from __future__ import annotations

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


MENTION_ASPECT_T = MentionAspect.__table__  # type: ignore[attr-defined]

__all__ = ["MENTION_ASPECT_T", "MentionAspect"]
