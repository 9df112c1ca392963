"""`run --once` end to end on the demo site; when the digest is due; SIGTERM mid-run."""

from __future__ import annotations

import html
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor._api import MentionIndex
from monitor._config import DigestConfig, config_from_dict
from monitor._demo import demo_config, to_toml
from monitor._demo.site import DemoSite, story
from monitor._pipeline import digest_written, due_report_day, latest_send, report_day, run_once
from monitor._records import Prediction

REPO = Path(__file__).resolve().parents[1]
PROBS = {
    "pos": (0.03, 0.07, 0.90),
    "neg": (0.92, 0.05, 0.03),
    "worst": (0.99, 0.005, 0.005),
    "neu": (0.10, 0.80, 0.10),
    "mix": (0.35, 0.20, 0.45),
}
LABELS = ("negative", "neutral", "positive")


class MoodClassifier:
    """A stand-in for the model: the demo data say what each author meant."""

    model_id = "mood"
    model_version = "1"

    def __init__(self, extra: list[dict] | None = None) -> None:
        self.moods = {html.unescape(m.text): m.mood for m in story(extra=extra or [])}
        self.calls = 0

    def predict(self, texts, langs=None):
        self.calls += 1
        out = []
        for t in texts:
            mood = next((v for k, v in self.moods.items() if k in t), "neu")
            p = PROBS[mood]
            out.append(Prediction(LABELS[max(range(3), key=lambda i: p[i])], *p, "mood", "1"))  # type: ignore[arg-type]
        return out

    def info(self):
        return {"backend": "mood", "model_id": self.model_id, "model_version": self.model_version}


class NoVectors:
    """A stand-in for the base encoder (the real one: tests/test_aspects_*.py): zero vectors,
    so no embedding margin is reached and the aspects' keywords alone decide."""

    version = "none"
    dim = 384

    def embed(self, texts):
        import numpy as np

        return np.zeros((len(texts), self.dim), dtype=np.float32)


NO_VECTORS = NoVectors()


# ---------------------------------------------------------------- due logic (pure)


def test_report_day_and_latest_send() -> None:
    morning = DigestConfig(time="08:00", timezone="Europe/Stockholm")
    evening = DigestConfig(time="18:30", timezone="Europe/Stockholm")
    assert report_day(date(2026, 5, 4), morning.local_time) == date(2026, 5, 3)
    assert report_day(date(2026, 5, 4), evening.local_time) == date(2026, 5, 4)
    # 07:59 local on 4 May: the latest send was 3 May 08:00 (reporting 2 May).
    now = datetime(2026, 5, 4, 5, 59, tzinfo=UTC)
    assert latest_send(now, morning) == datetime(2026, 5, 3, 8, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    # Across the spring DST change the send time stays 08:00 local.
    after = datetime(2026, 3, 29, 6, 5, tzinfo=UTC)  # 08:05 CEST
    assert latest_send(after, morning).astimezone(ZoneInfo("Europe/Stockholm")).time() == dtime(8, 0)
    written: set[date] = set()
    assert due_report_day(after, morning, written.__contains__) == date(2026, 3, 28)
    written.add(date(2026, 3, 28))
    assert due_report_day(after, morning, written.__contains__) is None


# ---------------------------------------------------------------- end to end


@pytest.fixture
def demo(tmp_path):
    with DemoSite() as site:
        data = demo_config(site, tmp_path)
        cfg = config_from_dict(data)
        yield site, cfg, tmp_path


def test_run_once_end_to_end_on_the_demo_site(demo) -> None:
    site, cfg, out = demo
    clf = MoodClassifier()
    with MentionIndex.open(cfg) as idx:
        res = run_once(
            cfg,
            idx=idx,
            classifier=clf,
            digest="force",
            digest_day=site.today,
            out_dir=str(out),
            relax_loopback=True,
            embedder=NO_VECTORS,
        )
        assert not res.interrupted
        steps = {s.name: s for s in res.steps}
        assert list(steps) == ["collect", "score", "themes", "aspects", "refresh", "digest"]
        assert steps["collect"].status == "partial"  # the bot-walled page is blocked, the rest ok
        assert steps["collect"].counts["blocked"] == 1
        assert steps["score"].status == "ok" and steps["score"].counts["scored"] > 250
        # every stored mention is tagged with its aspects (here by keywords: NoVectors)
        assert steps["aspects"].status == "ok" and steps["aspects"].counts["tagged"] > 250
        assert idx.store.count_untagged() == 0 and steps["aspects"].counts["with_aspect"] > 50
        assert steps["digest"].status == "ok"

        # Every language tells the story with at least 40 mentions of the brand.
        month = idx.breakdown("Lumio", site.today - timedelta(days=29), site.today, by="lang")
        per_lang = {k: p.volume for k, p in month}
        assert set(per_lang) == {"hy", "sv", "tr", "bg", "en"}
        assert min(per_lang.values()) >= 40
        # The story: the bad week after 4.2 is under the bar, the last week recovered.
        bad = idx.satisfaction("Lumio", site.today - timedelta(days=12), site.today - timedelta(days=7), by=None)[0]
        good = idx.satisfaction("Lumio", site.today - timedelta(days=6), site.today, by=None)[0]
        assert bad.msi is not None and bad.msi < 0.3
        assert good.msi is not None and good.msi > 0.75
        voice = {
            b.brand: b.share_of_voice
            for b in idx.compare(["Lumio", "Brisa"], site.today - timedelta(days=29), site.today)
        }
        assert 0.6 < voice["Lumio"] < 0.9

        # A second pass finds nothing new and writes no second scheduled digest.
        again = run_once(cfg, idx=idx, classifier=clf, digest="skip", relax_loopback=True, embedder=NO_VECTORS)
        assert again.step("collect").counts.get("new", 0) == 0
        assert again.step("score").counts["scored"] == 0
        assert again.step("aspects").counts["tagged"] == 0

    html = Path(res.digest_paths[0])
    assert html.name == f"digest-{site.today.isoformat()}.html"
    text = html.read_text("utf-8")
    assert "Lumio" in text and "Brisa" in text
    assert "pricewatch-brisa" in text and "blocked" in text
    assert "Լ" in text or "Հ" in text  # Armenian excerpts kept in their script
    assert html.with_suffix(".txt").exists() and html.with_suffix(".md").exists()


def test_auto_digest_is_written_once_per_day(demo) -> None:
    _site, cfg, out = demo
    now = datetime.now(UTC)
    with MentionIndex.open(cfg) as idx:
        first = run_once(
            cfg, idx=idx, classifier=MoodClassifier(), now=now, collect=False, out_dir=str(out), embedder=NO_VECTORS
        )
        second = run_once(
            cfg, idx=idx, classifier=MoodClassifier(), now=now, collect=False, out_dir=str(out), embedder=NO_VECTORS
        )
        assert first.step("digest").status == "ok"
        assert second.step("digest").status == "skipped"
        day = due_report_day(now, cfg.digest, lambda d: False)
        assert day is not None and digest_written(idx.store, day)


def test_hostile_demo_mention_renders_inert_end_to_end(tmp_path) -> None:
    # Entity-encoded in the page, so the parsed text holds the literal markup.
    hostile = {
        "lang": "en",
        "d": 0,
        "t": "00:01",
        "ch": "review",
        "r": 1,
        "by": "&lt;script&gt;alert(1)&lt;/script&gt;",
        "title": "&lt;img src=x onerror=alert(2)&gt;",
        "mood": "worst",
        "text": "Broken &lt;script&gt;document.cookie&lt;/script&gt; again &lt;img src=y onerror=alert(3)&gt;",
    }
    with DemoSite(extra=[hostile], blocked=False) as site:
        cfg = config_from_dict(demo_config(site, tmp_path))
        with MentionIndex.open(cfg) as idx:
            res = run_once(
                cfg,
                idx=idx,
                classifier=MoodClassifier([hostile]),
                embedder=NO_VECTORS,
                digest="force",
                digest_day=site.today,
                out_dir=str(tmp_path),
                relax_loopback=True,
            )
            stored = idx.mentions("Lumio", sentiment="negative", limit=500)
            assert any("<script>document.cookie</script>" in m.text for m in stored)
    page = Path(res.digest_paths[0]).read_text("utf-8")
    assert "document.cookie" in page  # it is in the most-negative list …
    assert "<script" not in page and "<img src=x" not in page and "<img src=y" not in page  # … as text only
    assert "&lt;script&gt;document.cookie&lt;/script&gt;" in page
    assert "&lt;img src=y onerror=alert(3)&gt;" in page and "&lt;img src=x onerror=alert(2)&gt;" in page


# ---------------------------------------------------------------- SIGTERM in the middle of a run


def _db_state(db: Path) -> tuple[str, Counter, int]:
    con = sqlite3.connect(db)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        runs = Counter(status for (status,) in con.execute("SELECT status FROM run"))
        mentions = con.execute("SELECT count(*) FROM mention").fetchone()[0]
    finally:
        con.close()
    return integrity, runs, mentions


def test_sigterm_mid_run_leaves_the_database_consistent(tmp_path) -> None:
    with DemoSite(delay=0.4, blocked=False) as site:
        data = demo_config(site, tmp_path)
        cfg_path = tmp_path / "demo.toml"
        cfg_path.write_text(to_toml(data), encoding="utf-8")
        db = tmp_path / "demo.db"
        env = {**os.environ, "MONITOR_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
        env.pop("MONITOR_DATABASE_URL", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--once", "--config", str(cfg_path), "--digest", "skip"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # wait until the run has stored something
                if db.exists():
                    try:
                        if _db_state(db)[2] > 0:
                            break
                    except sqlite3.OperationalError:
                        pass
                time.sleep(0.1)
            else:
                pytest.fail("the run stored nothing within 60 s")
            proc.send_signal(signal.SIGTERM)
            output, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 3, output.decode(errors="replace")
        assert b"SIGTERM" in output

        integrity, runs, stored = _db_state(db)
        assert integrity == "ok"
        assert runs["running"] == 0, runs
        assert runs["interrupted"] >= 1
        assert stored > 0
        from tests.test_store import assert_rollups_exact

        cfg = config_from_dict(data)
        with MentionIndex.open(cfg) as idx:
            assert_rollups_exact(idx)
            # The next run picks up where it stopped.
            res = run_once(
                cfg, idx=idx, classifier=MoodClassifier(), digest="skip", relax_loopback=True, embedder=NO_VECTORS
            )
            assert res.step("collect").status == "ok"
            assert_rollups_exact(idx)
        resumed = _db_state(db)[2]

    # Every mention stored exactly once: the same count as one uninterrupted run.
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    with DemoSite(blocked=False, now=site.now) as again:
        ref_cfg = config_from_dict(demo_config(again, ref_dir))
        with MentionIndex.open(ref_cfg) as ref:
            run_once(
                ref_cfg, idx=ref, classifier=MoodClassifier(), digest="skip", relax_loopback=True, embedder=NO_VECTORS
            )
    assert resumed == _db_state(ref_dir / "demo.db")[2] > stored
