"""Store contract, state: source state, HTTP validators, runs, meta — SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from monitor._store import Store, interrupt_open_runs, listings
from monitor._store.dialect import utcnow
from monitor._store.tables import RUN_T as RUN
from monitor.errors import StorageError


def test_source_state_follows_each_fetch_outcome_and_keeps_the_cursor(store: Store) -> None:
    store.ensure_source("rss:news", "rss")
    first = store.source_state("rss:news")
    assert (first.status, first.last_success_at, first.cursor) == ("never", None, {})
    store.record_source_result("rss:news", "ok", cursor={"since": "2026-11-01", "seen": [1, 2]})
    ok = store.source_state("rss:news")
    assert (ok.status, ok.cursor, ok.last_success_at is not None) == (
        "ok",
        {"since": "2026-11-01", "seen": [1, 2]},
        True,
    )
    store.record_source_result("rss:news", "partial", "page 3 failed\x00")
    partial = store.source_state("rss:news")
    assert (partial.status, partial.last_error, partial.cursor["seen"]) == ("partial", "page 3 failed", [1, 2])
    store.record_source_result("rss:news", "blocked", "HTTP 403")
    assert (store.source_state("rss:news").status, store.source_state("rss:news").blocked_reason) == (
        "blocked",
        "HTTP 403",
    )
    store.record_source_result("rss:news", "failed", "timeout")
    assert store.source_state("rss:news").status == "failing"
    store.record_source_result("rss:news", "not_modified")
    back = store.source_state("rss:news")
    assert (back.status, back.blocked_reason) == ("ok", None)
    [overview] = listings.sources_overview(store.engine)
    assert (overview.name, overview.kind, overview.status, overview.last_error) == ("rss:news", "rss", "ok", "timeout")
    with pytest.raises(StorageError, match="unknown fetch status 'weird'"):
        store.record_source_result("rss:news", "weird")
    with pytest.raises(StorageError, match="no source named 'nope'"):
        store.record_source_result("nope", "ok")
    with pytest.raises(StorageError, match="no source named 'nope'"):
        store.source_state("nope")


def test_http_validators_are_stored_and_replaced_per_url(store: Store) -> None:
    url = "https://example.org/feed.xml"
    assert store.http_validators(url) is None
    store.set_http_validators(url, '"v1"', "Tue, 03 Nov 2026 09:00:00 GMT")
    assert store.http_validators(url) == ('"v1"', "Tue, 03 Nov 2026 09:00:00 GMT")
    store.set_http_validators(url, '"v2"', None)
    assert store.http_validators(url) == ('"v2"', None)
    assert store.http_validators("https://example.org/other") is None


def test_runs_finish_close_interrupt_and_abandon(store: Store) -> None:
    done = store.start_run("collect")
    store.finish_run(done, "ok", {"new": 3}, ["one problem"])
    assert store.close_run(done, "interrupted", "late") is False  # only a running run closes
    with pytest.raises(StorageError, match="no run with id 999999"):
        store.finish_run(999999, "ok", {}, [])
    interrupted = store.start_run("score")
    assert interrupted in interrupt_open_runs("test signal")
    gone = store.start_run("digest")
    # a run of another host whose heartbeat expired long ago is abandoned
    with store.engine.begin() as conn:
        conn.execute(
            update(RUN).where(RUN.c.id == gone).values(owner="elsewhere:1", heartbeat_at=utcnow() - timedelta(days=2))
        )
    assert store.mark_abandoned_runs() == [gone]
    assert store.mark_abandoned_runs() == []
    runs = {r.id: r for r in listings.recent_runs(store.engine, 10)}
    assert (runs[done].status, runs[done].counts, runs[done].errors) == ("ok", {"new": 3}, ["one problem"])
    assert (runs[interrupted].status, runs[interrupted].errors) == ("interrupted", ["test signal"])
    assert runs[gone].status == "abandoned"
    assert [r.id for r in listings.recent_runs(store.engine, 10, kind="score")] == [interrupted]


def test_meta_keys_are_set_and_replaced(store: Store) -> None:
    assert store.get_meta("k") is None
    store.set_meta("k", "1")
    store.set_meta("k", "2")
    assert store.get_meta("k") == "2"
