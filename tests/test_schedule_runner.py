"""APScheduler's own loop (``serve``) with the leased wrappers: restart resume, coalescing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent, SchedulerEvent
from sqlalchemy import Engine

from monitor import _schedule as sch
from monitor._config import config_from_dict
from monitor._store.engine import make_engine, upgrade


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def test_serve_runs_a_firing_missed_while_down_once_coalesced(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(sch, "collect_job", lambda source: calls.append(source) or {"status": "ok"})
    monkeypatch.setattr(sch, "digest_job", lambda: {})
    monkeypatch.setattr(sch, "retention_job", lambda: {})
    cfg = config_from_dict(
        {
            "brands": [{"name": "Acme"}],
            "sources": [
                {"name": "feed", "kind": "rss", "brand": "Acme", "url": "http://127.0.0.1:9/f", "schedule": "10m"}
            ],
            "digest": {"time": "08:00", "timezone": "UTC"},
        }
    )
    # Registered 25 minutes ago, then no scheduler ran: three firings were missed.
    registered_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=25)
    first = sch.make_scheduler(engine, owner="A", timezone_name="UTC")
    first.open()
    assert sch.sync_jobs(first, cfg, now=registered_at)["collect:feed"] == "added"
    first.shutdown()

    second = sch.make_scheduler(engine, owner="B", timezone_name="UTC")
    second.open()
    executed: list[datetime] = []

    def on_executed(event: SchedulerEvent) -> None:
        assert isinstance(event, JobExecutionEvent)
        if event.job_id == "collect:feed":  # the digest's 08:00 firing is owed too when run just after 08:00
            executed.append(event.scheduled_run_time)

    second.add_listener(on_executed, EVENT_JOB_EXECUTED)
    assert sch.sync_jobs(second, cfg)["collect:feed"] == "kept"
    job = second.get_job("collect:feed")
    assert job is not None and job.next_run_time == registered_at  # owed since the registration
    loop = threading.Thread(target=second.serve, daemon=True)
    loop.start()
    time.sleep(1.5)
    second.shutdown(wait=True)
    loop.join(5)
    assert calls == ["feed"]  # once, not three times
    assert executed == [registered_at + timedelta(minutes=20)]  # the latest missed firing
    assert sch.Leases(engine).last_firing("collect:feed") == registered_at + timedelta(minutes=20)
    assert [j["id"] for j in sch.stored_jobs(engine)] == ["collect:feed", "digest", "retention"]
    [stored] = [j for j in sch.stored_jobs(engine) if j["id"] == "collect:feed"]
    assert stored["next_run_time"] == registered_at + timedelta(minutes=30)
