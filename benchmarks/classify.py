"""Sentiment inference speed: texts/s and peak RSS, shipped precisions vs two baselines.

    python benchmarks/classify.py [--threads 2] [--short 512] [--long 64]

Each configuration runs in its own subprocess (so peak RSS is its own); every text is
unique and the score cache is emptied, so nothing is served from cache. Baselines: the same
converted model called one text at a time, and ``transformers.pipeline("text-classification")``
over a ``BertForSequenceClassification`` holding the same encoder and head weights.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SHORT = [
    "The new update is great, the app finally feels fast and I love the dark mode option!",
    "Jag är så besviken på kundtjänsten, ingen svarar och paketet har inte kommit än.",
    "Bu ürünü çok beğendim, kargo hızlıydı ve paketleme de gayet özenliydi, teşekkürler.",
    "Обслужването беше ужасно, чакахме цял час и никой не ни обърна внимание.",
    "Շատ լավ ծառայություն է, անձնակազմը շատ բարեհամբույր էր, անպայման կվերադառնամ։",
]


def texts(kind: str, n: int) -> list[str]:
    """``n`` unique texts of about 25 (short) or 300 (long) tokens."""
    out = []
    for i in range(n):
        base = SHORT[i % len(SHORT)]
        if kind == "short":
            out.append(f"{base} #{i}")
        else:
            out.append(" ".join(SHORT[(i + k) % len(SHORT)] for k in range(11)) + f" #{i}")
    return out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one configuration in this process and return its figures."""
    t0 = time.perf_counter()
    import torch

    from monitor.config import ModelConfig
    from monitor.sentiment import ScoreCache, load_classifier

    t_import = time.perf_counter() - t0
    threads = spec["threads"]
    torch.set_num_threads(threads)
    cfg = ModelConfig(
        threads=threads,
        batch_size=spec.get("batch_size", 32),
        precision=spec.get("precision", "fp32"),
    )
    t1 = time.perf_counter()
    clf: Any = load_classifier(cfg)
    res: dict[str, Any] = {
        "import_s": round(t_import, 2),
        "load_s": round(time.perf_counter() - t1, 2),
        "precision": getattr(clf, "precision", None),
        "rss_loaded_mb": round(rss_mb()),
    }
    mode = spec["mode"]
    if mode == "pipeline":
        from transformers import (
            BertConfig,
            BertForSequenceClassification,
            PreTrainedTokenizerFast,
            pipeline,
        )

        base = clf.info()["base_dir"]
        bcfg = BertConfig.from_json_file(f"{base}/config.json")
        bcfg.num_labels = 3
        with torch.device("meta"):
            m = BertForSequenceClassification(bcfg)
        state = {f"bert.{k}": v for k, v in clf.net.encoder.state_dict().items()}
        state |= {f"classifier.{k}": v for k, v in clf.net.head.state_dict().items()}
        pooler = torch.nn.Linear(bcfg.hidden_size, bcfg.hidden_size)  # e5 has no pooler weights
        state |= {
            "bert.pooler.dense.weight": pooler.weight.data,
            "bert.pooler.dense.bias": pooler.bias.data,
        }
        m.load_state_dict(state, strict=False, assign=True)
        n_pos = bcfg.max_position_embeddings
        m.bert.embeddings.register_buffer("position_ids", torch.arange(n_pos).expand((1, -1)), persistent=False)
        m.bert.embeddings.register_buffer("token_type_ids", torch.zeros((1, n_pos), dtype=torch.long), persistent=False)
        tok = PreTrainedTokenizerFast.from_pretrained(base)
        del clf
        pipe = pipeline("text-classification", model=m.eval(), tokenizer=tok, device=-1)
        kw = {"batch_size": spec["pipe_batch"]} if spec.get("pipe_batch") else {}
        for kind, n in (("short", spec["n_short"]), ("long", spec["n_long"])):
            xs = ["query: " + t for t in texts(kind, n)]
            pipe(xs[:2], truncation=True, max_length=512, **kw)
            t = time.perf_counter()
            pipe(xs, truncation=True, max_length=512, **kw)
            res[kind] = round(n / (time.perf_counter() - t), 1)
            res[f"rss_{kind}_mb"] = round(rss_mb())
        return res
    for kind, n in (("short", spec["n_short"]), ("long", spec["n_long"])):
        xs = texts(kind, n)
        clf.predict(texts(kind, 4))  # warm-up
        clf.cache = ScoreCache()
        t = time.perf_counter()
        if mode == "single":
            for x in xs:
                clf.predict([x])
        else:
            clf.predict(xs)
        res[kind] = round(n / (time.perf_counter() - t), 1)
        res[f"rss_{kind}_mb"] = round(rss_mb())
    return res


def run(spec: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"worker {spec} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2, help="torch threads")
    ap.add_argument("--short", type=int, default=512, help="number of short texts")
    ap.add_argument("--long", type=int, default=64, help="number of long texts")
    ap.add_argument("--precisions", default="fp32,int8", help="precisions to measure (comma-separated)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    common = {"threads": args.threads, "n_short": args.short, "n_long": args.long}
    few = {
        "threads": args.threads,
        "n_short": max(64, args.short // 4),
        "n_long": max(8, args.long // 4),
    }
    rows: list[tuple[str, dict[str, Any]]] = []
    for p in args.precisions.split(","):
        rows.append((f"batched {p}", run({**common, "mode": "batched", "precision": p})))
    rows.append(("one at a time fp32", run({**few, "mode": "single", "precision": "fp32"})))
    rows.append(("pipeline fp32 (batch 1)", run({**few, "mode": "pipeline", "precision": "fp32"})))
    rows.append(
        (
            "pipeline fp32 (batch 32)",
            run({**few, "mode": "pipeline", "precision": "fp32", "pipe_batch": 32}),
        )
    )
    one = rows[-3][1]
    print(f"threads={args.threads}; short ≈ 25 tokens, long ≈ 300 tokens; cache emptied per run")
    print(
        f"{'configuration':<26}{'short/s':>9}{'long/s':>8}{'×1-at-a-time':>14}{'×pipeline':>10}"
        f"{'RSS MB':>8}{'load s':>8}"
    )
    pipe1 = rows[-2][1]
    for name, r in rows:
        print(
            f"{name:<26}{r['short']:>9.1f}{r['long']:>8.1f}{r['short'] / one['short']:>14.2f}"
            f"{r['short'] / pipe1['short']:>10.2f}{max(r['rss_short_mb'], r['rss_long_mb']):>8.0f}"
            f"{r['load_s']:>8.2f}"
        )
    first = rows[0][1]
    print(f"warm load (base cached): {first['load_s']:.2f} s", end=" ")
    print(f"+ import torch/transformers {first['import_s']:.2f} s")
    print(
        "ratios are short-text throughput; long-text ratios: "
        + ", ".join(f"{n}: {r['long'] / one['long']:.2f}× 1-at-a-time" for n, r in rows[:-3])
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
