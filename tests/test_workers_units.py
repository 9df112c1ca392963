"""Distributed mode's parts without a broker: config, routing, the store's shared state (issue 16)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor._api import MentionIndex
from monitor._config import config_from_dict
from monitor._http.result import FetchResult
from monitor._http.robots import RobotsCache
from monitor._records import Prediction
from monitor._store import hostslots, score_batches, worktasks
from monitor._workers.once import PassResult, _Waiter
from monitor._workers.routing import Names, collect_slot
from monitor.errors import ConfigError

PG = "postgresql://postgres@127.0.0.1:5432/x"
AMQP = "amqp://guest:s3cret@127.0.0.1:5672//"


# -- config ---------------------------------------------------------------------------------


def test_a_broker_with_sqlite_is_refused_naming_both_settings() -> None:
    with pytest.raises(ConfigError) as err:
        config_from_dict({"workers": {"broker_url": AMQP}})
    msg = str(err.value)
    assert "workers.broker_url" in msg and "database_url" in msg and "PostgreSQL" in msg
    assert "s3cret" not in msg
    cfg = config_from_dict({"database_url": PG, "workers": {"broker_url": AMQP}})
    assert cfg.workers.distributed and not config_from_dict({}).workers.distributed


def test_broker_url_is_checked_and_never_shown() -> None:
    with pytest.raises(ConfigError) as err:
        config_from_dict({"database_url": PG, "workers": {"broker_url": "http://u:s3cret@host/"}})
    assert "not a broker URL" in str(err.value) and "s3cret" not in str(err.value)
    cfg = config_from_dict({"database_url": PG, "workers": {"broker_url": AMQP}})
    assert "s3cret" not in repr(cfg) and "s3cret" not in repr(cfg.workers)
    with pytest.raises(ConfigError, match="queue_prefix"):
        config_from_dict({"workers": {"queue_prefix": "has space"}})
    with pytest.raises(ConfigError, match="workers: unknown key 'brokr_url' — did you mean 'broker_url'"):
        config_from_dict({"workers": {"brokr_url": AMQP}})  # extra=forbid


def test_environment_broker_overrides_and_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_BROKER_URL", "redis://:pw@127.0.0.1:6379/0")
    with pytest.raises(ConfigError, match="SQLite"):
        config_from_dict({})
    assert config_from_dict({"database_url": PG}).workers.broker_url == "redis://:pw@127.0.0.1:6379/0"
    monkeypatch.setenv("MONITOR_BROKER_URL", "ftp://x")
    with pytest.raises(ConfigError, match="MONITOR_BROKER_URL"):
        config_from_dict({"database_url": PG})


# -- routing --------------------------------------------------------------------------------


def test_a_host_always_goes_to_the_same_collection_queue() -> None:
    names = Names("mm", 4)
    key = "https://shop.example:443"
    assert names.collect(key) == names.collect(key) == f"mm.collect.{collect_slot(key, 4)}"
    assert collect_slot(key, 4) == collect_slot(key, 4)  # stable across processes (no hash seed)
    slots = {collect_slot(f"https://h{i}.example:443", 4) for i in range(40)}
    assert slots == {0, 1, 2, 3}  # hosts spread over the queues


def test_queue_selection() -> None:
    names = Names("mm", 2)
    assert names.expand(None) == ["mm.collect.0", "mm.collect.1", "mm.score", "mm.index", "mm.digest"]
    assert names.expand("score, collect.1") == ["mm.score", "mm.collect.1"]
    assert names.expand("collect") == ["mm.collect.0", "mm.collect.1"]
    with pytest.raises(ConfigError, match=r"unknown queue 'collect\.2'"):
        names.expand("collect.2")
    with pytest.raises(ConfigError, match="unknown queue 'bogus'"):
        names.expand("bogus")
    dead = {q.name: q.queue_arguments for q in names.queues()}
    assert all(a["x-dead-letter-exchange"] == "mm.dlx" for a in dead.values())
    assert names.dead_queue().name == "mm.dead" and "mm.dead" not in dead


def test_worker_needs_distributed_mode(tmp_path: Path) -> None:
    from monitor._cli import (
        _register,  # noqa: F401
        app,
    )

    cfg = tmp_path / "monitor.toml"
    cfg.write_text(f'database_url = "sqlite:///{tmp_path / "m.db"}"\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["worker", "-c", str(cfg)])
    assert res.exit_code == 2 and "broker_url" in res.output


def test_run_timeout_needs_once(tmp_path: Path) -> None:
    from monitor._cli import (
        _register,  # noqa: F401
        app,
    )

    cfg = tmp_path / "monitor.toml"
    cfg.write_text(
        f'database_url = "sqlite:///{tmp_path / "m.db"}"\n[[brands]]\nname = "Acme"\n'
        '[[sources]]\nname = "s"\nkind = "rss"\nurl = "https://example.com/feed"\n',
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["run", "--timeout", "60", "-c", str(cfg)])
    assert res.exit_code == 2 and "--timeout applies to `monitor run --once`" in res.output
    res = CliRunner().invoke(app, ["run", "--once", "--timeout", "0", "-c", str(cfg)])
    assert res.exit_code == 2 and "--timeout" in res.output
    assert not (tmp_path / "m.db").exists()


# -- the store's shared state (SQLite and PostgreSQL) ---------------------------------------


def test_waiting_tasks(db_url: str) -> None:
    with MentionIndex.open(db_url) as idx:
        t0 = datetime(2026, 1, 1, tzinfo=UTC)
        worktasks.record_enqueued(idx.engine, "a", "monitor.score", "mm.score", t0)
        worktasks.record_enqueued(idx.engine, "b", "monitor.score", "mm.score", t0 + timedelta(seconds=5))
        worktasks.record_enqueued(idx.engine, "a", "monitor.score", "mm.score", t0 + timedelta(seconds=9))  # again
        [w] = worktasks.waiting(idx.engine)
        assert (w.queue, w.count, w.oldest) == ("mm.score", 2, t0)
        worktasks.mark_started(idx.engine, "a")
        assert worktasks.waiting(idx.engine)[0].oldest == t0 + timedelta(seconds=5)
        assert worktasks.forget_queue(idx.engine, "mm.score", t0 + timedelta(hours=1)) == 1
        assert worktasks.waiting(idx.engine) == []


@pytest.mark.postgres
def test_host_slot_is_held_once_and_keeps_the_interval(pg_url: str) -> None:
    with MentionIndex.open(pg_url) as idx:
        key = "https://shop.example:443"
        first = hostslots.try_hold(idx.engine, key)
        assert first is not None and first.wait_s(1.0) == 0.0  # never released: no wait
        assert hostslots.try_hold(idx.engine, key) is None  # another holder anywhere: busy
        assert hostslots.try_hold(idx.engine, "https://other.example:443") is not None
        first.release("me")
        second = hostslots.try_hold(idx.engine, key)
        assert second is not None
        assert 0.5 < second.wait_s(1.0) <= 1.0  # just released: wait out the interval
        second.release()


def test_scoring_texts_skip_what_the_version_scored(db_url: str) -> None:
    with MentionIndex.open(db_url) as idx:
        ids = [idx.add_mention(brand="Acme", source="s", external_id=str(k), text=f"text {k}") for k in range(3)]
        pred = Prediction("positive", 0.1, 0.1, 0.8, "fake", "1")
        idx.store.add_scores([(ids[0], pred, True)])
        got = score_batches.scoring_texts(idx.engine, ids, "fake", "1")
        assert [i for i, _, _ in got] == ids[1:]
        assert score_batches.scoring_texts(idx.engine, ids, "fake", "2") != []  # a new version rescores
        assert score_batches.unscored_ids(idx.engine, ["s"], 10) == ids[1:]
        assert score_batches.pending_ids(idx.engine, "fake", "1", 10) == ids[1:]


def test_robots_files_are_shared_through_the_store(db_url: str) -> None:
    calls: list[str] = []

    async def fetch(url: str) -> FetchResult:
        calls.append(url)
        return FetchResult(url=url, status="ok", http_status=200, body=b"User-agent: *\nDisallow: /private\n")

    with MentionIndex.open(db_url) as idx:

        async def main() -> tuple[bool, bool]:
            one = await RobotsCache(fetch, shared=idx.store).get("https://shop.example/a")
            two = await RobotsCache(fetch, shared=idx.store).get("https://shop.example/b")  # another process
            return one.allowed("https://shop.example/private"), two.allowed("https://shop.example/private")

        assert asyncio.run(main()) == (False, False)
        assert calls == ["https://shop.example/robots.txt"]  # fetched once
        stale = datetime.now(UTC) - timedelta(days=2)
        idx.store.set_robots_entry("https://shop.example/robots.txt", 200, b"", stale)
        asyncio.run(RobotsCache(fetch, shared=idx.store).get("https://shop.example/c"))
        assert len(calls) == 2  # an expired shared file is fetched again


def test_embedded_scheduler_runs_work_in_process() -> None:
    from monitor._schedule.dispatch import InProcess
    from monitor._schedule.jobs import Runtime

    assert isinstance(Runtime.__dataclass_fields__["dispatcher"].default_factory(), InProcess)  # type: ignore[misc]


def test_a_digest_task_run_twice_writes_and_delivers_once(tmp_path: Path) -> None:
    from datetime import date

    from monitor._workers import work
    from monitor._workers.runtime import WorkerRuntime

    cfg = config_from_dict(
        {
            "database_url": f"sqlite:///{tmp_path / 'm.db'}",
            "brands": [{"name": "Acme"}],
            "digest": {"out_dir": str(tmp_path / "digests")},
        }
    )
    MentionIndex.open(cfg).close()
    rt = WorkerRuntime(cfg)
    try:
        first = work.digest(rt, date(2026, 1, 5))
        again = work.digest(rt, date(2026, 1, 5))  # the same message delivered again
    finally:
        rt.forget()
    assert first["status"] == "ok" and again["status"] == "skipped"
    assert len(list((tmp_path / "digests").glob("*.html"))) == 1


@pytest.mark.postgres
def test_a_dirty_mark_made_while_a_refresher_holds_the_day_survives(pg_url: str) -> None:
    """Before: a writer's mark hit DO NOTHING on the row a refresher had locked, the refresher
    (which read the rollups before the writer committed) deleted it: the snapshot stayed stale."""
    import threading

    from sqlalchemy import delete, select

    from monitor._records import Mention
    from monitor._store.tables import DIRTY_DAY_T as DD

    day = datetime(2025, 3, 1, 12, tzinfo=UTC)
    with MentionIndex.open(pg_url) as idx:
        idx.store.add_mentions("Acme", "s", [Mention(external_id="a", text="one", published_at=day)])
        with idx.engine.connect() as refresher:
            refresher.execute(select(DD.c.brand_id, DD.c.day).with_for_update(skip_locked=True)).all()
            writer = threading.Thread(
                target=idx.store.add_mentions,
                args=("Acme", "s", [Mention(external_id="b", text="two", published_at=day)]),
            )
            writer.start()
            writer.join(1.0)
            assert writer.is_alive()  # the mark waits for the refresher's lock
            refresher.execute(delete(DD))
            refresher.commit()
        writer.join(10)
        with idx.engine.connect() as conn:
            assert len(conn.execute(select(DD)).all()) == 1  # the second write's day is still dirty


# -- monitor run --once in distributed mode: the pass's list and its waiting -----------------


def test_the_tasks_of_a_pass(db_url: str) -> None:
    from monitor._store import passtasks

    with MentionIndex.open(db_url) as idx:
        t0 = datetime(2026, 1, 1, tzinfo=UTC)
        passtasks.record(idx.engine, "p1", "a", "monitor.collect", "mm.collect.0", t0)
        passtasks.record(idx.engine, "p1", "b", "monitor.score", "mm.score", t0 + timedelta(seconds=1))
        passtasks.record(idx.engine, "p1", "a", "monitor.collect", "mm.collect.0", t0 + timedelta(seconds=2))  # again
        passtasks.record(idx.engine, "p2", "c", "monitor.digest", "mm.digest", t0)
        passtasks.mark_running(idx.engine, "a")
        passtasks.finish(idx.engine, "b", "ok", {"counts": {"scored": 3}, "errors": []})
        passtasks.mark_running(idx.engine, "b")  # a finished task stays finished
        got = passtasks.tasks(idx.engine, "p1")
        assert [(t.task_id, t.status, t.open) for t in got] == [("a", "running", True), ("b", "ok", False)]
        assert got[1].result == {"counts": {"scored": 3}, "errors": []} and got[1].finished_at is not None
        assert passtasks.forget(idx.engine, pass_id="p1", task_id="a") == 1
        assert passtasks.forget(idx.engine, before=t0 + timedelta(seconds=1)) == 1  # p2's old task
        assert [t.task_id for t in passtasks.tasks(idx.engine, "p1")] == ["b"]
        assert passtasks.tasks(idx.engine, "p2") == []


def clock_of(waiter: _Waiter) -> float:
    clock = waiter.clock
    assert isinstance(clock, Clock)
    return clock.now


class Clock:
    """A clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def _waiter(idx: MentionIndex, consumed: set[str], *, timeout_s: float, grace_s: float) -> tuple[_Waiter, PassResult]:
    result = PassResult("p")
    clock = Clock(1.0)
    waiter = _Waiter(
        idx,
        result,
        broker=AMQP,
        deadline=timeout_s,
        timeout_s=timeout_s,
        grace_s=grace_s,
        stop=threading.Event(),
        consumers=lambda: consumed,
        on_step=None,
        clock=clock,
    )
    return waiter, result


def test_a_pass_says_which_queue_no_worker_consumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor._store import passtasks
    from monitor._workers import once

    monkeypatch.setattr(once, "POLL_S", 0.01)
    monkeypatch.setattr(once, "CONSUMER_CHECK_S", 0.0)
    with MentionIndex.open(f"sqlite:///{tmp_path / 'm.db'}") as idx:
        passtasks.record(idx.engine, "p", "a", "monitor.collect", "mm.collect.1")
        passtasks.record(idx.engine, "p", "b", "monitor.score", "mm.score")
        passtasks.finish(idx.engine, "b", "ok", {"counts": {"scored": 2}, "details": {"model": "fake"}})
        waiter, result = _waiter(idx, {"mm.score"}, timeout_s=100, grace_s=4)
        assert waiter.wait() is False
        problem = result.problem
        assert problem == (
            "no worker is consuming queue mm.collect.1 on amqp://REDACTED@127.0.0.1:5672//; "
            "start `monitor worker` (1 task(s) of this pass stay queued for it)"
        )
        assert clock_of(waiter) <= 6  # the grace period, not the timeout
        [step] = result.steps
        assert (step.name, step.status, step.counts, step.details) == ("score", "ok", {"scored": 2}, {"model": "fake"})
        assert [t.task_id for t in result.unfinished] == ["a"]
        assert not result.ok


def test_a_pass_times_out_when_its_workers_are_too_slow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor._store import passtasks
    from monitor._workers import once

    monkeypatch.setattr(once, "POLL_S", 0.01)
    with MentionIndex.open(f"sqlite:///{tmp_path / 'm.db'}") as idx:
        passtasks.record(idx.engine, "p", "a", "monitor.collect", "mm.collect.1")
        passtasks.mark_running(idx.engine, "a")
        waiter, result = _waiter(idx, set(), timeout_s=5, grace_s=5)
        assert waiter.wait() is False
        assert result.problem == "timed out after 5 s: 1 task(s) unfinished: collect (running)"
        passtasks.finish(idx.engine, "a", "partial", {"errors": ["a0: blocked: robots.txt"]})
        waiter, result = _waiter(idx, set(), timeout_s=5, grace_s=5)
        assert waiter.wait() is True
        assert result.problem is None and not result.ok  # a partial task is not all good
        assert result.steps[0].errors == ["a0: blocked: robots.txt"]


@pytest.mark.postgres
def test_run_once_with_an_unreachable_broker_says_so_and_exits_1(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from monitor._cli import (
        _register,  # noqa: F401
        app,
    )

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(
        f'database_url = "{pg_url}"\n[workers]\nbroker_url = "amqp://mm:s3cret@127.0.0.1:{port}//"\n'
        '[[brands]]\nname = "Acme"\n[[sources]]\nname = "s"\nkind = "rss"\nurl = "https://example.com/feed"\n',
        encoding="utf-8",
    )
    monkeypatch.delenv("MONITOR_BROKER_URL", raising=False)
    res = CliRunner().invoke(app, ["run", "--once", "--timeout", "30", "-c", str(cfg)], env={"COLUMNS": "300"})
    assert res.exit_code == 1, res.output
    assert f"broker amqp://REDACTED@127.0.0.1:{port}// unreachable: OperationalError" in res.output
    assert "s3cret" not in res.output
