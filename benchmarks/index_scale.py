"""Index at scale: bulk-import N mentions, then time the index queries.

    python benchmarks/index_scale.py                 # 1,000,000 mentions, SQLite (+ PostgreSQL if reachable)
    python benchmarks/index_scale.py --n 200000 --no-postgres

10 brands, 5 languages, 6 source kinds, 365 days. Prints the bulk-import rate and the
median / p95 latency of satisfaction(by="day") and reach(by="day") over 90 and 365 days, compare() over 10
brands, and mentions(sentiment="negative", limit=50). Targets: import ≥ 20,000 mentions/s;
each query ≤ 50 ms on SQLite at 1M mentions.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor._api import MentionIndex
from monitor._records import Mention

BRANDS = [f"Brand{i:02d}" for i in range(10)]
LANGS = ["en", "sv", "tr", "bg", "hy"]
KINDS = ["rss", "reviews", "mastodon", "reddit", "hackernews", "bluesky"]
LABELS = ["positive", "positive", "positive", "neutral", "negative", None]
REACH_KINDS = {"mastodon": "followers", "reddit": "upvotes", "bluesky": "likes"}
END = date(2026, 11, 21)
START = END - timedelta(days=364)
WORDS = [
    "great",
    "awful",
    "slow",
    "fast",
    "support",
    "battery",
    "update",
    "app",
    "price",
    "love",
    "hate",
    "broken",
    "fixed",
    "okay",
    "fine",
]


def _mention(rng: random.Random, brand: str, kind: str, i: int, when: datetime) -> Mention:
    rated = kind == "reviews"
    reach = int(rng.paretovariate(1.1)) - 1 if kind in REACH_KINDS else None  # heavy-tailed: a few viral
    return Mention(
        reach=reach,
        reach_kind=REACH_KINDS.get(kind) if reach is not None else None,
        external_id=f"{i}",
        text=f"{brand} {' '.join(rng.choices(WORDS, k=8))} #{i}",
        published_at=when,
        lang=rng.choice(LANGS),
        rating=rng.randint(1, 5) if rated else None,
        rating_scale=(1, 5) if rated else None,
        label=rng.choice(LABELS),  # type: ignore[arg-type]
    )


def batches(
    n: int, seed: int = 7, size: int = 5000, order: str = "random"
) -> Iterator[tuple[str, str, str, list[Mention]]]:
    """Batches of one brand × source kind.

    ``order="random"``: each batch of ``size`` mentions has one brand and kind and dates
    anywhere in the year (the worst case for index locality). ``order="time"``: the year
    is read in time order, ``size`` mentions at a time across all brands and kinds, each
    chunk split by brand × kind, as ``monitor import`` does with a date-sorted export.
    """
    rng = random.Random(seed)
    t0 = datetime(START.year, START.month, START.day, tzinfo=UTC)
    year = 365 * 86400
    made = 0
    while made < n:
        k = min(size, n - made)
        if order == "random":
            brand, kind = rng.choice(BRANDS), rng.choice(KINDS)
            items = []
            for _ in range(k):
                made += 1
                items.append(_mention(rng, brand, kind, made, t0 + timedelta(seconds=rng.randrange(year))))
            yield brand, f"{kind}-{brand}", kind, items
            continue
        lo, hi = year * made // n, max(year * made // n + 1, year * (made + k) // n)
        groups: dict[tuple[str, str], list[Mention]] = {}
        for _ in range(k):
            made += 1
            brand, kind = rng.choice(BRANDS), rng.choice(KINDS)
            when = t0 + timedelta(seconds=rng.randrange(lo, hi))
            groups.setdefault((brand, kind), []).append(_mention(rng, brand, kind, made, when))
        for (brand, kind), items in groups.items():
            yield brand, f"{kind}-{brand}", kind, items


def timed(fn: Callable[[], object], repeat: int = 15) -> tuple[float, float]:
    fn()  # warm caches
    xs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - t) * 1000)
    xs.sort()
    return statistics.median(xs), xs[int(0.95 * (len(xs) - 1))]


def run(url: str, n: int, label: str, order: str) -> None:
    idx = MentionIndex.open(url)
    label = f"{label}/{order}"
    t_import = 0.0  # time spent in the store only (generating the data is not counted)
    done = 0
    pending: list[tuple[str, str, str | None, list[Mention]]] = []
    size = 0
    for brand, source, kind, items in batches(n, order=order):
        pending.append((brand, source, kind, items))
        size += len(items)
        if size < 5000:
            continue
        t = time.perf_counter()
        idx.add_groups(pending, refresh=False)  # as `monitor import` does: one chunk, many groups
        t_import += time.perf_counter() - t
        done += size
        pending, size = [], 0
        if done % 200_000 < 5000:
            print(f"  [{label}] {done:>9,} mentions  {done / t_import:,.0f}/s", flush=True)
    if pending:
        t = time.perf_counter()
        idx.add_groups(pending, refresh=False)
        t_import += time.perf_counter() - t
    t = time.perf_counter()
    days = idx.refresh()
    t_snap = time.perf_counter() - t
    print(f"[{label}] bulk import: {n:,} mentions in {t_import:.1f} s = {n / t_import:,.0f} mentions/s")
    print(
        f"[{label}] snapshots: {days:,} brand-days refreshed in {t_snap:.1f} s "
        f"(overall {n / (t_import + t_snap):,.0f} mentions/s incl. snapshots)"
    )
    b = BRANDS[3]
    cases: list[tuple[str, Callable[[], object]]] = [
        ("satisfaction(by='day'), 90 days", lambda: idx.satisfaction(b, END - timedelta(days=89), END, by="day")),
        ("satisfaction(by='day'), 365 days", lambda: idx.satisfaction(b, START, END, by="day")),
        ("satisfaction(by='week', lang='sv'), 365 days", lambda: idx.satisfaction(b, START, END, by="week", lang="sv")),
        ("compare(10 brands), 30 days", lambda: idx.compare(BRANDS, END - timedelta(days=29), END)),
        ("compare(10 brands), 365 days", lambda: idx.compare(BRANDS, START, END)),
        ("mentions(sentiment='negative', limit=50)", lambda: idx.mentions(b, sentiment="negative", limit=50)),
        ("reach(by='day'), 90 days", lambda: idx.reach(b, END - timedelta(days=89), END, by="day")),
        ("reach(by='day'), 365 days", lambda: idx.reach(b, START, END, by="day")),
    ]
    for name, fn in cases:
        med, p95 = timed(fn)
        flag = "ok" if med <= 50 else "OVER 50 ms"
        print(f"[{label}] {name:<48} median {med:7.1f} ms  p95 {p95:7.1f} ms  {flag}")
    idx.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="mentions to import")
    ap.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    ap.add_argument(
        "--order",
        choices=["time", "random"],
        default="random",
        help="time: mentions arrive in time order (an export, a collector); random: any day (worst case)",
    )
    ap.add_argument("--pg", default=os.environ.get("MONITOR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        run(f"sqlite:///{Path(d) / 'scale.db'}", args.n, "sqlite", args.order)
    if args.no_postgres:
        return
    try:
        import psycopg

        name = f"mm_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.pg, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        print(f"[postgres] skipped: not reachable ({exc})")
        return
    try:
        run(args.pg.rsplit("/", 1)[0] + f"/{name}", args.n, "postgres", args.order)
    finally:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
