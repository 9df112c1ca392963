"""Crashes leave no locks and no lies: kill -9 and SIGTERM of the long commands.

Each command runs as a real subprocess (``python -m monitor._cli``) against a real SQLite
file or PostgreSQL database; blocking steps block on a real loopback server. After the
kill, the database must say what happened (``abandoned``/``interrupted``), hold nothing
half-written, and the next command must start and finish cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor import _liveness as liveness
from monitor import _schedule as sch
from monitor._store.engine import make_engine, upgrade
from monitor._store.tables import LEASE_T, MENTION_T, RUN_T

REPO = Path(__file__).resolve().parents[1]
EXIT_INTERRUPTED = 3


# ---------------------------------------------------------------- a loopback feed that can stall


class Feed:
    """An RSS feed on 127.0.0.1 whose responses wait while ``stall`` is set."""

    def __init__(self, items: int = 0) -> None:
        self.items = items
        self.stall = threading.Event()
        self.release = threading.Event()
        self.hits: list[float] = []
        feed = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:
                if self.path.startswith("/robots.txt"):
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                feed.hits.append(time.monotonic())
                if feed.stall.is_set():
                    feed.release.wait(60)
                body = feed.body()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client was killed

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/feed.xml"

    def body(self) -> bytes:
        items = "".join(
            f"<item><title>Acme item {i}</title><link>https://example.com/{i}</link>"
            f"<guid>acme-{i}</guid><description>Acme widget number {i} works well enough for me</description>"
            f"<pubDate>Mon, 30 Nov 2026 10:{i % 60:02d}:00 +0000</pubDate></item>"
            for i in range(self.items)
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def feed() -> Iterator[Feed]:
    f = Feed()
    yield f
    f.close()


# ---------------------------------------------------------------- subprocess helpers


def write_config(tmp_path: Path, db_url: str, feed_url: str | None, schedule: str = "30m") -> Path:
    source = (
        f'[[sources]]\nname = "acme-feed"\nkind = "rss"\nbrand = "Acme"\nurl = "{feed_url}"\nschedule = "{schedule}"\n'
        if feed_url
        else ""
    )
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(
        f'database_url = "{db_url}"\n'
        '[[brands]]\nname = "Acme"\n'
        "[http]\nallow_private_addresses = true\nrespect_robots = false\nretries = 0\n"
        "min_interval_s = 0\ntimeout_s = 120\n"
        '[digest]\ntime = "08:00"\ntimezone = "UTC"\n' + source,
        encoding="utf-8",
    )
    return cfg


def env(**extra: str) -> dict[str, str]:
    out = {**os.environ, "PYTHONPATH": str(REPO), **extra}
    out.pop("MONITOR_DATABASE_URL", None)
    out.pop("MONITOR_CONFIG", None)
    return out


def start(args: list[str], cwd: Path, **extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        env=env(**extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for(cond: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        if proc is not None and proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise AssertionError(f"process ended ({proc.returncode}) before {what}:\n{out}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def stop(proc: subprocess.Popen[bytes], sig: int) -> tuple[int, str]:
    proc.send_signal(sig)
    try:
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, out.decode(errors="replace")


def kill9(proc: subprocess.Popen[bytes]) -> str:
    proc.kill()
    out, _ = proc.communicate(timeout=30)
    return out.decode(errors="replace")


def runs(url: str) -> list[dict[str, object]]:
    eng = make_engine(url)
    try:
        with eng.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(RUN_T).order_by(RUN_T.c.id))]
    finally:
        eng.dispose()


def leases(url: str) -> list[dict[str, object]]:
    eng = make_engine(url)
    try:
        with eng.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(LEASE_T).order_by(LEASE_T.c.started_at))]
    finally:
        eng.dispose()


def count_mentions(url: str) -> int:
    eng = make_engine(url)
    try:
        with eng.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(MENTION_T)).scalar_one())
    finally:
        eng.dispose()


def migrated(url: str) -> None:
    eng = make_engine(url)
    try:
        upgrade(eng)
    finally:
        eng.dispose()


# ---------------------------------------------------------------- leases: unit level


@pytest.fixture
def lease_engine(db_url: str) -> Iterator[object]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def test_live_heartbeating_lease_is_never_taken_over(lease_engine, monkeypatch) -> None:
    monkeypatch.setattr(liveness, "EXPIRY", timedelta(minutes=2))
    a, b = sch.Leases(lease_engine, "hostA:1:aa"), sch.Leases(lease_engine, "hostB:2:bb")
    t = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    assert a.claim("collect:x", t, t)
    for minute in range(1, 10):  # A keeps beating; B looks every minute
        now = t + timedelta(minutes=minute)
        a.beat(now)
        assert b.take_over(now + timedelta(seconds=30)) == []
        assert not b.claim("collect:x", now, now + timedelta(seconds=30))  # busy: skipped
    # A stops beating (its host died): after the expiry B takes that very firing over, once.
    later = t + timedelta(minutes=9, seconds=1) + liveness.EXPIRY
    assert b.take_over(later) == [("collect:x", t)]
    assert b.take_over(later) == []
    assert sch.Leases(lease_engine, "hostC:3:cc").take_over(later + timedelta(minutes=1)) == []  # B's now
    row = next(r for r in a.history("collect:x") if r["run_time"].startswith("2026-05-04T09:00:00"))
    assert row["owner"] == "hostB:2:bb" and row["status"] == "running"


def test_lease_of_a_dead_local_process_is_taken_over_at_once(lease_engine) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import socket

    gone = sch.Leases(lease_engine, f"{socket.gethostname()}:{dead.pid}:zz")
    t = datetime.now(UTC)
    assert gone.claim("digest", t, t)
    me = sch.Leases(lease_engine)
    assert me.take_over(t + timedelta(seconds=1)) == [("digest", t)]


# ---------------------------------------------------------------- monitor run: kill -9, then a new scheduler


def _lease_of(url: str, job: str) -> list[dict[str, object]]:
    return [r for r in leases(url) if r["job_id"] == job]


@pytest.mark.slow
def test_kill9_of_monitor_run_mid_job_is_rerun_by_the_next_scheduler(tmp_path: Path, db_url: str, feed: Feed) -> None:
    migrated(db_url)
    cfg = write_config(tmp_path, db_url, feed.url)
    feed.stall.set()  # the collect job blocks inside its first request
    first = start(["run", "--config", str(cfg)], tmp_path)
    try:
        wait_for(lambda: len(feed.hits) == 1, 60, "the first scheduler's request", first)
        [lease] = _lease_of(db_url, "collect:acme-feed")
        assert lease["status"] == "running" and f":{first.pid}:" in str(lease["owner"])
    finally:
        kill9(first)  # kill -9 mid-job
    killed_at = time.monotonic()
    assert [r["status"] for r in runs(db_url) if r["kind"] == "collect"] == ["running"]  # the lie, for now

    second = start(["run", "--config", str(cfg)], tmp_path)
    try:
        wait_for(lambda: len(feed.hits) == 2, 60, "the interrupted firing to run again", second)
        rerun_after = time.monotonic() - killed_at
        [again] = _lease_of(db_url, "collect:acme-feed")  # the same firing, not a new one
        assert again["run_time"] == lease["run_time"]
        assert f":{second.pid}:" in str(again["owner"]) and again["status"] == "running"
        wait_for(lambda: len(runs(db_url)) == 2, 30, "the second collect run", second)
        old, new = runs(db_url)
        assert old["status"] == "abandoned" and "gone" in str(old["errors"])
        assert new["status"] == "running" and str(new["owner"]).endswith(f":{second.pid}")
    finally:
        kill9(second)
    assert rerun_after < 60, rerun_after  # was: skipped for 6 hours


@pytest.mark.slow
def test_sigterm_of_monitor_run_mid_job_records_interrupted_and_exits_3(
    tmp_path: Path, db_url: str, feed: Feed
) -> None:
    migrated(db_url)
    cfg = write_config(tmp_path, db_url, feed.url)
    feed.stall.set()
    proc = start(["run", "--config", str(cfg)], tmp_path)
    wait_for(lambda: len(feed.hits) == 1, 60, "the scheduler's request", proc)
    code, out = stop(proc, signal.SIGTERM)
    assert code == EXIT_INTERRUPTED, out
    [run] = runs(db_url)
    assert run["kind"] == "collect" and run["status"] == "interrupted", run
    [lease] = _lease_of(db_url, "collect:acme-feed")
    assert lease["status"] == "interrupted"
    assert count_mentions(db_url) == 0
    # A following command starts cleanly and collects what the feed has.
    feed.stall.clear()
    feed.items = 5
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "collect", "--config", str(cfg)],
        cwd=tmp_path,
        env=env(),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert [r["status"] for r in runs(db_url)] == ["interrupted", "ok"]
    assert count_mentions(db_url) == 5


# ---------------------------------------------------------------- monitor collect


@pytest.mark.slow
def test_sigterm_of_collect_mid_fetch_exits_3_and_records_interrupted(tmp_path: Path, db_url: str, feed: Feed) -> None:
    migrated(db_url)
    cfg = write_config(tmp_path, db_url, feed.url)
    feed.stall.set()
    proc = start(["collect", "--config", str(cfg)], tmp_path)
    wait_for(lambda: len(feed.hits) == 1, 60, "the collector's request", proc)
    code, out = stop(proc, signal.SIGTERM)
    assert code == EXIT_INTERRUPTED, out  # was 143: no handler
    [run] = runs(db_url)
    assert run["status"] == "interrupted" and "SIGTERM" in str(run["errors"]), run
    assert count_mentions(db_url) == 0


@pytest.mark.slow
def test_kill9_of_collect_then_restart_marks_the_old_run_abandoned(tmp_path: Path, db_url: str, feed: Feed) -> None:
    migrated(db_url)
    cfg = write_config(tmp_path, db_url, feed.url)
    feed.stall.set()
    proc = start(["collect", "--config", str(cfg)], tmp_path)
    wait_for(lambda: len(feed.hits) == 1, 60, "the collector's request", proc)
    kill9(proc)
    assert [r["status"] for r in runs(db_url)] == ["running"]
    feed.stall.clear()
    feed.items = 3
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "collect", "--config", str(cfg)],
        cwd=tmp_path,
        env=env(),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    old, new = runs(db_url)
    assert old["status"] == "abandoned" and f"{proc.pid} is gone" in str(old["errors"])
    assert old["finished_at"] is not None
    assert new["status"] == "ok" and count_mentions(db_url) == 3


# ---------------------------------------------------------------- monitor import


def rollups_exact(url: str) -> bool:
    from collections import Counter

    from monitor._store import recount
    from monitor._store.tables import DAILY_ROLLUP_T, RATING_ROLLUP_T

    eng = make_engine(url)
    try:
        with eng.connect() as conn:
            daily = Counter({tuple(r[:-1]): r[-1] for r in conn.execute(select(DAILY_ROLLUP_T)) if r.n})
            rated = Counter({tuple(r[:-1]): r[-1] for r in conn.execute(select(RATING_ROLLUP_T)) if r.n})
            fresh_d, fresh_r = recount(conn)
        return (daily, rated) == (+fresh_d, +fresh_r)
    finally:
        eng.dispose()


@pytest.mark.slow
def test_sigterm_of_import_mid_file_exits_3_nothing_half_written(tmp_path: Path, db_url: str) -> None:
    migrated(db_url)
    cfg = write_config(tmp_path, db_url, None)
    rows = 60_000
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as f:
        f.write("external_id,text,published_at,rating\n")
        for i in range(rows):
            day = f"2026-11-{1 + i % 28:02d}T10:00:00Z"
            f.write(f"r{i},Acme speaker review number {i} sounds fine to me,{day},{i % 5 + 1}\n")
    args = ["import", str(big), "--brand", "Acme", "--source", "reviews", "--config", str(cfg)]
    proc = start(args, tmp_path)
    wait_for(lambda: count_mentions(db_url) > 0, 120, "the first imported chunk", proc)
    code, out = stop(proc, signal.SIGTERM)
    assert code == EXIT_INTERRUPTED, out
    [run] = runs(db_url)
    assert run["kind"] == "import" and run["status"] == "interrupted", run
    stored = count_mentions(db_url)
    assert 0 < stored < rows
    assert rollups_exact(db_url)  # every committed chunk has its rollups, no chunk is half there
    # The same import again: starts cleanly, keeps what was stored, adds the rest once.
    done = subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=tmp_path,
        env=env(),
        capture_output=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert [r["status"] for r in runs(db_url)] == ["interrupted", "ok"]
    assert count_mentions(db_url) == rows and rollups_exact(db_url)


# ---------------------------------------------------------------- monitor score (the real model)


@pytest.mark.slow
@pytest.mark.model
def test_sigterm_of_score_mid_batches_exits_3_and_the_next_score_finishes(tmp_path: Path, db_url: str) -> None:
    from monitor._store.tables import SCORE_T

    migrated(db_url)
    cfg = write_config(tmp_path, db_url, None)
    rows = 400
    data = tmp_path / "m.csv"
    data.write_text(
        "external_id,text\n" + "".join(f"s{i},Acme speaker number {i} is a lovely little thing\n" for i in range(rows)),
        encoding="utf-8",
    )
    imported = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor._cli",
            "import",
            str(data),
            "--brand",
            "Acme",
            "--source",
            "s",
            "--config",
            str(cfg),
        ],
        cwd=tmp_path,
        env=env(),
        capture_output=True,
        timeout=300,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr

    def scores() -> int:
        eng = make_engine(db_url)
        try:
            with eng.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(SCORE_T)).scalar_one())
        finally:
            eng.dispose()

    proc = start(["score", "--batch", "16", "--config", str(cfg)], tmp_path)
    wait_for(lambda: scores() > 0, 300, "the first scored batch", proc)
    code, out = stop(proc, signal.SIGTERM)
    assert code == EXIT_INTERRUPTED, out
    run = [r for r in runs(db_url) if r["kind"] == "score"][-1]
    assert run["status"] == "interrupted", (run["errors"], out)
    done_so_far = scores()
    assert 0 < done_so_far < rows and done_so_far % 16 == 0  # whole batches only
    assert rollups_exact(db_url)
    again = subprocess.run(
        [sys.executable, "-m", "monitor", "score", "--config", str(cfg)],
        cwd=tmp_path,
        env=env(),
        capture_output=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert scores() == rows and rollups_exact(db_url)


# ---------------------------------------------------------------- abandoned runs: unit level


def test_runs_of_dead_processes_are_marked_abandoned_on_the_next_start(db_url: str, monkeypatch) -> None:
    import socket

    from sqlalchemy import update

    from monitor._api import MentionIndex
    from monitor._store import interrupt_open_runs

    monkeypatch.setattr(liveness, "EXPIRY", timedelta(minutes=10))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    idx = MentionIndex.open(db_url)
    try:
        now = datetime.now(UTC)
        owners = {
            "dead_here": (f"{socket.gethostname()}:{dead.pid}", now),
            "live_elsewhere": ("other-host:4242", now - timedelta(minutes=5)),
            "expired_elsewhere": ("other-host:4243", now - timedelta(minutes=11)),
            "live_here": (liveness.process_owner(), now),  # this process, still open
        }
        ids = {}
        for kind, (owner, beat) in owners.items():
            ids[kind] = idx.store.start_run(kind)
            with idx.engine.begin() as conn:
                conn.execute(update(RUN_T).where(RUN_T.c.id == ids[kind]).values(owner=owner, heartbeat_at=beat))
        nxt = idx.store.start_run("collect")  # the next start closes what is dead
        status = {r["kind"]: r["status"] for r in runs(db_url)}
        assert status == {
            "dead_here": "abandoned",
            "live_elsewhere": "running",
            "expired_elsewhere": "abandoned",
            "live_here": "running",
            "collect": "running",
        }
        reasons = {r["kind"]: r["errors"] for r in runs(db_url)}
        assert f"{dead.pid} is gone" in str(reasons["dead_here"]) and "no heartbeat" in str(
            reasons["expired_elsewhere"]
        )
        # SIGTERM path: every run this process opened and has not finished is recorded interrupted
        # (the ids may include runs other tests in this process left open in their databases).
        assert {ids["live_elsewhere"], ids["live_here"], nxt} <= set(interrupt_open_runs("interrupted by SIGTERM"))
        assert sorted(r["status"] for r in runs(db_url)) == ["abandoned", "abandoned", *["interrupted"] * 3]
        assert {r["kind"]: r["status"] for r in runs(db_url)}["live_elsewhere"] == "interrupted"
    finally:
        idx.close()
