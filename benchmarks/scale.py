"""Distributed mode at scale: per-task costs, worker throughput, broker and PostgreSQL rates, a capacity plan.

    python benchmarks/scale.py                     # fake model (needs RabbitMQ + PostgreSQL on 127.0.0.1)
    python benchmarks/scale.py --real-model        # also the embedded model's cost per text

Measures, on this machine, in one run:

1. per-task costs (in-process, through the task bodies of ``monitor._workers.work``):
   collection per page (a loopback shop, 20 reviews a page), scoring per text (fake model;
   the real one with ``--real-model``), index refresh per brand-day;
2. end-to-end throughput with 1 and then 2 ``monitor worker`` processes on RabbitMQ
   (mentions collected and scored per second) and the ratio;
3. the broker's publish rate (bare ``send_task``, and with the store's waiting-list note);
4. PostgreSQL's write rate (mentions ingested, scores stored).

It then sizes a deployment of 200 brands, 5,000 sources and 1 million mentions a day from
those figures (``plan``). Prints the machine's CPU first (model, cores, vector features).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
import tomli_w  # noqa: E402

from monitor._api import MentionIndex  # noqa: E402
from monitor._config import Config, load_config  # noqa: E402
from monitor._records import Mention, Prediction  # noqa: E402
from monitor._sentiment.loader import cpu_summary  # noqa: E402
from monitor._workers import work  # noqa: E402
from monitor._workers.runtime import WorkerRuntime  # noqa: E402
from tests.workers_fake import FakeClassifier  # noqa: E402

PG_ADMIN = os.environ.get("MONITOR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BROKER = os.environ.get("MONITOR_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
PER_PAGE = 20
WORDS = ["solid", "quiet", "broke", "loud", "great", "awful", "fine", "sturdy", "cheap", "slow"]


# -- a loopback shop ---------------------------------------------------------------------------


class Shop:
    """``/s<i>/reviews?page=n``: ``pages`` pages of 20 JSON-LD reviews per source, built on demand."""

    def __init__(self, pages: int) -> None:
        self.pages = pages
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_GET(self) -> None:
                body = shop.page(self.path).encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/s{i}/reviews"

    def page(self, path: str) -> str:
        if "/reviews" not in path:
            return ""
        src = path.split("/")[1]
        n = int(path.split("page=")[1]) if "page=" in path else 1
        reviews = [
            {
                "@type": "Review",
                "@id": f"https://{src}.example/p#r{(n - 1) * PER_PAGE + k}",
                "author": {"name": f"user{k}"},
                "reviewBody": f"Acme drill {src} review {n}-{k}: {WORDS[k % 10]}, {WORDS[(n + k) % 10]} and "
                f"{WORDS[(n * k) % 10]}; would buy again? {WORDS[(n + 2 * k) % 10]}",
                "reviewRating": {"ratingValue": str(1 + (n + k) % 5)},
                "datePublished": f"2025-03-{1 + (n + k) % 28:02d}T12:00:00+00:00",
            }
            for k in range(PER_PAGE)
        ]
        base = path.split("?")[0]
        link = f'<link rel="next" href="{base}?page={n + 1}">' if n < self.pages else ""
        ld = json.dumps({"@type": "Product", "name": "Acme Drill", "review": reviews})
        return f'<html><head>{link}<script type="application/ld+json">{ld}</script></head></html>'


# -- set-up ------------------------------------------------------------------------------------


class Databases:
    def __init__(self) -> None:
        self.names: list[str] = []

    def new(self) -> str:
        name = f"mm_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"

    def drop(self) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in self.names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def write_config(folder: Path, db: str, sources: list[dict[str, Any]], prefix: str, **http: Any) -> tuple[Path, Config]:
    data = {
        "database_url": db,
        "brands": [{"name": "Acme"}],
        "sources": sources,
        "http": {
            "contact": "bench@example.com",
            "allow_private_addresses": True,
            "min_interval_s": 0.0,
            "concurrency_per_host": 4,
            "max_pages": 1000,
            **http,
        },
        "workers": {"broker_url": BROKER, "queue_prefix": prefix},
    }
    path = folder / f"{prefix}.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path, load_config(path)


def cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(parts[11]) + int(parts[12]) + int(parts[13]) + int(parts[14])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError):
            pass
    return total


# -- 1. per-task costs ---------------------------------------------------------------------------


def task_costs(dbs: Databases, shop: Shop, folder: Path, real_model: bool) -> dict[str, float]:
    out: dict[str, float] = {}
    sources = [{"name": f"s{i}", "kind": "reviews", "brand": "Acme", "url": shop.url(i)} for i in range(4)]
    _path, cfg = write_config(folder, dbs.new(), sources, "costs")
    MentionIndex.open(cfg).close()  # migrate (as `monitor worker` does at start)
    rt = WorkerRuntime(cfg, FakeClassifier)
    idx = rt.index()
    wall, cpu = time.perf_counter(), time.process_time()
    pages = 0
    for s in sources:
        res = work.collect_group(rt, [s["name"]])
        assert res is not None
        pages += int(res.counts["pages"])  # type: ignore[call-overload]
    out["collect_ms_per_page_wall"] = (time.perf_counter() - wall) / pages * 1000
    out["collect_ms_per_page_cpu"] = (time.process_time() - cpu) / pages * 1000
    with idx.engine.connect() as conn:
        ids = [int(r[0]) for r in conn.exec_driver_sql("SELECT id FROM mention ORDER BY id")]
    cpu = time.process_time()
    for i in range(0, len(ids), 256):
        work.score_batch(rt, ids[i : i + 256])
    out["score_ms_per_text_fake"] = (time.process_time() - cpu) / len(ids) * 1000
    if real_model:
        from monitor._sentiment import load_classifier

        t = time.perf_counter()
        clf = load_classifier(cfg.model)
        out["model_load_s"] = time.perf_counter() - t
        texts = [
            f"Acme drill review {k}: {WORDS[k % 10]} and {WORDS[(k * 7) % 10]}, would buy again" for k in range(512)
        ]
        clf.predict(texts[:32])
        t = time.perf_counter()
        clf.predict(texts)
        out["score_ms_per_text_real"] = (time.perf_counter() - t) / len(texts) * 1000
    # refresh per brand-day: 20 brands × 60 days made dirty
    for b in range(20):
        items = [
            Mention(
                external_id=f"r{b}-{d}",
                text=f"brand {b} day {d} fine",
                published_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=d),
            )
            for d in range(60)
        ]
        idx.store.add_mentions(f"B{b}", "refresh-src", items, source_kind="rss")
    t = time.perf_counter()
    n = idx.refresh()
    out["refresh_ms_per_brand_day"] = (time.perf_counter() - t) / max(n, 1) * 1000
    out["collect_pages"] = pages
    out["mentions"] = len(ids)
    rt.forget()
    return out


# -- 2. throughput with 1 and 2 workers -------------------------------------------------------------


def start_worker(cfg_path: Path, name: str, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "monitor", "worker", "-c", str(cfg_path), "--name", f"{name}@bench"]
    cmd += ["--classifier", "tests.workers_fake:make"]
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while f"{name}@bench ready" not in log.read_text(errors="replace"):
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(f"worker {name} did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    return proc


def children(pid: int) -> list[int]:
    out = [pid]
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d.name))
            except (OSError, IndexError):
                pass
    return out


def throughput(dbs: Databases, shops: list[Shop], folder: Path, n_workers: int, n_sources: int) -> dict[str, float]:
    from monitor._workers.dispatch import CeleryDispatcher

    prefix = f"bench{n_workers}{uuid.uuid4().hex[:6]}"
    shop = shops[0]
    sources = [
        {"name": f"t{i}", "kind": "reviews", "brand": "Acme", "url": shops[i % len(shops)].url(100 + i)}
        for i in range(n_sources)
    ]
    path, cfg = write_config(folder, dbs.new(), sources, prefix)
    procs = []
    with MentionIndex.open(cfg) as idx:
        try:
            procs = [start_worker(path, f"{prefix}w{k}", folder) for k in range(n_workers)]
            pids = [p for proc in procs for p in children(proc.pid)]
            cpu0 = cpu_of(pids)
            dispatcher = CeleryDispatcher(cfg)
            t = time.perf_counter()
            dispatcher.collect_all(idx.engine)  # one task per host (8 hosts)
            want = n_sources * shop.pages * PER_PAGE
            while True:
                with idx.engine.connect() as conn:
                    scored = conn.exec_driver_sql("SELECT count(*) FROM score").scalar_one()
                if scored >= want:
                    break
                if time.perf_counter() - t > 600:
                    raise RuntimeError(f"only {scored} of {want} scored after 600 s")
                time.sleep(0.2)
            took = time.perf_counter() - t
            cpu = cpu_of(pids) - cpu0
        finally:
            for proc in procs:
                os.killpg(proc.pid, signal.SIGTERM)
            for proc in procs:
                proc.wait(60)
            delete_queues(prefix)
    return {"mentions": want, "seconds": took, "mentions_per_s": want / took, "worker_cpu_s": cpu}


# -- 3. broker, 4. PostgreSQL ------------------------------------------------------------------------


def broker_rate(dbs: Databases, folder: Path, n: int = 2000) -> dict[str, float]:
    from monitor._workers.app import make_app
    from monitor._workers.enqueue import enqueue

    prefix = f"benchpub{uuid.uuid4().hex[:6]}"
    _path, cfg = write_config(folder, dbs.new(), [], prefix)
    app = make_app(cfg)
    queue = f"{prefix}.index"
    with MentionIndex.open(cfg) as idx:
        with app.connection_for_write() as conn:
            conn.ensure_connection()
            t = time.perf_counter()
            for _ in range(n):
                app.send_task("monitor.refresh", args=[], queue=queue, routing_key=queue)
            bare = n / (time.perf_counter() - t)
        t = time.perf_counter()
        for _ in range(n // 4):
            enqueue(app, idx.engine, "monitor.refresh", [], queue)
        noted = (n // 4) / (time.perf_counter() - t)
    delete_queues(prefix)
    return {"publish_per_s": bare, "enqueue_with_note_per_s": noted}


def delete_queues(prefix: str) -> None:
    """Remove a run's queues and exchanges from the broker."""
    from kombu import Connection

    with Connection(BROKER) as conn:
        ch = conn.channel()
        kinds = ("score", "index", "digest", "dead")
        for q in [*(f"{prefix}.collect.{k}" for k in range(4)), *(f"{prefix}.{k}" for k in kinds)]:
            try:
                ch.queue_delete(q)
            except Exception:
                ch = conn.channel()
        for ex in (prefix, f"{prefix}.dlx"):
            try:
                ch.exchange_delete(ex)
            except Exception:
                ch = conn.channel()


def postgres_rate(dbs: Databases) -> dict[str, float]:
    with MentionIndex.open(dbs.new()) as idx:
        n = 20_000
        items = [
            Mention(
                external_id=f"m{k}",
                text=f"Acme review {k}: {WORDS[k % 10]} {WORDS[(k * 3) % 10]} {k * 7919 % 100003}",
                published_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=k),
            )
            for k in range(n)
        ]
        t = time.perf_counter()
        ids: list[int] = []
        for i in range(0, n, 400):  # the collector's flush size
            ids += idx.store.add_mentions("Acme", "pg-src", items[i : i + 400], source_kind="rss").mention_ids
        ingest = n / (time.perf_counter() - t)
        pred = Prediction("positive", 0.1, 0.1, 0.8, "fake", "1")
        t = time.perf_counter()
        for i in range(0, len(ids), 256):  # a scoring batch
            idx.store.add_scores([(m, pred, True) for m in ids[i : i + 256]])
        scores = len(ids) / (time.perf_counter() - t)
    return {"ingest_mentions_per_s": ingest, "scores_per_s": scores}


# -- the plan --------------------------------------------------------------------------------------


def plan(m: dict[str, Any]) -> list[str]:
    """200 brands, 5,000 sources (1,000 every 15 min, 2,000 hourly, 2,000 daily), 1M mentions a day."""
    costs, pg, thr = m["costs"], m["postgres"], m["throughput"]
    firings = 1000 * 96 + 2000 * 24 + 2000
    pages = firings * 1.5  # most firings read one page (conditional GET), some walk a few
    mentions = 1_000_000
    peak = 3.0  # the busiest hour against the day's average
    collect_core_s = pages * costs["collect_ms_per_page_cpu"] / 1000
    per_text = costs.get("score_ms_per_text_real", 1000 / 120)  # 120 texts/s per 2-core box measured before
    score_core_s = mentions * per_text / 1000 * 2  # the per-text figure used both cores
    batches = mentions / 256
    refresh_s = batches * 3 * costs["refresh_ms_per_brand_day"] / 1000  # ~3 brand-days dirtied per batch
    day = 86_400
    rate = mentions * peak / day
    pg_busy = rate / pg["ingest_mentions_per_s"] + rate / pg["scores_per_s"]
    lines = [
        f"collection: {firings:,} firings/day, ~{pages:,.0f} pages → {collect_core_s / 3600:,.1f} core-hours/day "
        f"({collect_core_s / day * peak:,.2f} cores at peak)",
        f"scoring: {mentions:,} texts/day at {per_text:.1f} ms/text/box → {score_core_s / 3600:,.1f} core-hours/day "
        f"({score_core_s / day * peak:,.1f} cores at peak)",
        f"refresh: {batches:,.0f} batches/day → {refresh_s / 3600:,.2f} core-hours/day",
        f"PostgreSQL: {rate:,.0f} mentions/s + as many scores/s at peak, against "
        f"{pg['ingest_mentions_per_s']:,.0f} ingested/s and {pg['scores_per_s']:,.0f} scores/s measured "
        f"({pg_busy * 100:.0f}% of one connection's write time)",
        f"broker: {(firings + batches * 2) * peak / day:,.1f} messages/s at peak against "
        f"{m['broker']['enqueue_with_note_per_s']:,.0f}/s one publisher measured",
        f"end-to-end here: {thr['1']['mentions_per_s']:,.0f} mentions/s with 1 worker, "
        f"{thr['2']['mentions_per_s']:,.0f} with 2 (×{thr['2']['mentions_per_s'] / thr['1']['mentions_per_s']:.2f})",
    ]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real-model", action="store_true", help="also time the embedded model per text")
    ap.add_argument("--pages", type=int, default=5, help="pages per source")
    ap.add_argument("--sources", type=int, default=16, help="sources in the throughput runs")
    ap.add_argument("--json", type=Path, help="write the figures here too")
    args = ap.parse_args()
    print(cpu_summary())
    print("load average at start: {:.2f} {:.2f} {:.2f} (other processes on this machine)".format(*os.getloadavg()))
    dbs = Databases()
    shops = [Shop(args.pages) for _ in range(8)]
    shop = shops[0]
    measured: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        try:
            measured["costs"] = task_costs(dbs, shop, folder, args.real_model)
            print("per task:", json.dumps({k: round(v, 3) for k, v in measured["costs"].items()}))
            measured["throughput"] = {str(n): throughput(dbs, shops, folder, n, args.sources) for n in (1, 2)}
            for n, r in measured["throughput"].items():
                print(
                    f"{n} worker(s): {r['mentions']} mentions collected+scored in {r['seconds']:.1f} s "
                    f"= {r['mentions_per_s']:.0f}/s (worker CPU {r['worker_cpu_s']:.1f} s)"
                )
            ratio = measured["throughput"]["2"]["mentions_per_s"] / measured["throughput"]["1"]["mentions_per_s"]
            print(f"2 workers / 1 worker: ×{ratio:.2f}")
            measured["broker"] = broker_rate(dbs, folder)
            print("broker:", json.dumps({k: round(v) for k, v in measured["broker"].items()}))
            measured["postgres"] = postgres_rate(dbs)
            print("postgres:", json.dumps({k: round(v) for k, v in measured["postgres"].items()}))
        finally:
            for one in shops:
                one.server.shutdown()
            dbs.drop()
    print("load average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print("plan (200 brands, 5,000 sources, 1M mentions/day):")
    for line in plan(measured):
        print("  " + line)
    if args.json:
        args.json.write_text(json.dumps(measured, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
