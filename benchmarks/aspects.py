"""Aspect tagging: precision, recall and F1 per aspect and per language on the shipped
hand-labelled test set, and tagging speed.

    python benchmarks/aspects.py [--split test] [--threads 2] [--speed 512] [--json]

The set is ``tests/data/aspects/*.jsonl`` (sentences written for the project in en, sv, tr,
bg and hy; see its README). The margin (``[aspects] margin``) was chosen on the ``dev``
split; ``test`` is the figure to quote. Three rules are measured on the same vectors:
keywords only, embedding only, and both (the product's rule). Speed: embedding (the base
e5 encoder) and tagging alone, in texts/s, measured in this process one after the other.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from monitor._aspects import DEFAULT_ASPECTS  # noqa: E402
from monitor._aspects.evaluation import Counts, Evaluation, evaluate, read_labelled  # noqa: E402
from monitor._aspects.tagger import DEFAULT_MARGIN, AspectModel, compile_aspects, margins_of, tag  # noqa: E402
from monitor._sentiment.loader import cpu_summary  # noqa: E402

DATA = ROOT / "tests" / "data" / "aspects"
LANGS = ("en", "sv", "tr", "bg", "hy")


def rules(model: AspectModel, texts: list[str], langs: list[str], vectors: np.ndarray) -> dict[str, list[set[str]]]:
    """The three rules' predictions on the same vectors."""
    both = [{t.aspect for t in tags} for tags in tag(model, texts, langs, vectors)]
    keywords = [set(model.keywords.matches(t, lang)) for t, lang in zip(texts, langs, strict=True)]
    margins = margins_of(model, vectors)
    embedding = [{a for a, m, t in zip(model.names, row, model.margins, strict=True) if m >= t} for row in margins]
    return {"keywords only": keywords, "embedding only": embedding, "keywords + embedding": both}


def _row(name: str, c: Counts) -> str:
    return f"  {name:<16} {c.support:>5} {c.tp:>4} {c.fp:>4} {c.fn:>4}   {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"


def report(title: str, ev: Evaluation) -> list[str]:
    head = f"  {'':<16} {'gold':>5} {'tp':>4} {'fp':>4} {'fn':>4}   {'P':>6} {'R':>6} {'F1':>6}"
    lines = [title, head, _row("all (micro)", ev.overall)]
    lines += [_row(a, c) for a, c in ev.by_aspect.items()]
    lines += [_row(lang, ev.by_lang[lang]) for lang in LANGS if lang in ev.by_lang]
    return lines


def as_json(ev: Evaluation) -> dict[str, object]:
    def one(c: Counts) -> dict[str, float | int]:
        return {"support": c.support, "precision": c.precision, "recall": c.recall, "f1": c.f1}

    return {
        "overall": one(ev.overall),
        "aspects": {a: one(c) for a, c in ev.by_aspect.items()},
        "languages": {lang: one(c) for lang, c in ev.by_lang.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="test", choices=("dev", "test", "all"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--speed", type=int, default=512, help="texts for the speed measurement (0: skip)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead")
    args = ap.parse_args()

    from monitor._embed import load_embedder

    print(cpu_summary(), file=sys.stderr if args.json else sys.stdout)
    rows = read_labelled(sorted(DATA.glob("*.jsonl")), None if args.split == "all" else args.split)
    texts, langs = [r.text for r in rows], [r.lang for r in rows]
    started = time.perf_counter()
    embedder = load_embedder(threads=args.threads)
    model = compile_aspects(DEFAULT_ASPECTS, embedder.embed, margin=DEFAULT_MARGIN)
    load_s = time.perf_counter() - started
    vectors = embedder.embed(texts)
    names = list(model.names)
    results = {
        rule: evaluate([r.aspects for r in rows], pred, langs, names)
        for rule, pred in rules(model, texts, langs, vectors).items()
    }
    if args.json:
        print(json.dumps({rule: as_json(ev) for rule, ev in results.items()}, indent=2))
    else:
        print(f"{len(rows)} sentences ({args.split} split), margin {DEFAULT_MARGIN}, loaded in {load_s:.1f} s")
        for rule, ev in results.items():
            print()
            print("\n".join(report(rule, ev)))
    if args.speed:
        sample = [texts[i % len(texts)] + f" #{i}" for i in range(args.speed)]  # unique texts
        sample_langs = [langs[i % len(langs)] for i in range(args.speed)]
        t0 = time.perf_counter()
        v = embedder.embed(sample)
        t1 = time.perf_counter()
        tag(model, sample, sample_langs, v)
        t2 = time.perf_counter()
        out = sys.stderr if args.json else sys.stdout
        print(file=out)
        print(
            f"speed ({args.speed} texts, {args.threads} threads): embedding {args.speed / (t1 - t0):,.0f} texts/s, "
            f"tagging (keywords + margins) {args.speed / (t2 - t1):,.0f} texts/s, "
            f"together {args.speed / (t2 - t0):,.0f} texts/s",
            file=out,
        )


if __name__ == "__main__":
    main()
