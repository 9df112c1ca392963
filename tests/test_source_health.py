"""Source health that is true (issue 15, item 4), over real loopback sockets.

``unreachable`` (no answer: DNS, refused connection, timeout, after retries) is told apart
from ``blocked`` (the site refused us: 401/403/429, robots.txt disallows, a bot wall) and
from ``failing``; a source that stored mentions is at worst ``partial``; a status is said
once with a real reason, in ``monitor collect``, ``monitor sources list``, ``monitor
status`` and the digest.

The DNS case needs a name that does not resolve, without asking a name server off this
machine: ``socket.getaddrinfo`` answers ``nosuch.invalid`` with the resolver's own error
(EAI_NONAME, as for any ``.invalid`` name) at once, and the real httpx/anyio connect path
turns it into the fault the client classifies.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor._api import MentionIndex
from monitor._cli import _register  # noqa: F401
from monitor._cli.app import app
from monitor._collect import SourceRunner
from monitor._collect.reports import SourceReport
from monitor._config import HttpConfig, config_from_dict, load_config
from monitor._digest.context import build_digest
from monitor._digest.render import render_html, render_markdown, render_text
from monitor._doctor import sources as doctor_sources
from monitor._health import HEALTH_STATUSES, MEANING, health_of, plain_reason, status_line
from monitor._http import HttpClient
from monitor._http import reach as reach_module
from monitor._http.result import FetchResult
from monitor.errors import FetchFailed, SourceBlocked, SourceUnreachable

try:
    from test_http_localserver import Handler, LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import Handler, LocalServer, Reply

runner = CliRunner()
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
DISALLOW_US = "User-agent: mention-monitor\nDisallow: /\n"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def closed_port() -> int:
    """A local port nothing listens on (bound, then closed: connecting is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def no_such_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """``*.invalid`` fails to resolve at once, as RFC 6761 says it must; other names resolve as usual."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kw: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.rstrip(".").endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def cfg(**kw: Any) -> HttpConfig:
    base: dict[str, Any] = {
        "contact": "ops@example.com",
        "min_interval_s": 0.0,
        "timeout_s": 5.0,
        "retries": 2,
        "allow_private_addresses": True,
    }
    return HttpConfig(**{**base, **kw})


def fetch(url: str, config: HttpConfig | None = None) -> FetchResult:
    async def go() -> FetchResult:
        async with HttpClient(config or cfg(), backoff_base_s=0.01) as client:
            return await client.fetch(url)

    return asyncio.run(go())


# -- the HTTP client: one fetch ----------------------------------------------------------------


def test_a_closed_port_is_unreachable_after_retries() -> None:
    port = closed_port()
    r = fetch(f"http://127.0.0.1:{port}/feed", cfg(respect_robots=False))
    assert r.status == "unreachable" and r.attempts == 3
    assert r.reason == f"cannot connect to 127.0.0.1:{port} (connection refused) after 3 attempt(s)"
    with pytest.raises(SourceUnreachable, match=r"^cannot connect to 127\.0\.0\.1:\d+ \(connection refused\)"):
        r.raise_for_outcome()
    assert issubclass(SourceUnreachable, FetchFailed)  # code catching FetchFailed still catches it


def test_a_robots_txt_on_a_closed_port_is_unreachable_not_blocked() -> None:
    port = closed_port()
    r = fetch(f"http://127.0.0.1:{port}/feed")
    assert r.status == "unreachable", r
    assert r.reason == (
        f"robots.txt unreachable: cannot connect to 127.0.0.1:{port} (connection refused) after 3 attempt(s)"
    )


def test_a_dns_failure_is_unreachable(no_such_names: None) -> None:
    started = time.monotonic()
    r = fetch("https://nosuch.invalid/reviews", cfg(retries=1))
    assert time.monotonic() - started < 5
    assert r.status == "unreachable"
    assert r.reason == (
        "robots.txt unreachable: DNS lookup failed for nosuch.invalid (Name or service not known) after 2 attempt(s)"
    )
    r = fetch("https://nosuch.invalid/reviews", cfg(retries=0, respect_robots=False))
    assert (r.status, r.reason) == (
        "unreachable",
        "DNS lookup failed for nosuch.invalid (Name or service not known) after 1 attempt(s)",
    )


def test_a_host_that_never_answers_times_out_unreachable() -> None:
    with socket.socket() as silent:  # accepts connections (the backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        r = fetch(f"http://127.0.0.1:{port}/x", cfg(timeout_s=0.3, retries=1, respect_robots=False))
    assert r.status == "unreachable" and r.attempts == 2
    assert r.reason == f"timed out after 0.3 s waiting for 127.0.0.1:{port} to answer after 2 attempt(s)"


def test_403_is_blocked_and_429_is_blocked_after_retries(server: LocalServer) -> None:
    server.routes["/walled"] = lambda h: Reply(403, "<html>Forbidden</html>", headers={"Content-Type": "text/html"})
    server.routes["/busy"] = lambda h: Reply(429, "slow down")
    r = fetch(server.url("/walled"))
    assert (r.status, r.reason, r.attempts) == ("blocked", "HTTP 403 Forbidden", 1)  # the site said no: not retried
    r = fetch(server.url("/busy"))
    assert r.status == "blocked" and r.attempts == 3 and len(server.hits("/busy")) == 3
    assert r.reason == "HTTP 429 Too Many Requests after 3 attempt(s)"


def test_robots_disallow_is_blocked(server: LocalServer) -> None:
    server.routes["/robots.txt"] = lambda h: Reply(body=DISALLOW_US, headers={"Content-Type": "text/plain"})
    server.routes["/reviews"] = lambda h: Reply(body="never served")
    r = fetch(server.url("/reviews"))
    assert (r.status, r.reason) == ("blocked", "robots.txt disallows /reviews")
    assert server.hits("/reviews") == []


def test_the_doctor_classifies_with_the_clients_function() -> None:
    """One classification: the doctor's ``reach_of`` is the HTTP layer's, which reads the status."""
    assert doctor_sources.reach_of is reach_module.reach_of
    assert not hasattr(doctor_sources, "NETWORK_REASONS")  # no second list of phrases to keep in step
    port = closed_port()
    assert reach_module.reach_of(fetch(f"http://127.0.0.1:{port}/", cfg(retries=0))) == "unreachable"


# -- the words ----------------------------------------------------------------------------------


def test_the_status_words_have_one_home() -> None:
    assert set(HEALTH_STATUSES) == set(MEANING) == {"never", "ok", "partial", "failing", "blocked", "unreachable"}
    assert [health_of(s) for s in ("ok", "not_modified", "partial", "blocked", "unreachable", "failed")] == [
        "ok",
        "ok",
        "partial",
        "blocked",
        "unreachable",
        "failing",
    ]
    assert (
        plain_reason("failed: HTTP 500 Internal Server Error (https://x/)")
        == "HTTP 500 Internal Server Error (https://x/)"
    )
    assert plain_reason("robots.txt disallows /x") == "robots.txt disallows /x"
    assert status_line("failing", "failed: cannot connect") == "failing: cannot connect"
    assert status_line("ok", None) == "ok"


def test_the_store_keeps_a_blocked_reason_only_while_blocked(sqlite_url: str) -> None:
    config = config_from_dict(
        {
            "database_url": sqlite_url,
            "brands": [{"name": "Acme"}],
            "sources": [{"name": "shop", "kind": "rss", "url": "https://shop.example/feed"}],
        }
    )
    with MentionIndex.open(config) as index:
        index.sync_config(config)
        store = index.store
        store.record_source_result("shop", "blocked", "HTTP 403 Forbidden (https://shop.example/feed)")
        assert store.source_state("shop").blocked_reason == "HTTP 403 Forbidden (https://shop.example/feed)"
        store.record_source_result("shop", "unreachable", "cannot connect to shop.example:443 (connection refused)")
        state = store.source_state("shop")
        assert state.status == "unreachable" and state.blocked_reason is None
        assert state.last_error == "cannot connect to shop.example:443 (connection refused)"
        assert state.last_success_at is None


def test_a_source_that_stored_mentions_is_at_worst_partial(sqlite_url: str) -> None:
    """However a walk ends (an exception after storing, a worker's report), stored mentions make it partial."""
    config = config_from_dict(
        {
            "database_url": sqlite_url,
            "brands": [{"name": "Acme"}],
            "sources": [{"name": "shop", "kind": "rss", "url": "https://shop.example/feed"}],
        }
    )
    with MentionIndex.open(config) as index:
        index.sync_config(config)
        src = config.sources[0]
        sr = SourceRunner(config, index)
        rep = SourceReport("shop", "rss", new=3)
        sr.finish_source(src, rep, "unreachable", "cannot connect to shop.example:443 (connection refused)")
        assert rep.status == "partial"
        assert rep.reason == (
            "unreachable after 3 new and 0 known mention(s) stored: "
            "cannot connect to shop.example:443 (connection refused)"
        )
        state = index.store.source_state("shop")
        assert state.status == "partial" and state.last_success_at is not None
        nothing = SourceReport("shop", "rss")
        sr.finish_source(src, nothing, "blocked", "blocked: HTTP 403 Forbidden (https://shop.example/feed)")
        assert (nothing.status, nothing.reason) == ("blocked", "HTTP 403 Forbidden (https://shop.example/feed)")


# -- end to end: collect, sources list, status, the digest ------------------------------------------


def review_page(n: int, per: int, next_href: str | None) -> str:
    reviews = [
        {
            "@type": "Review",
            "@id": f"#review-{n}-{i}",
            "author": {"name": f"user{i}"},
            "reviewBody": f"The Acme drill number {n}-{i} works well, very happy with it",
            "reviewRating": {"ratingValue": "4"},
            "datePublished": (T0 - timedelta(minutes=10 * i)).isoformat(),
        }
        for i in range(per)
    ]
    ld = json.dumps({"@type": "Product", "name": "Acme Drill", "review": reviews})
    nxt = f'<link rel="next" href="{next_href}">' if next_href else ""
    return f'<html><head>{nxt}<script type="application/ld+json">{ld}</script></head></html>'


def write_config(tmp_path: Path, server: LocalServer, strict: LocalServer, closed: int) -> Path:
    def reviews(h: Handler) -> Reply:
        if h.request_info.query.get("page") == ["2"]:
            return Reply(500, "<html>oops</html>", headers={"Content-Type": "text/html"})
        return Reply(body=review_page(1, 3, "/reviews?page=2"), headers={"Content-Type": "text/html"})

    server.routes["/reviews"] = reviews
    server.routes["/walled"] = lambda h: Reply(403, "<html>Forbidden</html>", headers={"Content-Type": "text/html"})
    server.routes["/broken"] = lambda h: Reply(500, "<html>oops</html>", headers={"Content-Type": "text/html"})
    strict.routes["/robots.txt"] = lambda h: Reply(body=DISALLOW_US, headers={"Content-Type": "text/plain"})
    sources = {
        "paged": ("reviews", server.url("/reviews")),
        "walled": ("reviews", server.url("/walled")),
        "broken": ("reviews", server.url("/broken")),
        "disallowed": ("reviews", strict.url("/reviews")),
        "closed": ("reviews", f"http://127.0.0.1:{closed}/reviews"),
        "nosuch": ("reviews", "http://nosuch.invalid/reviews"),
    }
    blocks = "".join(
        f'[[sources]]\nname = "{name}"\nkind = "{kind}"\nbrand = "Acme"\nurl = "{url}"\n\n'
        for name, (kind, url) in sources.items()
    )
    path = tmp_path / "monitor.toml"
    path.write_text(
        f"""
database_url = "sqlite:///{tmp_path / "m.db"}"

[http]
contact = "ops@example.com"
min_interval_s = 0
allow_private_addresses = true
retries = 1
timeout_s = 10

[[brands]]
name = "Acme"

[digest]
out_dir = "{tmp_path / "digests"}"
timezone = "UTC"

{blocks}""",
        encoding="utf-8",
    )
    return path


EXPECTED = {
    "paged": "partial",
    "walled": "blocked",
    "broken": "failing",
    "disallowed": "blocked",
    "closed": "unreachable",
    "nosuch": "unreachable",
}


def said_twice(line: str) -> bool:
    """A status word said twice in a row (``failed: failed``, ``blocked: blocked: …``)."""
    return (
        re.search(r"\b(failed|failing|blocked|unreachable|partial):\s*(failed|failing|blocked|unreachable)\b", line)
        is not None
    )


def test_statuses_end_to_end(server: LocalServer, tmp_path: Path, no_such_names: None) -> None:
    closed = closed_port()
    with LocalServer() as strict:
        config = write_config(tmp_path, server, strict, closed)
        res = runner.invoke(app, ["collect", "--config", str(config), "--json"])
        assert strict.hits("/reviews") == []  # robots.txt said no: never fetched
    assert res.exit_code == 1, res.output
    by = {s["source"]: s for s in json.loads(res.stdout)["sources"]}
    assert {name: s["status"] for name, s in by.items()} == {
        **EXPECTED,
        "broken": "failed",  # this run's word; the source's stored status is "failing"
    }
    paged = by["paged"]
    assert paged["new"] == 3 and paged["errors"] == 1
    assert paged["reason"] == (
        f"page 2 failed: HTTP 500 Internal Server Error after 2 attempt(s) ({server.url('/reviews?page=2')}); "
        "pages 1–1 stored"
    )
    assert by["closed"]["reason"] == (
        f"robots.txt unreachable: cannot connect to 127.0.0.1:{closed} (connection refused) after 2 attempt(s) "
        f"(http://127.0.0.1:{closed}/reviews)"
    )
    assert by["nosuch"]["reason"] == (
        "robots.txt unreachable: DNS lookup failed for nosuch.invalid (Name or service not known) after 2 attempt(s) "
        "(http://nosuch.invalid/reviews)"
    )
    assert by["walled"]["reason"] == f"HTTP 403 Forbidden ({server.url('/walled')})"
    assert by["disallowed"]["reason"] == f"robots.txt disallows /reviews ({strict.url('/reviews')})"
    assert by["broken"]["reason"] == f"HTTP 500 Internal Server Error after 2 attempt(s) ({server.url('/broken')})"

    # the run record's errors: "name: status: reason", each status said once
    with MentionIndex.open(load_config(config)) as index:
        [run] = index.recent_runs(limit=1)
        overview = {s.name: s for s in index.sources_overview()}
        digest = build_digest(index, ["Acme"], datetime.now(UTC).date(), tz="UTC")
    assert run.status == "partial" and run.counts["new"] == 3
    per_source = run.counts["sources"]
    assert isinstance(per_source, dict) and per_source["closed"]["status"] == "unreachable"
    assert sorted(e.split(":")[0] for e in run.errors) == sorted(EXPECTED)
    assert all(not said_twice(e) for e in run.errors), run.errors

    # what the store keeps
    assert {name: s.status for name, s in overview.items()} == EXPECTED
    assert overview["paged"].last_success_at is not None
    assert overview["closed"].blocked_reason is None and overview["walled"].blocked_reason is not None

    # `monitor sources list`, as JSON and as the table
    res = runner.invoke(app, ["sources", "list", "--config", str(config), "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    assert {name: r["status"] for name, r in rows.items()} == EXPECTED
    assert rows["closed"]["last_error"].startswith(f"robots.txt unreachable: cannot connect to 127.0.0.1:{closed}")
    res = runner.invoke(app, ["sources", "list", "--config", str(config)], env={"COLUMNS": "100"})
    assert res.exit_code == 0, res.output
    for name, status in EXPECTED.items():
        [line] = [ln for ln in res.output.splitlines() if ln.startswith(f"{name} ")]
        assert f" {status} " in line, line
        assert not said_twice(line), line
    assert "DNS lookup failed for nosuch.invalid" in re.sub(r"\s+", " ", res.output)  # the cell wraps

    # `monitor status`: the same health
    res = runner.invoke(app, ["status", "--config", str(config)], env={"COLUMNS": "100"})
    assert res.exit_code == 0, res.output
    flat = re.sub(r"\s+", " ", res.output)
    assert "unreachable" in flat and f"cannot connect to 127.0.0.1:{closed} (connection refused)" in flat

    # the digest: blocked, then unreachable, then failing, then partial; reasons without the word
    problems = [(s.name, s.status) for s in digest.source_problems]
    assert problems == [
        ("disallowed", "blocked"),
        ("walled", "blocked"),
        ("closed", "unreachable"),
        ("nosuch", "unreachable"),
        ("broken", "failing"),
        ("paged", "partial"),
    ]
    reasons = {s.name: s.reason or "" for s in digest.source_problems}
    assert reasons["closed"].startswith("robots.txt unreachable: cannot connect to 127.0.0.1")
    assert reasons["broken"].startswith("HTTP 500 Internal Server Error after 2 attempt(s)")
    html, text, md = render_html(digest), render_text(digest), render_markdown(digest)
    paged_row = next(chunk for chunk in html.split("<tr>") if "<b>paged</b>" in chunk)
    assert "never succeeded" not in paged_row and "last success" in paged_row
    closed_row = next(chunk for chunk in html.split("<tr>") if "<b>closed</b>" in chunk)
    assert "never succeeded" in closed_row
    assert "UNREACHABLE: closed (reviews) - robots.txt unreachable: cannot connect to 127.0.0.1" in text
    assert r"**unreachable**: nosuch (reviews): robots\.txt unreachable: DNS lookup failed for nosuch\.invalid" in md
    for rendered in (text, md):
        assert not any(said_twice(ln) for ln in rendered.splitlines())


def test_stale_wording_is_said_once(sqlite_url: str) -> None:
    """Rows written before the wording fix ("failed: …" in last_error) show the status once."""
    config = config_from_dict(
        {
            "database_url": sqlite_url,
            "brands": [{"name": "Acme"}],
            "sources": [{"name": "old", "kind": "rss", "url": "https://old.example/feed"}],
        }
    )
    with MentionIndex.open(config) as index:
        index.sync_config(config)
        index.store.record_source_result("old", "failed", "failed: HTTP 502 Bad Gateway after 4 attempt(s) (u)")
        digest = build_digest(index, ["Acme"], datetime.now(UTC).date(), tz="UTC")
    [problem] = digest.source_problems
    assert (problem.status, problem.reason) == ("failing", "HTTP 502 Bad Gateway after 4 attempt(s) (u)")
    assert "FAILING: old (rss) - HTTP 502 Bad Gateway" in render_text(digest)


def test_reddit_token_endpoint_down_is_unreachable_not_blocked() -> None:
    """An API source whose login endpoint cannot be reached is unreachable, not blocked."""
    port = closed_port()
    r = fetch(f"http://127.0.0.1:{port}/api/v1/access_token", cfg(retries=0, respect_robots=False))
    with pytest.raises(SourceUnreachable, match=r"^reddit OAuth token request: cannot connect"):
        r.raise_for_outcome("reddit OAuth token request")
    blocked = FetchResult("u", "blocked", "HTTP 401 Unauthorized", http_status=401)
    with pytest.raises(SourceBlocked, match=r"^HTTP 401 Unauthorized \(u\)$"):
        blocked.raise_for_outcome()
