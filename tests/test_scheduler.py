"""The scheduler, driven by an injected clock: DST, misfires, restarts, two schedulers."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.triggers.interval import IntervalTrigger

from monitor import _schedule as sch
from monitor._config import config_from_dict
from monitor._store.engine import make_engine, upgrade

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when


def make_cfg(schedule: str = "10m", digest_time: str = "08:00"):
    return config_from_dict(
        {
            "brands": [{"name": "Acme"}],
            "sources": [
                {
                    "name": "acme-feed",
                    "kind": "rss",
                    "brand": "Acme",
                    "url": "http://127.0.0.1:9/feed",
                    "schedule": schedule,
                }
            ],
            "digest": {"time": digest_time, "timezone": "Europe/Stockholm"},
        }
    )


@pytest.fixture
def engine(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'sched.db'}")
    upgrade(eng)  # the lease table comes from the migrations
    yield eng
    eng.dispose()


@pytest.fixture
def ran(monkeypatch):
    """Replace the job functions with recorders (jobs are resolved by textual reference)."""
    calls: list[tuple[str, datetime]] = []
    clock_box: dict[str, FakeClock] = {}

    def rec(name):
        def job(**kwargs):
            label = name + (":" + kwargs["source"] if "source" in kwargs else "")
            calls.append((label, clock_box["clock"]()))

        return job

    monkeypatch.setattr(sch, "collect_job", rec("collect"))
    monkeypatch.setattr(sch, "digest_job", rec("digest"))
    monkeypatch.setattr(sch, "retention_job", rec("retention"))
    return calls, clock_box


def open_scheduler(engine, clock, owner="A"):
    s = sch.make_scheduler(engine, clock=clock, inline=True, owner=owner, timezone_name="Europe/Stockholm")
    s.open()
    return s


def run_until(s, clock, end):
    """Event-driven, like the real main loop: sleep (jump) exactly as long as tick() says."""
    wait = s.tick()
    while True:
        nxt = clock.now + timedelta(seconds=max(wait if wait is not None else 3600, 1))
        if nxt > end:
            break
        clock.set(nxt)
        wait = s.tick()


def test_digest_fires_at_local_time_across_dst(engine, ran):
    calls, box = ran
    # Spring forward in Stockholm: 2026-03-29 02:00 CET -> 03:00 CEST.
    clock = FakeClock(datetime(2026, 3, 26, 12, 0, tzinfo=UTC))
    box["clock"] = clock
    s = open_scheduler(engine, clock)
    sch.sync_jobs(s, make_cfg(schedule="6h"))
    run_until(s, clock, datetime(2026, 4, 1, 12, 0, tzinfo=UTC))
    s.shutdown()
    digests = [t for name, t in calls if name == "digest"]
    assert [t.astimezone(STOCKHOLM).date().isoformat() for t in digests] == [
        "2026-03-27",
        "2026-03-28",
        "2026-03-29",
        "2026-03-30",
        "2026-03-31",
        "2026-04-01",
    ]
    # Every one at 08:00 local, whatever the UTC offset.
    assert {t.astimezone(STOCKHOLM).strftime("%H:%M") for t in digests} == {"08:00"}
    assert {t.astimezone(UTC).hour for t in digests} == {7, 6}  # CET then CEST
    retention = [t.astimezone(STOCKHOLM) for name, t in calls if name == "retention"]
    assert len(retention) == 6 and {t.strftime("%H:%M") for t in retention} == {"03:17"}


def test_autumn_back_digest_runs_once(engine, ran):
    calls, box = ran
    # Fall back: 2026-10-25 03:00 CEST -> 02:00 CET; a 02:30 digest exists twice locally.
    clock = FakeClock(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    box["clock"] = clock
    s = open_scheduler(engine, clock)
    sch.sync_jobs(s, make_cfg(schedule="6h", digest_time="02:30"))
    run_until(s, clock, datetime(2026, 10, 26, 12, 0, tzinfo=UTC))
    s.shutdown()
    days = [t.astimezone(STOCKHOLM).date().isoformat() for name, t in calls if name == "digest"]
    assert days == ["2026-10-25", "2026-10-26"]


def test_misfires_coalesce_into_one_run(engine, ran):
    calls, box = ran
    t0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    clock = FakeClock(t0)
    box["clock"] = clock
    s = open_scheduler(engine, clock)
    sch.sync_jobs(s, make_cfg(schedule="10m"))
    # The process sleeps through four runs (e.g. a suspended VM), then wakes.
    clock.set(t0 + timedelta(minutes=45))
    s.tick()
    collects = [t for name, t in calls if name == "collect:acme-feed"]
    assert collects == [t0 + timedelta(minutes=45)]
    job = s.get_job("collect:acme-feed")
    assert job.next_run_time == t0 + timedelta(minutes=50)
    s.shutdown()


def test_misfire_beyond_grace_is_skipped_not_run_late(engine, ran):
    calls, box = ran
    missed: list[str] = []
    t0 = datetime(2026, 5, 4, 5, 0, tzinfo=UTC)  # 07:00 in Stockholm
    clock = FakeClock(t0)
    box["clock"] = clock
    s = open_scheduler(engine, clock)
    s.add_listener(lambda e: missed.append(e.job_id), EVENT_JOB_MISSED)
    sch.sync_jobs(s, make_cfg(schedule="6h"))
    clock.set(datetime(2026, 5, 4, 20, 0, tzinfo=UTC))  # 13 h after 08:00: past the 12 h grace
    s.tick()
    assert "digest" in missed
    assert [n for n, _ in calls if n == "digest"] == []
    assert s.get_job("digest").next_run_time.astimezone(STOCKHOLM).date().isoformat() == "2026-05-05"
    s.shutdown()


def test_restart_resumes_persisted_jobs(engine, ran):
    calls, box = ran
    t0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    clock = FakeClock(t0)
    box["clock"] = clock
    first = open_scheduler(engine, clock)
    assert sch.sync_jobs(first, make_cfg(schedule="30m")) == {
        "collect:acme-feed": "added",
        "digest": "added",
        "retention": "added",
    }
    due = first.get_job("collect:acme-feed").next_run_time
    first.shutdown()

    # Down for 50 minutes; a new process starts on the same database.
    clock.set(t0 + timedelta(minutes=50))
    second = open_scheduler(engine, clock, owner="B")
    assert sch.sync_jobs(second, make_cfg(schedule="30m"))["collect:acme-feed"] == "kept"
    assert second.get_job("collect:acme-feed").next_run_time == due  # persisted, in the past
    second.tick()
    assert [t for n, t in calls if n == "collect:acme-feed"] == [t0 + timedelta(minutes=50)]
    # A changed schedule replaces the stored job.
    assert sch.sync_jobs(second, make_cfg(schedule="2h"))["collect:acme-feed"] == "replaced"
    second.shutdown()
    assert {j["id"] for j in sch.stored_jobs(engine)} == {"collect:acme-feed", "digest", "retention"}


def test_removed_source_job_is_removed(engine, ran):
    _calls, box = ran
    clock = FakeClock(datetime(2026, 5, 4, 9, 0, tzinfo=UTC))
    box["clock"] = clock
    s = open_scheduler(engine, clock)
    sch.sync_jobs(s, make_cfg())
    cfg = config_from_dict({"brands": [{"name": "Acme"}], "digest": {"timezone": "Europe/Stockholm"}})
    assert sch.sync_jobs(s, cfg)["collect:acme-feed"] == "removed"
    s.shutdown()


def test_lease_is_claimed_once(engine):
    a, b = sch.Leases(engine, "A"), sch.Leases(engine, "B")
    t = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    now = t + timedelta(seconds=1)
    assert a.claim("collect:x", t, now) is True
    assert b.claim("collect:x", t, now) is False
    # While A's run is unfinished, B may not start the job's next run either.
    assert b.claim("collect:x", t + timedelta(minutes=10), now + timedelta(minutes=10)) is False
    a.release("collect:x", t, "done", now + timedelta(minutes=11))
    assert b.claim("collect:x", t + timedelta(minutes=20), now + timedelta(minutes=20)) is True
    statuses = [(r["owner"], r["status"]) for r in a.history("collect:x")]
    assert statuses == [("A", "done"), ("B", "skipped"), ("B", "running")]


def test_two_schedulers_on_one_database_never_run_a_job_twice(engine):
    executed: list[tuple[str, datetime]] = []
    lock = threading.Lock()
    scheds = []
    start = datetime.now(UTC) + timedelta(seconds=0.5)
    for owner in ("A", "B"):
        s = sch.make_scheduler(engine, owner=owner)
        s.open()

        def listener(event, owner=owner):
            with lock:
                executed.append((owner, event.scheduled_run_time))

        s.add_listener(listener, EVENT_JOB_EXECUTED)
        scheds.append(s)
    # Both schedulers add the same job (as two `monitor run` processes would).
    for s in scheds:
        s.add_job(
            "time:sleep",
            trigger=IntervalTrigger(seconds=1, start_date=start),
            args=(0.05,),
            id="tick",
            name="tick",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
    threads = [threading.Thread(target=s.serve, daemon=True) for s in scheds]
    for t in threads:
        t.start()
    time.sleep(3.6)
    for s in scheds:
        s.shutdown(wait=True)
    for t in threads:
        t.join(5)
    run_times = [rt for _, rt in executed]
    assert len(run_times) >= 2
    assert len(run_times) == len(set(run_times)), executed


def test_monitor_run_stops_cleanly_on_sigterm(tmp_path) -> None:
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    cfg = tmp_path / "m.toml"
    cfg.write_text(
        'database_url = "sqlite:///m.db"\n[[brands]]\nname = "Acme"\n'
        '[digest]\ntime = "08:00"\ntimezone = "Europe/Stockholm"\n'
        # a source is needed (`monitor run` refuses an idle scheduler); its cron never fires in the test
        '[[sources]]\nname = "feed"\nkind = "rss"\nurl = "https://feed.example/rss"\nschedule = "0 0 1 1 *"\n',
        encoding="utf-8",
    )
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    env.pop("MONITOR_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--config", str(cfg)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        out = b""
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while b"scheduler running" not in out and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            out += line
        assert b"scheduler running" in out, out.decode(errors="replace")
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, (out + rest).decode(errors="replace")  # interrupted (README exit codes)
    assert b"scheduler stopped" in rest
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        assert {j["id"] for j in sch.stored_jobs(engine)} == {"collect:feed", "digest", "retention"}
    finally:
        engine.dispose()


def test_a_live_heartbeating_lease_is_not_taken_over_by_another_scheduler(engine, monkeypatch):
    """A's job runs 4x longer than the lease expiry; its heartbeat keeps B from re-running it."""
    from monitor import _liveness as liveness

    monkeypatch.setattr(liveness, "HEARTBEAT_S", 0.1)
    monkeypatch.setattr(liveness, "EXPIRY", timedelta(seconds=0.5))
    executed: list[tuple[str, datetime]] = []
    lock = threading.Lock()
    start = datetime.now(UTC) + timedelta(seconds=0.3)
    scheds = []
    for owner in ("A", "B"):
        s = sch.make_scheduler(engine, owner=owner)
        s.open()

        def listener(event, owner=owner):
            with lock:
                executed.append((owner, event.scheduled_run_time))

        s.add_listener(listener, EVENT_JOB_EXECUTED)
        scheds.append(s)
    for s in scheds:
        s.add_job(
            "time:sleep",
            trigger=IntervalTrigger(hours=1, start_date=start),
            args=(2.0,),
            id="long",
            name="long",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
    threads = [threading.Thread(target=s.serve, daemon=True) for s in scheds]
    for t in threads:
        t.start()
    time.sleep(3.0)
    for s in scheds:
        s.shutdown(wait=True)
    for t in threads:
        t.join(5)
    assert len(executed) == 1, executed
    [lease] = sch.Leases(engine).history("long")
    assert lease["status"] == "done"
