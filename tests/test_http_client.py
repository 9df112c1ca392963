"""The polite HTTP layer against a real local server (127.0.0.1, real sockets)."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from monitor._config import HttpConfig
from monitor._http import HttpClient, MemoryValidators

try:
    from test_http_localserver import Handler, LocalServer, Reply
except ImportError:  # pragma: no cover - when tests/ is a package
    from tests.test_http_localserver import Handler, LocalServer, Reply


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def cfg(**kw: Any) -> HttpConfig:
    base: dict[str, Any] = {
        "contact": "ops@example.com",
        "min_interval_s": 0.0,
        "timeout_s": 5.0,  # loopback: generous; tests of timeouts set their own
        "retries": 2,
        "allow_private_addresses": True,
    }
    base.update(kw)
    return HttpConfig(**base)


def fetch(url: str, config: HttpConfig | None = None, **kw: Any) -> Any:
    client_kw = {k: kw.pop(k) for k in ("validators", "relax_loopback", "max_retry_after_s") if k in kw}

    async def go() -> Any:
        async with HttpClient(config or cfg(), backoff_base_s=0.01, **client_kw) as client:
            return await client.fetch(url, **kw)

    return asyncio.run(go())


def test_ok_with_user_agent_and_robots_fetched_once(server: LocalServer) -> None:
    server.routes["/page"] = lambda h: Reply(body="hello")

    async def go() -> list[Any]:
        async with HttpClient(cfg(), backoff_base_s=0.01) as client:
            return [await client.fetch(server.url("/page")) for _ in range(3)]

    results = asyncio.run(go())
    assert [r.status for r in results] == ["ok"] * 3
    assert results[0].text() == "hello" and results[0].http_status == 200
    ua = server.hits("/page")[0].headers["user-agent"]
    assert ua.startswith("mention-monitor/") and "ops@example.com" in ua
    assert len(server.hits("/robots.txt")) == 1


def test_robots_disallow_is_blocked_and_never_requested(server: LocalServer) -> None:
    server.routes["/robots.txt"] = lambda h: Reply(
        body="User-agent: *\nAllow: /\n\nUser-agent: mention-monitor\nDisallow: /private\n"
    )
    server.routes["/private/x"] = lambda h: Reply(body="secret")
    server.routes["/public"] = lambda h: Reply(body="fine")
    r = fetch(server.url("/private/x"))
    assert r.status == "blocked" and "robots.txt disallows /private/x" in (r.reason or "")
    assert server.hits("/private/x") == []
    assert fetch(server.url("/public")).status == "ok"
    # An operator may switch robots off in the config (documented as their responsibility).
    assert fetch(server.url("/private/x"), cfg(respect_robots=False)).status == "ok"


def test_robots_5xx_means_disallow_all(server: LocalServer) -> None:
    server.routes["/robots.txt"] = lambda h: Reply(500, "oops")
    server.routes["/page"] = lambda h: Reply(body="x")
    r = fetch(server.url("/page"))
    # Nothing is fetched from the host, but the site did not refuse us: failed, not blocked.
    assert r.status == "failed" and "disallow-all" in (r.reason or "")
    assert server.hits("/page") == []


def test_conditional_get_304(server: LocalServer) -> None:
    def page(h: Handler) -> Reply:
        if h.headers.get("If-None-Match") == '"v1"':
            return Reply(304)
        return Reply(body="[]", headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"})

    server.routes["/feed"] = page
    store = MemoryValidators()

    async def go() -> tuple[Any, Any, Any]:
        async with HttpClient(cfg(), validators=store) as client:
            first = await client.fetch(server.url("/feed"), conditional=True)
            again = await client.fetch(server.url("/feed"), conditional=True)  # not remembered yet
            client.remember(first)
            third = await client.fetch(server.url("/feed"), conditional=True)
            return first, again, third

    first, again, third = asyncio.run(go())
    assert first.status == "ok" and first.etag == '"v1"'
    assert again.status == "ok"
    assert third.status == "not_modified" and third.body == b""
    sent = server.hits("/feed")[-1].headers
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"].startswith("Mon, 01 Jan")


def test_retry_after_is_honoured(server: LocalServer) -> None:
    calls: list[float] = []

    def limited(h: Handler) -> Reply:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return Reply(429, "slow down", headers={"Retry-After": "1"})
        return Reply(body="ok")

    server.routes["/api"] = limited
    r = fetch(server.url("/api"))
    assert r.status == "ok" and r.attempts == 2
    assert calls[1] - calls[0] >= 0.95


def test_429_with_long_retry_after_is_blocked_at_once(server: LocalServer) -> None:
    server.routes["/api"] = lambda h: Reply(429, "no", headers={"Retry-After": "3600"})
    r = fetch(server.url("/api"), max_retry_after_s=30)
    assert r.status == "blocked" and r.attempts == 1
    assert "429" in (r.reason or "") and "3600" in (r.reason or "")


def test_429_after_retries_is_blocked(server: LocalServer) -> None:
    server.routes["/api"] = lambda h: Reply(429, "no")
    r = fetch(server.url("/api"))
    assert r.status == "blocked" and r.attempts == 3 and len(server.hits("/api")) == 3


def test_5xx_then_success(server: LocalServer) -> None:
    n = {"i": 0}

    def flaky(h: Handler) -> Reply:
        n["i"] += 1
        return Reply(503, "busy") if n["i"] < 3 else Reply(body="finally")

    server.routes["/flaky"] = flaky
    r = fetch(server.url("/flaky"))
    assert r.status == "ok" and r.attempts == 3 and r.text() == "finally"


def test_5xx_forever_fails_with_reason(server: LocalServer) -> None:
    server.routes["/down"] = lambda h: Reply(502, "bad gateway")
    r = fetch(server.url("/down"))
    assert r.status == "failed" and r.http_status == 502
    assert "HTTP 502" in (r.reason or "") and "3 attempt" in (r.reason or "")


def test_404_fails_without_retry(server: LocalServer) -> None:
    r = fetch(server.url("/nothing"))
    assert r.status == "failed" and r.attempts == 1 and "404" in (r.reason or "")


def test_403_is_blocked_without_retry(server: LocalServer) -> None:
    server.routes["/x"] = lambda h: Reply(403, "<html><body>Forbidden</body></html>")
    r = fetch(server.url("/x"))
    assert r.status == "blocked" and r.attempts == 1 and "403" in (r.reason or "")


def test_captcha_page_is_blocked(server: LocalServer) -> None:
    page = (
        "<html><head><title>Amazon.com</title></head><body>"
        '<form action="/errors/validateCaptcha">Enter the characters you see below</form>'
        "</body></html>"
    )
    server.routes["/reviews"] = lambda h: Reply(body=page, headers={"Content-Type": "text/html"})
    r = fetch(server.url("/reviews"))
    assert r.status == "blocked" and "captcha" in (r.reason or "").lower()


def test_cloudflare_challenge_503_is_blocked_not_retried(server: LocalServer) -> None:
    page = "<html><head><title>Just a moment...</title></head><body>checking</body></html>"
    server.routes["/x"] = lambda h: Reply(503, page, headers={"Content-Type": "text/html"})
    r = fetch(server.url("/x"))
    assert r.status == "blocked" and r.attempts == 1


def test_timeout_fails_after_retries(server: LocalServer) -> None:
    server.routes["/slow"] = lambda h: Reply(body="late", delay_s=0.6)
    started = time.monotonic()
    r = fetch(server.url("/slow"), cfg(timeout_s=0.2, retries=1))
    assert r.status == "unreachable" and r.attempts == 2
    assert r.reason is not None and r.reason.startswith("timed out after 0.2 s waiting for 127.0.0.1:")
    assert time.monotonic() - started < 3


def test_connection_reset_then_success(server: LocalServer) -> None:
    n = {"i": 0}

    def resetting(h: Handler) -> Reply | None:
        n["i"] += 1
        if n["i"] == 1:
            h.reset()
            return None
        return Reply(body="back")

    server.routes["/r"] = resetting
    r = fetch(server.url("/r"))
    assert r.status == "ok" and r.attempts == 2


def test_connection_reset_forever_fails(server: LocalServer) -> None:
    def resetting(h: Handler) -> None:
        h.reset()

    server.routes["/r"] = resetting
    r = fetch(server.url("/r"), cfg(retries=1))
    assert r.status == "failed" and r.attempts == 2
    assert r.reason and ("reset" in r.reason or "closed" in r.reason or "protocol" in r.reason)


def test_truncated_body_fails(server: LocalServer) -> None:
    def truncated(h: Handler) -> None:
        h.raw(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\nonly a bit")

    server.routes["/t"] = truncated
    r = fetch(server.url("/t"), cfg(retries=1))
    assert r.status == "failed" and "truncated" in (r.reason or "") and r.attempts == 2


def test_oversize_declared_and_streamed(server: LocalServer) -> None:
    big = b"x" * 10_000
    server.routes["/big"] = lambda h: Reply(body=big)

    def chunked(h: Handler) -> None:
        h.raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        for _ in range(10):
            h.raw(b"400\r\n" + b"y" * 1024 + b"\r\n")
        h.raw(b"0\r\n\r\n")

    server.routes["/stream"] = chunked
    small = cfg(max_bytes=4096)
    r = fetch(server.url("/big"), small)
    assert r.status == "failed" and "declares 10,000 bytes" in (r.reason or "") and r.attempts == 1
    r = fetch(server.url("/stream"), small)
    assert r.status == "failed" and "cap" in (r.reason or "") and r.body == b""
    assert fetch(server.url("/big"), cfg(max_bytes=20_000)).status == "ok"


def test_wrong_and_missing_charset(server: LocalServer) -> None:
    swedish = "Kärlek och ölkorv på Åland"
    server.routes["/wrong"] = lambda h: Reply(
        body=swedish.encode("cp1252"), headers={"Content-Type": "text/html; charset=utf-8"}
    )
    server.routes["/latin1-label"] = lambda h: Reply(
        body=swedish.encode("utf-8"), headers={"Content-Type": "text/plain; charset=iso-8859-1"}
    )
    cyr = "<html><head><meta charset='windows-1251'></head><body>Отлично качество</body></html>"
    server.routes["/meta"] = lambda h: Reply(body=cyr.encode("cp1251"), headers={"Content-Type": "text/html"})
    server.routes["/none"] = lambda h: Reply(body="Çok güzel, İstanbul".encode())
    assert fetch(server.url("/wrong")).text() == swedish
    assert fetch(server.url("/latin1-label")).text() == swedish
    assert "Отлично качество" in fetch(server.url("/meta")).text()
    assert fetch(server.url("/none")).text() == "Çok güzel, İstanbul"


def test_redirects_followed_and_loop_detected(server: LocalServer) -> None:
    server.routes["/old"] = lambda h: Reply(301, headers={"Location": "/new"})
    server.routes["/new"] = lambda h: Reply(body="moved here")
    server.routes["/a"] = lambda h: Reply(302, headers={"Location": "/b"})
    server.routes["/b"] = lambda h: Reply(302, headers={"Location": "/a"})
    ok = fetch(server.url("/old"))
    assert ok.status == "ok" and ok.text() == "moved here" and ok.final_url == server.url("/new")
    loop = fetch(server.url("/a"))
    assert loop.status == "failed" and "redirect loop" in (loop.reason or "")
    assert loop.attempts == 1


def test_redirect_to_robots_disallowed_path_is_blocked(server: LocalServer) -> None:
    server.routes["/robots.txt"] = lambda h: Reply(body="User-agent: *\nDisallow: /hidden\n")
    server.routes["/go"] = lambda h: Reply(302, headers={"Location": "/hidden/page"})
    r = fetch(server.url("/go"))
    assert r.status == "blocked" and server.hits("/hidden/page") == []


def test_min_interval_per_host_and_loopback_relaxation(server: LocalServer) -> None:
    server.routes["/p"] = lambda h: Reply(body="x")

    async def go(relax: bool) -> None:
        async with HttpClient(cfg(min_interval_s=0.25), relax_loopback=relax) as client:
            await asyncio.gather(*(client.fetch(server.url("/p")) for _ in range(3)))

    asyncio.run(go(relax=False))
    starts = sorted(r.at for r in server.hits("/p"))
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(g >= 0.2 for g in gaps), gaps
    server.requests.clear()
    t0 = time.monotonic()
    asyncio.run(go(relax=True))
    assert time.monotonic() - t0 < 0.5


def test_concurrency_per_host(server: LocalServer) -> None:
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def slow(h: Handler) -> Reply:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.15)
        with lock:
            state["now"] -= 1
        return Reply(body="x")

    server.routes["/slow"] = slow

    async def go() -> list[Any]:
        async with HttpClient(cfg(concurrency_per_host=2, timeout_s=2)) as client:
            return await asyncio.gather(*(client.fetch(server.url("/slow")) for _ in range(5)))

    results = asyncio.run(go())
    assert all(r.ok for r in results)
    assert state["max"] == 2


def test_secrets_redacted_in_reasons(server: LocalServer) -> None:
    server.routes["/api"] = lambda h: Reply(500, "err")
    r = fetch(server.url("/api?key=SUPERSECRET&q=acme"), cfg(retries=0))
    assert r.status == "failed"
    assert "SUPERSECRET" not in r.describe() and "SUPERSECRET" not in (r.reason or "")
    assert "key=REDACTED" in r.describe()


def test_proxy_from_config(server: LocalServer) -> None:
    server.routes["/via-proxy"] = lambda h: Reply(body="proxied")
    r = fetch("http://shop.example.test/via-proxy", cfg(proxy=server.base))
    assert r.status == "ok" and r.text() == "proxied"
    assert server.hits("/via-proxy")[0].headers["host"] == "shop.example.test"


def test_unreachable_host_is_unreachable() -> None:
    with socket_port() as port:
        pass  # port is now closed: connection refused
    r = fetch(f"http://127.0.0.1:{port}/x", cfg(retries=1, respect_robots=False))
    assert r.status == "unreachable" and r.attempts == 2
    assert r.reason == f"cannot connect to 127.0.0.1:{port} (connection refused) after 2 attempt(s)"


class socket_port:
    """Reserve a free local port number (closed on exit)."""

    def __enter__(self) -> int:
        import socket

        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        port: int = self.s.getsockname()[1]
        return port

    def __exit__(self, *exc: object) -> None:
        self.s.close()


def test_invalid_urls_fail_cleanly() -> None:
    assert fetch("ftp://example.com/x").status == "failed"
    assert fetch("not a url").status == "failed"
