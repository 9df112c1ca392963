"""The one HTTP client every source fetches through.

``HttpClient`` wraps an ``httpx.AsyncClient`` shared by a whole run and adds, in order, for
every request and every redirect hop:

1. the address check (:mod:`~monitor._http.addresses`): a host that is or resolves to a
   private, loopback, link-local or reserved address is refused before any connection,
   and the connected address is checked again, unless ``allow_private_addresses``;
   https→http redirects are refused; credentials never leave the origin they were given
   for (:mod:`~monitor._http.credentials`);
2. robots.txt (:mod:`~monitor._http.robots`), cached per host; a disallowed URL is *blocked*;
3. per-host concurrency and minimum interval (:mod:`~monitor._http.ratelimit`), stretched to
   the host's ``Crawl-delay`` (at most 60 s);
4. the request with our User-Agent (:mod:`~monitor._http.useragent`), conditional headers
   when asked (:mod:`~monitor._http.conditional`), timeouts and the streaming size cap
   on the *decoded* body (:mod:`~monitor._http.body`, :mod:`~monitor._http.decoding`);
5. the verdict: 304 → ``not_modified``; 401/403, captcha or challenge pages → ``blocked``
   (:mod:`~monitor._http.blocked`); 429/5xx/network faults → retried with backoff, jitter and
   ``Retry-After`` (:mod:`~monitor._http.retry`), then ``blocked`` (429), ``unreachable``
   (no answer: DNS, refused connection, timeout; :mod:`~monitor._http.reach`) or ``failed``;
   other 4xx, oversize or undecodable bodies, refused addresses or hops, redirect loops and
   bodies still dripping after the total time (3 × ``timeout_s``) → ``failed``. A robots.txt
   that cannot be fetched for network reasons makes the host's URLs ``unreachable`` (after
   the same retries), one that answers 5xx ``failed``; only a robots.txt that disallows
   the URL makes it ``blocked``.

:meth:`HttpClient.fetch` never raises for network or HTTP trouble: it returns a
:class:`~monitor._http.result.FetchResult` whose ``reason`` says what happened. URLs in
reasons and logs are redacted (:mod:`~monitor._http.redact`).

``relax_loopback=True`` lifts the concurrency and interval limits for loopback hosts only
(``localhost``, 127.0.0.0/8, ``::1``) — for demos and benchmarks against a local server;
remote hosts keep the configured politeness whatever the flag says.
"""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.request
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any

import httpx
from tenacity import AsyncRetrying, stop_after_attempt

from monitor._config import HttpConfig
from monitor._http.addresses import (
    AddressGuard,
    AddressPolicy,
    AddressRefused,
    Resolver,
    default_policy,
    system_resolver,
)
from monitor._http.blocked import BLOCK_STATUSES, block_reason
from monitor._http.body import Oversize, read_capped, read_prefix
from monitor._http.conditional import ValidatorStore, conditional_headers
from monitor._http.credentials import Credentials, origin, show_origin
from monitor._http.decoding import Undecodable, UnsupportedEncoding, supported_encodings
from monitor._http.hosts import host_key, is_loopback
from monitor._http.ratelimit import HostLimiter
from monitor._http.reach import network_fault
from monitor._http.redact import redact_text, redact_url
from monitor._http.result import FetchResult, FetchStatus
from monitor._http.retry import (
    RETRY_STATUSES,
    BackoffWait,
    Retryable,
    parse_retry_after,
    should_retry,
)
from monitor._http.robots import MAX_ROBOTS_BYTES, RobotsCache, SharedRobots, robots_refusal
from monitor._http.useragent import user_agent

log = logging.getLogger("monitor._http")

MAX_CRAWL_DELAY_S = 60.0
LOOPBACK_CONCURRENCY = 64


class HttpClient:
    """Polite async HTTP for a whole collection run (use as ``async with``).

    ``address_policy`` and ``resolver`` are the address check's seams (see
    :mod:`~monitor._http.addresses`); they apply unless ``allow_private_addresses``.
    ``robots_store`` shares robots.txt files between processes (distributed workers).
    """

    def __init__(
        self,
        config: HttpConfig | None = None,
        *,
        validators: ValidatorStore | None = None,
        robots_store: SharedRobots | None = None,
        relax_loopback: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 60.0,
        max_retry_after_s: float = 120.0,
        max_redirects: int = 10,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        address_policy: AddressPolicy = default_policy,
        resolver: Resolver = system_resolver,
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
        self._robots = RobotsCache(self._fetch_robots, shared=robots_store)
        t = self.config.timeout_s
        self._total_timeout = t * 3
        self._guard = AddressGuard(None if self.config.allow_private_addresses else address_policy, resolver)
        self._env_proxies = {} if self.config.proxy else urllib.request.getproxies()
        self._client = httpx.AsyncClient(
            headers={
                "User-Agent": self.user_agent,
                "Accept": "*/*",
                "Accept-Encoding": ", ".join(supported_encodings()),
            },
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

    async def _fetch_robots(self, url: str) -> FetchResult:
        """robots.txt with the fetch's retries for network faults (not for HTTP statuses)."""
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
                    status, body = await self._robots_once(httpx.URL(url))
        except (AddressRefused, _Refused) as exc:
            result = FetchResult(url=url, status="failed", reason=str(exc))
        except _Final as final:
            result = replace(final.result, url=url)
        except Retryable as exc:
            result = FetchResult(url=url, status=exc.status, reason=f"{exc.reason} after {attempts} attempt(s)")
        else:
            kind: FetchStatus = "ok" if 200 <= status < 300 else "failed"
            return FetchResult(url=url, status=kind, http_status=status, body=body, attempts=attempts)
        log.debug("robots.txt %s not fetched: %s", redact_url(url), result.reason)  # the source's status says it
        return replace(result, attempts=attempts)

    async def _robots_once(self, target: httpx.URL) -> tuple[int, bytes]:
        """One attempt at robots.txt, following redirects hop by hop under the address and downgrade rules."""
        for _hop in range(self.max_redirects + 1):
            await self._guard.check_url(target, "robots.txt at")
            answered = False
            try:
                async with self._slot(target), asyncio.timeout(self._total_timeout):
                    resp = await self._client.send(self._client.build_request("GET", target), stream=True)
                    answered = True
                    try:
                        self._check_peer(resp, target)
                        if not (resp.is_redirect and resp.next_request is not None):
                            return resp.status_code, await read_prefix(resp, MAX_ROBOTS_BYTES)
                    finally:
                        await resp.aclose()
            except (TimeoutError, httpx.HTTPError) as exc:
                raise self._fault(exc, target, answered) from None
            target = self._next_hop(target, resp.next_request.url)
        raise _Final(FetchResult(url=str(target), status="failed", reason=f"more than {self.max_redirects} redirects"))

    def _fault(self, exc: Exception, url: httpx.URL, answered: bool) -> Exception:
        """The exception to raise for a transport fault: :class:`Retryable` or :class:`_Final`
        (classified by :func:`~monitor._http.reach.network_fault`); ``exc`` itself otherwise."""
        fault = network_fault(exc, url, timeout_s=self.config.timeout_s, total_s=self._total_timeout, answered=answered)
        if fault is None:
            return exc
        if fault.retry:
            return Retryable(fault.reason, status=fault.status)
        return _Final(FetchResult(url=str(url), status=fault.status, reason=fault.reason))

    def _check_peer(self, resp: httpx.Response, url: httpx.URL) -> None:
        """The connected address, unless a proxy connected for us (only the name is checked then)."""
        if self.config.proxy:
            return
        if (url.scheme in self._env_proxies or "all" in self._env_proxies) and not urllib.request.proxy_bypass(
            url.host
        ):
            return
        self._guard.check_connected(resp, url.host)

    @staticmethod
    def _next_hop(current: httpx.URL, nxt: httpx.URL) -> httpx.URL:
        """The redirect target, unless it downgrades https to http (:class:`_Refused`)."""
        if current.scheme == "https" and nxt.scheme != "https":
            raise _Refused(f"refused: redirect from https to {nxt.scheme} (a downgrade) to {redact_url(str(nxt))}")
        return nxt

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
        credential_origin: str | None = None,
        credential_headers: Collection[str] = (),
    ) -> FetchResult:
        """Fetch ``url`` politely; always returns a result, never raises for HTTP trouble.

        ``headers`` may carry credentials (``Authorization``, ``Cookie``, ... and the names
        in ``credential_headers``): they are sent only to ``credential_origin`` (default:
        ``url``'s origin), on this request and on every redirect hop; ``data``/``json`` are
        never re-sent to another origin (such a 307/308 fails).
        """
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
                        Credentials(origin(credential_origin or target), extra, credential_headers),
                        data,
                        json,
                        check_robots and self.config.respect_robots,
                    )
        except _Final as final:
            result = replace(final.result, url=full)
        except Retryable as exc:
            status: FetchStatus = "blocked" if exc.http_status == 429 else exc.status
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
        if result.status != "ok":  # 304s are routine; a source's failure is in its job's outcome line
            log.debug("%s", result.describe())
        return result

    async def _attempt(
        self,
        url: httpx.URL,
        method: str,
        creds: Credentials,
        data: Mapping[str, str] | None,
        json: Any,
        check_robots: bool,
    ) -> FetchResult:
        """One attempt, following redirects hop by hop (addresses, credentials, robots and
        limits apply per hop)."""
        original = str(url)
        seen = [redact_url(original)]
        current = url
        status: int | None = None
        for hop in range(self.max_redirects + 1):
            try:
                await self._guard.check_url(current, "redirect to" if hop else "URL host")
                headers = creds.headers_for(current)
                if (data is not None or json is not None) and origin(current) != creds.origin:
                    raise _Refused(
                        f"refused: HTTP {status} would re-send the request body to another origin "
                        f"({show_origin(origin(current))}, credentials were for {show_origin(creds.origin)})"
                    )
            except (AddressRefused, _Refused) as exc:
                return FetchResult(url=original, status="failed", http_status=status, reason=str(exc))
            crawl_delay = None
            if check_robots:
                robots = await self._robots.get(str(current))
                if not robots.allowed(str(current)):
                    kind, why = robots_refusal(robots, current.raw_path.decode("ascii", "replace"))
                    return FetchResult(url=original, status=kind, reason=redact_text(why))
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
                try:
                    current = self._next_hop(current, next_url)
                except _Refused as exc:
                    return FetchResult(url=original, status="failed", http_status=status, reason=str(exc))
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
        answered = False
        try:
            async with asyncio.timeout(self._total_timeout):
                req = self._client.build_request(method, url, headers=headers, data=data, json=json)
                resp = await self._client.send(req, stream=True)
                answered = True
                try:
                    self._check_peer(resp, url)
                    if resp.is_redirect and resp.next_request is not None:
                        return resp.status_code, dict(resp.headers), b"", resp.next_request.url
                    body = await read_capped(resp, self.config.max_bytes)
                finally:
                    await resp.aclose()
        except (Oversize, AddressRefused, UnsupportedEncoding) as exc:
            raise _Final(FetchResult(url=str(url), status="failed", reason=str(exc))) from None
        except Undecodable as exc:
            raise _Final(FetchResult(url=str(url), status="failed", reason=f"undecodable body: {exc}")) from None
        except (TimeoutError, httpx.HTTPError) as exc:
            raise self._fault(exc, url, answered) from None
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


class _Refused(Exception):
    """A hop we will not make (downgrade, body to another origin); the message says why."""


class _Final(Exception):
    def __init__(self, result: FetchResult) -> None:
        super().__init__(result.reason)
        self.result = result


__all__ = ["HttpClient"]
