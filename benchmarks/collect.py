"""Collector benchmark: parse-only speed per kind, BeautifulSoup vs selectolax, end to end.

    python benchmarks/collect.py            # parse + end-to-end (about a minute)
    python benchmarks/collect.py parse      # parse-only figures
    python benchmarks/collect.py e2e        # end to end into SQLite
    python benchmarks/collect.py e2e --setup two --repeat 5   # one set-up, median of five
    python benchmarks/collect.py langid     # the language-identifier comparison

A local server (its own process, asyncio, HTTP/1.1 keep-alive) serves 2,000 JSON-LD review
pages of 20 reviews each (100 review sources × 20 pages, rel=next paging) and 200 RSS feed
pages (10 feeds × 20 pages, RFC 5005 rel=next). End to end runs the real collector
(HTTP layer, robots.txt, paging, brand matching, language identification) into a real
SQLite ``MentionIndex`` with politeness lifted for loopback only (``relax_loopback``), in
three set-ups: one process; one process plus a language-identification worker; two
collector processes (``--workers 2``: each walks half of the sources). Each line reports
wall-clock pages/s and the CPU spent per page by the collector (all its processes) and by
the server, so a run on a busy machine can be told apart from a slow collector.

Targets (issue 3): parse ≥ 100 review pages/s on one core; ≥ 200 pages/s end to end.

The BeautifulSoup + lxml comparison needs the ``bench`` extra (``pip install -e ".[bench]"``,
also in ``dev``): the product itself does not use them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("MONITOR_SHARED_DIR", REPO.parent / "shared"))

REVIEW_SOURCES, REVIEW_PAGES, PER_PAGE = 100, 20, 20
FEEDS, FEED_PAGES, FEED_ITEMS = 10, 20, 20

_SENTENCES = {
    "en": "the drill works great battery lasts long but the charger broke after a month sadly",
    "sv": "borren fungerar bra batteriet håller länge men laddaren gick sönder efter en månad",
    "tr": "matkap çok iyi çalışıyor pil uzun dayanıyor ama şarj aleti bir ay sonra bozuldu",
    "bg": "бормашината работи чудесно батерията издържа дълго но зарядното се счупи след месец",
    "hy": "գայլիկոնը հիանալի է աշխատում մարտկոցը երկար է դիմանում բայց լիցքավորիչը փչացավ",
}
WORDS = {lang: words.split() for lang, words in _SENTENCES.items()}


def sentence(rng: random.Random, n: int) -> str:
    lang = rng.choice(list(WORDS))
    return " ".join(rng.choice(WORDS[lang]) for _ in range(n)).capitalize() + "."


def review_page(source: int, page: int) -> bytes:
    rng = random.Random(source * 1000 + page)
    reviews = []
    for i in range(PER_PAGE):
        k = page * PER_PAGE + i
        reviews.append(
            {
                "@type": "Review",
                "@id": f"#r{source}-{k}",
                "author": {"@type": "Person", "name": f"user{rng.randrange(10**6)}"},
                "datePublished": f"2025-{1 + k % 12:02d}-{1 + k % 28:02d}T10:{k % 60:02d}:00+00:00",
                "name": sentence(rng, 4),
                "reviewBody": sentence(rng, rng.randint(12, 40)),
                "reviewRating": {"@type": "Rating", "ratingValue": str(rng.randint(1, 5)), "bestRating": "5"},
            }
        )
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": f"Acme Drill {source}",
            "aggregateRating": {"@type": "AggregateRating", "ratingValue": 4.2, "reviewCount": 400},
            "review": reviews,
        },
        ensure_ascii=False,
    )
    nxt = f'<link rel="next" href="/reviews/{source}?page={page + 1}">' if page + 1 < REVIEW_PAGES else ""
    filler = "".join(f"<div class='nav'><a href='/c/{j}'>Category {j}</a></div>" for j in range(150))
    html = (
        f'<!doctype html><html lang="en"><head><title>Acme Drill {source}</title>{nxt}'
        f'<script type="application/ld+json">{ld}</script></head><body>{filler}'
        f"<main><h1>Acme Drill</h1><p>{sentence(rng, 60)}</p></main></body></html>"
    )
    return html.encode("utf-8")


def feed_page(feed: int, page: int) -> bytes:
    rng = random.Random(10**6 + feed * 1000 + page)
    items = []
    for i in range(FEED_ITEMS):
        k = page * FEED_ITEMS + i
        brand = "Acme " if k % 2 == 0 else ""
        items.append(
            f"<entry><id>urn:feed{feed}:{k}</id><title>{brand}{sentence(rng, 6)}</title>"
            f'<link href="https://news.example/{feed}/{k}"/><updated>2025-02-{1 + k % 28:02d}T08:00:00Z</updated>'
            f'<content type="html">&lt;p&gt;{brand}{sentence(rng, 30)}&lt;/p&gt;</content></entry>'
        )
    nxt = f'<link rel="next" href="/feeds/{feed}?page={page + 1}"/>' if page + 1 < FEED_PAGES else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>News {feed}</title><id>urn:feed{feed}</id><updated>2025-02-28T00:00:00Z</updated>{nxt}"
        + "".join(items)
        + "</feed>"
    ).encode("utf-8")


# -- the server (own process) -----------------------------------------------------------------


_PAGES: dict[str, bytes] = {}


def _prebuild() -> None:
    """Every page is built before the clock starts, so serving costs almost no CPU."""
    for s in range(REVIEW_SOURCES):
        for p in range(REVIEW_PAGES):
            _PAGES[f"/reviews/{s}?page={p}" if p else f"/reviews/{s}"] = review_page(s, p)
    for f in range(FEEDS):
        for p in range(FEED_PAGES):
            _PAGES[f"/feeds/{f}?page={p}" if p else f"/feeds/{f}"] = feed_page(f, p)


def _route(path: str) -> tuple[int, bytes, str]:
    body = _PAGES.get(path)
    if body is None:
        return 404, b"not found", "text/plain"
    return 200, body, "text/html; charset=utf-8" if path.startswith("/reviews") else "application/atom+xml"


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            status, body, ctype = _route(path)
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _serve(port_q: Any, sizes: tuple[int, int]) -> None:
    global REVIEW_SOURCES, FEEDS
    REVIEW_SOURCES, FEEDS = sizes
    _prebuild()

    async def main() -> None:
        server = await asyncio.start_server(_handle, "127.0.0.1", 0, limit=1 << 20)
        port_q.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# -- parse only ---------------------------------------------------------------------------------


def bs4_reviews(body: bytes, url: str) -> int:
    """The same JSON-LD extraction with BeautifulSoup + lxml (for comparison)."""
    from bs4 import BeautifulSoup

    from monitor._sources.reviews import _review_mention, _types, _walk

    soup = BeautifulSoup(body, "lxml")
    n = 0
    for tag in soup.find_all("script", type="application/ld+json"):
        data = json.loads(tag.string or "null")
        for obj in _walk(data):
            for r in obj.get("review") or []:
                if "Review" in _types(r):
                    _review_mention(r, url, "en", None)
                    n += 1
    soup.find_all(None, {"itemtype": True})
    return n


def rate(fn: Any, bodies: list[bytes], url: str, seconds: float = 3.0) -> tuple[float, int]:
    """Pages per second of *CPU time* (the build machine is shared, so wall time lies)."""
    done, items, start = 0, 0, time.process_time()
    while time.process_time() - start < seconds:
        for b in bodies:
            items += fn(b, url)
            done += 1
    return done / (time.process_time() - start), items // max(done, 1)


def parse_bench() -> dict[str, Any]:
    from monitor._sources.base import get_source

    out: dict[str, Any] = {}
    reviews = [review_page(s, p) for s in range(5) for p in range(4)]
    feeds = [feed_page(f, p) for f in range(2) for p in range(5)]
    mod = get_source("reviews")
    out["reviews (selectolax)"] = rate(lambda b, u: len(mod.parse(b, u)), reviews, "http://x/")
    out["reviews (BeautifulSoup+lxml)"] = rate(bs4_reviews, reviews, "http://x/")
    out["rss (feedparser)"] = rate(lambda b, u: len(get_source("rss").parse(b, u)), feeds, "http://x/")
    fixtures = {
        "html (Amazon example config)": ("html", "reviews-html/amazon_com_product-reviews_B0BBPNPZTC.html"),
        "reviews (real: realmomnutrition 100)": (
            "reviews",
            "reviews-html/realmomnutrition_com_recipe_jsonld-100reviews.html",
        ),
        "mastodon": ("mastodon", "social-json/mastodon_social_timelines_tag_rstats.json"),
        "reddit": ("reddit", "social-json/reddit_r-all_comments_listing.json"),
        "hackernews": ("hackernews", "social-json/hn_algolia_search_bundle_2014.json"),
        "bluesky": ("bluesky", "social-json/bluesky_searchPosts_q-redistricting.json"),
        "appstore": ("appstore", "social-json/itunes_customerreviews_app_284815942_us_mostHelpful.json"),
        "youtube": ("youtube", "social-json/youtube_commentThreads_by_video_page1.json"),
    }
    import tomllib

    amazon = tomllib.loads((REPO / "config/html-amazon.example.toml").read_text(encoding="utf-8"))
    html_opts = amazon["sources"][0]["options"]
    for label, (kind, rel) in fixtures.items():
        path = SHARED / "fixtures" / rel
        if not path.is_file():
            continue
        src = get_source(kind)
        opts = html_opts if kind == "html" else None
        out[label] = rate(lambda b, u, s=src, o=opts: len(s.parse(b, u, o)), [path.read_bytes()], "http://x/", 1.5)
    return out


# -- end to end ----------------------------------------------------------------------------------


def _instrument(stages: dict[str, float]) -> None:
    """CPU time of the collecting thread per stage (I/O waits, e.g. commits, excluded)."""
    from monitor._collect import Collector
    from monitor._sources import reviews, rss

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*a: Any, **k: Any) -> Any:
            t = time.thread_time()
            try:
                return fn(*a, **k)
            finally:
                stages[name] = stages.get(name, 0.0) + time.thread_time() - t

        return wrapper

    reviews.parse_page = timed("parse reviews", reviews.parse_page)
    rss._parse_feed = timed("parse rss", rss._parse_feed)
    Collector._flush = timed("store (add_mentions)", Collector._flush)  # type: ignore[method-assign]
    ident = __import__("monitor._langid", fromlist=["x"]).default_identifier()
    ident.identify_many = timed("langid (inline)", ident.identify_many)
    import monitor._collect.runner as mc

    mc.match_brands = timed("brand matching", mc.match_brands)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU of another process so far (Linux ``/proc``; ``None`` elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def e2e_bench(langid_workers: int = 0, workers: int = 1, concurrency: int = 2) -> dict[str, Any]:
    """One end-to-end run; ``concurrency`` is sources in flight per process.

    On loopback the run is CPU-bound and httpcore's pool costs more CPU per request the
    more requests are in flight (1.04 ms at 4, 2.02 ms at 16), so 2 per process is fastest;
    against real sites, where latency dominates, the collector's default is 4.
    """
    from monitor._api import MentionIndex
    from monitor._collect import collect_async
    from monitor._config import Secrets, config_from_dict

    stages: dict[str, float] = {}
    _instrument(stages)

    q: Any = mp.get_context("spawn").Queue()
    proc = mp.get_context("spawn").Process(target=_serve, args=(q, (REVIEW_SOURCES, FEEDS)), daemon=True)
    proc.start()
    port = q.get(timeout=120)
    base = f"http://127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cfg = config_from_dict(
                {
                    "database_url": f"sqlite:///{tmp}/bench.db",
                    "http": {
                        "contact": "bench@example.com",
                        "max_pages": 20,
                        "retries": 0,
                        "allow_private_addresses": True,
                    },
                    "brands": [{"name": "Acme"}],
                    "sources": [
                        *(
                            {"name": f"reviews-{s}", "kind": "reviews", "brand": "Acme", "url": f"{base}/reviews/{s}"}
                            for s in range(REVIEW_SOURCES)
                        ),
                        *({"name": f"feed-{f}", "kind": "rss", "url": f"{base}/feeds/{f}"} for f in range(FEEDS)),
                    ],
                }
            )
            index = MentionIndex.open(cfg)
            server_cpu = _cpu_seconds(proc.pid) or 0.0
            before = os.times()
            start, cpu = time.perf_counter(), time.process_time()
            report = asyncio.run(
                collect_async(
                    cfg,
                    index,
                    relax_loopback=True,
                    source_concurrency=concurrency,
                    langid_workers=langid_workers,
                    workers=workers,
                    secrets=Secrets(_env_file=None),
                )
            )
            elapsed = time.perf_counter() - start
            cpu = time.process_time() - cpu
            server_cpu = (_cpu_seconds(proc.pid) or 0.0) - server_cpu
            after = os.times()  # the worker processes have been joined: their CPU is in here
            worker_cpu = after.children_user + after.children_system - before.children_user - before.children_system
            totals = report.totals()
            index.close()
    finally:
        proc.kill()
    bad = [s for s in report.sources if s.status != "ok"]
    return {
        "pages": totals["pages"],
        "mentions_stored": totals["new"],
        "unmatched": totals["unmatched"],
        "seconds": round(elapsed, 2),
        "pages_per_s": round(totals["pages"] / elapsed, 1),
        "mentions_per_s": round((totals["new"] + totals["duplicate"] + totals["sightings"]) / elapsed, 1),
        "failed_sources": len(bad),
        "langid_workers": langid_workers,
        "collector_processes": workers,
        "sources_in_flight_per_process": concurrency,
        "main_process_cpu_s": round(cpu, 2),
        "worker_processes_cpu_s": round(worker_cpu, 2),
        "server_cpu_s": round(server_cpu, 2),
        "cpu_ms_per_page": {
            "collector": round(1000 * (cpu + worker_cpu) / totals["pages"], 2),
            "server": round(1000 * server_cpu / totals["pages"], 2),
        },
        "pages_per_cpu_s": round(totals["pages"] / cpu, 1),
        "stage_ms_per_page": {k: round(1000 * v / totals["pages"], 2) for k, v in stages.items()},
    }


# -- langid comparison --------------------------------------------------------------------------


def langid_bench() -> None:
    from monitor._langid import LanguageIdentifier

    rows = []
    for lang in ("hy", "sv", "tr", "bg", "en"):
        for line in (SHARED / "data/sentiment" / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            rows.append((d["text"], d["lang"], d["split"]))

    def report(name: str, fn: Any) -> None:
        start = time.perf_counter()
        preds = [fn(t) for t, _, _ in rows]
        dt = time.perf_counter() - start
        pairs = list(zip(preds, rows, strict=True))
        per = {lang: statistics.mean(p == g for p, (_, g, _) in pairs if g == lang) for lang in WORDS}
        acc = statistics.mean(p == g for p, (_, g, _) in pairs)
        test = statistics.mean(p == g for p, (_, g, s) in pairs if s == "test")
        langs = json.dumps({k: round(v, 3) for k, v in per.items()})
        print(f"{name:40s} acc {acc:.3f} test {test:.3f} {langs} {len(rows) / dt:,.0f}/s")

    import py3langid

    report("py3langid, no prior", lambda t: py3langid.classify(t)[0])
    li = LanguageIdentifier()
    report("py3langid + prior (monitor._langid)", lambda t: li.identify(t).lang)
    try:
        from lingua import LanguageDetectorBuilder
    except ImportError:
        return
    low = LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()

    def code(r: Any) -> str | None:
        return r.iso_code_639_1.name.lower() if r else None

    report("lingua low accuracy", lambda t: code(low.detect_language_of(t)))
    if "--slow" in sys.argv:
        high = LanguageDetectorBuilder.from_all_languages().build()
        report("lingua high accuracy (slow, ~1.2 GB)", lambda t: code(high.detect_language_of(t)))


#: End-to-end set-ups: name → (language-ID worker processes, collector processes).
SETUPS = {"one": (0, 1), "langid-worker": (1, 1), "two": (0, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", nargs="?", default="all", choices=["all", "parse", "e2e", "langid"])
    parser.add_argument("--slow", action="store_true", help="langid: include lingua high-accuracy mode")
    parser.add_argument("--concurrency", type=int, default=2, help="e2e: sources in flight per process")
    parser.add_argument(
        "--setup", choices=[*SETUPS, "all"], default="all", help="e2e: run only this set-up (default: all three)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="e2e: runs per set-up; with more than one, the median is printed too"
    )
    args = parser.parse_args()
    if args.repeat < 1 or args.concurrency < 1:
        parser.error("--repeat and --concurrency must be at least 1")
    if args.what == "langid":
        langid_bench()
        return
    if args.what in ("all", "parse"):
        print("parse only, one core (pages per CPU-second, mentions per page):")
        for label, (pps, per) in parse_bench().items():
            print(f"  {label:40s} {pps:8.1f} pages/s  ({per} mentions/page)")
    if args.what in ("all", "e2e"):
        print("end to end into SQLite, politeness lifted for loopback:")
        for name, (langid_workers, workers) in SETUPS.items():
            if args.setup not in ("all", name):
                continue
            runs = []
            for _ in range(args.repeat):
                runs.append(e2e_bench(langid_workers, workers, args.concurrency))
                print("  " + json.dumps(runs[-1]), flush=True)
            if args.repeat > 1:
                rates = sorted(r["pages_per_s"] for r in runs)
                cpu = statistics.median(r["cpu_ms_per_page"]["collector"] for r in runs)
                print(
                    f"  {name}: median {statistics.median(rates):.1f} pages/s over {len(runs)} runs "
                    f"(min {rates[0]:.1f}, max {rates[-1]:.1f}); median collector CPU {cpu:.2f} ms/page"
                )


if __name__ == "__main__":
    main()
