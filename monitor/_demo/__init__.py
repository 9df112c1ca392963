"""``monitor demo``: the whole product on a bundled site, offline, in a few minutes.

:func:`run_demo` starts the demo site (:mod:`monitor._demo.site`) on a loopback port, writes
a config for it, and runs the real pipeline: the real collectors (politeness relaxed for
loopback only), the embedded sentiment model, the index, and the digest for today.
"""

from __future__ import annotations

import shutil
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from monitor._demo.site import BRAND, RIVAL, DemoSite
from monitor._store.listings import SourceOverview

DEMO_TZ = "Europe/Stockholm"


def demo_config(site: DemoSite, out_dir: Path) -> dict[str, Any]:
    """The config (as a mapping) that points every source at ``site``."""
    return {
        "database_url": f"sqlite:///{(out_dir / 'demo.db').resolve()}",
        "brands": [
            {"name": BRAND, "aliases": ["Люмио", "Լումիո"]},
            {"name": RIVAL, "aliases": ["Бриса", "Բրիսա"]},
        ],
        "sources": site.sources(),
        "http": {
            "contact": "demo@example.invalid",
            "min_interval_s": 0.0,
            "concurrency_per_host": 8,
            "retries": 1,
            "max_pages": 20,
            "allow_private_addresses": True,  # the demo site is on 127.0.0.1
        },
        "index": {"timezone": site.tz},
        "digest": {
            "time": "08:00",
            "timezone": site.tz,
            "out_dir": str(out_dir.resolve()),
            "markdown": True,
            "delivery": ["file"],
        },
    }


def to_toml(data: dict[str, Any]) -> str:
    """The demo config as TOML (``tomli-w``: every string escaped as TOML requires)."""
    text = "# Written by `monitor demo`: the demo site's sources on a loopback port.\n\n" + tomli_w.dumps(data)
    tomllib.loads(text)  # what we write must read back
    return text


@dataclass
class DemoResult:
    out_dir: Path
    config_path: Path
    database: Path
    digest_html: Path | None
    digest_text: Path | None
    pipeline: Any
    rows: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    sources: list[SourceOverview] = field(default_factory=list)


def run_demo(
    out_dir: str | Path = "monitor-demo",
    *,
    classifier: Any = None,
    now: datetime | None = None,
    extra: list[dict[str, Any]] | None = None,
    on_step: Callable[[Any], None] | None = None,
) -> DemoResult:
    """Serve the demo site, run collect → score → index → digest, return what happened."""
    from monitor._api import MentionIndex
    from monitor._config import config_from_dict
    from monitor._pipeline import run_once

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("demo.db", "demo.db-wal", "demo.db-shm"):
        (out / stale).unlink(missing_ok=True)
    shutil.rmtree(out / "outbox", ignore_errors=True)
    timings: dict[str, float] = {}
    started = time.monotonic()
    now = now or datetime.now(UTC)
    with DemoSite(now=now, tz=DEMO_TZ, extra=list(extra or [])) as site:
        data = demo_config(site, out)
        cfg_path = out / "demo.toml"
        cfg_path.write_text(to_toml(data), encoding="utf-8")
        cfg = config_from_dict(data, where=str(cfg_path))
        idx = MentionIndex.open(cfg)
        try:
            step_started = time.monotonic()

            def timed(step: Any) -> None:
                nonlocal step_started
                timings[step.name] = time.monotonic() - step_started
                step_started = time.monotonic()
                if on_step is not None:
                    on_step(step)

            result = run_once(
                cfg,
                idx=idx,
                classifier=classifier,
                now=now,
                digest="force",
                digest_day=site.today,
                out_dir=str(out),
                on_step=timed,
                relax_loopback=True,
            )
            rows = summary_rows(idx, [BRAND, RIVAL], site.today)
            sources = idx.sources_overview()
        finally:
            idx.close()
    timings["total"] = time.monotonic() - started
    html = Path(result.digest_paths[0]) if result.digest_paths else None
    return DemoResult(
        out_dir=out,
        config_path=cfg_path,
        database=out / "demo.db",
        digest_html=html,
        digest_text=html.with_suffix(".txt") if html else None,
        pipeline=result,
        rows=rows,
        timings=timings,
        sources=sources,
    )


def summary_rows(idx: Any, brands: list[str], day: Any) -> list[dict[str, Any]]:
    """One row per brand: volume, languages, MSI today / 7 / 30 days, alerts."""
    from datetime import timedelta

    rows = []
    for brand in brands:

        def one(start: Any, brand: str = brand) -> Any:
            pts = idx.satisfaction(brand, start=start, end=day, by=None)
            return pts[0] if pts else None

        today, week, month = one(day), one(day - timedelta(days=6)), one(day - timedelta(days=29))
        langs = {k: p.volume for k, p in idx.breakdown(brand, day - timedelta(days=29), day, by="lang")}
        rows.append(
            {
                "brand": brand,
                "mentions": month.volume if month else 0,
                "languages": langs,
                "unscored": month.unscored if month else 0,
                "msi_today": today.msi if today else None,
                "msi_7d": week.msi if week else None,
                "msi_30d": month.msi if month else None,
                "low_sample_today": today.low_sample if today else True,
                "alerts": _digest_alerts(idx, brand, day),
            }
        )
    return rows


def _digest_alerts(idx: Any, brand: str, day: Any) -> int:
    """How many alerts the digest shows for ``brand`` on ``day`` (its window: the calendar day)."""
    from datetime import timedelta

    from monitor._digest.alerts import BASELINE_DAYS, day_counts
    from monitor._index.alerts import evaluate

    cfg = idx.config.index
    points = idx.satisfaction(brand, start=day - timedelta(days=BASELINE_DAYS), end=day, by="day")
    found = evaluate(brand, day_counts(points, day), bar=cfg.bar, min_sample=cfg.min_sample, k=cfg.spike_k)
    others: list[Any] = list(idx.alerts(brand))
    return len(found) + sum(1 for a in others if a.kind == "model_disagrees")


__all__ = ["DemoResult", "DemoSite", "demo_config", "run_demo", "summary_rows", "to_toml"]
