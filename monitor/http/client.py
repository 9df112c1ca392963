"""The one HTTP client every source fetches through.

``HttpClient`` wraps an ``httpx.AsyncClient`` shared by a whole run and adds, in order, for
every request and every redirect hop:

1. robots.txt (:mod:`~monitor.http.robots`), cached per host; a disallowed URL is *blocked*;
2. per-host concurrency and minimum interval (:mod:`~monitor.http.ratelimit`), stretched to
   the host's ``Crawl-delay`` (at most 60 s);
3. the request with our User-Agent (:mod:`~monitor.http.useragent`), conditional headers
   when asked (:mod:`~monitor.http.conditional`), timeouts and the streaming size cap
   (:mod:`~monitor.http.body`);
4. the verdict: 304 → ``not_modified``; 401/403, captcha or challenge pages → ``blocked``
   (:mod:`~monitor.http.blocked`); 429/5xx/network faults → retried with backoff, jitter and
   ``Retry-After`` (:mod:`~monitor.http.retry`), then ``blocked`` (429) or ``failed``;
   other 4xx, oversize bodies and redirect loops → ``failed``.

:meth:`HttpClient.fetch` never raises for network or HTTP trouble: it returns a
:class:`~monitor.http.result.FetchResult` whose ``reason`` says what happened. URLs in
reasons and logs are redacted (:mod:`~monitor.http.redact`).

``relax_loopback=True`` lifts the concurrency and interval limits for loopback hosts only
(``localhost``, 127.0.0.0/8, ``::1``) — for demos and benchmarks against a local server;
remote hosts keep the configured politeness whatever the flag says.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any

import httpx
from tenacity import AsyncRetrying, stop_after_attempt

from monitor.config import HttpConfig
from monitor.http.blocked import BLOCK_STATUSES, block_reason
from monitor.http.body import Oversize, read_capped, read_prefix
from monitor.http.conditional import ValidatorStore, conditional_headers
from monitor.http.hosts import host_key, is_loopback
from monitor.http.ratelimit import HostLimiter
from monitor.http.redact import redact_text, redact_url
from monitor.http.result import FetchResult, FetchStatus
from monitor.http.retry import (
    RETRY_STATUSES,
    BackoffWait,
    Retryable,
    parse_retry_after,
    should_retry,
)
from monitor.http.robots import MAX_ROBOTS_BYTES, RobotsCache
from monitor.http.useragent import user_agent

log = logging.getLogger("monitor.http")

MAX_CRAWL_DELAY_S = 60.0
LOOPBACK_CONCURRENCY = 64


class HttpClient:
    """Polite async HTTP for a whole collection run (use as ``async with``)."""

    def __init__(
        self,
        config: HttpConfig | None = None,
        *,
        validators: ValidatorStore | None = None,
        relax_loopback: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 60.0,
        max_retry_after_s: float = 120.0,
        max_redirects: int = 10,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = config or HttpConfig()
        self.validators = validators
        self.relax_loopback = relax_loopback
        self.max_redirects = max_redirects
        self.max_retry_after_s = max_retry_after_s
        self.user_agent = user_agent(self.config.contact)
        self._sleep = sleep
        self._wait = BackoffWait(backoff_base_s, backoff_cap_s)
        self._limiter = HostLimiter(self.config.concurrency_per_host, self.config.min_interval_s, sleep=sleep)
        self._robots = RobotsCache(self._fetch_robots)
        t = self.config.timeout_s
        self._total_timeout = t * 3
        self._client = httpx.AsyncClient(
            headers={"User-Agent": self.user_agent, "Accept": "*/*"},
            timeout=httpx.Timeout(t),
            follow_redirects=False,
            proxy=self.config.proxy,
            trust_env=True,
            transport=transport,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=32),
        )
        if not self.config.contact.strip():
            log.warning("no [http] contact configured: the User-Agent names no operator")

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- politeness -----------------------------------------------------------------------

    def _relaxed(self, url: httpx.URL) -> bool:
        return self.relax_loopback and is_loopback(url.host)

    def _slot(self, url: httpx.URL, crawl_delay: float | None = None) -> Any:
        if self._relaxed(url):
            return self._limiter.slot(host_key(url), interval=0, concurrency=LOOPBACK_CONCURRENCY)
        interval = self.config.min_interval_s
        if crawl_delay:
            interval = max(interval, min(crawl_delay, MAX_CRAWL_DELAY_S))
        return self._limiter.slot(host_key(url), interval=interval)

    async def _fetch_robots(self, url: str) -> tuple[int | None, bytes]:
        target = httpx.URL(url)
        try:
            async with self._slot(target), asyncio.timeout(self._total_timeout):
                req = self._client.build_request("GET", target)
                resp = await self._client.send(req, stream=True, follow_redirects=True)
                try:
                    body = await read_prefix(resp, MAX_ROBOTS_BYTES)
                finally:
                    await resp.aclose()
        except (httpx.HTTPError, TimeoutError) as exc:
            log.info("robots.txt %s unreachable: %s", redact_url(url), type(exc).__name__)
            return None, b""
        return resp.status_code, body

    # -- fetching -------------------------------------------------------------------------

    def remember(self, result: FetchResult) -> None:
        """Store the response's ETag/Last-Modified for the next conditional GET of its URL.

        Call it once the page's mentions are safely stored.
        """
        if self.validators is None or not result.ok or not (result.etag or result.last_modified):
            return
        self.validators.set_http_validators(redact_url(result.url), result.etag, result.last_modified)

    async def fetch(
        self,
        url: str,
        *,
        params: Mapping[str, str | int | float] | None = None,
        headers: Mapping[str, str] | None = None,
        conditional: bool = False,
        method: str = "GET",
        data: Mapping[str, str] | None = None,
        json: Any = None,
        check_robots: bool = True,
    ) -> FetchResult:
        """Fetch ``url`` politely; always returns a result, never raises for HTTP trouble."""
        started = time.monotonic()
        try:
            target = httpx.URL(url, params=params) if params else httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            return FetchResult(url=url, status="failed", reason=f"invalid URL: {exc}")
        full = str(target)
        if target.scheme not in ("http", "https") or not target.host:
            return FetchResult(url=full, status="failed", reason="not an absolute http(s) URL")
        extra = dict(headers or {})
        if conditional and self.validators is not None:
            extra.update(conditional_headers(self.validators.http_validators(redact_url(full))))
        attempts = 0
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.config.retries + 1),
                wait=self._wait,
                retry=should_retry(self.max_retry_after_s),
                sleep=self._sleep,
                reraise=True,
            ):
                with attempt:
                    attempts += 1
                    result = await self._attempt(
                        target,
                        method,
                        extra,
                        data,
                        json,
                        check_robots and self.config.respect_robots,
                    )
        except _Final as final:
            result = replace(final.result, url=full)
        except Retryable as exc:
            status: FetchStatus = "blocked" if exc.http_status == 429 else "failed"
            reason = f"{exc.reason} after {attempts} attempt(s)"
            if exc.retry_after is not None and exc.retry_after > self.max_retry_after_s:
                reason += f" (Retry-After {exc.retry_after:.0f} s is over the {self.max_retry_after_s:.0f} s we wait)"
            result = FetchResult(
                url=full,
                status=status,
                reason=redact_text(reason),
                http_status=exc.http_status,
                headers=exc.headers,
            )
        result = replace(result, attempts=attempts, elapsed_s=time.monotonic() - started)
        if result.status != "ok":
            log.info("%s", result.describe())
        return result

    async def _attempt(
        self,
        url: httpx.URL,
        method: str,
        headers: dict[str, str],
        data: Mapping[str, str] | None,
        json: Any,
        check_robots: bool,
    ) -> FetchResult:
        """One attempt, following redirects hop by hop (robots and limits apply per hop)."""
        original = str(url)
        seen = [redact_url(original)]
        current = url
        for _hop in range(self.max_redirects + 1):
            crawl_delay = None
            if check_robots:
                robots = await self._robots.get(str(current))
                if not robots.allowed(str(current)):
                    why = (
                        robots.reason
                        if robots.rules is None
                        else f"robots.txt disallows {current.raw_path.decode('ascii', 'replace')}"
                    )
                    return FetchResult(url=original, status="blocked", reason=redact_text(why))
                crawl_delay = robots.crawl_delay()
            async with self._slot(current, crawl_delay):
                status, resp_headers, body, next_url = await self._exchange(current, method, headers, data, json)
            if next_url is not None:
                safe = redact_url(str(next_url))
                if safe in seen:
                    loop = " → ".join([*seen[seen.index(safe) :], safe])
                    return FetchResult(
                        url=original,
                        status="failed",
                        http_status=status,
                        reason=f"redirect loop: {loop}",
                    )
                seen.append(safe)
                if status in (301, 302, 303) and method != "HEAD":
                    method, data, json = "GET", None, None
                current = next_url
                continue
            return self._verdict(original, str(current), status, resp_headers, body)
        return FetchResult(url=original, status="failed", reason=f"more than {self.max_redirects} redirects")

    async def _exchange(
        self,
        url: httpx.URL,
        method: str,
        headers: dict[str, str],
        data: Mapping[str, str] | None,
        json: Any,
    ) -> tuple[int, dict[str, str], bytes, httpx.URL | None]:
        """Send one request; return status, headers, body and the redirect target if any."""
        safe = redact_url(str(url))
        try:
            async with asyncio.timeout(self._total_timeout):
                req = self._client.build_request(method, url, headers=headers, data=data, json=json)
                resp = await self._client.send(req, stream=True)
                try:
                    if resp.is_redirect and resp.next_request is not None:
                        return resp.status_code, dict(resp.headers), b"", resp.next_request.url
                    body = await read_capped(resp, self.config.max_bytes)
                finally:
                    await resp.aclose()
        except Oversize as exc:
            raise _Final(FetchResult(url=str(url), status="failed", reason=str(exc))) from None
        except (TimeoutError, httpx.TimeoutException):
            raise Retryable(f"timed out ({self.config.timeout_s:g} s) on {safe}") from None
        except httpx.ConnectError as exc:
            raise Retryable(f"cannot connect to {safe}: {redact_text(str(exc)) or 'refused'}") from None
        except httpx.RemoteProtocolError as exc:
            msg = str(exc).lower()
            what = "truncated body" if "incomplete" in msg or "peer closed" in msg else "protocol error"
            raise Retryable(f"{what} from {safe}: {redact_text(str(exc))}") from None
        except (httpx.ReadError, httpx.WriteError) as exc:
            raise Retryable(f"connection reset by {safe}: {type(exc).__name__}") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise _Final(FetchResult(url=str(url), status="failed", reason=str(exc))) from None
        except httpx.TransportError as exc:
            raise Retryable(f"network error on {safe}: {type(exc).__name__}") from None
        except httpx.DecodingError as exc:
            raise _Final(FetchResult(url=str(url), status="failed", reason=f"undecodable body: {exc}")) from None
        return resp.status_code, dict(resp.headers), body, None

    def _verdict(self, url: str, final_url: str, status: int, headers: dict[str, str], body: bytes) -> FetchResult:
        def result(kind: Any, reason: str | None) -> FetchResult:
            return FetchResult(
                url=url,
                status=kind,
                reason=reason,
                http_status=status,
                body=body,
                headers=headers,
                final_url=final_url,
            )

        if status == 304:
            return result("not_modified", "HTTP 304 Not Modified")
        blocked = block_reason(status, headers, body)
        retry_after = parse_retry_after(headers.get("retry-after"))
        if blocked is not None:
            if status == 429 and blocked == BLOCK_STATUSES[429]:
                raise Retryable(blocked, http_status=429, retry_after=retry_after, headers=headers)
            return result("blocked", blocked)
        if status in RETRY_STATUSES:
            phrase = httpx.codes.get_reason_phrase(status)
            raise Retryable(
                f"HTTP {status} {phrase}".strip(),
                http_status=status,
                retry_after=retry_after,
                headers=headers,
            )
        if 200 <= status < 300:
            return result("ok", None)
        return result("failed", f"HTTP {status} {httpx.codes.get_reason_phrase(status)}".strip())


class _Final(Exception):
    def __init__(self, result: FetchResult) -> None:
        super().__init__(result.reason)
        self.result = result


__all__ = ["HttpClient"]
