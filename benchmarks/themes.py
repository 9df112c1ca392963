"""Themes at scale: one brand with N mentions over 30 days, vectors already stored.

    python benchmarks/themes.py                 # 100,000 mentions, then one more day
    python benchmarks/themes.py --n 20000 --no-embed

Synthetic mentions in five languages about 20 topics (each text: a few of its topic's words
in its language among filler words); each vector is its topic's direction plus a strong
offset for its language plus noise (the language bias real multilingual encoders have), so
the clustering has to find topics across languages. Times a cold update (every mention new:
the worst case), then an incremental day (N/30 new mentions placed in the stored themes),
and prints how well the themes recover the topics. Target: the cold update ≤ 60 s at
100,000 mentions. Separately (unless ``--no-embed``) it measures the real base encoder's
embedding rate, texts/s, on demo-story texts: the cost paid incrementally at scoring time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor._api import MentionIndex
from monitor._records import Mention
from monitor._sentiment.loader import cpu_summary
from monitor._store import themes as theme_store
from monitor._store.vectors import MentionVectors
from monitor._themes import cluster
from monitor._themes.update import update_themes

LANGS = ["en", "sv", "tr", "bg", "hy"]
TOPICS = 20
DIM = 384
VERSION = "synthetic:1"
NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
SYLLABLES = {
    "en": "ba be bo ti ta ro ma ne lo su",
    "sv": "är ög ål sk sj tj ka li mo ny",
    "tr": "ğa şı çe öy üz ka lı ma ne su",
    "bg": "ба ве го ди жа зи ко ле ми но",
    "hy": "ա բա գի դո ել զու թա իմ լի խո",
}


def _words(rng: np.random.Generator, lang: str, n: int) -> list[str]:
    syl = SYLLABLES[lang].split()
    return ["".join(rng.choice(syl, size=3)) for _ in range(n)]


def corpus(n: int, seed: int, start: datetime, days: float) -> tuple[list[Mention], np.ndarray, list[int]]:
    """``n`` mentions spread over ``days`` from ``start``, their vectors and their topics."""
    rng = np.random.default_rng(seed)
    vocab = np.random.default_rng(0)
    filler = {lang: _words(vocab, lang, 300) for lang in LANGS}
    topic_words = {(t, lang): _words(vocab, lang, 6) for t in range(TOPICS) for lang in LANGS}
    topic_dirs = vocab.normal(size=(TOPICS, DIM))
    lang_dirs = vocab.normal(size=(len(LANGS), DIM))
    topic_dirs /= np.linalg.norm(topic_dirs, axis=1, keepdims=True)
    lang_dirs /= np.linalg.norm(lang_dirs, axis=1, keepdims=True)
    sizes = rng.dirichlet(np.ones(TOPICS) * 2)  # uneven topics
    topics = rng.choice(TOPICS, size=n, p=sizes)
    langs = rng.integers(0, len(LANGS), size=n)
    vectors = topic_dirs[topics] + 1.2 * lang_dirs[langs] + rng.normal(size=(n, DIM)) / np.sqrt(DIM)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = ["positive", "neutral", "negative"]
    items = []
    for i in range(n):
        lang = LANGS[langs[i]]
        words = list(rng.choice(filler[lang], size=10)) + list(rng.choice(topic_words[(topics[i], lang)], size=3))
        rng.shuffle(words)
        items.append(
            Mention(
                external_id=f"{seed}-{i}",
                text=" ".join(words) + f" #{seed}x{i}",
                published_at=start + timedelta(seconds=float(rng.uniform(0, days * 86400))),
                lang=lang,
                label=labels[(topics[i] + i) % 3],  # type: ignore[arg-type]
            )
        )
    return items, vectors.astype(np.float32), [int(t) for t in topics]


def load(idx: MentionIndex, items: list[Mention], vectors: np.ndarray) -> None:
    started = time.monotonic()
    ids: list[int] = []
    for k in range(0, len(items), 5000):
        ids += idx.add_mentions("Acme", "feed", items[k : k + 5000], refresh=False).mention_ids
    idx.refresh()
    MentionVectors(idx.engine, VERSION, DIM).store_vectors(ids, vectors)
    print(f"  stored {len(items):,} mentions and their vectors in {time.monotonic() - started:.1f} s")


def purity(idx: MentionIndex, topics_by_ext: dict[str, int]) -> tuple[float, int, float]:
    """Share of placed mentions whose theme's majority topic is theirs, themes, share placed."""
    from sqlalchemy import text

    with idx.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT m.external_id, mt.theme_id FROM mention m JOIN mention_theme mt ON mt.mention_id = m.id")
        ).all()
    by_theme: dict[int, Counter[int]] = {}
    for ext, tid in rows:
        if tid is not None:
            by_theme.setdefault(tid, Counter())[topics_by_ext[ext]] += 1
    placed = sum(sum(c.values()) for c in by_theme.values())
    right = sum(c.most_common(1)[0][1] for c in by_theme.values())
    return right / max(1, placed), len(by_theme), placed / max(1, len(rows))


def embed_rate(n: int) -> None:
    from monitor._demo._story import story
    from monitor._embed import load_embedder

    started = time.monotonic()
    emb = load_embedder()
    print(f"embedder {emb.version}: loaded in {time.monotonic() - started:.1f} s")
    texts = [m.text for m in story()]
    texts = (texts * (n // len(texts) + 1))[:n]
    emb.embed(texts[:32])  # warm-up
    started = time.monotonic()
    emb.embed(texts)
    took = time.monotonic() - started
    print(f"embedding: {n} demo texts in {took:.1f} s = {n / took:.0f} texts/s (torch threads: default)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="mentions in the 30 days")
    ap.add_argument("--embed", type=int, default=512, help="texts for the embedding rate")
    ap.add_argument("--no-embed", action="store_true", help="skip the embedding rate")
    args = ap.parse_args()
    print(cpu_summary())
    print(f"thresholds: cut {cluster.CUT}, assign {cluster.ASSIGN}, merge {cluster.MERGE}, sample {cluster.MAX_SAMPLE}")
    with tempfile.TemporaryDirectory() as tmp:
        idx = MentionIndex.open(f"sqlite:///{Path(tmp) / 'themes.db'}")
        bid = idx.store.ensure_brand("Acme")
        items, vectors, topics = corpus(args.n, 1, NOW - timedelta(days=30), 29.0)
        topics_by_ext = {m.external_id: t for m, t in zip(items, topics, strict=True)}
        load(idx, items, vectors)

        started = time.monotonic()
        window = theme_store.window(idx.engine, bid, NOW - timedelta(days=30), VERSION, DIM)
        read_s = time.monotonic() - started
        started = time.monotonic()
        run = update_themes(idx.engine, bid, "Acme", [], version=VERSION, dim=DIM, now=NOW - timedelta(days=1))
        cold_s = time.monotonic() - started
        p, k, placed = purity(idx, topics_by_ext)
        print(
            f"cold update: {run.window:,} mentions → {run.new_themes} themes, {run.assigned:,} placed, "
            f"{run.unfitted:,} unfitted in {cold_s:.1f} s (of which reading the window: {read_s:.1f} s, "
            f"{len(window.ids):,} rows) — target ≤ 60 s: {'OK' if cold_s <= 60 else 'MISSED'}"
        )
        print(
            f"  purity {p:.3f} (placed mentions whose theme's main topic is theirs), {k} themes for {TOPICS} topics, "
            f"{placed:.1%} of the mentions in a theme"
        )

        day_n = args.n // 30
        more, more_vectors, more_topics = corpus(day_n, 2, NOW - timedelta(days=1), 0.99)
        topics_by_ext.update({m.external_id: t for m, t in zip(more, more_topics, strict=True)})
        load(idx, more, more_vectors)
        names = {t.id: t.name for t in theme_store.brand_themes(idx.engine, bid)}
        started = time.monotonic()
        run = update_themes(idx.engine, bid, "Acme", [], version=VERSION, dim=DIM, now=NOW)
        day_s = time.monotonic() - started
        kept = {t.id: t.name for t in theme_store.brand_themes(idx.engine, bid) if t.id in names}
        p, k, placed = purity(idx, topics_by_ext)
        print(
            f"incremental day: {day_n:,} new mentions (window {run.window:,}) → {run.new_themes} new themes, "
            f"{run.assigned:,} placed in {day_s:.1f} s; ids and names kept: {kept == names}; purity {p:.3f}, "
            f"{placed:.1%} of the mentions in a theme"
        )
        started = time.monotonic()
        week = idx.themes("Acme", since=NOW - timedelta(days=7), until=NOW)
        print(f"MentionIndex.themes() over the last 7 days: {len(week)} themes in {time.monotonic() - started:.2f} s")
        for t in week[:3]:
            print(f"  {t.name!r}: {t.volume:,} mentions ({t.volume_change:+,}), MSI {t.msi}")
        idx.close()
    if not args.no_embed:
        embed_rate(args.embed)


if __name__ == "__main__":
    main()
