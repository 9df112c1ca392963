"""kill -9 in the middle of collect, import, score and run --once, then rerun: `monitor verify` is the oracle.

After each kill the database must verify clean but for the killed command's run row, which
verify must report as left ``running`` (a later start may mark it abandoned instead); after
the rerun every expected mention is stored once, nothing is duplicated, and verify is clean.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from monitor._cli import _register  # noqa: F401  (registers every command module)
from monitor._cli.app import app
from monitor._store import engine as db_engine

try:
    from test_http_localserver import LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import LocalServer, Reply

REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
runner = CliRunner()

MENTIONS = "SELECT count(*) FROM mention"
DISTINCT_TEXTS = "SELECT count(DISTINCT content_hash) FROM mention"
CROSS_SIGHTINGS = (
    "SELECT count(*) FROM sighting s JOIN mention m ON m.id = s.mention_id WHERE s.source_id != m.source_id"
)


# ---------------------------------------------------------------- helpers


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for k in ("MONITOR_DATABASE_URL", "MONITOR_CONFIG"):
        env.pop(k, None)
    return env


def _spawn(args: list[str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(args, cwd=cwd, env=_env(), stdout=out, stderr=subprocess.STDOUT)


def _monitor(*args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", *args]


def _scalar(url: str, sql: str) -> int:
    eng = db_engine.make_engine(url)
    try:
        with eng.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        eng.dispose()


def _kill_when(proc: subprocess.Popen[bytes], url: str, sql: str, at_least: int, log: Path) -> int:
    """SIGKILL ``proc`` as soon as ``sql`` counts ``at_least``; returns the count seen."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the command ended (exit {proc.returncode}) before the kill: {log.read_text()[-2000:]}")
        try:
            n = _scalar(url, sql)
        except DBAPIError:  # the schema is not there yet
            n = 0
        if n >= at_least:
            os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait(30) == -signal.SIGKILL
            return n
        time.sleep(0.03)
    proc.kill()
    pytest.fail(f"{sql!r} never reached {at_least} within 90 s")


def _running(url: str, kind: str) -> set[int]:
    eng = db_engine.make_engine(url)
    try:
        with eng.connect() as conn:
            q = text("SELECT id FROM run WHERE kind = :k AND status = 'running'")
            return {int(i) for i in conn.execute(q, {"k": kind}).scalars()}
    finally:
        eng.dispose()


def _verify(url: str) -> tuple[int, dict]:
    res = runner.invoke(app, ["verify", "--db", url, "--json"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    return res.exit_code, json.loads(res.stdout.strip().splitlines()[-1])


def _assert_after_kill(url: str, kind: str) -> set[int]:
    """Right after the kill: the killed run is left running and verify says so, nothing else."""
    left = _running(url, kind)
    assert left, f"the killed {kind} left no run row running"
    code, rep = _verify(url)
    assert (rep["rollups"], rep["snapshots"], rep["duplicates"]) == ([], [], []), rep
    reported = {r["id"] for r in rep["running_runs"] if r["kind"] == kind}
    assert left - reported <= _abandoned(url, left), rep  # reported, unless a start marked it abandoned
    assert code == (1 if rep["running_runs"] else 0)
    return left


def _abandoned(url: str, ids: set[int]) -> set[int]:
    eng = db_engine.make_engine(url)
    try:
        with eng.connect() as conn:
            rows = conn.execute(text("SELECT id, status FROM run")).all()
        return {int(i) for i, s in rows if int(i) in ids and s == "abandoned"}
    finally:
        eng.dispose()


def _assert_clean_after_rerun(url: str, killed: set[int]) -> dict:
    code, rep = _verify(url)
    assert (rep["rollups"], rep["snapshots"], rep["duplicates"]) == ([], [], []), rep
    assert {r["id"] for r in rep["running_runs"]} <= killed, rep  # only the killed runs, if anything
    assert code == (1 if rep["running_runs"] else 0)
    return rep


# ---------------------------------------------------------------- kill -9 mid-import


def _import_file(path: Path, pairs: int) -> None:
    """``pairs`` texts, each once from source a and once from source b (b must become sightings)."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(pairs):
            t = f"Imported review {i}: the Acme kettle is {'great' if i % 3 else 'noisy'} and boils fast"
            day = (T0 - timedelta(hours=i % 240)).isoformat()
            for s in ("a", "b"):
                row = {"brand": "Acme", "source": f"src-{s}", "external_id": f"{s}{i}", "text": t, "published_at": day}
                fh.write(json.dumps(row) + "\n")


def test_kill_9_mid_import_then_rerun(db_url: str, tmp_path: Path) -> None:
    pairs = 4_000  # 8,000 rows: two import transactions (importer.CHUNK = 5,000); the kill lands after the first
    data = tmp_path / "big.jsonl"
    _import_file(data, pairs)
    args = _monitor("import", str(data), "--db", db_url)
    log = tmp_path / "import.log"
    seen = _kill_when(_spawn(args, log, tmp_path), db_url, MENTIONS, 1, log)
    assert 0 < seen < pairs
    killed = _assert_after_kill(db_url, "import")
    assert _scalar(db_url, MENTIONS) < pairs  # it really stopped half-way

    rerun = subprocess.run(args, cwd=tmp_path, env=_env(), capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert (_scalar(db_url, MENTIONS), _scalar(db_url, DISTINCT_TEXTS)) == (pairs, pairs)  # nothing lost or doubled
    assert _scalar(db_url, CROSS_SIGHTINGS) == pairs  # every b copy is a sighting
    rep = _assert_clean_after_rerun(db_url, killed)
    assert rep["mentions"] == pairs


# ---------------------------------------------------------------- kill -9 mid-collect


PAGES, PER_PAGE = 20, 50  # the collector stores every 400 mentions (FLUSH_AT) and at the end


@pytest.fixture
def review_site() -> Iterator[tuple[LocalServer, dict[str, float]]]:
    """A shop whose review pages (rel=next) answer slowly while ``pace["delay"]`` says so."""
    pace = {"delay": 0.25}

    def page(h: object) -> Reply:
        q = parse_qs(urlsplit(getattr(h, "path", "")).query)
        n = int(q.get("page", ["1"])[0])
        reviews = [
            {
                "@type": "Review",
                "@id": f"/r/{n}-{i}",
                "author": {"@type": "Person", "name": f"buyer {n}-{i}"},
                "reviewBody": f"Page {n} review {i}: my Acme kettle {'works well' if i % 2 else 'leaks a bit'} so far",
                "datePublished": (T0 - timedelta(hours=n * PER_PAGE + i)).isoformat(),
                "reviewRating": {"ratingValue": 1 + (n + i) % 5, "bestRating": 5},
                "inLanguage": "en",
            }
            for i in range(PER_PAGE)
        ]
        nxt = f'<link rel="next" href="/reviews?page={n + 1}">' if n < PAGES else ""
        body = f'<html><head>{nxt}<script type="application/ld+json">{json.dumps(reviews)}</script></head></html>'
        return Reply(body=body, headers={"Content-Type": "text/html; charset=utf-8"}, delay_s=pace["delay"])

    with LocalServer() as srv:
        srv.routes["/reviews"] = page
        yield srv, pace


def _collect_config(path: Path, url: str, site: str) -> None:
    path.write_text(
        f"""
database_url = "{url}"
[http]
contact = "ops@example.com"
min_interval_s = 0
retries = 0
timeout_s = 10
max_pages = 50
allow_private_addresses = true
[[brands]]
name = "Acme"
[[sources]]
name = "shop"
kind = "reviews"
brand = "Acme"
url = "{site}"
""",
        encoding="utf-8",
    )


@pytest.mark.slow
def test_kill_9_mid_collect_then_rerun(
    db_url: str, tmp_path: Path, review_site: tuple[LocalServer, dict[str, float]]
) -> None:
    srv, pace = review_site
    cfg = tmp_path / "monitor.toml"
    _collect_config(cfg, db_url, srv.url("/reviews"))
    args = _monitor("collect", "--config", str(cfg), "--workers", "1")
    log = tmp_path / "collect.log"
    seen = _kill_when(_spawn(args, log, tmp_path), db_url, MENTIONS, 1, log)
    assert 0 < seen < PAGES * PER_PAGE  # killed mid-walk, after a flush
    assert len(srv.hits("/reviews")) < PAGES
    killed = _assert_after_kill(db_url, "collect")

    pace["delay"] = 0.0
    rerun = subprocess.run(args, cwd=tmp_path, env=_env(), capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert (_scalar(db_url, MENTIONS), _scalar(db_url, DISTINCT_TEXTS)) == (PAGES * PER_PAGE,) * 2
    _assert_clean_after_rerun(db_url, killed)


# ---------------------------------------------------------------- kill -9 mid-score

SLOW_SCORER = """
import sys, time
from monitor._api import MentionIndex
from monitor._pipeline import score_step
from monitor._records import Prediction

class SlowClassifier:
    "A stand-in for the model that takes its time, so the kill lands between batches."
    model_id, model_version = "slow", "1"

    def predict(self, texts, langs=None):
        time.sleep(0.15)
        labels = ("negative", "neutral", "positive")
        return [Prediction(labels[len(t) % 3], 0.2, 0.3, 0.5, "slow", "1") for t in texts]

idx = MentionIndex.open(sys.argv[1])
step = score_step(idx, idx.config, SlowClassifier, batch=int(sys.argv[2]))
sys.exit(0 if step.status == "ok" else 1)
"""


def _seed(url: str, n: int) -> None:
    from monitor._api import MentionIndex
    from monitor._records import Mention

    with MentionIndex.open(url) as idx:
        items = [
            Mention(
                external_id=f"m{i}",
                text=f"Mention {i} of the Acme kettle, {'lovely' if i % 2 else 'awful'} really",
                published_at=T0 - timedelta(hours=i % 72),
                lang="en",
            )
            for i in range(n)
        ]
        idx.add_mentions("Acme", "forum", items)


def _assert_scored_once(url: str, n: int, origin_like: str) -> None:
    assert _scalar(url, "SELECT count(*) FROM score") == n
    assert _scalar(url, "SELECT count(DISTINCT mention_id) FROM score") == n
    assert _scalar(url, f"SELECT count(*) FROM mention WHERE label_origin LIKE '{origin_like}'") == n


@pytest.mark.slow
def test_kill_9_mid_score_then_rerun(db_url: str, tmp_path: Path) -> None:
    n = 300
    _seed(db_url, n)
    script = tmp_path / "score.py"
    script.write_text(SLOW_SCORER, encoding="utf-8")
    args = [sys.executable, str(script), db_url, "20"]
    log = tmp_path / "score.log"
    seen = _kill_when(_spawn(args, log, tmp_path), db_url, "SELECT count(*) FROM score", 1, log)
    assert 0 < seen < n
    killed = _assert_after_kill(db_url, "score")

    rerun = subprocess.run(args, cwd=tmp_path, env=_env(), capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    _assert_scored_once(db_url, n, "slow@1")
    _assert_clean_after_rerun(db_url, killed)


@pytest.mark.slow
@pytest.mark.model
def test_kill_9_mid_monitor_score_with_the_real_model(db_url: str, tmp_path: Path) -> None:
    n = 160
    _seed(db_url, n)
    args = _monitor("score", "--db", db_url, "--batch", "8")
    log = tmp_path / "score.log"
    seen = _kill_when(_spawn(args, log, REPO), db_url, "SELECT count(*) FROM score", 1, log)
    assert 0 < seen < n
    killed = _assert_after_kill(db_url, "score")
    rerun = subprocess.run(args, cwd=REPO, env=_env(), capture_output=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    _assert_scored_once(db_url, n, "%@%")
    _assert_clean_after_rerun(db_url, killed)


# ---------------------------------------------------------------- kill -9 mid `run --once`


@pytest.mark.slow
def test_kill_9_mid_run_once_then_rerun(db_url: str, tmp_path: Path) -> None:
    from monitor._api import MentionIndex
    from monitor._config import config_from_dict
    from monitor._demo import demo_config, to_toml
    from monitor._demo.site import DemoSite
    from monitor._pipeline import run_once

    try:
        from test_pipeline import MoodClassifier
    except ImportError:
        from tests.test_pipeline import MoodClassifier

    def config(site: DemoSite, out: Path, url: str) -> dict:
        data = demo_config(site, out)
        data["database_url"] = url
        data["http"]["allow_private_addresses"] = True
        return data

    def rerun(data: dict) -> None:  # the same pass to completion; the stand-in model scores
        cfg = config_from_dict(data)
        with MentionIndex.open(cfg) as idx:
            res = run_once(cfg, idx=idx, classifier=MoodClassifier(), digest="skip", relax_loopback=True)
            assert all(s.status == "ok" for s in res.steps if s.name != "collect"), res
            assert res.step("collect").status in ("ok", "partial")

    with DemoSite(delay=0.4, blocked=False) as site:
        data = config(site, tmp_path, db_url)
        cfg_path = tmp_path / "demo.toml"
        cfg_path.write_text(to_toml(data), encoding="utf-8")
        args = _monitor("run", "--once", "--config", str(cfg_path), "--digest", "skip")
        log = tmp_path / "run.log"
        _kill_when(_spawn(args, log, tmp_path), db_url, MENTIONS, 1, log)
        killed = _assert_after_kill(db_url, "collect")
        site.delay = 0.0
        rerun(data)
        stored = _scalar(db_url, MENTIONS)
    _assert_clean_after_rerun(db_url, killed)

    ref = tmp_path / "ref"  # one uninterrupted pass over the same site stores exactly as many
    ref.mkdir()
    with DemoSite(blocked=False, now=site.now) as again:
        rerun(config(again, ref, f"sqlite:///{ref / 'ref.db'}"))
    assert stored == _scalar(f"sqlite:///{ref / 'ref.db'}", MENTIONS) > 0
