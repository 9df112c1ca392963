"""Collection across worker processes: shard planning, and real runs with a spawned worker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import monitor._collect.shards as shards_mod
from monitor._api import MentionIndex
from monitor._collect import collect
from monitor._collect.shards import database_url, politeness_groups, politeness_key
from monitor._config import Config, Secrets, SourceConfig, config_from_dict

try:
    from test_http_localserver import Handler, LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import Handler, LocalServer, Reply


def src(name: str, kind: str = "reviews", url: str | None = None) -> SourceConfig:
    opts = {"tag": "x"} if kind == "mastodon" else {}
    return SourceConfig(name=name, kind=kind, url=url, options=opts, query="acme" if url is None else None)


def test_sources_of_one_host_are_never_split() -> None:
    sources = [
        src("a1", url="https://a.example/r/1"),
        src("b1", url="https://b.example/r"),
        src("a2", url="https://A.example/r/2"),
        src("hn1", kind="hackernews"),
        src("a3", url="https://a.example/r/3"),
        src("b2", url="https://b.example:8443/r"),  # another port is another host key
        src("hn2", kind="hackernews"),
        src("a4", url="https://a.example:443/r/4"),  # the default port: the same budget as a1
    ]
    groups = [[s.name for s in g] for g in politeness_groups(sources)]
    assert groups == [["a1", "a2", "a3", "a4"], ["b1"], ["hn1", "hn2"], ["b2"]]


def test_only_relaxed_loopback_sources_are_split_one_by_one() -> None:
    local = [src(f"l{i}", url=f"http://127.0.0.1:8000/r/{i}") for i in range(6)]
    assert len(politeness_groups(local)) == 1  # politeness applies: one host, one process
    assert len(politeness_groups(local, relax_loopback=True)) == 6
    remote = src("r", url="https://shop.example/r")
    assert politeness_key(remote, relax_loopback=True) == politeness_key(remote)


def test_database_url_keeps_the_password_and_refuses_memory() -> None:
    from sqlalchemy.engine import make_url

    class Fake:
        def __init__(self, url: str) -> None:
            self.engine = type("E", (), {"url": make_url(url)})()

    assert database_url(Fake("postgresql+psycopg://u:s3cret@db/x").engine) == "postgresql+psycopg://u:s3cret@db/x"
    assert database_url(Fake("sqlite:///:memory:").engine) is None
    assert database_url(Fake("sqlite://").engine) is None


# -- real runs ------------------------------------------------------------------------------

PAGES, PER = 3, 5


def page(source: int, n: int) -> str:
    reviews = [
        {
            "@type": "Review",
            "@id": f"#s{source}-r{n}-{i}",
            "reviewBody": f"Acme drill number {source} page {n} item {i} works really well for me",
            "reviewRating": {"ratingValue": str(1 + i % 5)},
            "datePublished": f"2025-03-0{n}T10:0{i}:00+00:00",
        }
        for i in range(PER)
    ]
    nxt = f'<link rel="next" href="/s{source}?page={n + 1}">' if n < PAGES else ""
    ld = json.dumps({"@type": "Product", "name": "Acme", "review": reviews})
    return f'<html lang="en"><head>{nxt}<script type="application/ld+json">{ld}</script></head></html>'


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        for s in range(6):

            def route(h: Handler, s: int = s) -> Reply:
                n = int(h.request_info.query.get("page", ["1"])[0])
                return Reply(body=page(s, n), headers={"Content-Type": "text/html"})

            srv.routes[f"/s{s}"] = route
        yield srv


def config(server: LocalServer, db: str) -> Config:
    return config_from_dict(
        {
            "database_url": db,
            "brands": [{"name": "Acme"}],
            "sources": [
                {"name": f"shop-{s}", "kind": "reviews", "brand": "Acme", "url": server.url(f"/s{s}")} for s in range(6)
            ],
            "http": {
                "contact": "t@example.com",
                "min_interval_s": 0,
                "retries": 0,
                "workers": 2,
                "allow_private_addresses": True,
            },
        }
    )


def test_two_processes_store_every_mention_once(
    server: LocalServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker_did: list[list[str]] = []
    original = shards_mod.ShardProcess.run

    async def spy(self: Any) -> Any:
        reports = await original(self)
        worker_did.append([r.name for r in reports])
        return reports

    monkeypatch.setattr(shards_mod.ShardProcess, "run", spy)
    cfg = config(server, db_url)
    with MentionIndex.open(cfg) as index:
        report = collect(cfg, index, relax_loopback=True, secrets=Secrets(_env_file=None))
        assert len(worker_did) == 1 and 1 <= len(worker_did[0]) < 6  # the worker and this process both collected
        assert report.status == "ok" and [s.name for s in report.sources] == [f"shop-{s}" for s in range(6)]
        assert all(s.pages == PAGES and s.new == PAGES * PER for s in report.sources)
        rows = index.mentions("Acme", limit=1000)
        assert len(rows) == 6 * PAGES * PER == len({(r.source, r.external_id) for r in rows})
        runs = index.recent_runs(kind="collect")
        assert len(runs) == 1 and runs[0].counts["new"] == 6 * PAGES * PER
        assert all(r.status == "ok" for r in index.sources_overview())
        again = collect(cfg, index, relax_loopback=True, secrets=Secrets(_env_file=None))
        assert sum(s.new for s in again.sources) == 0


def test_a_worker_that_dies_fails_its_sources_not_the_run(
    server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker is handed a database it cannot open, so it exits before collecting.
    monkeypatch.setattr(
        "monitor._collect.collector.database_url", lambda index: f"sqlite:///{tmp_path}/missing/dir/x.db"
    )
    cfg = config(server, f"sqlite:///{tmp_path / 'm.db'}")
    with MentionIndex.open(cfg) as index:
        report = collect(cfg, index, relax_loopback=True, secrets=Secrets(_env_file=None))
        bad = [s for s in report.sources if s.status == "failed"]
        good = [s for s in report.sources if s.status == "ok"]
        # the worker died holding the group it started with; this process did the rest
        assert [s.name for s in bad] == ["shop-0"] and len(good) == 5 and report.status == "partial"
        assert "worker process ended (exit code 1)" in (bad[0].reason or "")
        assert sum(s.new for s in good) == 5 * PAGES * PER
        overview = {r.name: r for r in index.sources_overview()}
        assert all(overview[s.name].status == "failing" for s in bad), overview


def test_cancelling_a_sharded_run_stops_the_workers(server: LocalServer, tmp_path: Path) -> None:
    """``monitor run`` cancels collection on SIGTERM: no worker process may outlive it."""
    import asyncio
    import multiprocessing

    from monitor._collect import collect_async

    def slow(h: Handler) -> Reply:
        return Reply(body=page(0, 1), headers={"Content-Type": "text/html"}, delay_s=5)

    for s in range(6):
        server.routes[f"/s{s}"] = slow
    cfg = config(server, f"sqlite:///{tmp_path / 'm.db'}")

    async def main(index: MentionIndex) -> None:
        task = asyncio.create_task(
            collect_async(cfg, index, relax_loopback=True, secrets=Secrets(_env_file=None), workers=2)
        )
        await asyncio.sleep(3)  # the worker has started and is waiting for its first pages
        assert any(p.name == "monitor-collect-shard" for p in multiprocessing.active_children())
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with MentionIndex.open(cfg) as index:
        asyncio.run(main(index))
    assert not [p for p in multiprocessing.active_children() if p.name == "monitor-collect-shard"]


def test_worker_page_events_are_coalesced_but_start_and_end_always_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker sends at most one page event per source per PAGE_EVENT_S; the final report always."""
    import queue

    from monitor._collect import SourceReport

    clock = [100.0]
    monkeypatch.setattr(shards_mod.time, "monotonic", lambda: clock[0])
    q: queue.Queue[Any] = queue.Queue()
    sink = shards_mod._QueueProgress(q)
    src = SourceConfig(name="s", kind="rss", url="http://h/feed")
    report = SourceReport("s", "rss")
    sink.source_started(src)
    for _ in range(10):  # ten pages within a tenth of a second: none is sent
        clock[0] += 0.01
        sink.page_done(src, None, report)
    clock[0] += shards_mod.PAGE_EVENT_S
    sink.page_done(src, None, report)  # a quarter of a second on: one is
    sink.source_done(src, report)
    kinds = []
    while not q.empty():
        kinds.append(q.get_nowait()[0])
    assert kinds == ["started", "page", "done"]
