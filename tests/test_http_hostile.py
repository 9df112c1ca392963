"""A hostile server against the HTTP layer: credentials across hosts, bombs, drips, SSRF.

Two real loopback hosts (127.0.0.1 and 127.0.0.2; Linux routes all of 127.0.0.0/8 to lo)
play "the API" and "another host". No test sends traffic outside 127.0.0.0/8: redirects to
private, link-local or metadata addresses are refused before any connection, and a
recording transport proves it.
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import json
import subprocess
import sys
import textwrap
import time
import zlib
from collections.abc import Iterator
from typing import Any

import brotli  # type: ignore[import-untyped,unused-ignore]
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from monitor._config import HttpConfig, Secrets, SourceConfig
from monitor._http import HttpClient
from monitor._http.addresses import IPAddress, default_policy
from monitor._http.decoding import STEP, Decoder, Undecodable
from monitor._sources.base import FetchContext, Page, get_source
from monitor.errors import SourceBlocked

try:
    from test_http_localserver import Handler, LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import Handler, LocalServer, Reply


PUBLIC = ipaddress.ip_address("127.0.0.1")
PRIVATE = ipaddress.ip_address("127.0.0.2")


@pytest.fixture
def api() -> Iterator[LocalServer]:
    with LocalServer("127.0.0.1") as srv:
        yield srv


@pytest.fixture
def other() -> Iterator[LocalServer]:
    """The other host: records exactly what it receives."""
    with LocalServer("127.0.0.2") as srv:
        yield srv


def cfg(**kw: Any) -> HttpConfig:
    base: dict[str, Any] = {
        "contact": "ops@example.com",
        "min_interval_s": 0.0,
        "timeout_s": 5.0,  # loopback: generous; tests of timeouts set their own
        "retries": 0,
        "allow_private_addresses": True,
    }
    base.update(kw)
    return HttpConfig(**base)


def fetch(url: str, config: HttpConfig | None = None, client_kw: dict[str, Any] | None = None, **kw: Any) -> Any:
    async def go() -> Any:
        async with HttpClient(config or cfg(), backoff_base_s=0.01, **(client_kw or {})) as client:
            return await client.fetch(url, **kw)

    return asyncio.run(go())


def walk_source(src: SourceConfig, secrets: Secrets) -> list[Page]:
    async def go() -> list[Page]:
        async with HttpClient(cfg(), backoff_base_s=0.01) as http:
            ctx = FetchContext(source=src, http=http, secrets=secrets)
            return [p async for p in get_source(src.kind).fetch(ctx)]

    return asyncio.run(go())


def everything_received(server: LocalServer) -> str:
    return "\n".join(f"{r.method} {r.path} {r.headers} {r.body!r}" for r in server.requests)


# -- item 2: credentials go only where they were meant to go ------------------------------

STATUS = {"id": "7", "created_at": "2025-01-01T00:00:00Z", "content": "<p>acme</p>", "account": {"acct": "a"}}


def test_mastodon_link_next_to_another_host_carries_no_token(api: LocalServer, other: LocalServer) -> None:
    api.routes["/api/v1/timelines/tag/acme"] = lambda h: Reply(
        body=json.dumps([STATUS]), headers={"Link": f'<{other.url("/api/v1/timelines/tag/acme")}?max_id=7>; rel="next"'}
    )
    other.routes["/api/v1/timelines/tag/acme"] = lambda h: Reply(body="[]")
    src = SourceConfig(name="m", kind="mastodon", url=api.base, options={"tag": "acme"})
    pages = walk_source(src, Secrets(_env_file=None, mastodon_token=SecretStr("tok-SECRET-123")))
    assert [p.status for p in pages] == ["ok", "ok"]
    assert api.hits("/api/v1/timelines/tag/acme")[0].headers["authorization"] == "Bearer tok-SECRET-123"
    assert len(other.hits("/api/v1/timelines/tag/acme")) == 1
    assert "tok-SECRET-123" not in everything_received(other)
    assert "authorization" not in other.hits("/api/v1/timelines/tag/acme")[0].headers


def test_same_origin_paging_stays_authenticated(api: LocalServer) -> None:
    def route(h: Handler) -> Reply:
        if "max_id" in h.request_info.query:
            return Reply(body="[]")
        return Reply(
            body=json.dumps([STATUS]),
            headers={"Link": f'<{api.url("/api/v1/timelines/tag/acme")}?max_id=7>; rel="next"'},
        )

    api.routes["/api/v1/timelines/tag/acme"] = route
    src = SourceConfig(name="m", kind="mastodon", url=api.base, options={"tag": "acme"})
    pages = walk_source(src, Secrets(_env_file=None, mastodon_token=SecretStr("tok-SECRET-123")))
    hits = api.hits("/api/v1/timelines/tag/acme")
    assert [p.status for p in pages] == ["ok", "ok"] and len(hits) == 2
    assert all(r.headers.get("authorization") == "Bearer tok-SECRET-123" for r in hits)


def test_302_to_another_host_drops_token_cookie_and_marked_headers(api: LocalServer, other: LocalServer) -> None:
    api.routes["/me"] = lambda h: Reply(302, headers={"Location": other.url("/landing")})
    api.routes["/here"] = lambda h: Reply(302, headers={"Location": api.url("/landing")})
    api.routes["/landing"] = other.routes["/landing"] = lambda h: Reply(body="landed")
    secret = {"Authorization": "Bearer tok-SECRET-123", "Cookie": "sid=SECRET-COOKIE", "X-Key": "SECRET-KEY"}
    r = fetch(api.url("/me"), headers=secret, credential_headers=["x-key"])
    assert r.status == "ok" and r.body == b"landed"
    received = everything_received(other)
    assert "SECRET" not in received and "authorization" not in other.hits("/landing")[0].headers
    assert api.hits("/me")[0].headers["authorization"] == "Bearer tok-SECRET-123"
    # the same origin keeps them
    fetch(api.url("/here"), headers=secret, credential_headers=["x-key"])
    landed = api.hits("/landing")[0].headers
    assert landed["authorization"] == "Bearer tok-SECRET-123" and landed["x-key"] == "SECRET-KEY"


def test_bluesky_307_of_create_session_is_not_reposted(api: LocalServer, other: LocalServer) -> None:
    api.routes["/xrpc/com.atproto.server.createSession"] = lambda h: Reply(
        307, headers={"Location": other.url("/xrpc/com.atproto.server.createSession")}
    )
    other.routes["/xrpc/com.atproto.server.createSession"] = lambda h: Reply(body=json.dumps({"accessJwt": "x"}))
    secrets = Secrets(_env_file=None, bluesky_handle="me.bsky.social", bluesky_app_password=SecretStr("app-PASS-word"))
    src = SourceConfig(name="b", kind="bluesky", url=api.base, query="acme")
    with pytest.raises(SourceBlocked, match="re-send the request body to another origin"):
        walk_source(src, secrets)
    assert b"app-PASS-word" in api.hits("/xrpc/com.atproto.server.createSession")[0].body
    assert other.requests == []


def test_https_to_http_downgrade_is_refused() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://api.example.test/plain"})

    r = fetch(
        "https://api.example.test/secure",
        cfg(respect_robots=False),
        client_kw={"transport": httpx.MockTransport(handler)},
        headers={"Authorization": "Bearer tok"},
    )
    assert r.status == "failed" and "redirect from https to http (a downgrade)" in (r.reason or "")
    assert seen == ["https://api.example.test/secure"]


# -- item 3a: bodies are capped on what they become ----------------------------------------

MB = 1 << 20


def _zeros_gzip(size: int) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MB)
    return b"".join(z.compress(block) for _ in range(size // MB)) + z.flush()


@pytest.fixture(scope="module")
def gz64() -> bytes:
    return _zeros_gzip(64 * MB)


def _encode(data: bytes, coding: str) -> bytes:
    if coding == "gzip":
        return gzip.compress(data)
    if coding == "deflate":
        return zlib.compress(data)
    if coding == "deflate-raw":
        z = zlib.compressobj(9, zlib.DEFLATED, -15)
        return z.compress(data) + z.flush()
    return bytes(brotli.compress(data))


def _bomb(gz64: bytes, codings: list[str]) -> bytes:
    """64 MB of zeros, gzip first (from the fixture), then each further coding in order."""
    body = gz64
    for c in codings[1:]:
        body = _encode(body, c)
    return body


@pytest.mark.parametrize(
    "codings",
    [["gzip"], ["gzip", "gzip"], ["gzip", "br"], ["gzip", "deflate"], ["gzip", "deflate-raw"], ["gzip", "br", "gzip"]],
)
def test_compression_bombs_stop_at_the_cap(api: LocalServer, gz64: bytes, codings: list[str]) -> None:
    body = _bomb(gz64, codings)
    header = ", ".join("deflate" if c == "deflate-raw" else c for c in codings)
    api.routes["/bomb"] = lambda h: Reply(body=body, headers={"Content-Encoding": header})
    r = fetch(api.url("/bomb"), cfg(max_bytes=1 * MB))
    assert r.status == "failed" and "over the 1,048,576-byte cap" in (r.reason or "")
    # What was materialised: at most the cap plus one step (httpx decoded 64 MB per chunk).
    decoded = int((r.reason or "").split("exceeded ")[1].split(" ")[0].replace(",", ""))
    assert decoded <= 1 * MB + STEP


def test_brotli_and_deflate_bombs_stop_at_the_cap(api: LocalServer) -> None:
    zeros = bytes(48 * MB)
    for coding, body in (("br", brotli.compress(zeros)), ("deflate", zlib.compress(zeros, 9))):
        api.routes["/b"] = lambda h, body=body, coding=coding: Reply(body=body, headers={"Content-Encoding": coding})
        r = fetch(api.url("/b"), cfg(max_bytes=1 * MB))
        assert r.status == "failed" and "exceeded" in (r.reason or ""), coding
        assert int((r.reason or "").split("exceeded ")[1].split(" ")[0].replace(",", "")) <= MB + STEP


def test_stacked_encodings_decode_exactly(api: LocalServer) -> None:
    page = ("<html><body>" + "Ünïcode ✓ acme " * 20000 + "</body></html>").encode("utf-8")
    for codings in (["gzip", "br"], ["br", "gzip"], ["deflate", "gzip"], ["deflate-raw"], ["gzip", "gzip", "gzip"]):
        body = page
        for c in codings:
            body = _encode(body, c)
        header = ", ".join("deflate" if c == "deflate-raw" else c for c in codings)
        api.routes["/p"] = lambda h, body=body, header=header: Reply(body=body, headers={"Content-Encoding": header})
        r = fetch(api.url("/p"))
        assert r.status == "ok" and r.body == page, codings
    # several gzip members, as some servers send
    api.routes["/m"] = lambda h: Reply(
        body=gzip.compress(b"one ") + gzip.compress(b"two"), headers={"Content-Encoding": "gzip"}
    )
    assert fetch(api.url("/m")).body == b"one two"
    # trailing padding after the stream is ignored (as httpx did)
    api.routes["/t"] = lambda h: Reply(body=gzip.compress(b"padded") + b"\0\0\0", headers={"Content-Encoding": "gzip"})
    assert fetch(api.url("/t")).body == b"padded"


def test_unknown_or_corrupt_encoding_fails_clearly(api: LocalServer) -> None:
    api.routes["/z"] = lambda h: Reply(body=b"\x28\xb5\x2f\xfd....", headers={"Content-Encoding": "zstd"})
    api.routes["/c"] = lambda h: Reply(body=b"\x1f\x8b\x08\x00garbage-not-gzip", headers={"Content-Encoding": "gzip"})
    r = fetch(api.url("/z"))
    assert r.status == "failed" and "unsupported Content-Encoding 'zstd'" in (r.reason or "")
    r = fetch(api.url("/c"))
    assert r.status == "failed" and "undecodable body: gzip data is corrupt" in (r.reason or "")


def test_robots_txt_bomb_is_read_as_a_prefix(api: LocalServer, gz64: bytes) -> None:
    body = _bomb(gz64, ["gzip", "gzip"])
    api.routes["/robots.txt"] = lambda h: Reply(body=body, headers={"Content-Encoding": "gzip, gzip"})
    api.routes["/page"] = lambda h: Reply(body="fine")
    t = time.monotonic()
    r = fetch(api.url("/page"))
    assert r.status == "ok" and r.body == b"fine" and time.monotonic() - t < 3


def test_slowloris_ends_within_the_total_timeout(api: LocalServer) -> None:
    def drip(h: Handler) -> None:
        h.raw(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n")
        for _ in range(60):  # one byte per 0.2 s: never idle long enough for the read timeout
            try:
                h.raw(b"x")
            except OSError:
                return
            time.sleep(0.2)

    api.routes["/drip"] = drip
    t = time.monotonic()
    r = fetch(api.url("/drip"), cfg(timeout_s=0.5, retries=2))
    elapsed = time.monotonic() - t
    assert r.status == "failed" and "too slow" in (r.reason or "") and "1.5 s" in (r.reason or "")
    assert elapsed < 3.5, elapsed  # 3 × timeout_s, not retried: ~2 s (before: 3 attempts, ~5 s)


@pytest.mark.slow
@pytest.mark.parametrize("codings", [["gzip", "gzip"], ["gzip"], ["gzip", "br"]])
def test_gigabyte_bomb_peak_memory_in_a_subprocess(api: LocalServer, codings: list[str], tmp_path: Any) -> None:
    body = _zeros_gzip(1024 * MB)
    for c in codings[1:]:
        body = _encode(body, c)
    api.routes["/g"] = lambda h: Reply(body=body, headers={"Content-Encoding": ", ".join(codings)})
    child = textwrap.dedent(
        f"""
        import asyncio, json
        from monitor._config import HttpConfig
        from monitor._http import HttpClient
        async def go():
            cfg = HttpConfig(contact="t@example.com", retries=0, timeout_s=5, allow_private_addresses=True)
            async with HttpClient(cfg) as c:
                return await c.fetch({api.url("/g")!r})
        r = asyncio.run(go())
        # VmHWM: this process's own peak (ru_maxrss would include the forking pytest's)
        hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
        print(json.dumps([r.status, r.reason, int(hwm.split()[1]) // 1024]))
        """
    )
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120, check=True)
    status, reason, peak_mb = json.loads(out.stdout)
    assert status == "failed" and "over the 5,000,000-byte cap" in reason
    assert peak_mb < 150, peak_mb  # after: ~76 MB; before: 2,120 MB for gzip,gzip, 199 MB for one gzip layer


# -- item 4: no server-side request forgery by redirect ------------------------------------


def play_policy(ip: IPAddress) -> str | None:
    """127.0.0.1 plays a public host, 127.0.0.2 a private one; the rest as by default."""
    if ip == PUBLIC:
        return None
    if ip == PRIVATE:
        return "private"
    return default_policy(ip)


class RecordingTransport(httpx.AsyncHTTPTransport):
    """Connects only to 127.0.0.0/8; records (and refuses) any other connection attempt."""

    def __init__(self) -> None:
        super().__init__()
        self.outside: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        try:
            inside = ipaddress.ip_address(host.strip("[]")) in ipaddress.ip_network("127.0.0.0/8")
        except ValueError:
            inside = host == "localhost"
        if not inside:
            self.outside.append(str(request.url))
            raise httpx.ConnectError(f"test transport: no traffic to {host}")
        return await super().handle_async_request(request)


def guarded(**kw: Any) -> dict[str, Any]:
    return {"address_policy": play_policy, **kw}


def test_redirect_from_public_to_private_is_refused(api: LocalServer, other: LocalServer) -> None:
    api.routes["/r"] = lambda h: Reply(302, headers={"Location": other.url("/secret")})
    other.routes["/secret"] = lambda h: Reply(body="instance credentials")
    r = fetch(api.url("/r"), cfg(allow_private_addresses=False), client_kw=guarded())
    assert r.status == "failed" and r.body == b""
    assert r.reason == (
        "refused: redirect to 127.0.0.2 (private address); set [http] allow_private_addresses = true to allow"
    )
    assert other.requests == []  # not even its robots.txt
    # allowed explicitly, the same redirect is followed
    r = fetch(api.url("/r"), cfg(allow_private_addresses=True), client_kw=guarded())
    assert r.status == "ok" and r.body == b"instance credentials"


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("169.254.169.254", "link-local"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("172.16.5.4", "private"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        ("[::ffff:169.254.169.254]", "link-local"),
        ("[fe80::1]", "link-local"),
        ("[fd00::1]", "private"),
        ("[::1]", "loopback"),
    ],
)
def test_redirect_to_private_ranges_refused_before_connecting(api: LocalServer, target: str, kind: str) -> None:
    api.routes["/r"] = lambda h: Reply(302, headers={"Location": f"http://{target}/latest/meta-data/"})
    transport = RecordingTransport()
    r = fetch(api.url("/r"), cfg(allow_private_addresses=False), client_kw=guarded(transport=transport))
    assert r.status == "failed" and f"({kind} address)" in (r.reason or "") and "redirect to" in (r.reason or "")
    assert transport.outside == []


def test_name_resolving_to_a_private_address_is_refused(api: LocalServer) -> None:
    async def resolver(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address("10.0.0.5")] if host == "intranet.example.test" else [PUBLIC]

    api.routes["/r"] = lambda h: Reply(302, headers={"Location": "http://intranet.example.test/admin"})
    transport = RecordingTransport()
    r = fetch(
        api.url("/r"), cfg(allow_private_addresses=False), client_kw=guarded(transport=transport, resolver=resolver)
    )
    assert r.status == "failed" and transport.outside == []
    assert "redirect to intranet.example.test, which resolves to 10.0.0.5 (private address)" in (r.reason or "")


def test_connected_address_is_checked_against_dns_rebinding(api: LocalServer) -> None:
    """The name looked public when checked, but the connection landed on a private address."""

    async def resolver(host: str, port: int) -> list[IPAddress]:
        return [PRIVATE] if host == "localhost" else [PUBLIC]  # 127.0.0.2 plays public here

    def flipped(ip: IPAddress) -> str | None:
        return "private" if ip == PUBLIC else None

    def drip(h: Handler) -> None:
        h.raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n")
        for _ in range(50):
            try:
                h.raw(b"metadata " * 10)
            except OSError:
                return
            time.sleep(0.1)

    api.routes["/x"] = drip
    t = time.monotonic()
    url = f"http://localhost:{api.url('/x').rsplit(':', 1)[1]}"
    r = fetch(
        url,
        cfg(allow_private_addresses=False, respect_robots=False),
        client_kw={"address_policy": flipped, "resolver": resolver},
    )
    assert r.status == "failed" and r.body == b""
    assert "connection for localhost went to 127.0.0.1 (private address)" in (r.reason or "")
    assert time.monotonic() - t < 1.5  # the body was not read


def test_default_policy_refuses_a_configured_loopback_url(api: LocalServer) -> None:
    api.routes["/x"] = lambda h: Reply(body="local")
    r = fetch(api.url("/x"), cfg(allow_private_addresses=False))
    assert r.status == "failed" and api.requests == []
    assert r.reason == (
        "refused: URL host 127.0.0.1 (loopback address); set [http] allow_private_addresses = true to allow"
    )
    r = fetch(api.url("/x"), cfg(allow_private_addresses=True))
    assert r.status == "ok" and r.body == b"local"


def test_robots_txt_redirect_to_private_is_not_followed(api: LocalServer, other: LocalServer) -> None:
    api.routes["/robots.txt"] = lambda h: Reply(302, headers={"Location": other.url("/robots.txt")})
    api.routes["/page"] = lambda h: Reply(body="fine")
    other.routes["/robots.txt"] = lambda h: Reply(body="User-agent: *\nAllow: /\n")
    r = fetch(api.url("/page"), cfg(allow_private_addresses=False), client_kw=guarded())
    assert other.requests == []
    # our own address rule stopped the robots.txt redirect: failed (not blocked, the site refused nothing)
    assert r.status == "failed" and "robots.txt not fetched: refused: robots.txt at" in (r.reason or "")


def test_redirects_still_recheck_robots_per_hop(api: LocalServer, other: LocalServer) -> None:
    api.routes["/r"] = lambda h: Reply(302, headers={"Location": other.url("/private/x")})
    other.routes["/robots.txt"] = lambda h: Reply(body="User-agent: *\nDisallow: /private/\n")
    r = fetch(api.url("/r"))
    assert r.status == "blocked" and "robots.txt disallows /private/x" in (r.reason or "")
    assert [q.path for q in other.requests] == ["/robots.txt"]


def test_default_policy_classes() -> None:
    ip = ipaddress.ip_address
    assert default_policy(ip("93.184.216.34")) is None and default_policy(ip("2606:4700::1111")) is None
    assert default_policy(ip("::ffff:10.0.0.1")) == "private"
    assert default_policy(ip("::")) == "unspecified" and default_policy(ip("ff02::1")) == "multicast"


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=4000),
    codings=st.lists(st.sampled_from(["gzip", "deflate", "deflate-raw", "br"]), min_size=1, max_size=3),
    cut=st.integers(min_value=1, max_value=700),
)
def test_decoder_round_trips_any_stack_and_chunking(data: bytes, codings: list[str], cut: int) -> None:
    body = data
    for c in codings:
        body = _encode(body, c)
    decoder = Decoder(", ".join("deflate" if c == "deflate-raw" else c for c in codings))
    out = b"".join(piece for i in range(0, len(body), cut) for piece in decoder.feed(body[i : i + cut]))
    assert out == data


@settings(max_examples=80, deadline=None)
@given(raw=st.binary(max_size=2000), header=st.sampled_from(["gzip", "deflate", "br", "gzip, br", "br, deflate"]))
def test_decoder_on_garbage_raises_only_its_own_errors(raw: bytes, header: str) -> None:
    decoder = Decoder(header)
    try:
        for _ in decoder.feed(raw):
            pass
    except Undecodable:
        pass
