"""Collection hardening: one bad item never costs the good ones (issue 12, item 1).

Real loopback HTTP servers, the real :class:`~monitor._api.MentionIndex` on SQLite and on
PostgreSQL (``db_url``): bad items are skipped and counted with their reason, NUL bytes
are stripped before either database sees them, a failing next page keeps what was stored
(``partial``), a walk stopped by ``max_pages`` resumes where it stopped, and a slow page
parse does not stall other sources on the same event loop.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from monitor._api import MentionIndex
from monitor._collect import Collector, SourceReport, collect
from monitor._config import Config, Secrets, SourceConfig, config_from_dict
from monitor._records import Mention
from monitor._store.listings import SourceOverview
from monitor._store.tables import MENTION_T as M

try:
    from test_http_localserver import Handler, LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import Handler, LocalServer, Reply

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def review(k: int, **over: Any) -> dict[str, Any]:
    r: dict[str, Any] = {
        "@type": "Review",
        "@id": f"https://shop.example/acme-drill#review-{k}",  # absolute: the same on any page
        "author": {"name": f"user{k}"},
        "reviewBody": f"Acme drill review number {k}, solid and quiet",
        "reviewRating": {"ratingValue": str(1 + k % 5)},
        "datePublished": (T0 - timedelta(hours=k)).isoformat(),
    }
    r.update(over)
    return {k2: v for k2, v in r.items() if v is not None}


def review_page(reviews: list[dict[str, Any]], next_href: str | None = None) -> str:
    ld = json.dumps({"@type": "Product", "name": "Acme Drill", "review": reviews})
    nxt = f'<link rel="next" href="{next_href}">' if next_href else ""
    return f'<html><head>{nxt}<script type="application/ld+json">{ld}</script></head></html>'


def config(server: LocalServer, db_url: str, sources: list[dict[str, Any]], **http: Any) -> Config:
    return config_from_dict(
        {
            "database_url": db_url,
            "brands": [{"name": "Acme"}],
            "sources": sources,
            "http": {
                "contact": "test@example.com",
                "min_interval_s": 0,
                "timeout_s": 10,
                "retries": 0,
                "allow_private_addresses": True,
                **http,
            },
        }
    )


def run(cfg: Config, index: MentionIndex, **kw: Any) -> Any:
    return collect(cfg, index, secrets=Secrets(_env_file=None), **kw)


def stored(index: MentionIndex, source: str | None = None) -> list[Any]:
    q = select(M.c.external_id, M.c.text, M.c.url, M.c.rating, M.c.author)
    with index.engine.connect() as conn:
        rows = conn.execute(q.order_by(M.c.id)).all()
    return list(rows)


def count(index: MentionIndex) -> int:
    with index.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(M)).scalar_one())


def overview(index: MentionIndex) -> dict[str, SourceOverview]:
    return {r.name: r for r in index.sources_overview()}


# -- the pure rule ---------------------------------------------------------------------------


def test_check_mention_rule() -> None:
    from monitor._mention_rules import check_mention

    ok = check_mention(Mention(external_id="a", text="fine\x00 text", author="x\x00y", url="https://e/\x00"))
    assert ok.item is not None and ok.problem is None
    assert (ok.item.text, ok.item.author, ok.item.url) == ("fine text", "xy", "https://e/")
    empty = check_mention(Mention(external_id="b", text=" \x00 "))
    assert empty.item is None and empty.problem == "no text, title or rating"
    zero = check_mention(Mention(external_id="c", text="words", rating=0, rating_scale=(1, 5)))
    assert zero.item is not None and zero.item.rating is None and zero.problem == "rating 0 outside 1–5"
    assert zero.repaired
    zero_only = check_mention(Mention(external_id="d", text="", rating=0, rating_scale=(1, 5)))
    assert zero_only.item is None and zero_only.problem == "rating 0 outside 1–5"
    blank = check_mention(Mention(external_id=" \x00", text="words"))
    assert blank.item is None and blank.problem == "external id is empty"
    naive = check_mention(Mention(external_id="e", text="w", published_at=datetime(2025, 1, 1)))
    assert naive.item is None and naive.problem == "published_at has no timezone"
    surrogate = check_mention(Mention(external_id="f", text="a\ud800b"))
    assert surrogate.item is not None and surrogate.item.text == "a\ufffdb"


# -- 1. one bad item -------------------------------------------------------------------------


def test_one_bad_review_costs_no_good_ones(server: LocalServer, db_url: str) -> None:
    """Before: 0 stored, status failed ('has no text, title or rating'), every run."""
    good = [review(k) for k in range(10)]
    empty = review(10, reviewBody=None, reviewRating=None, name=None)  # no text, title or rating
    zero = review(11, reviewRating={"ratingValue": "0"})  # good words, impossible stars
    page = review_page([*good[:5], empty, zero, *good[5:]])
    server.routes["/reviews"] = lambda h: Reply(body=page, headers=HTML)
    src = {"name": "acme-reviews", "kind": "reviews", "brand": "Acme", "url": server.url("/reviews")}
    cfg = config(server, db_url, [src])
    with MentionIndex.open(cfg) as index:
        report = run(cfg, index)
        [rep] = report.sources
        assert rep.new == 11 and rep.skipped == 1 and rep.repaired == 1
        assert rep.skip_reasons == {"no text, title or rating": 1, "rating 0 outside 1–5 (kept without rating)": 1}
        assert rep.status == "partial" and "no text, title or rating" in (rep.reason or "")
        rows = {r.external_id.rsplit("#", 1)[1]: r for r in stored(index)}
        assert len(rows) == 11 and "review-10" not in rows and rows["review-11"].rating is None
        assert rows["review-3"].rating == 4.0
        # the run record and `sources list` say what was skipped and why
        run_row = index.recent_runs(1, kind="collect")[0]
        counts: dict[str, Any] = run_row.counts
        assert counts["skipped"] == 1 and counts["sources"]["acme-reviews"]["skip_reasons"]["no text, title or rating"]
        assert any("skipped 1" in e for e in run_row.errors)
        ov = overview(index)["acme-reviews"]
        assert ov.status == "partial" and "skipped 1 of 12" in (ov.last_error or "")
        # a second run: nothing new, the bad item skipped again, the good ones still there
        again = run(cfg, index).sources[0]
        assert again.new == 0 and again.skipped == 1 and count(index) == 11


def test_cli_sources_list_shows_skips(server: LocalServer, sqlite_url: str, tmp_path: Any) -> None:
    from monitor._cli import _register  # noqa: F401  (registers every command module)
    from monitor._cli.app import app

    page = review_page([review(1), review(2, reviewBody=None, reviewRating=None, name=None)])
    server.routes["/reviews"] = lambda h: Reply(body=page, headers=HTML)
    toml = tmp_path / "monitor.toml"
    toml.write_text(
        f'database_url = "{sqlite_url}"\n[[brands]]\nname = "Acme"\n'
        f'[[sources]]\nname = "acme-reviews"\nkind = "reviews"\nbrand = "Acme"\nurl = "{server.url("/reviews")}"\n'
        '[http]\ncontact = "t@example.com"\nmin_interval_s = 0\nretries = 0\nallow_private_addresses = true\n'
    )
    runner = CliRunner()
    res = runner.invoke(app, ["collect", "--config", str(toml), "--json"])
    assert res.exit_code == 1, res.output  # partial is not ok
    out = json.loads(res.stdout)
    assert out["totals"]["skipped"] == 1 and out["sources"][0]["status"] == "partial"
    res = runner.invoke(app, ["sources", "list", "--config", str(toml), "--json"])
    assert res.exit_code == 0, res.output
    [row] = json.loads(res.stdout)
    assert row["status"] == "partial" and "no text, title or rating" in row["last_error"]


def status(sid: str, content: str, url: str | None = None, **over: Any) -> dict[str, Any]:
    s: dict[str, Any] = {
        "id": sid,
        "created_at": (T0 - timedelta(minutes=int(sid))).isoformat(),
        "content": content,
        "url": url or f"https://social.example/@u/{sid}",
        "account": {"acct": f"u{sid}"},
    }
    s.update(over)
    return s


def test_mastodon_media_only_and_nul_url(server: LocalServer, db_url: str) -> None:
    """Before: SQLite stored 0 (media-only raised); PostgreSQL refused the NUL too."""
    timeline = [
        status("1", "<p>Acme drill is great</p>"),
        status("2", "", media_attachments=[{"type": "image", "url": "https://x/1.png"}]),  # media only
        status("3", "<p>Acme with a poisoned url</p>", url="https://social.example/@u/3\u0000x"),
        status("4", "<p>Acme \u0000hidden NUL in text</p>"),
    ]
    body = json.dumps(timeline)
    server.routes["/api/v1/timelines/tag/tools"] = lambda h: Reply(
        body=body, headers={"Content-Type": "application/json"}
    )
    src = {"name": "masto", "kind": "mastodon", "brand": "Acme", "url": server.base, "options": {"tag": "tools"}}
    cfg = config(server, db_url, [src])
    with MentionIndex.open(cfg) as index:
        [rep] = run(cfg, index).sources
        assert rep.new == 3 and rep.skipped == 1 and rep.skip_reasons == {"no text, title or rating": 1}
        rows = {r.external_id: r for r in stored(index)}
        assert set(rows) == {"1", "3", "4"}
        assert rows["3"].url == "https://social.example/@u/3x"
        assert rows["4"].text == "Acme hidden NUL in text"
        assert "\x00" not in json.dumps([tuple(r) for r in rows.values()], default=str)


def test_nul_in_source_state_and_run_record(db_url: str) -> None:
    """The store's write path strips NUL from reasons, cursors and run records too."""
    cfg = config_from_dict(
        {"database_url": db_url, "sources": [{"name": "s", "kind": "rss", "url": "https://e.example/f"}]}
    )
    with MentionIndex.open(cfg) as index:
        index.sync_config(cfg)
        index.store.record_source_result("s", "failed", "bad\x00 reason", {"since_id": "1\x002", "x": ["a\x00"]})
        st = index.store.source_state("s")
        assert st.last_error == "bad reason" and st.cursor == {"since_id": "12", "x": ["a"]}
        rid = index.store.start_run("collect")
        index.store.finish_run(rid, "ok", {"sources": {"s": {"reason": "r\x00"}}}, ["e\x00rr"])
        row = index.recent_runs(1)[0]
        assert "\x00" not in json.dumps(row.to_dict())
        index.store.set_http_validators("https://e.example/f?\x00", '"e\x00tag"', None)
        assert index.store.http_validators("https://e.example/f?\x00") == ('"etag"', None)
        assert index.store.known_external_ids("s", ["id\x00"]) == set()


# -- 2. a failing next page keeps page 1 ----------------------------------------------------


def test_next_page_404_keeps_page_one(server: LocalServer, db_url: str) -> None:
    """Before: status failed, the reason did not say which page; after: partial, page named."""

    def pages(h: Handler) -> Reply:
        n = int(h.request_info.query.get("page", ["1"])[0])
        if n == 2:
            return Reply(404, "gone", headers=HTML)
        return Reply(body=review_page([review(k) for k in range(5)], "/reviews?page=2"), headers=HTML)

    server.routes["/reviews"] = pages
    src = {"name": "acme-reviews", "kind": "reviews", "brand": "Acme", "url": server.url("/reviews")}
    cfg = config(server, db_url, [src])
    with MentionIndex.open(cfg) as index:
        report = run(cfg, index)
        [rep] = report.sources
        assert rep.new == 5 and count(index) == 5
        assert rep.status == "partial", rep.reason
        assert "page 2" in (rep.reason or "") and "/reviews?page=2" in (rep.reason or "")
        assert "404" in (rep.reason or "")
        assert report.status == "partial" and report.errors()
        st = index.store.source_state("acme-reviews")
        assert st.status == "partial" and "newest" not in st.cursor  # not advanced past page 2
        assert overview(index)["acme-reviews"].last_success_at is not None


# -- 3. max_pages: resume where the walk stopped ---------------------------------------------


class Feed:
    """Dated reviews, newest first, ``per`` a page, linked by ``rel=next``; items can arrive."""

    def __init__(self, server: LocalServer, n: int, per: int = 3) -> None:
        self.items = [review(k) for k in range(n)]
        self.per = per
        server.routes["/reviews"] = self.page

    def arrive(self, k: int) -> None:
        self.items.insert(0, review(k, datePublished=(T0 + timedelta(hours=k)).isoformat()))

    def page(self, h: Handler) -> Reply:
        n = int(h.request_info.query.get("page", ["1"])[0])
        chunk = self.items[(n - 1) * self.per : n * self.per]
        more = n * self.per < len(self.items)
        return Reply(body=review_page(chunk, f"/reviews?page={n + 1}" if more else None), headers=HTML)


def test_max_pages_resumes_the_backlog(server: LocalServer, db_url: str) -> None:
    """Before: run 1 stored pages 1-2 and said ok; pages 3-5 were never collected (6 of 15)."""
    Feed(server, 15)
    src = {"name": "acme-reviews", "kind": "reviews", "brand": "Acme", "url": server.url("/reviews")}
    cfg = config(server, db_url, [src], max_pages=2)
    with MentionIndex.open(cfg) as index:
        reps: list[SourceReport] = [run(cfg, index).sources[0] for _ in range(3)]
        assert [r.new for r in reps] == [6, 6, 3]
        assert [r.status for r in reps] == ["partial", "partial", "ok"]
        assert "stopped at max_pages = 2" in (reps[0].reason or "") and "/reviews?page=2" in (reps[0].reason or "")
        assert "left for the next run" in (reps[0].reason or "")
        assert "/reviews?page=4" in (reps[1].reason or "")
        assert count(index) == 15 and len({r.external_id for r in stored(index)}) == 15
        st = index.store.source_state("acme-reviews")
        assert "resume" not in st.cursor and st.cursor["newest"] == T0.isoformat()
        # caught up: a fourth run reads page 1 only and finds nothing new
        fourth = run(cfg, index).sources[0]
        assert fourth.status == "ok" and fourth.pages == 1 and fourth.new == 0


def test_incremental_source_with_new_items_between_runs(server: LocalServer, db_url: str) -> None:
    """New items arriving while the backlog is read are all stored, each exactly once."""
    feed = Feed(server, 12)
    src = {"name": "acme-reviews", "kind": "reviews", "brand": "Acme", "url": server.url("/reviews")}
    cfg = config(server, db_url, [src], max_pages=2)
    with MentionIndex.open(cfg) as index:
        first = run(cfg, index).sources[0]
        assert first.status == "partial" and first.new == 6
        for k in (100, 101, 102, 103):  # four new reviews push everything down a page and more
            feed.arrive(k)
        statuses = []
        for _ in range(4):
            rep = run(cfg, index).sources[0]
            statuses.append(rep.status)
        assert statuses[-1] == "ok" and statuses[0] == "partial"
        assert count(index) == 16 and len({r.external_id for r in stored(index)}) == 16
        assert index.store.source_state("acme-reviews").cursor["newest"] == (T0 + timedelta(hours=103)).isoformat()


# -- 4. a slow parse does not stall the other sources ---------------------------------------


def test_slow_parse_does_not_stall_other_sources(server: LocalServer, sqlite_url: str, monkeypatch: Any) -> None:
    """Before: the fast source finished only after the 2.5 s parse; after: while it runs."""
    import monitor._sources.reviews as reviews

    real = reviews.read_page
    parse_done: list[float] = []

    def slow_parse(body: Any, url: str, options: Any = None, **kwargs: Any) -> Any:
        if "/slow" in url:
            end = time.monotonic() + 2.5
            n = 0
            while time.monotonic() < end:  # CPU-bound, like a hostile page
                n += 1
            parse_done.append(time.monotonic())
        return real(body, url, options, **kwargs)

    monkeypatch.setattr(reviews, "read_page", slow_parse)
    one = review_page([review(k) for k in range(50, 53)])
    server.routes["/slow"] = lambda h: Reply(body=one, headers=HTML)
    Feed(server, 9, per=3)
    cfg = config(
        server,
        sqlite_url,
        [
            {"name": "slow", "kind": "reviews", "brand": "Acme", "url": server.url("/slow")},
            {"name": "fast", "kind": "reviews", "brand": "Acme", "url": server.url("/reviews")},
        ],
    )
    done: dict[str, float] = {}

    class Progress:
        def source_started(self, source: SourceConfig) -> None:
            pass

        def page_done(self, source: SourceConfig, page: Any, report: SourceReport) -> None:
            pass

        def source_done(self, source: SourceConfig, report: SourceReport) -> None:
            done[source.name] = time.monotonic()

    with MentionIndex.open(cfg) as index:
        index.sync_config(cfg)
        collector = Collector(cfg, index, secrets=Secrets(_env_file=None), relax_loopback=True, progress=Progress())
        report = asyncio.run(collector.run(list(cfg.sources)))
    by = {s.name: s for s in report.sources}
    assert by["fast"].pages == 3 and by["fast"].status == "ok" and by["slow"].new == 3
    assert done["fast"] < parse_done[0], (done, parse_done)


def test_digest_lists_partial_sources(sqlite_url: str) -> None:
    """A partial source is a source problem in the digest, after blocked and failing ones."""
    from datetime import date

    from monitor._digest.context import build_digest

    cfg = config_from_dict(
        {
            "database_url": sqlite_url,
            "brands": [{"name": "Acme"}],
            "sources": [
                {"name": "a-part", "kind": "reviews", "brand": "Acme", "url": "https://a.example/r"},
                {"name": "b-fail", "kind": "rss", "url": "https://b.example/feed"},
                {"name": "c-ok", "kind": "rss", "url": "https://c.example/feed"},
            ],
        }
    )
    with MentionIndex.open(cfg) as index:
        index.sync_config(cfg)
        index.store.record_source_result(
            "a-part", "partial", "page 2 failed: HTTP 404 Not Found (https://a.example/r?p=2)"
        )
        index.store.record_source_result("b-fail", "failed", "cannot connect")
        index.store.record_source_result("c-ok", "ok")
        d = build_digest(index, ["Acme"], date(2025, 3, 1), tz="UTC")
    assert [(s.name, s.status) for s in d.source_problems] == [("b-fail", "failing"), ("a-part", "partial")]
    assert "404" in (d.source_problems[1].reason or "")


def test_sharded_collect_reports_skips(server: LocalServer, sqlite_url: str) -> None:
    """``--workers 2``: the skipped counts and partial statuses of both processes reach the run."""
    for s in range(4):
        page = review_page(
            [review(10 * s + k) for k in range(3)] + [review(10 * s + 9, reviewBody=None, name=None, reviewRating=None)]
        )
        server.routes[f"/s{s}"] = lambda h, page=page: Reply(body=page, headers=HTML)
    sources = [{"name": f"shop-{s}", "kind": "reviews", "brand": "Acme", "url": server.url(f"/s{s}")} for s in range(4)]
    cfg = config(server, sqlite_url, sources, workers=2)
    with MentionIndex.open(cfg) as index:
        report = run(cfg, index, relax_loopback=True)
        assert [s.skipped for s in report.sources] == [1, 1, 1, 1] and report.totals()["skipped"] == 4
        assert all(s.status == "partial" and s.new == 3 for s in report.sources)
        counts = index.recent_runs(1, kind="collect")[0].counts
        assert counts["skipped"] == 4 and counts["new"] == 12 and count(index) == 12
        assert {r.status for r in index.sources_overview()} == {"partial"}


def test_max_pages_resume_with_a_page_url_template(server: LocalServer, sqlite_url: str) -> None:
    """Kinds that count pages themselves (``page_url``, appstore) count on from the resumed page."""
    items = [review(k) for k in range(15)]

    def pages(h: Handler) -> Reply:
        n = int(h.request_info.query.get("page", ["1"])[0])
        return Reply(body=review_page(items[(n - 1) * 3 : n * 3]), headers=HTML)  # no rel=next links

    server.routes["/reviews"] = pages
    src = {
        "name": "acme-reviews",
        "kind": "reviews",
        "brand": "Acme",
        "url": server.url("/reviews"),
        "options": {"page_url": server.url("/reviews?page={page}")},
    }
    cfg = config(server, sqlite_url, [src], max_pages=2)
    with MentionIndex.open(cfg) as index:
        reps = [run(cfg, index).sources[0] for _ in range(3)]
        assert [r.new for r in reps] == [6, 6, 3] and [r.duplicate for r in reps] == [0, 0, 0]
        assert [r.status for r in reps] == ["partial", "partial", "ok"]
        assert count(index) == 15


def test_a_resumed_page_that_is_gone_starts_the_backlog_over(server: LocalServer, sqlite_url: str) -> None:
    """A backlog page answering 404 (an expired page token) is dropped, not retried forever."""
    feed = Feed(server, 15)
    src = {"name": "acme-reviews", "kind": "reviews", "brand": "Acme", "url": server.url("/reviews")}
    cfg = config(server, sqlite_url, [src], max_pages=2)
    with MentionIndex.open(cfg) as index:
        assert run(cfg, index).sources[0].status == "partial"
        server.routes["/reviews"] = lambda h: (
            Reply(404, "expired", headers=HTML) if "page=3" in h.path else feed.page(h)
        )
        gone = run(cfg, index).sources[0]
        assert gone.status == "failed" and "starts over" in (gone.reason or "") and "404" in (gone.reason or "")
        st = index.store.source_state("acme-reviews")
        assert "resume" not in st.cursor and "newest" not in st.cursor  # nothing skipped: newest not advanced
        again = run(cfg, index).sources[0]  # from the first page again, and on to a new backlog
        assert again.status == "partial" and again.duplicate == 6 and "/reviews?page=2" in (again.reason or "")
