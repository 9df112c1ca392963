"""Sentiment inference speed: texts/s, texts per CPU-second and peak RSS per precision vs the pipeline.

    python benchmarks/classify.py [--threads 2] [--short 256] [--long 32] [--reps 2]
        [--precisions fp32,onnx-fp32,bf16,int8,onnx-int8,auto] [--quiet-wait 60] [--cold] [--no-baselines]

Prints the CPU's instruction sets first (AVX2, AVX-512, VNNI, bf16, AMX: they decide which
precision is fast and what ``auto`` picks), then one row per precision and for ``auto``.
Each configuration runs in its own subprocess (so peak RSS is its own); every text is
unique and the score cache is emptied, so nothing is served from cache. Each measurement is
repeated ``--reps`` times and the one with the least CPU time is kept. Speeds are given per
wall second and per CPU-second of the process: on a machine other jobs share, the CPU-second
figures and their ratios are the ones to compare (``busy`` is how many cores other processes
used meanwhile, from /proc/stat). The baseline is ``transformers.pipeline("text-classification",
batch_size=32)`` over a ``BertForSequenceClassification`` holding the same merged encoder and
head weights; ``×pipe`` is the ratio of texts per CPU-second.

The ONNX precisions load from the export cache (warm); ``--cold`` also times a first load
(export + optimise [+ quantise]) into a temporary cache that links the converted base.
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


def _cpu_jiffies() -> tuple[int, int]:
    """(all, idle) jiffies of the whole machine, or (0, 0) where /proc/stat is absent."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except OSError:
        return 0, 0
    return sum(v), v[3] + v[4]


def wait_for_quiet(max_wait: float, limit: float = 0.2) -> None:
    """Wait (at most ``max_wait`` s) until other processes use less than ``limit`` cores."""
    end = time.monotonic() + max_wait
    while time.monotonic() < end:
        total, idle = _cpu_jiffies()
        time.sleep(0.5)
        total2, idle2 = _cpu_jiffies()
        if total2 == total:
            return
        busy_cores = ((total2 - idle2) - (total - idle)) / os.sysconf("SC_CLK_TCK") / 0.5
        if busy_cores < limit:
            return


class Timed:
    """Wall time of a block and the cores other processes kept busy meanwhile."""

    def __enter__(self) -> Timed:
        self.jiffies = _cpu_jiffies()
        self.cpu = os.times()
        self.t = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t
        total, idle = _cpu_jiffies()
        cpu = os.times()
        busy = ((total - idle) - (self.jiffies[0] - self.jiffies[1])) / os.sysconf("SC_CLK_TCK")
        mine = (cpu.user + cpu.system) - (self.cpu.user + self.cpu.system)
        self.cpu_s = max(mine, 1e-9)
        self.others = max(0.0, (busy - mine) / self.wall) if total else float("nan")


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one configuration in this process and return its figures."""
    precision = spec.get("precision", "fp32")
    onnx = precision.startswith("onnx-") or precision == "auto"  # auto imports what it runs, when it loads
    t0 = time.perf_counter()
    if onnx:
        import onnxruntime  # noqa: F401  (timed: what a warm ONNX load imports)
    else:
        import torch
        import transformers  # noqa: F401

    from monitor._config import ModelConfig
    from monitor._sentiment import ScoreCache, load_classifier

    t_import = time.perf_counter() - t0
    threads = spec["threads"]
    if not onnx:
        torch.set_num_threads(threads)
    cfg = ModelConfig(threads=threads, batch_size=spec.get("batch_size", 32), precision=precision)
    t1 = time.perf_counter()
    clf: Any = load_classifier(cfg)
    res: dict[str, Any] = {
        "import_s": round(t_import, 2),
        "load_s": round(time.perf_counter() - t1, 2),
        "precision": getattr(clf, "precision", None),
        "rss_loaded_mb": round(rss_mb()),
        "torch_imported": "torch" in sys.modules,
    }
    mode = spec["mode"]
    reps = spec.get("reps", 1)
    if mode == "pipeline":
        import torch
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
            best = None
            for _ in range(reps):
                wait_for_quiet(spec.get("quiet_wait", 0))
                with Timed() as t:
                    pipe(xs, truncation=True, max_length=512, **kw)
                if best is None or t.cpu_s < best.cpu_s:
                    best = t
            assert best is not None
            res[kind] = round(n / best.wall, 1)
            res[f"{kind}_cpu"] = round(n / best.cpu_s, 1)
            res[f"busy_{kind}"] = round(best.others, 2)
            res[f"rss_{kind}_mb"] = round(rss_mb())
        return res
    for kind, n in (("short", spec["n_short"]), ("long", spec["n_long"])):
        xs = texts(kind, n)
        clf.predict(texts(kind, 4))  # warm-up
        best = None
        for _ in range(reps):
            clf.cache = ScoreCache()
            wait_for_quiet(spec.get("quiet_wait", 0))
            with Timed() as t:
                clf.predict(xs)
            if best is None or t.cpu_s < best.cpu_s:
                best = t
        assert best is not None
        res[kind] = round(n / best.wall, 1)
        res[f"{kind}_cpu"] = round(n / best.cpu_s, 1)
        res[f"busy_{kind}"] = round(best.others, 2)
        res[f"rss_{kind}_mb"] = round(rss_mb())
    return res


def cold_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """First load of an ONNX precision: export (+ quantise) into a fresh cache, then a warm load."""
    import tempfile
    from pathlib import Path

    from monitor._cache_dirs import cache_dir
    from monitor._config import ModelConfig
    from monitor._sentiment.convert import ensure_base

    base = ensure_base()
    with tempfile.TemporaryDirectory(prefix="mm-onnx-cold-") as tmp:
        (Path(tmp) / "base").mkdir()
        (Path(tmp) / "base" / base.name).symlink_to(base, target_is_directory=True)
        os.environ["MONITOR_CACHE_DIR"] = tmp
        assert cache_dir() == Path(tmp)
        from monitor._sentiment import load_classifier

        cfg = ModelConfig(threads=spec["threads"], precision=spec["precision"])
        t = time.perf_counter()
        load_classifier(cfg)
        cold = time.perf_counter() - t
        rss = rss_mb()
        t = time.perf_counter()
        load_classifier(cfg)
        warm = time.perf_counter() - t
    return {"cold_s": round(cold, 1), "warm_s": round(warm, 2), "rss_cold_mb": round(rss)}


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


def cpu_report() -> str:
    """The instruction sets found (those that decide int8/bf16 speed) and the CPU class."""
    from monitor._sentiment.loader import cpu_flags
    from monitor._sentiment.precisions import cpu_class

    flags = cpu_flags()
    shown = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")
    found = " ".join(f"{f}={'yes' if f in flags else 'no'}" for f in shown)
    return f"CPU: {found}; class {cpu_class(flags)}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2, help="inference threads")
    ap.add_argument("--short", type=int, default=256, help="number of short texts")
    ap.add_argument("--long", type=int, default=32, help="number of long texts")
    ap.add_argument("--reps", type=int, default=2, help="repeats per measurement (the fastest is kept)")
    ap.add_argument(
        "--precisions",
        default="fp32,onnx-fp32,bf16,int8,onnx-int8,auto",
        help="precisions to measure (comma-separated; auto = what `auto` picks on this CPU)",
    )
    ap.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        help="before each repeat, wait up to this many seconds for other processes to go idle",
    )
    ap.add_argument("--cold", action="store_true", help="also time a first (exporting) load of the ONNX precisions")
    ap.add_argument("--no-baselines", action="store_true", help="skip the transformers.pipeline baseline")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--cold-worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    if args.cold_worker:
        print(json.dumps(cold_worker(json.loads(args.cold_worker))))
        return 0
    common = {
        "threads": args.threads,
        "n_short": args.short,
        "n_long": args.long,
        "reps": args.reps,
        "quiet_wait": args.quiet_wait,
    }
    print(cpu_report(), flush=True)
    precisions = [p for p in args.precisions.split(",") if p]
    rows: list[tuple[str, dict[str, Any]]] = []
    for p in precisions:
        r = run({**common, "mode": "batched", "precision": p})
        rows.append((f"auto → {r['precision']}" if p == "auto" else p, r))
    pipe = None
    if not args.no_baselines:
        pipe = run({**common, "mode": "pipeline", "precision": "fp32", "pipe_batch": 32})
        rows.append(("pipeline (batch 32)", pipe))
    print(
        f"threads={args.threads}; {args.short} short (≈ 25 tokens) and {args.long} long (≈ 300 tokens) texts; "
        f"cache emptied per run; best of {args.reps}; /CPU-s = texts per CPU-second of the process"
    )
    print(
        f"{'configuration':<24}{'short/s':>9}{'/CPU-s':>8}{'long/s':>8}{'/CPU-s':>8}"
        f"{'×pipe short':>12}{'×pipe long':>11}{'RSS MB':>8}{'load s':>8}{'busy':>6}"
    )
    for name, r in rows:
        if pipe:
            ratios = f"{r['short_cpu'] / pipe['short_cpu']:>12.2f}{r['long_cpu'] / pipe['long_cpu']:>11.2f}"
        else:
            ratios = f"{'-':>12}{'-':>11}"
        print(
            f"{name:<24}{r['short']:>9.1f}{r['short_cpu']:>8.1f}{r['long']:>8.1f}{r['long_cpu']:>8.1f}{ratios}"
            f"{max(r['rss_short_mb'], r['rss_long_mb']):>8.0f}{r['load_s']:>8.2f}"
            f"{max(r['busy_short'], r['busy_long']):>6.2f}"
        )
    if pipe:
        print(
            "wall-clock ratios to the pipeline (noisy on a shared machine): "
            + ", ".join(f"{n}: {r['short'] / pipe['short']:.2f}/{r['long'] / pipe['long']:.2f}" for n, r in rows[:-1])
        )
    print("×pipe = texts per CPU-second over transformers.pipeline's (same merged weights, batch 32)")
    print("busy = cores other processes used during the fastest repeat (0 = the machine was otherwise idle)")
    if args.cold:
        for p in precisions:
            if p.startswith("onnx-"):
                out = subprocess.run(
                    [sys.executable, __file__, "--cold-worker", json.dumps({"threads": args.threads, "precision": p})],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if out.returncode != 0:
                    raise SystemExit(f"cold load of {p} failed:\n{out.stderr[-3000:]}")
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(
                    f"{p}: first load (export) {r['cold_s']:.1f} s, peak RSS {r['rss_cold_mb']} MB; "
                    f"then {r['warm_s']:.2f} s"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
