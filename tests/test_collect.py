"""Collection orchestration: matching, langid, dedup, statuses, runs, resume after a kill.

Runs against the real :class:`monitor._api.MentionIndex` on a temporary SQLite file (its
store is the :class:`monitor._collect.CollectStore` collection writes to).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor._api import MentionIndex
from monitor._collect import Collector, CollectReport, collect, collect_async, select_sources
from monitor._config import Config, Secrets, config_from_dict
from monitor._http import HttpClient
from monitor._store.listings import MentionRecord, RunRecord
from monitor.errors import ConfigError

try:
    from test_http_localserver import Handler, LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import Handler, LocalServer, Reply

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def stored(index: MentionIndex, source: str) -> dict[tuple[str, str], MentionRecord]:
    """What ``source`` stored: (external id, brand) → the mention."""
    return {
        (m.external_id, brand): m for brand in index.brands() for m in index.mentions(brand, source=source, limit=1000)
    }


def run_record(index: MentionIndex, run_id: int | None) -> RunRecord:
    """The Run row of a collection run."""
    return next(r for r in index.store.recent_runs(limit=50, kind="collect") if r.id == run_id)


# -- a site with reviews and a social API -------------------------------------------------

REVIEW_TEXTS = [
    "Acme widget broke after a week, very disappointed",
    "Great Acme drill, works perfectly every single time",
    "Den här Acme-borren är fantastisk, rekommenderas",
    "Acme matkap çok kötü, hiç tavsiye etmem",
    "Бормашината на Acme е отлична, препоръчвам я",
    "Acme-ի գայլիկոնը շատ լավն է, խորհուրդ եմ տալիս",
]


def review_page(n: int, per: int, pages: int) -> str:
    reviews = []
    for i in range(per):
        k = (n - 1) * per + i
        reviews.append(
            {
                "@type": "Review",
                "@id": f"#review-{k}",
                "author": {"name": f"user{k}"},
                "reviewBody": f"{REVIEW_TEXTS[k % len(REVIEW_TEXTS)]} (#{k})",
                "reviewRating": {"ratingValue": str(1 + k % 5)},
                "datePublished": (T0 - timedelta(hours=k)).isoformat(),
            }
        )
    ld = json.dumps({"@type": "Product", "name": "Acme Drill", "review": reviews})
    nxt = f'<link rel="next" href="/reviews?page={n + 1}">' if n < pages else ""
    return f'<html><head>{nxt}<script type="application/ld+json">{ld}</script></head></html>'


def social_page(items: list[tuple[str, str]]) -> str:
    return json.dumps(
        [
            {
                "id": sid,
                "created_at": (T0 - timedelta(minutes=int(sid))).isoformat(),
                "content": f"<p>{text}</p>",
                "language": "sv",
                "account": {"acct": f"u{sid}"},
            }
            for sid, text in items
        ]
    )


class Site:
    """Reviews of Acme (bound source) and a Mastodon tag timeline mentioning several brands."""

    def __init__(self, server: LocalServer, pages: int = 5, per: int = 4) -> None:
        self.server = server
        self.pages, self.per = pages, per
        self.block_reviews = False
        self.stall_page: int | None = None
        server.routes["/reviews"] = self.reviews
        server.routes["/api/v1/timelines/tag/tools"] = self.timeline

    def reviews(self, h: Handler) -> Reply:
        if self.block_reviews:
            return Reply(
                200,
                '<html><form action="/errors/validateCaptcha"></form></html>',
                headers={"Content-Type": "text/html"},
            )
        n = int(h.request_info.query.get("page", ["1"])[0])
        if self.stall_page is not None and n >= self.stall_page:
            return Reply(body="late", delay_s=3)
        return Reply(body=review_page(n, self.per, self.pages), headers={"Content-Type": "text/html", "ETag": '"r1"'})

    def timeline(self, h: Handler) -> Reply:
        items = [
            ("1", "I love my new Acme drill!"),
            ("2", "Bosch or ACME? Torn between them."),
            ("3", "Nothing about tools here at all"),
            ("4", "Great Acme drill, works perfectly every single time (#1)"),  # cross-posted review
            ("5", "apple pie recipe with acme flour"),  # vetoed by an exclusion
        ]
        return Reply(body=social_page(items), headers={"Content-Type": "application/json"})


def make_config(server: LocalServer, **http: Any) -> Config:
    return config_from_dict(
        {
            "database_url": "sqlite:///:memory:",
            "brands": [
                {"name": "Acme", "aliases": ["#acmetools"], "exclusions": ["recipe"]},
                {"name": "Bosch"},
            ],
            "sources": [
                {"name": "acme-reviews", "kind": "reviews", "brand": "Acme", "url": server.url("/reviews")},
                {"name": "masto", "kind": "mastodon", "url": server.base, "options": {"tag": "tools"}},
            ],
            "http": {
                "contact": "test@example.com",
                "min_interval_s": 0,
                "timeout_s": 10,  # loopback: generous, so a loaded machine does not time it out
                "retries": 0,
                "allow_private_addresses": True,
                **http,
            },
        }
    )


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def run_collect(cfg: Config, index: MentionIndex, **kw: Any) -> CollectReport:
    return collect(cfg, index, secrets=Secrets(_env_file=None), **kw)


def real_index(tmp_path: Path, cfg: Config) -> tuple[MentionIndex, Config]:
    """A MentionIndex on a new SQLite file, and the config pointing at it."""
    cfg = cfg.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'm.db'}"})
    return MentionIndex.open(cfg), cfg


def lang_confidences(index: MentionIndex, source: str) -> list[tuple[str | None, float | None]]:
    """(language, confidence) of every mention ``source`` stored."""
    from sqlalchemy import select

    from monitor._store.tables import MENTION_T as M
    from monitor._store.tables import SOURCE_T as SRC

    q = select(M.c.lang, M.c.lang_confidence).join(SRC, SRC.c.id == M.c.source_id).where(SRC.c.name == source)
    with index.engine.connect() as conn:
        return [(r.lang, r.lang_confidence) for r in conn.execute(q)]


def test_collect_matches_identifies_and_counts(server: LocalServer, tmp_path: Path) -> None:
    Site(server)
    index, cfg = real_index(tmp_path, make_config(server))
    with index:
        report = run_collect(cfg, index)
        by = {s.name: s for s in report.sources}
        reviews, masto = by["acme-reviews"], by["masto"]
        assert reviews.status == "ok" and reviews.pages == 5 and reviews.fetched == 20
        # masto: 1 → Acme, 2 → Acme and Bosch, 3 unmatched, 4 → a sighting of review #1, 5 vetoed
        assert masto.unmatched == 2
        # the cross-posted review is stored once; whichever source stores it second records a
        # sighting (sources run concurrently)
        assert reviews.new + masto.new == 23 and reviews.sightings + masto.sightings == 1
        from_masto = stored(index, "masto")
        assert set(from_masto) >= {("1", "Acme"), ("2", "Acme"), ("2@Bosch", "Bosch")}
        # language identified, the declared "sv" was only a hint
        assert all(lang == "en" and (conf or 0) > 0.5 for lang, conf in lang_confidences(index, "masto"))
        langs = {m.lang for m in stored(index, "acme-reviews").values()}
        assert langs == {"en", "sv", "tr", "bg", "hy"}
        run = run_record(index, report.run_id)
        assert run.status == "ok" and run.counts["new"] == 23
        assert run.counts["sources"]["masto"]["unmatched"] == 2
        assert index.store.source_state("acme-reviews").cursor["newest"] == T0.isoformat()


def test_second_run_is_incremental_and_not_modified(server: LocalServer, tmp_path: Path) -> None:
    Site(server)
    index, cfg = real_index(tmp_path, make_config(server))
    with index:
        run_collect(cfg, index)
        server.requests.clear()
        report = run_collect(cfg, index)
    by = {s.name: s for s in report.sources}
    assert by["acme-reviews"].status == "ok"  # our test server ignores If-None-Match…
    assert by["acme-reviews"].pages == 1  # …but the walk stops at already-collected dates
    assert by["acme-reviews"].new == 0 and by["masto"].new == 0
    assert server.hits("/reviews")[0].headers.get("if-none-match") == '"r1"'


def test_blocked_source_is_reported_not_silent(server: LocalServer, tmp_path: Path) -> None:
    site = Site(server)
    site.block_reviews = True
    index, cfg = real_index(tmp_path, make_config(server))
    with index:
        report = run_collect(cfg, index)
        rep = {s.name: s for s in report.sources}["acme-reviews"]
        assert rep.status == "blocked" and "captcha" in (rep.reason or "").lower()
        state = index.store.source_state("acme-reviews")
        assert state.status == "blocked"
        assert "captcha" in (state.blocked_reason or "").lower()
        assert report.status == "partial" and run_record(index, report.run_id).errors


def test_config_errors_fail_the_source_not_the_run(server: LocalServer, tmp_path: Path) -> None:
    Site(server)
    base = make_config(server).model_dump()
    base["sources"].append({"name": "yt", "kind": "youtube", "options": {"video_id": "x"}})
    index, cfg = real_index(tmp_path, config_from_dict(base))
    with index:
        report = run_collect(cfg, index)
    yt = {s.name: s for s in report.sources}["yt"]
    assert yt.status == "failed" and "MONITOR_YOUTUBE_API_KEY" in (yt.reason or "")
    assert {s.name: s for s in report.sources}["acme-reviews"].status == "ok"


def test_select_sources() -> None:
    cfg = config_from_dict(
        {
            "brands": [{"name": "A"}, {"name": "B"}],
            "sources": [
                {"name": "a", "kind": "rss", "url": "https://a.example/feed", "brand": "A"},
                {"name": "b", "kind": "rss", "url": "https://b.example/feed", "brand": "B"},
                {"name": "any", "kind": "rss", "url": "https://c.example/feed"},
                {"name": "off", "kind": "rss", "url": "https://d.example/feed", "enabled": False},
            ],
        }
    )
    assert [s.name for s in select_sources(cfg)] == ["a", "b", "any"]
    assert [s.name for s in select_sources(cfg, brand="a")] == ["a", "any"]
    assert [s.name for s in select_sources(cfg, source="off")] == ["off"]
    with pytest.raises(ConfigError):
        select_sources(cfg, source="nope")


def killed_then_resumed(server: LocalServer, index: MentionIndex, cfg: Config) -> None:
    site = Site(server, pages=6, per=5)
    site.stall_page = 4  # pages 1-3 arrive, page 4 hangs: the run is killed there

    async def killed() -> None:
        index.sync_config(cfg)
        async with HttpClient(cfg.http, validators=index.store) as http:
            collector = Collector(cfg, index, http=http, secrets=Secrets(_env_file=None))
            task = asyncio.ensure_future(collector.run(select_sources(cfg, source="acme-reviews")))
            while len(server.hits("/reviews")) < 4:
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(killed())
    site.stall_page = None
    server.requests.clear()
    report = run_collect(cfg, index, source="acme-reviews")
    [rep] = report.sources
    assert rep.status == "ok" and rep.pages == 6  # walked again from the top: cursor untouched
    assert rep.new == 15 and rep.duplicate == 15  # pages 1-3 were stored once already


def test_killed_half_way_and_rerun_stores_every_mention_once(server: LocalServer, tmp_path: Path) -> None:
    index, cfg = real_index(tmp_path, make_config(server))
    with index:
        killed_then_resumed(server, index, cfg)
        ids = [ext for ext, _brand in stored(index, "acme-reviews")]
    assert len(ids) == 30 and len(set(ids)) == 30


# -- what the analyst sees -------------------------------------------------------------------


def test_collect_into_real_sqlite_index(server: LocalServer, tmp_path: Path) -> None:
    Site(server)
    index, cfg = real_index(tmp_path, make_config(server))
    with index:
        report = run_collect(cfg, index)
        by = {s.name: s for s in report.sources}
        assert by["acme-reviews"].fetched == 20 and by["masto"].unmatched == 2
        assert sum(s.new for s in report.sources) == 23 and sum(s.sightings for s in report.sources) == 1
        overview = {r.name: r for r in index.sources_overview()}
        assert overview["acme-reviews"].status == "ok" and overview["acme-reviews"].last_success_at
        assert index.store.source_state("acme-reviews").cursor["newest"].startswith("2025-03-01T12:00")
        again = run_collect(cfg, index)
        assert sum(s.new for s in again.sources) == 0
        runs = index.recent_runs(kind="collect")
        assert runs[0].counts["sources"]["acme-reviews"]["status"] == "ok"
        assert runs[1].counts["new"] == 23


def test_killed_half_way_and_rerun_stores_every_mention_once_sqlite(server: LocalServer, tmp_path: Path) -> None:
    index, cfg = real_index(tmp_path, make_config(server))
    with index:
        killed_then_resumed(server, index, cfg)
        rows = index.mentions("Acme", source="acme-reviews", limit=1000)
        ids = [r.external_id for r in rows]
        assert len(ids) == 30 and len(set(ids)) == 30


def test_blocked_source_shows_in_real_overview(server: LocalServer, tmp_path: Path) -> None:
    site = Site(server)
    site.block_reviews = True
    index, cfg = real_index(tmp_path, make_config(server))
    with index:
        asyncio.run(collect_async(cfg, index, source="acme-reviews", secrets=Secrets(_env_file=None)))
        row = {r.name: r for r in index.sources_overview()}["acme-reviews"]
        assert row.status == "blocked" and "captcha" in (row.blocked_reason or "").lower()
