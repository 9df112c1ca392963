"""The dashboard's response time at scale: every page with 1 million mentions.

    python benchmarks/web.py                          # 1,000,000 mentions, SQLite and PostgreSQL
    python benchmarks/web.py --n 200000 --no-postgres
    python benchmarks/web.py --sqlite /tmp/web1m.db   # keep (or reuse) the generated database
    python benchmarks/web.py --sqlite /tmp/web1m.db --pg-keep mm_web1m --only letter --ingest 0

The mentions come from ``benchmarks/index_scale.py``'s generator (10 brands, 5 languages,
6 source kinds, a year, time order) through its bulk path, plus a rare language (12
German mentions of one brand) and hostile text. Each page is requested in process through
httpx's ASGI transport, logged in as an editor, ``--repeat`` times after one warm-up:
median and p95 (PostgreSQL after ``ANALYZE``, as autovacuum leaves it). The baseline,
measured in the same run, is the overview at 10,000 mentions; each page's ratio is its
median over the baseline's. Target: every page ≤ 300 ms.

The text searches cover each way a search reads (``monitor._store.listings``): words the
trigram index narrows (a rare word, a word nowhere, 0.1 % of mentions), words in very many
mentions and words of one or two letters (the bounded newest-first walk: common, rare —
12 of 1M — and found nowhere, which stops at its budget and says "partial"; then the
continuation), for every brand and for one. Each line shows what the page held (rows,
partial). Before the pages, ``--ingest N`` mentions are stored into fresh databases with
the search's rows written and without (as before ``0008_search``), twice each,
interleaved: the ingest rate with search on and off in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest.mock import patch
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from index_scale import BRANDS, END, batches

from monitor._api import MentionIndex
from monitor._config import config_from_dict
from monitor._records import Mention
from monitor._store.accounts import Accounts
from monitor._web import WebSettings, create_app
from monitor._web.passwords import hash_password

TARGET_MS = 300.0
NOW = datetime(END.year, END.month, END.day, 12, tzinfo=UTC) + timedelta(days=1)
PASSWORD = "bench-pass-1"
RARE_LANG = "de"
BRAND = BRANDS[3]


def cpu_summary() -> str:
    """The CPU's model, logical cores and the vector features that matter, as Linux lists them."""
    model, flags = platform.processor() or platform.machine(), ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model in ("", platform.machine(), "x86_64"):
                model = value.strip()
            if key.strip() in ("flags", "Features") and not flags:
                flags = value
    except OSError:
        pass
    wanted = ("sse4_2", "avx", "avx2", "avx512f", "avx512_vnni", "amx_tile", "asimd", "sve")
    have = [f for f in wanted if f in flags.split()]
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"CPU: {model} · {os.cpu_count()} logical cores · {' '.join(have) or 'no flags listed'} · {python}"


def fill(idx: MentionIndex, n: int) -> float:
    """``n`` generated mentions (bulk path) plus the rare-language and hostile ones; seconds taken."""
    started = time.perf_counter()
    pending: list[tuple[str, str, str | None, list[Mention]]] = []
    size = done = 0
    for group in batches(n, order="time"):
        pending.append(group)
        size += len(group[3])
        if size >= 5000:
            idx.add_groups(pending, refresh=False)
            done += size
            pending, size = [], 0
            if done % 200_000 < 5000:
                print(f"  {done:>9,} mentions  {done / (time.perf_counter() - started):,.0f}/s", flush=True)
    if pending:
        idx.add_groups(pending, refresh=False)
    extra = [
        Mention(f"de-{i}", f"{BRAND} Akku schwach {i}", published_at=NOW - timedelta(days=30 * i + 1), lang=RARE_LANG)
        for i in range(12)
    ]
    extra.append(Mention("x-1", f"{BRAND} <script>alert(1)</script>", published_at=NOW - timedelta(hours=3), lang="en"))
    idx.add_mentions(BRAND, f"reviews-{BRAND}", extra, source_kind="reviews")
    idx.refresh()
    return time.perf_counter() - started


def ingest_rate(url: str, n: int, search: bool) -> tuple[float, float]:
    """Mentions per second the bulk path stores ``n`` generated mentions into a fresh
    database at, writing the text search's rows (``search``) or not (as before 0008_search):
    per second of wall time, and per second of this process's CPU time (SQLite works in
    this process, so that one holds on a busy machine; PostgreSQL's server does not)."""
    idx = MentionIndex.open(config_from_dict({"database_url": url, "index": {"timezone": "UTC"}}))
    off = patch("monitor._store.bulk.index_rows", lambda conn, rows: None)
    with off if not search else nullcontext():
        started, cpu = time.perf_counter(), time.process_time()
        pending: list[tuple[str, str, str | None, list[Mention]]] = []
        size = 0
        for group in batches(n, order="time"):
            pending.append(group)
            size += len(group[3])
            if size >= 5000:
                idx.add_groups(pending, refresh=False)
                pending, size = [], 0
        if pending:
            idx.add_groups(pending, refresh=False)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
    idx.close()
    return n / took, n / cpu


def bench_ingest(n: int, sqlite_dir: Path, pg_admin: str | None) -> None:
    """The ingest rate with the text search on and off, each database, in this run."""
    targets = [("sqlite", lambda tag: nullcontext(f"sqlite:///{sqlite_dir / f'ingest-{tag}.db'}"))]
    if pg_admin:
        targets.append(("postgres", lambda tag: postgres_db(pg_admin, None)))
    for label, make in targets:
        rates: dict[bool, list[tuple[float, float]]] = {}
        for run, search in enumerate((False, True, False, True)):  # interleaved: the load hits both alike
            with make(f"{run}-{'on' if search else 'off'}") as url:
                if url is None:
                    break
                rates.setdefault(search, []).append(ingest_rate(url, n, search))
        if len(rates) == 2:
            for i, what in ((0, "wall time"), (1, "this process's CPU time")):
                on, off = max(r[i] for r in rates[True]), max(r[i] for r in rates[False])
                print(
                    f"[{label}] ingest {n:,} mentions (bulk path, best of 2, per second of {what}): "
                    f"search off {off:,.0f}/s, search on {on:,.0f}/s: {100 * (1 - on / off):.0f} % slower",
                    flush=True,
                )


def pages(mid: int) -> list[tuple[str, str]]:
    """(name, path) of every page, with the filters a team would use."""
    b = quote(BRAND)
    month = (NOW - timedelta(days=30)).date().isoformat()
    return [
        ("overview 7 days", "/?days=7"),
        ("overview 30 days", "/?days=30"),
        ("overview 90 days", "/?days=90"),
        ("brand 7 days", f"/brand?name={b}&days=7"),
        ("brand 30 days", f"/brand?name={b}&days=30"),
        ("brand 90 days", f"/brand?name={b}&days=90"),
        ("mentions, brand + theme + 30 days", f"/mentions?brand={b}&theme=THEME&since={month}"),
        ("mentions, brand + aspect (0.2 %)", f"/mentions?brand={b}&aspect=availability"),
        ("mentions, all brands + aspect (0.2 %)", "/mentions?aspect=availability"),
        ("mentions, all brands", "/mentions"),
        ("mentions, one brand", f"/mentions?brand={b}"),
        ("mentions, brand + language sv", f"/mentions?brand={b}&lang=sv"),
        ("mentions, brand + rare language", f"/mentions?brand={b}&lang={RARE_LANG}"),
        ("mentions, all brands + rare language", f"/mentions?lang={RARE_LANG}"),
        ("mentions, brand + negative + 30 days", f"/mentions?brand={b}&label=negative&since={month}"),
        ("mentions, brand + source + 1 star", f"/mentions?brand={b}&source=reviews-{b}&stars=1"),
        ("mentions, brand + label from a person", f"/mentions?brand={b}&origin=manual"),
        ("mentions, brand + text (common word)", f"/mentions?brand={b}&q=battery"),
        ("mentions, brand + text (rare word)", f"/mentions?brand={b}&q=Akku"),
        ("mentions, all brands + text (no match)", "/mentions?q=zzzz-nowhere"),
        ("mentions, all brands + text (common word)", "/mentions?q=battery"),
        ("mentions, all brands + text (rare word)", "/mentions?q=akku"),
        ("mentions, all brands + text (0.1 %: #123)", "/mentions?q=%23123"),
        ("mentions, brand + text (1 %: #12)", f"/mentions?brand={b}&q=%2312"),
        ("mentions, brand + language + text", f"/mentions?brand={b}&lang=sv&q=battery"),
        ("mentions, brand + negative + two words", f"/mentions?brand={b}&label=negative&q=slow+awful"),
        ("mentions, brand + text, next page", f"/mentions?brand={b}&q=battery&after=CURSOR"),
        ("mentions, brand + one letter (no match)", f"/mentions?brand={b}&q=%C3%BE"),
        ("mentions, all brands + one letter (no match)", "/mentions?q=%C3%BE"),
        ("mentions, all brands + one letter, continued", "/mentions?q=%C3%BE&after=RESUME"),
        ("mentions, brand + one letter (common)", f"/mentions?brand={b}&q=y"),
        ("mentions, all brands + one letter (common)", "/mentions?q=y"),
        ("mentions, brand + two letters (common)", f"/mentions?brand={b}&q=ok"),
        ("mentions, all brands + two letters (common)", "/mentions?q=ok"),
        ("mentions, brand + two letters (rare: 12)", f"/mentions?brand={b}&q=ak"),
        ("mentions, all brands + two letters (rare: 12)", "/mentions?q=ak"),
        ("mentions, all brands + two letters (no match)", "/mentions?q=zq"),
        ("mentions, brand + language + one letter", f"/mentions?brand={b}&lang=sv&q=y"),
        ("mentions, next page", f"/mentions?brand={b}&after=CURSOR"),
        ("sources", "/sources"),
        ("model", "/model"),
        ("relabel one mention (POST)", f"POST {mid}"),
    ]


async def measure(client: httpx.AsyncClient, path: str, repeat: int, csrf: str) -> tuple[float, float, str]:
    """Median and p95 in ms, and what the page showed: its status, rows, and whether a
    search stopped at its budget ("partial")."""

    async def once(i: int) -> str:
        if path.startswith("POST "):
            mid = path.split()[1]
            label = ("positive", "negative")[i % 2]
            r = await client.post("/relabel", data={"pick": f"{mid}:{label}", "csrf": csrf, "back": "/mentions"})
        else:
            r = await client.get(path)
        rows = r.text.count('<article class="mention')
        return (
            f"HTTP {r.status_code}"
            + (f" {rows:>2} rows" if rows else "")
            + (" partial" if "Searched the mentions back to" in r.text else "")
        )

    status = await once(0)  # warm-up
    xs = []
    for i in range(repeat):
        t = time.perf_counter()
        await once(i + 1)
        xs.append((time.perf_counter() - t) * 1000)
    xs.sort()
    return statistics.median(xs), xs[int(0.95 * (len(xs) - 1))], status


async def bench_pages(
    idx: MentionIndex, repeat: int, only: list[str] | None = None
) -> list[tuple[str, float, float, str]]:
    accounts = Accounts(idx.engine)
    if accounts.user("bench") is None:
        accounts.add_user("bench", "editor", hash_password(PASSWORD), at=NOW)
    app = create_app(idx, WebSettings(), clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=120) as c:
        token = re.search(r'name="csrf" value="([^"]+)"', (await c.get("/login")).text)
        assert token
        r = await c.post("/login", data={"name": "bench", "password": PASSWORD, "csrf": token.group(1), "next": "/"})
        assert r.status_code == 303, r.text
        page = (await c.get(f"/mentions?brand={quote(BRAND)}")).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        cursor = re.search(r'href="/mentions\?[^"]*after=([^"&]+)"', page)
        first = re.search(r'<article class="mention[^"]*" id="m(\d+)"', page)
        assert csrf and cursor and first, "the mentions page lacks its form, next link or rows"
        stopped = (await c.get("/mentions?q=%C3%BE")).text  # a search stops at its budget: where to go on
        resume = re.search(r'href="/mentions\?[^"]*after=([^"&]+)"[^>]*>Continue searching', stopped)
        out = []
        for name, path in pages(int(first.group(1))):
            if only and not any(o in name for o in only):
                continue
            if "RESUME" in path and resume is None:
                print(f"  {name}: no continuation (the search read every mention in one request)")
                continue
            if "THEME" in path:
                themes = list(idx.theme_names(BRAND)) if idx.brands() else []
                if len(themes) < 5:
                    print(f"  {name}: no themes stored")
                    continue
                path = path.replace("THEME", str(themes[4]))  # a mid-sized theme (about 2 % of the brand)
            path = path.replace("CURSOR", cursor.group(1)).replace("RESUME", resume.group(1) if resume else "")
            med, p95, status = await measure(c, path, repeat, csrf.group(1))
            out.append((name, med, p95, status))
        return out


def report(label: str, n: int, rows: list[tuple[str, float, float, str]], baseline: float) -> int:
    over = 0
    print(f"[{label}] {n:,} mentions; baseline (overview 7 days at 10,000 mentions): {baseline:.1f} ms")
    for name, med, p95, status in rows:
        flag = "ok" if p95 <= TARGET_MS else f"OVER {TARGET_MS:.0f} ms"
        over += p95 > TARGET_MS
        print(
            f"[{label}] {name:<48} median {med:7.1f} ms  p95 {p95:7.1f} ms  ×{med / baseline:5.1f}  "
            f"{status:<24} {flag}",
            flush=True,
        )
    return over


#: Synthetic aspect tags: each mention gets at most one, with these shares (the rest none).
ASPECT_SHARES = (
    ("price", 0.10),
    ("delivery", 0.08),
    ("quality", 0.06),
    ("service", 0.04),
    ("app", 0.015),
    ("staff", 0.003),
    ("availability", 0.002),
)
THEMES_PER_BRAND = 30


def decorate(idx: MentionIndex) -> float:
    """Aspect tags and themes for every mention, as the pipeline's steps would leave them
    (synthetic: the brand page's theme and aspect tables and the drivers read them); seconds."""
    import numpy as np

    from monitor._store import themes as theme_store
    from monitor._store.aspects import NO_ASPECT, TagRow, write_tags
    from monitor._store.reads import mention_ids_by_brand

    started = time.perf_counter()
    rng = np.random.default_rng(7)
    by_brand = mention_ids_by_brand(idx.engine)
    names = [a for a, _ in ASPECT_SHARES] + [NO_ASPECT]
    shares = [p for _, p in ASPECT_SHARES]
    for brand_id, ids in by_brand.items():
        picks = rng.choice(len(names), size=len(ids), p=[*shares, 1 - sum(shares)])
        for start in range(0, len(ids), 5000):
            write_tags(
                idx.engine,
                [TagRow(i, names[k]) for i, k in zip(ids[start : start + 5000], picks[start:], strict=False)],
            )
        weights = np.array([1 / (k + 1) for k in range(THEMES_PER_BRAND)])
        weights = np.r_[0.8 * weights / weights.sum(), 0.2]  # a fifth fits no theme
        new = [
            theme_store.NewTheme(
                f"theme {k} of {brand_id}", f"gist {k}", {"en": [f"term{k}"]}, np.zeros(384, np.float32)
            )
            for k in range(THEMES_PER_BRAND)
        ]
        choice = rng.choice(THEMES_PER_BRAND + 1, size=len(ids), p=weights)
        assign = [
            (i, None, int(c), float(rng.random())) if c < THEMES_PER_BRAND else (i, None, None, None)
            for i, c in zip(ids, choice, strict=True)
        ]
        theme_store.save(idx.engine, brand_id, "bench:1", theme_store.ThemeWrites(new=new, assign=assign), now=NOW)
    return time.perf_counter() - started


def open_filled(url: str, n: int, *, insights: bool = False) -> MentionIndex:
    idx = MentionIndex.open(config_from_dict({"database_url": url, "index": {"timezone": "UTC"}}))
    if idx.brands():
        print(f"reusing {url.split('@')[-1]} ({n:,} mentions asked; not regenerated)")
    else:
        took = fill(idx, n)
        print(f"generated {n:,} mentions in {took:.0f} s (bulk path, snapshots included)", flush=True)
        if insights:
            took = decorate(idx)
            print(f"tagged aspects and placed themes of every mention in {took:.0f} s (synthetic)", flush=True)
    if url.startswith("postgresql"):
        # What autovacuum does after a bulk load (the test server may run with it off):
        # without statistics the planner guesses 345 rows for a brand's 100,000.
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute("ANALYZE")
    return idx


@contextmanager
def postgres_db(admin_url: str, keep: str | None) -> Iterator[str | None]:
    try:
        import psycopg

        name = keep or f"mm_web_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        print(f"[postgres] skipped: not reachable ({exc})")
        yield None
        return
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        if not keep:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="mentions to generate")
    ap.add_argument("--repeat", type=int, default=20, help="requests per page (after one warm-up)")
    ap.add_argument("--sqlite", help="SQLite file to keep and reuse (default: a temporary one)")
    ap.add_argument("--pg-keep", help="PostgreSQL database name to keep and reuse (default: a temporary one)")
    ap.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    ap.add_argument("--no-sqlite", action="store_true", help="skip SQLite (the 1M database; the baseline still runs)")
    ap.add_argument("--pg", default=os.environ.get("MONITOR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--only", action="append", help="measure only the pages whose name holds this (repeatable)")
    ap.add_argument("--ingest", type=int, default=100_000, help="mentions per ingest-rate run (0: skip)")
    args = ap.parse_args()
    print(cpu_summary())
    over = 0
    with tempfile.TemporaryDirectory() as d:
        if args.ingest:
            bench_ingest(args.ingest, Path(d), None if args.no_postgres else args.pg)
        base_idx = open_filled(f"sqlite:///{Path(d) / 'base.db'}", 10_000)
        baseline = asyncio.run(bench_pages(base_idx, args.repeat, ["overview 7 days"]))[0][1]
        base_idx.close()
        if not args.no_sqlite:
            path = Path(args.sqlite) if args.sqlite else Path(d) / "web.db"
            idx = open_filled(f"sqlite:///{path}", args.n, insights=True)
            over += report("sqlite", args.n, asyncio.run(bench_pages(idx, args.repeat, args.only)), baseline)
            idx.close()
    if not args.no_postgres:
        with postgres_db(args.pg, args.pg_keep) as url:
            if url:
                idx = open_filled(url, args.n, insights=True)
                over += report("postgres", args.n, asyncio.run(bench_pages(idx, args.repeat, args.only)), baseline)
                idx.close()
    print(f"{over} page(s) over {TARGET_MS:.0f} ms at p95" if over else f"every page within {TARGET_MS:.0f} ms at p95")


if __name__ == "__main__":
    main()
