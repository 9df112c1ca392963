"""Pure pieces of the HTTP layer: charset, bot-wall detection, Retry-After, redaction, robots."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor._http.blocked import block_reason
from monitor._http.charset import declared_charset, decode_body, sniff_charset
from monitor._http.hosts import is_loopback
from monitor._http.ratelimit import HostLimiter
from monitor._http.redact import redact_text, redact_url
from monitor._http.retry import parse_retry_after
from monitor._http.robots import interpret, robots_url
from monitor._http.useragent import user_agent

SHARED = Path(os.environ.get("MONITOR_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))


def test_charset_chain() -> None:
    text = "Björn köper ölkorv"
    assert decode_body(text.encode("cp1252"), "text/html; charset=UTF-8") == (text, "cp1252")
    assert decode_body(text.encode(), "text/html; charset=iso-8859-1") == (text, "utf-8")
    assert decode_body(b"\xef\xbb\xbf" + text.encode(), None)[0] == text
    assert decode_body(text.encode("utf-16"), None)[0] == text
    xml = '<?xml version="1.0" encoding="windows-1251"?><r>Привет</r>'.encode("cp1251")
    assert "Привет" in decode_body(xml, "application/xml")[0]
    # no whole-document cp1252 fallback any more: the detector picks a charset, the words survive
    assert " garbage " in decode_body(b"\xff\xfe\xfd garbage \x81", "text/plain; charset=nonsense")[0]
    assert declared_charset('text/html; charset="Shift_JIS"') == "shift_jis"
    assert (
        sniff_charset(b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r">') == "koi8-r"
    )


@pytest.mark.shared
def test_no_real_fixture_looks_like_a_bot_wall() -> None:
    pages = sorted((SHARED / "fixtures").rglob("*.*"))
    if not pages:
        pytest.skip("../shared is absent")
    for page in pages:
        if page.suffix in (".html", ".json", ".xml", ".txt"):
            assert block_reason(200, {"content-type": "text/html"}, page.read_bytes()) is None, page.name


def test_bot_walls_and_statuses() -> None:
    assert block_reason(200, {"content-type": "text/html"}, b"<html><title>Just a moment...</title></html>")
    assert block_reason(403, {"cf-mitigated": "challenge"}, b"")
    small = b"<html><body><div class='g-recaptcha'></div></body></html>"
    assert "reCAPTCHA" in (block_reason(200, {"content-type": "text/html"}, small) or "")
    big = small + b"<p>" + b"real content " * 3000 + b"</p>"
    assert block_reason(200, {"content-type": "text/html"}, big) is None  # a comment form's widget
    assert block_reason(401, {}, b"") == "HTTP 401 Unauthorized"
    assert block_reason(404, {}, b"<html>missing</html>") is None
    assert block_reason(200, {"content-type": "application/json"}, b'{"captcha": 1}') is None


def test_retry_after() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_redaction() -> None:
    url = "https://www.googleapis.com/youtube/v3/commentThreads?part=snippet&key=AIzaSECRET&pageToken=x"
    safe = redact_url(url)
    assert "AIzaSECRET" not in safe and "key=REDACTED" in safe and "pageToken=x" in safe
    assert "hunter2" not in redact_url("https://user:hunter2@proxy.example:8080/")
    assert redact_text("GET /x?access_token=abc&q=1 failed") == "GET /x?access_token=REDACTED&q=1 failed"


def test_robots_semantics() -> None:
    ok = interpret(200, b"User-agent: *\nDisallow: /private\nCrawl-delay: 3\n", 0)
    assert ok.allowed("https://x.example/public") and not ok.allowed("https://x.example/private/1")
    assert ok.crawl_delay() == 3.0
    assert interpret(404, b"", 0).allowed("https://x.example/anything")
    assert not interpret(503, b"", 0).allowed("https://x.example/anything")
    assert not interpret(None, b"", 0).allowed("https://x.example/anything")
    assert robots_url("https://x.example:8443/a/b?c=d#e") == "https://x.example:8443/robots.txt"


def test_loopback_detection() -> None:
    for host in ("localhost", "127.0.0.1", "127.8.9.10", "::1", "[::1]", "app.localhost"):
        assert is_loopback(host), host
    for host in ("example.com", "10.0.0.1", "192.168.1.1", "localhost.example.com", "0.0.0.0"):
        assert not is_loopback(host), host


def test_user_agent_names_project_and_contact() -> None:
    ua = user_agent("ops@example.com")
    assert ua.startswith("mention-monitor/") and ua.endswith("(+ops@example.com)")
    assert "\n" not in user_agent("a\nb")


def test_host_limiter_interval_with_fake_clock() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = HostLimiter(2, 1.5, clock=lambda: now[0], sleep=sleep)

    async def go() -> None:
        for _ in range(3):
            async with limiter.slot("h"):
                pass
        async with limiter.slot("other"):
            pass

    asyncio.run(go())
    assert slept == [1.5, 1.5]  # the other host did not wait
