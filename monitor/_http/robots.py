"""robots.txt, fetched once per host and cached (protego).

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

    def __init__(self, fetcher: RobotsFetcher, *, ttl_s: float = 86400.0, error_ttl_s: float = 600.0) -> None:
        self._fetch = fetcher
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
            robots = interpret_result(await self._fetch(key), now)
            self._files[key] = robots
            return robots


__all__ = [
    "MAX_ROBOTS_BYTES",
    "RobotsCache",
    "RobotsFetcher",
    "RobotsFile",
    "interpret",
    "interpret_result",
    "robots_refusal",
    "robots_url",
]
