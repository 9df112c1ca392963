"""Per-host politeness: at most N requests in flight and a minimum interval between starts.

One :class:`HostLimiter` is shared by every source of a run, so two sources that hit the
same site share its budget. Use as ``async with limiter.slot(key, interval=…):``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _Host:
    semaphore: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0


class HostLimiter:
    """Concurrency and minimum start-to-start interval per host key."""

    def __init__(
        self,
        concurrency: int = 2,
        min_interval_s: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self.min_interval_s = max(0.0, min_interval_s)
        self._clock = clock
        self._sleep = sleep
        self._hosts: dict[str, _Host] = {}

    def _host(self, key: str, concurrency: int) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(asyncio.Semaphore(concurrency))
        return host

    @asynccontextmanager
    async def slot(
        self, key: str, *, interval: float | None = None, concurrency: int | None = None
    ) -> AsyncIterator[None]:
        """Wait for a free slot on ``key`` and for its interval; hold the slot while inside."""
        gap = self.min_interval_s if interval is None else max(0.0, interval)
        host = self._host(key, concurrency or self.concurrency)
        async with host.semaphore:
            if gap > 0:
                async with host.lock:
                    now = self._clock()
                    start = max(now, host.next_start)
                    host.next_start = start + gap
                delay = start - now
                if delay > 0:
                    await self._sleep(delay)
            yield


__all__ = ["HostLimiter"]
