"""Distributed mode against the real services: RabbitMQ, PostgreSQL, worker processes (issue 16).

Each test gets its own PostgreSQL database and its own queue prefix (so runs never share a
queue), starts real ``python -m monitor worker`` processes scoring with a fake model
(``tests/workers_fake.py``), and collects loopback sites over real HTTP:

- two workers produce exactly the mentions, scores, rollups and snapshots one in-process
  run produces (``MentionIndex.verify()`` clean on both);
- a worker killed with ``kill -9`` in the middle of a collection, and a pool process killed
  in the middle of a scoring batch: the task is delivered again and nothing is lost or
  stored twice;
- two ``monitor run`` schedulers on one database enqueue each firing once;
- two workers never hit one host at once, nor faster than its minimum interval.

Skipped when RabbitMQ is not reachable on 127.0.0.1:5672 (failed under CI, which must run them).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from sqlalchemy import func, select

from monitor._api import MentionIndex
from monitor._config import Config, load_config
from monitor._pipeline import run_once
from monitor._schedule import job_specs
from monitor._store import passtasks, worktasks
from monitor._store.leases import JobRecord, register_job
from monitor._store.tables import BRAND_T, DAILY_ROLLUP_T, LEASE_T, MENTION_T, RUN_T, SCORE_T, SNAPSHOT_T, SOURCE_T
from monitor._store.tables import DIRTY_DAY_T as DD

try:
    from test_http_localserver import Handler, LocalServer, Reply
    from workers_fake import FakeClassifier
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import Handler, LocalServer, Reply
    from tests.workers_fake import FakeClassifier

REPO = Path(__file__).resolve().parents[1]
BROKER = os.environ.get("MONITOR_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
HTML = {"Content-Type": "text/html; charset=utf-8"}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module", autouse=True)
def _broker() -> None:
    if not _reachable("127.0.0.1", 5672):
        if os.environ.get("CI"):
            pytest.fail("RabbitMQ is not reachable on 127.0.0.1:5672 (CI must start it: .ci/run)")
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")


# -- sites ---------------------------------------------------------------------------------


class Site:
    """A loopback shop with paged JSON-LD reviews per source; records each request's start and end."""

    def __init__(self, server: LocalServer, tag: str, *, pages: int = 3, per: int = 8, delay_s: float = 0.0) -> None:
        self.server, self.tag, self.pages, self.per, self.delay_s = server, tag, pages, per, delay_s
        self.spans: list[tuple[float, float, str]] = []

    def source(self, i: int) -> dict[str, Any]:
        path = f"/{self.tag}{i}/reviews"
        self.server.routes[path] = self._route(i, path)
        return {"name": f"{self.tag}{i}", "kind": "reviews", "brand": "Acme", "url": self.server.url(path)}

    def _route(self, i: int, path: str) -> Callable[[Handler], Reply | None]:
        def page(h: Handler) -> Reply | None:
            start = time.monotonic()
            n = int(h.request_info.query.get("page", ["1"])[0])
            reviews = [self._review(i, (n - 1) * self.per + k) for k in range(self.per)]
            nxt = f"{path}?page={n + 1}" if n < self.pages else None
            if self.delay_s:
                time.sleep(self.delay_s)
            ld = json.dumps({"@type": "Product", "name": "Acme Drill", "review": reviews})
            link = f'<link rel="next" href="{nxt}">' if nxt else ""
            body = f'<html><head>{link}<script type="application/ld+json">{ld}</script></head></html>'
            h.wfile.write(Reply(body=body, headers=HTML).raw())
            h.wfile.flush()
            self.spans.append((start, time.monotonic(), h.path))
            return None

        return page

    def _review(self, i: int, k: int) -> dict[str, Any]:
        words = ["solid", "quiet", "broke", "loud", "great", "awful", "fine", "sturdy"]
        return {
            "@type": "Review",
            "@id": f"https://{self.tag}.example/p{i}#review-{k}",
            "author": {"name": f"user{k}"},
            "reviewBody": f"Acme drill {self.tag}{i} review {k}: {words[(i + k) % 8]} and {words[(k * 3) % 8]}",
            "reviewRating": {"ratingValue": str(1 + (i + k) % 5)},
            "datePublished": f"2025-03-{1 + k % 5:02d}T12:00:00+00:00",
        }


@pytest.fixture
def servers() -> Iterator[list[LocalServer]]:
    with LocalServer() as a, LocalServer() as b, LocalServer() as c:
        yield [a, b, c]


# -- configs, workers ----------------------------------------------------------------------


def write_config(
    path: Path, db_url: str, sources: list[dict[str, Any]], prefix: str, *, broker: bool = True, **over: Any
) -> Config:
    http = {"contact": "test@example.com", "min_interval_s": 0.0, "timeout_s": 10, "retries": 0}
    http.update(over.pop("http", {}))
    data = {
        "database_url": db_url,
        "brands": [{"name": "Acme"}],
        "sources": sources,
        "http": {**http, "allow_private_addresses": True},
        "index": {"min_sample": 1},
        "workers": {"queue_prefix": prefix, **({"broker_url": BROKER} if broker else {}), **over.pop("workers", {})},
        **over,
    }
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return load_config(path)


class Worker:
    """``python -m monitor worker`` in its own process group, its output in a file."""

    def __init__(self, cfg_path: Path, name: str, log_dir: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        cmd = [sys.executable, "-m", "monitor", "worker", "-c", str(cfg_path), "--name", f"{name}@test"]
        cmd += ["--classifier", "tests.workers_fake:make"]
        full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
        full_env.pop("MONITOR_DATABASE_URL", None)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, env=full_env, start_new_session=True
            )

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if f"{self.name}@test ready" in self.text():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"worker {self.name} did not start:\n{self.text()[-3000:]}")

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def pids(self) -> set[int]:
        """The worker's main process and its pool processes."""
        out = {self.proc.pid}
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    stat = (d / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    out.add(int(d.name))
        return out

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


@pytest.fixture
def prefix() -> Iterator[str]:
    """A queue prefix of this test's own; its queues and exchanges are deleted afterwards."""
    name = f"t{uuid.uuid4().hex[:10]}"
    yield name
    from kombu import Connection

    with Connection(BROKER) as conn:
        ch = conn.channel()
        kinds = ("score", "index", "digest", "dead")
        for q in [*(f"{name}.collect.{k}" for k in range(8)), *(f"{name}.{k}" for k in kinds)]:
            try:
                ch.queue_delete(q)
            except Exception:
                ch = conn.channel()
        for ex in (name, f"{name}.dlx"):
            try:
                ch.exchange_delete(ex)
            except Exception:
                ch = conn.channel()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., list[Worker]]]:
    started: list[Worker] = []

    def start(cfg_path: Path, n: int = 2, env: dict[str, str] | None = None) -> list[Worker]:
        ws = [Worker(cfg_path, f"w{len(started) + i}", tmp_path, env) for i in range(n)]
        started.extend(ws)
        for w in ws:
            w.wait_ready()
        return ws

    yield start
    for w in started:
        w.stop()


def held(app: Any) -> int:
    """Tasks the workers run, hold or keep for later (a retry waiting for its countdown)."""
    insp = app.control.inspect(timeout=1.0)
    return sum(len(v) for got in (insp.active(), insp.reserved(), insp.scheduled()) for v in (got or {}).values())


def settle(cfg: Config, idx: MentionIndex, timeout: float = 120.0) -> None:
    """Wait until nothing waits or runs: no queued task, no running run, nothing unscored or dirty."""
    from monitor._workers.app import make_app
    from monitor._workers.routing import Names
    from monitor._workers.status import queue_depths

    app = make_app(cfg)
    names = Names.of(cfg.workers).consumed()
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        idx.store.mark_abandoned_runs()  # a killed worker's run
        with idx.engine.connect() as conn:
            running = conn.execute(select(func.count()).select_from(RUN_T).where(RUN_T.c.status == "running")).scalar()
            unscored = conn.execute(
                select(func.count()).select_from(MENTION_T).where(MENTION_T.c.label_origin.is_(None))
            ).scalar()
            dirty = conn.execute(select(func.count()).select_from(DD)).scalar()
        depth = sum(v or 0 for v in queue_depths(app, names).values())
        busy = running or unscored or dirty or depth or worktasks.waiting(idx.engine)
        quiet = 0 if busy else quiet + 1
        if quiet >= 2 and not held(app):  # the remote control waits its whole timeout: ask last
            return
        time.sleep(0.5)
    raise AssertionError(f"not settled: running={running} unscored={unscored} dirty={dirty} depth={depth}")


# -- what the store holds, comparable across databases --------------------------------------


def holdings(idx: MentionIndex) -> dict[str, Any]:
    m, s, dr, sn = MENTION_T, SOURCE_T, DAILY_ROLLUP_T, SNAPSHOT_T
    mq = select(s.c.name, m.c.external_id, m.c.text, m.c.label, m.c.label_origin, m.c.lang, m.c.day)
    mq = mq.select_from(m.join(s, s.c.id == m.c.source_id))
    rq = select(BRAND_T.c.name, dr.c.day, s.c.name, dr.c.lang, dr.c.label, dr.c.origin, dr.c.n)
    rq = rq.select_from(dr.join(s, s.c.id == dr.c.source_id).join(BRAND_T, BRAND_T.c.id == dr.c.brand_id))
    sq = select(sn.c.day, sn.c.scope, sn.c.scope_value, sn.c.positive, sn.c.neutral, sn.c.negative, sn.c.volume)
    with idx.engine.connect() as conn:
        return {
            "mentions": sorted((tuple(r) for r in conn.execute(mq)), key=repr),
            "scores": conn.execute(select(func.count()).select_from(SCORE_T)).scalar(),
            "rollups": sorted((tuple(r) for r in conn.execute(rq.where(dr.c.n != 0))), key=repr),
            "snapshots": sorted((tuple(r) for r in conn.execute(sq.add_columns(sn.c.msi))), key=repr),
        }


def clean(idx: MentionIndex) -> None:
    report = idx.verify()
    assert report.ok, report


# -- the tests -----------------------------------------------------------------------------


def test_two_workers_store_what_one_process_stores(
    servers: list[LocalServer], pg_url: str, tmp_path: Path, prefix: str, workers: Callable[..., list[Worker]]
) -> None:
    from monitor._workers.dispatch import CeleryDispatcher

    sites = [Site(srv, tag) for srv, tag in zip(servers, ("a", "b", "c"), strict=True)]
    sources = [site.source(i) for site in sites for i in range(2)]
    # The reference: one in-process run into a SQLite file, the same fake model.
    ref_cfg = write_config(tmp_path / "ref.toml", f"sqlite:///{tmp_path / 'ref.db'}", sources, prefix, broker=False)
    with MentionIndex.open(ref_cfg) as ref:
        res = run_once(ref_cfg, idx=ref, classifier=FakeClassifier(), digest="skip")
        assert res.ok, res.steps
        want = holdings(ref)
        clean(ref)
    assert len(want["mentions"]) == 6 * 3 * 8

    cfg = write_config(tmp_path / "monitor.toml", pg_url, sources, prefix, workers={"score_batch": 20})
    with MentionIndex.open(cfg) as idx:
        ws = workers(tmp_path / "monitor.toml", 2)
        ids = CeleryDispatcher(cfg).collect_all(idx.engine)
        assert len(ids) == 3  # one task per host
        settle(cfg, idx)
        got = holdings(idx)
        clean(idx)
        assert got == want
        runs = idx.recent_runs(limit=100)
        assert sorted(r.kind for r in runs if r.kind == "collect") == ["collect"] * 3
        assert {r.status for r in runs} == {"ok"}
        assert all("monitor.collect[" in w.text() or "monitor.score[" in w.text() for w in ws)  # both worked
        assert sum(r.counts.get("scored", 0) for r in runs if r.kind == "score") == len(want["mentions"])  # type: ignore[operator]


def test_kill_9_mid_collect_redelivers_to_the_other_worker(
    servers: list[LocalServer], pg_url: str, tmp_path: Path, prefix: str, workers: Callable[..., list[Worker]]
) -> None:
    from monitor._workers.dispatch import CeleryDispatcher

    site = Site(servers[0], "k", pages=10, per=6, delay_s=0.25)
    sources = [site.source(0)]
    cfg = write_config(tmp_path / "monitor.toml", pg_url, sources, prefix)
    with MentionIndex.open(cfg) as idx:
        ws = workers(tmp_path / "monitor.toml", 2)
        CeleryDispatcher(cfg).collect_sources(idx.engine, ["k0"])
        deadline = time.monotonic() + 30
        while len(site.spans) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(site.spans) >= 3, "the collection did not start"
        with idx.engine.connect() as conn:
            owner = conn.execute(
                select(RUN_T.c.owner).where(RUN_T.c.kind == "collect", RUN_T.c.status == "running")
            ).scalar_one()
        pid = int(str(owner).rsplit(":", 1)[1])
        [victim] = [w for w in ws if pid in w.pids()]
        [other] = [w for w in ws if w is not victim]
        victim.kill9()
        settle(cfg, idx)
        with idx.engine.connect() as conn:
            n, distinct = conn.execute(select(func.count(), func.count(MENTION_T.c.external_id.distinct()))).one()
            scores = conn.execute(select(func.count()).select_from(SCORE_T)).scalar()
        assert n == distinct == 60 and scores == 60
        assert "monitor.collect[" in other.text() and "succeeded" in other.text()
        pages = [p for _, _, p in site.spans]
        assert len(pages) > 10  # the first pages were walked twice: once by each worker
        assert idx.store.source_state("k0").status == "ok"
        idx.store.mark_abandoned_runs()
        clean(idx)


def test_kill_9_mid_score_redelivers_the_batch(
    servers: list[LocalServer], pg_url: str, tmp_path: Path, prefix: str, workers: Callable[..., list[Worker]]
) -> None:
    from monitor._workers.dispatch import CeleryDispatcher

    site = Site(servers[0], "s", pages=2, per=10)
    cfg = write_config(tmp_path / "monitor.toml", pg_url, [site.source(0)], prefix, workers={"score_batch": 5})
    calls = tmp_path / "calls.log"
    with MentionIndex.open(cfg) as idx:
        ws = workers(tmp_path / "monitor.toml", 2, env={"MONITOR_FAKE_DELAY_S": "1.0", "MONITOR_FAKE_LOG": str(calls)})
        CeleryDispatcher(cfg).collect_sources(idx.engine, ["s0"])
        deadline = time.monotonic() + 60
        owner = None
        while owner is None and time.monotonic() < deadline:
            with idx.engine.connect() as conn:
                owner = conn.execute(
                    select(RUN_T.c.owner).where(RUN_T.c.kind == "score", RUN_T.c.status == "running").limit(1)
                ).scalar()
            time.sleep(0.05)
        assert owner is not None, "no scoring task started"
        time.sleep(0.3)  # inside predict
        pid = int(str(owner).rsplit(":", 1)[1])
        assert any(pid in w.pids() and pid != w.proc.pid for w in ws)
        os.kill(pid, signal.SIGKILL)  # the pool process: its worker sends the message back
        settle(cfg, idx)
        with idx.engine.connect() as conn:
            scores = conn.execute(select(func.count()).select_from(SCORE_T)).scalar()
            per_mention = conn.execute(
                select(func.count()).select_from(SCORE_T).group_by(SCORE_T.c.mention_id).having(func.count() > 1)
            ).all()
        assert scores == 20 and not per_mention
        batches = [line.split() for line in calls.read_text().splitlines()]
        assert len(batches) > 4  # 4 batches of 5, one of them predicted twice
        assert pid in {int(p) for p, _ in batches}
        assert "WorkerLostError" in "".join(w.text() for w in ws) or len(batches) >= 5
        idx.store.mark_abandoned_runs()
        clean(idx)


def test_two_schedulers_enqueue_each_firing_once(
    servers: list[LocalServer], pg_url: str, tmp_path: Path, prefix: str
) -> None:
    from monitor._workers.app import make_app
    from monitor._workers.status import queue_depths

    site = Site(servers[0], "d")
    sources = [{**site.source(i), "schedule": "1h"} for i in range(3)]
    cfg = write_config(tmp_path / "monitor.toml", pg_url, sources, prefix)
    # Jobs registered 90 minutes ago: at start, both schedulers find the same firing due.
    anchor = datetime.now(UTC) - timedelta(minutes=90)
    with MentionIndex.open(cfg) as idx:
        for spec in job_specs(cfg):
            rec = JobRecord(spec.id, spec.signature, spec.kind, spec.value, spec.timezone, anchor, spec.grace)
            register_job(idx.engine, rec)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("MONITOR_DATABASE_URL", None)
    procs = []
    for k in range(2):
        cmd = [sys.executable, "-m", "monitor", "run", "-c", str(tmp_path / "monitor.toml")]
        with (tmp_path / f"sched{k}.log").open("wb") as out:
            procs.append(subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True))
    try:
        deadline = time.monotonic() + 60
        with MentionIndex.open(cfg) as idx:
            while time.monotonic() < deadline:
                with idx.engine.connect() as conn:
                    fired = conn.execute(
                        select(LEASE_T.c.job_id, LEASE_T.c.status).where(LEASE_T.c.job_id.like("collect:%"))
                    ).all()
                logs = "".join((tmp_path / f"sched{k}.log").read_text() for k in range(2))
                if logs.count("scheduler running") == 2 and len(fired) >= 3 and all(s != "running" for _, s in fired):
                    break
                time.sleep(0.2)
            time.sleep(2.0)  # the other scheduler had every chance to fire them too
            with idx.engine.connect() as conn:
                fired = conn.execute(
                    select(LEASE_T.c.job_id, LEASE_T.c.run_time).where(LEASE_T.c.job_id.like("collect:%"))
                ).all()
        assert sorted(j for j, _ in fired) == ["collect:d0", "collect:d1", "collect:d2"]
        assert len({t for _, t in fired}) == 1  # the same firing time for each: one claim each
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(30)
    app = make_app(cfg)
    from monitor._workers.routing import Names

    depths = queue_depths(app, Names.of(cfg.workers).all_collect())
    assert sum(v or 0 for v in depths.values()) == 3  # each firing enqueued once
    logs = "".join((tmp_path / f"sched{k}.log").read_text() for k in range(2))
    assert logs.count("enqueued on") == 3


def test_politeness_holds_across_two_workers(
    servers: list[LocalServer], pg_url: str, tmp_path: Path, prefix: str, workers: Callable[..., list[Worker]]
) -> None:
    from monitor._workers.dispatch import CeleryDispatcher

    interval = 0.4
    site = Site(servers[0], "p", pages=2, per=4)
    sources = [site.source(i) for i in range(4)]
    cfg = write_config(
        tmp_path / "monitor.toml", pg_url, sources, prefix, http={"min_interval_s": interval, "concurrency_per_host": 1}
    )
    with MentionIndex.open(cfg) as idx:
        ws = workers(tmp_path / "monitor.toml", 2)
        dispatcher = CeleryDispatcher(cfg)
        for s in sources:  # one task per source, all for the same host: both workers take some
            dispatcher.collect_sources(idx.engine, [s["name"]])
        settle(cfg, idx, timeout=120)
        with idx.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(MENTION_T)).scalar() == 4 * 2 * 4
        took = [w for w in ws if "monitor.collect[" in w.text() and "succeeded" in w.text()]
        assert len(took) == 2, "both workers collected some of the host's sources"
    spans = sorted(site.spans)
    assert len(spans) == 8
    slack = 0.15  # the server sees a request a little after the client sent it (threads on a busy machine)
    for (s0, e0, p0), (s1, _e1, p1) in itertools.pairwise(spans):
        assert s1 >= e0, f"{p1} started before {p0} ended: two requests to one host at once"
        assert s1 - s0 >= interval - slack, f"{p0} → {p1}: {s1 - s0:.3f} s apart, under the {interval} s interval"
    assert (spans[-1][0] - spans[0][0]) / (len(spans) - 1) >= interval


def test_redis_broker_and_status(
    servers: list[LocalServer], pg_url: str, tmp_path: Path, workers: Callable[..., list[Worker]]
) -> None:
    """The same tasks on Redis; ``monitor status`` shows the worker and the queues."""
    from typer.testing import CliRunner

    from monitor._cli import _register  # noqa: F401
    from monitor._cli import app as cli
    from monitor._workers.dispatch import CeleryDispatcher

    if not _reachable("127.0.0.1", 6379):
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable on 127.0.0.1:6379 (CI must start it: .ci/run)")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    prefix = f"t{uuid.uuid4().hex[:10]}"
    site = Site(servers[0], "r", pages=2, per=5)
    broker = "redis://127.0.0.1:6379/15"
    cfg = write_config(tmp_path / "monitor.toml", pg_url, [site.source(0)], prefix, workers={"broker_url": broker})
    with MentionIndex.open(cfg) as idx:
        workers(tmp_path / "monitor.toml", 1)
        CeleryDispatcher(cfg).collect_sources(idx.engine, ["r0"])
        settle(cfg, idx)
        with idx.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(SCORE_T)).scalar() == 10
        clean(idx)
    res = CliRunner().invoke(cli, ["status", "-c", str(tmp_path / "monitor.toml")], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "Workers" in res.output and "w0@test" in res.output
    assert f"{prefix}.score" in res.output and "nothing waiting" in res.output


def test_a_poison_task_is_dead_lettered_and_its_sources_marked_failed(
    servers: list[LocalServer], pg_url: str, tmp_path: Path, prefix: str, workers: Callable[..., list[Worker]]
) -> None:
    """A task that fails for good (here: the collection of a source and one this worker does
    not know) is rejected to ``<prefix>.dead`` and its known source is marked failed."""
    from monitor._workers.app import make_app
    from monitor._workers.enqueue import enqueue
    from monitor._workers.routing import TASK_COLLECT
    from monitor._workers.status import queue_depths

    site = Site(servers[0], "x")
    cfg = write_config(tmp_path / "monitor.toml", pg_url, [site.source(0)], prefix)
    app = make_app(cfg)
    with MentionIndex.open(cfg) as idx:
        workers(tmp_path / "monitor.toml", 1)
        task = enqueue(app, idx.engine, TASK_COLLECT, [["x0", "no-such-source"]], f"{prefix}.collect.0", pass_id="p")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not queue_depths(app, [f"{prefix}.dead"])[f"{prefix}.dead"]:
            time.sleep(0.3)
        time.sleep(1.0)  # had it been dead-lettered twice (by the broker and by the task), both would be there
        assert queue_depths(app, [f"{prefix}.dead"])[f"{prefix}.dead"] == 1
        state = idx.store.source_state("x0")
        assert state.status == "failing" and "collection task failed" in (state.last_error or "")
        assert "no-such-source" in (state.last_error or "")
        [noted] = passtasks.tasks(idx.engine, "p")  # what `monitor run --once` reads
        assert (noted.task_id, noted.status) == (task, "failed") and "no-such-source" in str(noted.result["errors"])


def test_on_redis_a_poison_task_is_published_to_the_dead_list(
    servers: list[LocalServer], pg_url: str, tmp_path: Path, workers: Callable[..., list[Worker]]
) -> None:
    """Redis has no dead-lettering: the failure handler publishes the task itself, with why it failed."""
    from kombu import Connection

    from monitor._workers.app import make_app
    from monitor._workers.enqueue import enqueue
    from monitor._workers.routing import TASK_COLLECT, Names
    from monitor._workers.status import queue_depths
    from monitor._workers.tasks import DEAD_REASON_HEADER

    if not _reachable("127.0.0.1", 6379):
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable on 127.0.0.1:6379 (CI must start it: .ci/run)")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    prefix = f"t{uuid.uuid4().hex[:10]}"
    broker = "redis://127.0.0.1:6379/15"
    site = Site(servers[0], "x")
    cfg = write_config(tmp_path / "monitor.toml", pg_url, [site.source(0)], prefix, workers={"broker_url": broker})
    app = make_app(cfg)
    dead = Names.of(cfg.workers).dead_queue()
    try:
        with MentionIndex.open(cfg) as idx:
            workers(tmp_path / "monitor.toml", 1)
            args = [["x0", "no-such-source"]]
            task = enqueue(app, idx.engine, TASK_COLLECT, args, f"{prefix}.collect.0", pass_id="p")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not queue_depths(app, [dead.name])[dead.name]:
                time.sleep(0.3)
            assert queue_depths(app, [dead.name])[dead.name] == 1
            assert passtasks.tasks(idx.engine, "p")[0].status == "failed"
            assert idx.store.source_state("x0").status == "failing"
        with Connection(broker) as conn:
            msg = conn.SimpleQueue(dead).get(timeout=5)
            assert msg.headers["task"] == TASK_COLLECT and msg.headers["id"] == task  # the task itself
            assert "no-such-source" in msg.headers[DEAD_REASON_HEADER]
            body_args, body_kwargs, _embed = msg.decode()
            assert body_args == args and body_kwargs["pass_id"] == "p"  # moved back, it runs again
            msg.ack()
    finally:
        import redis

        client = redis.Redis.from_url(broker)
        keys = [k for k in client.scan_iter(match=f"*{prefix}*")]
        if keys:
            client.delete(*keys)


# -- monitor run --once in distributed mode, monitor doctor --------------------------------


def monitor_cli(*args: str, timeout: float = 180) -> tuple[int, str, float]:
    """``python -m monitor …`` as cron would run it: exit code, output, seconds taken."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    env.pop("MONITOR_DATABASE_URL", None)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", *args], capture_output=True, text=True, env=env, timeout=timeout
    )
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started


def test_run_once_waits_for_two_workers_and_enqueues_the_digest_once(
    servers: list[LocalServer],
    pg_url: str,
    tmp_path: Path,
    prefix: str,
    workers: Callable[..., list[Worker]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sites = [Site(srv, tag, pages=2, per=5) for srv, tag in zip(servers[:2], ("a", "b"), strict=True)]
    sources = [site.source(i) for site in sites for i in range(2)]
    out = tmp_path / "digests"
    path = tmp_path / "monitor.toml"
    cfg = write_config(path, pg_url, sources, prefix, workers={"score_batch": 8}, digest={"out_dir": str(out)})
    MentionIndex.open(cfg).close()
    ws = workers(path, 2)
    code, output, _took = monitor_cli("run", "--once", "--digest", "force", "--timeout", "120", "-c", str(path))
    assert code == 0, output
    lines = [line.split() for line in output.splitlines() if line.strip()]
    kinds = [w[0] for w in lines if w[0] in ("collect", "score", "sweep", "refresh", "digest")]
    assert kinds.count("collect") == 2  # one line per task: a task per host
    assert kinds.count("score") == 6  # 20 new mentions per host in batches of 8: 8, 8, 4
    assert kinds.count("digest") == 1 and kinds[-1] == "digest"  # the digest is the pass's last task
    assert kinds[-3:-1] == ["sweep", "refresh"]  # after the collections' own scoring and refreshes
    assert all(w[1] == "ok" for w in lines if w[0] in kinds), output
    html = out / f"digest-{datetime.now(UTC).date().isoformat()}.html"
    assert f"Digest: {html}" in " ".join(output.split()), output
    assert html.exists() and "Acme" in html.read_text(encoding="utf-8")
    received = sum(w.text().count("Task monitor.digest[") and w.text().count("received") for w in ws)
    assert sum(w.text().count("monitor.digest[") > 0 for w in ws) == 1 and received
    with MentionIndex.open(cfg) as idx:
        runs = idx.recent_runs(limit=100)
        assert [r.status for r in runs if r.kind == "digest"] == ["ok"]  # enqueued and written once
        assert sorted(r.kind for r in runs if r.kind == "collect") == ["collect", "collect"]
        with idx.engine.connect() as conn:
            n = conn.execute(select(func.count()).select_from(MENTION_T)).scalar()
            unscored = conn.execute(
                select(func.count()).select_from(MENTION_T).where(MENTION_T.c.label_origin.is_(None))
            ).scalar()
        assert n == 4 * 2 * 5 and unscored == 0
        clean(idx)
    # the doctor sees the broker, its queues and both workers
    code, output = doctor(path, monkeypatch)
    assert line_of(output, "broker").startswith("ok") and f"{prefix}.score" not in line_of(output, "broker")
    workers_line = line_of(output, "broker workers")
    assert workers_line.startswith("ok") and "2 worker(s) answer (w0@test, w1@test)" in workers_line, output
    assert "every queue is consumed" in workers_line and "guest:guest" not in output


def doctor(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """``monitor doctor -c path`` in this process, with a stand-in model loader (the model is not the point)."""
    from typer.testing import CliRunner

    from monitor._cli import _register, doctor_cmds  # noqa: F401
    from monitor._cli.app import app as cli
    from monitor._doctor import Seams

    class Model:
        def info(self) -> dict[str, object]:
            return {"model_id": "fake", "model_version": "1", "precision": "fp32"}

    monkeypatch.setattr(doctor_cmds, "make_seams", lambda: Seams(model_loader=lambda cfg: Model()))
    monkeypatch.delenv("MONITOR_DATABASE_URL", raising=False)
    res = CliRunner().invoke(cli, ["doctor", "-c", str(path)], env={"COLUMNS": "300"})
    return res.exit_code, res.output


def line_of(output: str, label: str) -> str:
    """The doctor's line for ``label`` (``ok    broker: …``)."""
    [found] = [ln for ln in output.splitlines() if ln[6:].startswith(label + ":")]
    return found


def test_doctor_with_a_reachable_broker_and_no_worker(
    pg_url: str, tmp_path: Path, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor._workers.app import declare_dead_letter, make_app
    from monitor._workers.enqueue import enqueue
    from monitor._workers.routing import TASK_SWEEP

    path = tmp_path / "monitor.toml"
    cfg = write_config(
        path, pg_url, [{"name": "s", "kind": "rss", "brand": "Acme", "url": "http://127.0.0.1:9/"}], prefix
    )
    with MentionIndex.open(cfg) as idx:
        code, output = doctor(path, monkeypatch)
        assert code == 0, output  # warnings only
        assert line_of(output, "broker").startswith("ok") and "amqp://REDACTED@127.0.0.1:5672//" in output
        assert "reachable; 7 queues, 0 task(s) waiting" in line_of(output, "broker")
        assert line_of(output, "broker queues").startswith("warn") and f"{prefix}.score" in output
        assert "no worker answered a ping" in line_of(output, "broker workers") and "start `monitor worker`" in output
        app = make_app(cfg)
        declare_dead_letter(app)
        with app.connection_for_write() as conn:
            for q in app.amqp.queues.values():
                q(conn.default_channel).declare()
        enqueue(app, idx.engine, TASK_SWEEP, [], f"{prefix}.score")
        enqueue(app, idx.engine, TASK_SWEEP, [], f"{prefix}.score")
        code, output = doctor(path, monkeypatch)
        assert f"2 task(s) waiting ({prefix}.score 2)" in line_of(output, "broker"), output
        assert "broker queues" not in output
    assert "guest:guest" not in output


def test_run_once_without_a_worker_says_so_within_its_timeout(pg_url: str, tmp_path: Path, prefix: str) -> None:
    site_url = "http://127.0.0.1:9/none"  # never fetched: no worker takes the task
    path = tmp_path / "monitor.toml"
    write_config(path, pg_url, [{"name": "n0", "kind": "reviews", "brand": "Acme", "url": site_url}], prefix)
    code, output, _took = monitor_cli("run", "--once", "--timeout", "5", "-c", str(path))
    assert code == 1, output
    text = " ".join(output.split())
    assert f"no worker is consuming queue {prefix}.collect." in text and "start `monitor worker`" in text
    assert "(1 task(s) of this pass stay queued for it)" in text
    assert "amqp://REDACTED@127.0.0.1:5672//" in text and "guest:guest" not in text
    # From the enqueue to giving up (log lines' times, to the second): the 5 s, not a hang.
    [enqueued] = [line.split()[0] for line in output.splitlines() if "collect n0 enqueued on" in line]
    [stopped] = [line.split()[0] for line in output.splitlines() if "the pass stopped waiting" in line]
    waited = (datetime.fromisoformat(stopped) - datetime.fromisoformat(enqueued)).total_seconds()
    assert 3 <= waited <= 5 + 3, f"{waited:.0f} s from the enqueue to giving up"


def test_run_once_interrupted_while_waiting_exits_3_and_leaves_its_tasks_queued(
    pg_url: str, tmp_path: Path, prefix: str
) -> None:
    from monitor._workers.app import make_app
    from monitor._workers.status import queue_depths

    path = tmp_path / "monitor.toml"
    source = {"name": "n0", "kind": "reviews", "brand": "Acme", "url": "http://127.0.0.1:9/none"}
    cfg = write_config(path, pg_url, [source], prefix)
    MentionIndex.open(cfg).close()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("MONITOR_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "monitor", "run", "--once", "--timeout", "120", "-c", str(path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    try:
        deadline = time.monotonic() + 60
        with MentionIndex.open(cfg) as idx:
            while time.monotonic() < deadline and not worktasks.waiting(idx.engine):
                time.sleep(0.2)
            assert worktasks.waiting(idx.engine), "nothing was enqueued"
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, output
    assert "stopped waiting: 1 task(s) stay with the workers" in " ".join(output.split())
    depths = queue_depths(make_app(cfg), [f"{prefix}.collect.{k}" for k in range(4)])
    assert sum(v or 0 for v in depths.values()) == 1  # still queued for a worker to come
