"""The tables of sentence vectors and themes (registered with the rest by :mod:`monitor._store.tables`).

``mention_vector`` holds each mention's sentence vector once (``monitor._embed``; generic:
themes and aspects read it); ``theme`` a brand's themes, named once and kept from day to
day; ``mention_theme`` which theme each mention was assigned to. Migration ``0013_themes``
creates them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, Text
from sqlmodel import Field, SQLModel


class MentionVector(SQLModel, table=True):
    """A mention's sentence vector, stored once: int8 with a per-row scale (384 bytes + 8).

    ``version`` names the embedder that made it; a new version's vector replaces the old one.
    """

    __tablename__ = "mention_vector"
    mention_id: int = Field(primary_key=True, foreign_key="mention.id")
    version: str = Field(max_length=100)
    scale: float  # component = byte / 127 * scale
    data: bytes = Field(sa_type=LargeBinary)


class Theme(SQLModel, table=True):
    """A brand's theme: a group of mentions across languages, named once, kept from day to day."""

    __tablename__ = "theme"
    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id", index=True)
    name: str = Field(max_length=300)  # set when the theme appears, never changed
    gist: str = Field(default="", max_length=300)  # English terms (else the main language's), renewed
    terms: str = Field(default="{}", sa_type=Text)  # {lang: [terms]}, renewed on every update
    centroid: bytes = Field(sa_type=LargeBinary)  # float32, in the brand's language-centred space
    version: str = Field(max_length=100)  # the embedder version the centroid is in
    size: int = 0  # mentions assigned to it in all
    created_at: datetime
    updated_at: datetime


class MentionTheme(SQLModel, table=True):
    """Which theme a mention was assigned to (``theme_id`` None: checked, it fits none yet)."""

    __tablename__ = "mention_theme"
    __table_args__ = (
        Index("ix_mention_theme_brand_theme", "brand_id", "theme_id"),
        Index("ix_mention_theme_brand_pub", "brand_id", "published_at"),  # a window's assignments
    )
    mention_id: int = Field(primary_key=True, foreign_key="mention.id")
    brand_id: int = Field(foreign_key="brand.id")
    published_at: datetime | None = None  # the mention's, copied: a window's assignments without the mentions
    theme_id: int | None = Field(default=None, foreign_key="theme.id")
    similarity: float | None = None  # cosine to the theme's centroid when assigned
    assigned_at: datetime


MENTION_VECTOR_T = MentionVector.__table__  # type: ignore[attr-defined]
THEME_T = Theme.__table__  # type: ignore[attr-defined]
MENTION_THEME_T = MentionTheme.__table__  # type: ignore[attr-defined]

__all__ = ["MENTION_THEME_T", "MENTION_VECTOR_T", "THEME_T", "MentionTheme", "MentionVector", "Theme"]
