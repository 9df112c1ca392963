"""The login rate limit: after N failures of one name from one address, a lockout."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_KEYS = 10_000  # entries kept before the stale ones are dropped


@dataclass(slots=True)
class _Failures:
    count: int
    first: float
    locked_until: float = 0.0


class LoginLimiter:
    """Counts failed logins per ``(name, address)``; ``max_failures`` within ``window``
    seconds lock that pair out for ``lockout`` seconds (in this process)."""

    def __init__(
        self, max_failures: int, lockout: float, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_failures = max_failures
        self.lockout = lockout
        self.window = window
        self.clock = clock
        self._seen: dict[tuple[str, str], _Failures] = {}

    @staticmethod
    def key(name: str, address: str) -> tuple[str, str]:
        """The pair a failure counts against (names compared case-insensitively)."""
        return (name.strip().casefold(), address)

    def locked_for(self, key: tuple[str, str]) -> float:
        """Seconds until ``key`` may try again (0: it may now)."""
        f = self._seen.get(key)
        return max(0.0, f.locked_until - self.clock()) if f else 0.0

    def failed(self, key: tuple[str, str]) -> None:
        """Count a failure; the ``max_failures``-th within the window starts a lockout."""
        now = self.clock()
        f = self._seen.get(key)
        if f is None or now - f.first > self.window:
            if len(self._seen) >= MAX_KEYS:
                self._prune(now)
            f = self._seen[key] = _Failures(0, now)
        f.count += 1
        if f.count >= self.max_failures:
            f.locked_until = now + self.lockout
            f.count, f.first = 0, now

    def succeeded(self, key: tuple[str, str]) -> None:
        """Forget ``key``'s failures."""
        self._seen.pop(key, None)

    def _prune(self, now: float) -> None:
        for k in [k for k, f in self._seen.items() if now - f.first > self.window and f.locked_until <= now]:
            del self._seen[k]
        while len(self._seen) >= MAX_KEYS:  # still full: drop the oldest
            del self._seen[next(iter(self._seen))]


__all__ = ["LoginLimiter"]
