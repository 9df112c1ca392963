"""Retries with exponential backoff and jitter that honour ``Retry-After`` (tenacity).

Retried: connection errors, timeouts, resets, truncated bodies, 429 and 5xx. Not retried:
other 4xx, robots.txt refusals, bot walls, oversize bodies. A ``Retry-After`` longer than
``max_retry_after`` ends the fetch at once (we do not sit on a site that asked us to go
away for an hour); the source is then reported ``blocked`` (429), ``unreachable`` (no
answer: :mod:`~monitor._http.reach`) or ``failed`` (5xx, a broken exchange).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from tenacity import RetryCallState

from monitor._dates import parse_http_date

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


class Retryable(Exception):
    """Raised inside an attempt to ask for another one; ``status`` is the fetch's if none is left."""

    def __init__(
        self,
        reason: str,
        *,
        status: Literal["unreachable", "failed"] = "failed",
        http_status: int | None = None,
        retry_after: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status: Literal["unreachable", "failed"] = status
        self.http_status = http_status
        self.retry_after = retry_after
        self.headers = headers or {}


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = parse_http_date(value)
    if when is None:
        return None
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


class BackoffWait:
    """tenacity wait: the server's ``Retry-After`` if it sent one, else ``base·2^n`` (capped
    at ``cap``) scaled by a random factor in [0.5, 1.5)."""

    def __init__(self, base: float = 1.0, cap: float = 60.0, rng: Callable[[], float] = random.random) -> None:
        self.base = base
        self.cap = cap
        self._rng = rng

    def __call__(self, state: RetryCallState) -> float:
        n = max(0, state.attempt_number - 1)
        backoff = min(self.cap, self.base * (2**n))
        backoff = float(backoff * (0.5 + self._rng()))
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, Retryable) and exc.retry_after is not None:
            # The predicate already refused waits longer than max_retry_after.
            return exc.retry_after if exc.retry_after > 0 else backoff
        return backoff


def should_retry(max_retry_after: float) -> Callable[[RetryCallState], bool]:
    """tenacity retry predicate: a :class:`Retryable` whose Retry-After we accept."""

    def predicate(state: RetryCallState) -> bool:
        if state.outcome is None or not state.outcome.failed:
            return False
        exc = state.outcome.exception()
        if not isinstance(exc, Retryable):
            return False
        return exc.retry_after is None or exc.retry_after <= max_retry_after

    return predicate


__all__ = ["RETRY_STATUSES", "BackoffWait", "Retryable", "parse_retry_after", "should_retry"]
