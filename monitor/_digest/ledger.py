"""The delivery ledger: which digest reached which channel, so none is sent twice.

The pipeline keeps it in the database's key/value ``meta`` table (:class:`MetaLedger`). A
ledger that cannot be read counts as "not delivered" (sending twice beats never sending).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

log = logging.getLogger(__name__)


class DeliveryLedger(Protocol):
    """Where successful deliveries are remembered (one key per digest and channel)."""

    def delivered(self, key: str) -> bool: ...

    def record(self, key: str) -> None: ...


class MetaLedger:
    """A :class:`DeliveryLedger` in the database's key/value ``meta`` table."""

    def __init__(self, get_meta: Callable[[str], str | None], set_meta: Callable[[str, str], None]) -> None:
        self._get = get_meta
        self._set = set_meta

    def delivered(self, key: str) -> bool:
        """Whether ``key`` was recorded."""
        return self._get(key) is not None

    def record(self, key: str) -> None:
        """Remember ``key`` (with the time of delivery)."""
        self._set(key, datetime.now(UTC).isoformat())


def delivery_key(stem: str, channel: str) -> str:
    """The ledger key of one digest (``stem`` names its day and brands) on one channel."""
    key = f"delivered:{channel}:{stem}"
    return key if len(key) <= 100 else f"delivered:{channel}:{hashlib.sha256(stem.encode()).hexdigest()}"


def already_delivered(ledger: DeliveryLedger, key: str) -> bool:
    """``ledger.delivered(key)``, or False when the ledger cannot be read."""
    try:
        return ledger.delivered(key)
    except Exception as exc:  # cannot tell: sending twice beats never sending
        log.warning("cannot read the delivery ledger: %s", exc)
        return False


def remember(ledger: DeliveryLedger | None, key: str) -> None:
    """Record ``key`` in ``ledger`` (if any); a failure to record is logged, not raised."""
    if ledger is None:
        return
    try:
        ledger.record(key)
    except Exception as exc:
        log.error("delivered, but cannot record it (a re-run may send it again): %s", exc)


__all__ = ["DeliveryLedger", "MetaLedger", "already_delivered", "delivery_key", "remember"]
