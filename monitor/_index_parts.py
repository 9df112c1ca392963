"""What :class:`~monitor.MentionIndex` gives the mixins its API is built from (``_*_api.py``).

Each mixin inherits :class:`IndexParts` for the attributes and brand lookups it reads;
``MentionIndex`` sets the attributes in ``__init__`` and defines the lookups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from monitor._config import Config
    from monitor._ports import Clock
    from monitor._store import Engine, Store


class IndexParts:
    """The index's engine, config, timezone, store and clock, and its brand lookups."""

    engine: Engine
    config: Config
    tz: ZoneInfo
    store: Store
    clock: Clock

    def _brand_id(self, brand: str) -> int:  # MentionIndex's
        raise NotImplementedError

    def _brand_name(self, bid: int) -> str:  # MentionIndex's
        raise NotImplementedError


__all__ = ["IndexParts"]
