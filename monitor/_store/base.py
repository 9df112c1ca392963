"""The state every part of :class:`~monitor._store.Store` shares: one engine, the index
timezone, and whether the stars label every rated mention (``index.label_from_rating``)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import Engine


class StoreBase:
    """An engine, the index timezone and the star rule, plus the registry's id caches."""

    def __init__(self, engine: Engine, tz: ZoneInfo, *, label_from_rating: bool = True) -> None:
        self.engine = engine
        self.tz = tz
        self.label_from_rating = label_from_rating
        self._brand_ids: dict[str, int] = {}
        self._sources: dict[str, tuple[int, str]] = {}
