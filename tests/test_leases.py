"""The lease store (monitor/db/leases.py) on SQLite and PostgreSQL: its typed API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from monitor import _liveness as liveness
from monitor._store.engine import make_engine, upgrade
from monitor._store.leases import JobRecord, Leases, register_job, registered_jobs, unregister_job

T = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def test_acquire_finish_and_last_firing(engine: Engine) -> None:
    a, b = Leases(engine, "hostA:1:aa"), Leases(engine, "hostB:2:bb")
    assert a.last_firing("collect:x") is None
    assert a.claim("collect:x", T, T) is True
    assert b.claim("collect:x", T, T) is False  # the same firing: one winner
    assert b.claim("collect:x", T + timedelta(minutes=10), T + timedelta(minutes=10)) is False  # busy: skipped
    a.release("collect:x", T, "done", T + timedelta(minutes=11))
    assert b.claim("collect:x", T + timedelta(minutes=20), T + timedelta(minutes=20)) is True
    assert [(r["owner"][:5], r["status"]) for r in a.history("collect:x")] == [
        ("hostA", "done"),
        ("hostB", "skipped"),
        ("hostB", "running"),
    ]
    assert a.last_firing("collect:x") == T + timedelta(minutes=20)  # skipped firings count too
    assert a.last_firing("digest") is None
    assert a.last_runs()["collect:x"]["status"] == "running"


def test_heartbeat_keeps_a_lease_and_takeover_happens_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(liveness, "EXPIRY", timedelta(minutes=2))
    a, b, c = Leases(engine, "hostA:1:aa"), Leases(engine, "hostB:2:bb"), Leases(engine, "hostC:3:cc")
    assert a.claim("digest", T, T)
    assert a.beat(T + timedelta(minutes=1)) == 1
    assert b.take_over(T + timedelta(minutes=2)) == []  # beat a minute ago: alive
    later = T + timedelta(minutes=4)
    assert b.take_over(later) == [("digest", T)]
    assert c.take_over(later) == []  # B holds it now, with a fresh heartbeat
    b.release("digest", T, "done", later)
    assert [r["status"] for r in b.history("digest")] == ["done"]


def test_purge_drops_only_finished_old_leases(engine: Engine) -> None:
    a = Leases(engine, "hostA:1:aa")
    a.claim("j1", T, T)
    a.release("j1", T, "done", T)
    a.claim("j2", T, T)  # still running
    assert a.purge(T + timedelta(days=1)) == 1
    assert [r["job_id"] for r in a.history()] == ["j2"]


def test_job_registry_round_trips_and_forgets(engine: Engine) -> None:
    rec = JobRecord("collect:x", "collect x [30m]", "interval", "1800", "Europe/Stockholm", T, 1800)
    register_job(engine, rec)
    register_job(engine, rec)  # again: replaced, not duplicated
    assert registered_jobs(engine) == {"collect:x": rec}
    unregister_job(engine, "collect:x")
    assert registered_jobs(engine) == {}
