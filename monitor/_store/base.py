"""The state every part of :class:`~monitor._store.Store` shares: one engine, the index timezone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import Engine


class StoreBase:
    """An engine and the index timezone, plus the registry's id caches."""

    def __init__(self, engine: Engine, tz: ZoneInfo) -> None:
        self.engine = engine
        self.tz = tz
        self._brand_ids: dict[str, int] = {}
        self._sources: dict[str, tuple[int, str]] = {}
