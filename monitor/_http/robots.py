"""robots.txt, fetched once per host and cached (protego); with a :class:`SharedRobots`
store (distributed mode), shared by every worker and kept between runs.

Semantics follow RFC 9309: a 2xx file is parsed; a 4xx (no file) allows everything; a 5xx
or an unreachable host disallows everything for a short while (the site may be down, and
a crawler that ignores that hammers it). The file is read up to 500 KiB.

Only a file that disallows a URL makes its fetch ``blocked`` (the site refused us); a
robots.txt that could not be fetched makes it ``unreachable`` (no answer) or ``failed``
(a 5xx, our own address rules), with the reason that says why (:func:`robots_refusal`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import httpx
from protego import Protego

from monitor._health import FetchStatus
from monitor._http.result import FetchResult
from monitor._http.useragent import ROBOTS_TOKEN

MAX_ROBOTS_BYTES = 500 * 1024


@dataclass(frozen=True)
class RobotsFile:
    """What a host said: parsed rules, or a blanket allow/deny with its reason.

    ``refusal`` is the status of a fetch a blanket deny stops: ``unreachable`` when the
    file could not be fetched for network reasons, ``failed`` for a 5xx or a refused hop.
    """

    rules: Protego | None
    allow_all: bool
    reason: str
    fetched_at: float
    refusal: FetchStatus = "failed"

    def allowed(self, url: str, token: str = ROBOTS_TOKEN) -> bool:
        if self.rules is not None:
            return bool(self.rules.can_fetch(url, token))
        return self.allow_all

    def crawl_delay(self, token: str = ROBOTS_TOKEN) -> float | None:
        if self.rules is None:
            return None
        delay = self.rules.crawl_delay(token)
        return float(delay) if delay is not None else None


#: ``fetch(robots_url) -> the result`` (``http_status`` ``None`` when no HTTP answer came).
RobotsFetcher = Callable[[str], Awaitable[FetchResult]]


class SharedRobots(Protocol):
    """Where robots.txt files outlive a run and are shared between processes (the store)."""

    def robots_entry(self, url: str) -> tuple[int | None, bytes, datetime] | None: ...

    def set_robots_entry(self, url: str, status: int | None, body: bytes, at: datetime) -> None: ...


def robots_url(url: str) -> str:
    u = httpx.URL(url)
    return str(u.copy_with(path="/robots.txt", query=None, fragment=None))


def interpret(status: int | None, body: bytes, now: float) -> RobotsFile:
    """RFC 9309 reading of one robots.txt response."""
    if status is None:
        return RobotsFile(None, False, "robots.txt unreachable: treated as disallow-all", now, "unreachable")
    if 200 <= status < 300:
        text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        return RobotsFile(Protego.parse(text), True, "robots.txt", now)
    if 400 <= status < 500:
        return RobotsFile(None, True, f"no robots.txt (HTTP {status}): all allowed", now)
    return RobotsFile(None, False, f"robots.txt answered HTTP {status}: treated as disallow-all", now)


def interpret_result(result: FetchResult, now: float) -> RobotsFile:
    """:func:`interpret` of a fetch result: without an HTTP answer, the fault is the reason."""
    if result.http_status is not None:
        return interpret(result.http_status, result.body, now)
    reason = result.reason or "no answer"
    if result.status == "unreachable":
        return RobotsFile(None, False, f"robots.txt unreachable: {reason}", now, "unreachable")
    return RobotsFile(None, False, f"robots.txt not fetched: {reason}", now, "failed")


def robots_refusal(robots: RobotsFile, path: str) -> tuple[FetchStatus, str]:
    """The status and reason of a fetch of ``path`` that ``robots`` does not allow."""
    if robots.rules is not None:
        return "blocked", f"robots.txt disallows {path}"
    return robots.refusal, robots.reason


class RobotsCache:
    """One :class:`RobotsFile` per host key, refreshed after ``ttl`` (failures after 10 min)."""

    def __init__(
        self,
        fetcher: RobotsFetcher,
        *,
        ttl_s: float = 86400.0,
        error_ttl_s: float = 600.0,
        shared: SharedRobots | None = None,
    ) -> None:
        self._fetch = fetcher
        self._shared = shared
        self._ttl = ttl_s
        self._error_ttl = error_ttl_s
        self._files: dict[str, RobotsFile] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, url: str) -> RobotsFile:
        key = robots_url(url)
        async with self._locks.setdefault(key, asyncio.Lock()):  # one fetch per host
            now = time.monotonic()
            cached = self._files.get(key)
            if cached is not None:
                ok = cached.rules is not None or cached.allow_all
                if now - cached.fetched_at < (self._ttl if ok else self._error_ttl):
                    return cached
            robots = self._from_shared(key, now)
            if robots is None:
                result = await self._fetch(key)
                robots = interpret_result(result, now)
                if self._shared is not None and result.http_status is not None:  # answers are shared, faults not
                    self._shared.set_robots_entry(key, result.http_status, result.body, datetime.now(UTC))
            self._files[key] = robots
            return robots

    def _from_shared(self, key: str, now: float) -> RobotsFile | None:
        """The shared file of ``key`` while it is fresh (its age counted on the wall clock)."""
        entry = self._shared.robots_entry(key) if self._shared is not None else None
        if entry is None:
            return None
        status, body, at = entry
        age = max(0.0, (datetime.now(UTC) - at).total_seconds())
        robots = interpret(status, body, now - age)
        fresh_for = self._ttl if robots.rules is not None or robots.allow_all else self._error_ttl
        return robots if age < fresh_for else None


__all__ = [
    "MAX_ROBOTS_BYTES",
    "RobotsCache",
    "RobotsFetcher",
    "RobotsFile",
    "SharedRobots",
    "interpret",
    "interpret_result",
    "robots_refusal",
    "robots_url",
]
