"""Source checks: each source's settings offline, and with ``--network`` its robots.txt and host.

The network probe goes through the project's :class:`~monitor._http.HttpClient`, so the
private-address rules, the User-Agent and the size caps are the collector's own. It tries
once (no retries) with at most :data:`PROBE_TIMEOUT_S` per request, and tells apart a host
that cannot be reached (``unreachable``: DNS, refused connection, timeout) from one that
refused us (``blocked``: robots.txt, 401/403/429, a bot wall) with the collector's own
classification (:func:`monitor._http.reach.reach_of`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import httpx

from monitor._config import Config, HttpConfig, Secrets, SourceConfig
from monitor._doctor.report import Check, fail, ok, warn
from monitor._http import FetchResult, HttpClient
from monitor._http.addresses import ALLOW_HINT, default_policy, ip_literal
from monitor._http.hosts import is_loopback
from monitor._http.reach import Reach, reach_of
from monitor._http.robots import interpret, robots_refusal, robots_url
from monitor._http.useragent import ROBOTS_TOKEN
from monitor._redact import redact_url

PROBE_TIMEOUT_S = 10.0
#: Kinds whose ``url`` is the page collected: the probe also fetches it.
PAGE_KINDS = frozenset({"rss", "reviews", "html", "mastodon"})
UNREACHABLE_FIX = (
    "check the URL's host and port, DNS, proxy and firewall; "
    "the collector retries an unreachable source on its next run"
)
BLOCKED_FIX = "the site refuses our crawler: use its feed or API, ask its owner, or remove the source"
ROBOTS_FIX = "robots.txt asks crawlers like ours to keep out: remove the source or ask the site's owner"
ROBOTS_DOWN_FIX = "the site's robots.txt answers an error: the collector fetches nothing there until it answers"
PRIVATE_FIX = "use a public URL; for a server on your own network " + ALLOW_HINT


def probe_target(src: SourceConfig) -> str | None:
    """The URL a source fetches first (an API source's endpoint, without its query)."""
    from monitor._sources import appstore, bluesky, hackernews, reddit, youtube

    defaults = {
        "hackernews": hackernews.ENDPOINT,
        "bluesky": bluesky.PUBLIC + bluesky.SEARCH,
        "youtube": youtube.API + "/commentThreads",
        "reddit": reddit.SITE + "/search.json",
        "appstore": str(httpx.URL(appstore.FEED).copy_with(path="/")),
    }
    return src.url or defaults.get(src.kind)


def private_host(url: str, http: HttpConfig) -> str | None:
    """Why the collector would refuse ``url``'s host before any lookup (a private literal, localhost)."""
    if http.allow_private_addresses:
        return None
    host = httpx.URL(url).host
    literal = ip_literal(host)
    kind = default_policy(literal) if literal is not None else ("loopback" if is_loopback(host) else None)
    return f"its host {host} is a {kind} address, which the collector refuses" if kind else None


def _secrets_problem(src: SourceConfig, secrets: Secrets) -> Check | None:
    if src.kind == "youtube" and secrets.youtube_api_key is None:
        return fail("source", src.name, "youtube needs an API key", "export MONITOR_YOUTUBE_API_KEY=…")
    pairs = {
        "bluesky": (secrets.bluesky_handle, secrets.bluesky_app_password, "HANDLE", "APP_PASSWORD"),
        "reddit": (secrets.reddit_client_id, secrets.reddit_client_secret, "CLIENT_ID", "CLIENT_SECRET"),
    }
    if src.kind in pairs:
        one, two, first, second = pairs[src.kind]
        if (one is None) != (two is None):
            prefix = f"MONITOR_{src.kind.upper()}_"
            return warn(
                "source",
                src.name,
                f"only one of {prefix}{first} and {prefix}{second} is set: {src.kind} is read anonymously",
                "set both, or neither",
            )
    return None


def check_source(src: SourceConfig, http: HttpConfig, secrets: Secrets) -> Check:
    """One source's settings: kind, URL (not a refused address) and the secrets its kind needs."""
    if not src.enabled:
        return ok("source", src.name, f"{src.kind}: disabled (enabled = false), not collected")
    target = probe_target(src)
    if target is None:  # the config refuses a page source without url; kept for safety
        return fail("source", src.name, f"a {src.kind} source needs url", 'add url = "https://…"')
    refused = private_host(target, http)
    if refused:
        return fail("source", src.name, f"{src.kind} {redact_url(target)}: {refused}", PRIVATE_FIX)
    problem = _secrets_problem(src, secrets)
    if problem is not None:
        return problem
    brand = f", brand {src.brand}" if src.brand else ""
    return ok("source", src.name, f"{src.kind} {redact_url(target)}{brand}, every {src.schedule}")


def check_sources(cfg: Config, secrets: Secrets) -> list[Check]:
    """The [http] settings that decide whether sites tolerate us, then each source."""
    checks = []
    if not cfg.http.contact.strip():
        checks.append(
            warn(
                "source",
                "[http] contact",
                "empty: our User-Agent names no operator, and anonymous crawlers are blocked first",
                'set [http] contact = "you@example.com" (or a URL about your monitoring)',
            )
        )
    if not cfg.http.respect_robots:
        checks.append(
            warn(
                "source", "[http] respect_robots", "false: robots.txt is ignored", "set it to true unless sites agreed"
            )
        )
    return checks + [check_source(s, cfg.http, secrets) for s in cfg.sources]


# ---------------------------------------------------------------- network


def _no_answer(name: str, what: str, result: FetchResult) -> Check:
    reach: Reach = reach_of(result)
    if reach == "refused":
        return fail("network", name, f"{what}: {result.reason}", PRIVATE_FIX)
    if reach == "unreachable":
        return fail("network", name, f"unreachable: {result.reason}", UNREACHABLE_FIX)
    return fail("network", name, f"{what}: {result.reason}", "check the URL")


class RobotsFetches:
    """Each host's robots.txt fetched once however many sources share the host."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client
        self._tasks: dict[str, asyncio.Task[FetchResult]] = {}

    async def get(self, url: str) -> FetchResult:
        if url not in self._tasks:
            self._tasks[url] = asyncio.ensure_future(self.client.fetch(url, check_robots=False))
        return await self._tasks[url]


async def probe_source(client: HttpClient, src: SourceConfig, robots_txt: RobotsFetches | None = None) -> Check:
    """robots.txt allows the source's URL, and its host (for page sources: the page) answers."""
    target = probe_target(src)
    if target is None:
        return fail("network", src.name, "no URL to probe", 'add url = "https://…"')
    shown = redact_url(target)
    at = robots_url(target)
    got = await (robots_txt or RobotsFetches(client)).get(at)
    if reach_of(got) != "answers":
        return _no_answer(src.name, f"robots.txt of {shown}", got)
    robots = interpret(got.http_status, got.body, 0.0)
    said = "robots.txt allows us" if robots.rules is not None else robots.reason
    if not robots.allowed(target):
        kind, why = robots_refusal(robots, httpx.URL(target).path)
        why += f" for {ROBOTS_TOKEN}" if kind == "blocked" else ""
        if client.config.respect_robots:
            return fail(
                "network", src.name, f"{kind}: {why} ({shown})", ROBOTS_FIX if kind == "blocked" else ROBOTS_DOWN_FIX
            )
        return warn("network", src.name, f"{why}, fetched anyway (respect_robots = false)", ROBOTS_FIX)
    if src.kind not in PAGE_KINDS:
        return ok("network", src.name, f"{said}; the host of {shown} answers")
    page = await client.fetch(target, check_robots=False)
    if page.status in ("ok", "not_modified"):
        return ok("network", src.name, f"{said}; {shown} answers HTTP {page.http_status} in {page.elapsed_s:.1f} s")
    if page.status == "blocked":
        return fail("network", src.name, f"blocked: {page.reason} ({shown})", BLOCKED_FIX)
    if reach_of(page) == "answers":
        return fail("network", src.name, f"{shown} answers {page.reason}", "check the URL (the page should answer 200)")
    return _no_answer(src.name, shown, page)


@contextmanager
def _quiet(logger: str) -> Iterator[None]:
    """The client's own warnings (no contact, …) are already checks: keep them off the terminal."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


async def probe_sources(sources: Sequence[SourceConfig], http: HttpConfig) -> list[Check]:
    """Probe every enabled source at once (one client: hosts keep their politeness limits)."""
    cfg = http.model_copy(update={"retries": 0, "timeout_s": min(http.timeout_s, PROBE_TIMEOUT_S)})
    wanted = [s for s in sources if s.enabled and (t := probe_target(s)) is not None and not private_host(t, http)]
    with _quiet("monitor._http"):
        async with HttpClient(cfg, relax_loopback=True) as client:
            robots_txt = RobotsFetches(client)
            return list(await asyncio.gather(*(probe_source(client, s, robots_txt) for s in wanted)))


def check_network(cfg: Config) -> list[Check]:
    """:func:`probe_sources` from synchronous code."""
    checks = asyncio.run(probe_sources(cfg.sources, cfg.http))
    return checks or [ok("network", "", "no enabled source with a public URL to probe")]


__all__ = [
    "PAGE_KINDS",
    "PROBE_TIMEOUT_S",
    "RobotsFetches",
    "check_network",
    "check_source",
    "check_sources",
    "private_host",
    "probe_source",
    "probe_sources",
    "probe_target",
    "reach_of",
]
