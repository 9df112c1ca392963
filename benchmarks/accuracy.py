"""Shipped sentiment model vs the afternoon baseline, per language, on the test split.

The baseline: the same e5-small encoder frozen, "query: " prefix, mean pooled and
L2-normalised, and a class-balanced logistic regression trained on the train split (its C
chosen on dev). Both are scored on the test split in the same run.

    python benchmarks/accuracy.py [--data ../shared/data/sentiment] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TARGETS = {"en": 0.84, "sv": 0.69, "bg": 0.69, "tr": 0.67, "hy": 0.94}
XLMR_MMS = {"en": 0.706, "sv": 0.615, "bg": 0.612}  # Brand24 MMS, fine-tuned XLM-R base


def frozen_embeddings(texts: list[str], batch_size: int = 32) -> list[list[float]]:
    """Mean-pooled, L2-normalised e5-small embeddings ("query: " prefix, first 512 tokens)."""
    import torch

    from monitor._sentiment.convert import ensure_base
    from monitor._sentiment.encoding import TextEncoder, length_sorted_batches, pad_batch
    from monitor._sentiment.model import load_encoder, mean_pool

    base = ensure_base()
    enc = TextEncoder.from_file(base / "tokenizer.json", max_length=512)
    model = load_encoder(base)
    ids = enc.truncated(texts)
    out = torch.empty((len(texts), 384))
    with torch.inference_mode():
        for batch in length_sorted_batches([len(x) for x in ids], batch_size):
            x, m = pad_batch([ids[i] for i in batch], enc.pad)
            xt, mt = torch.tensor(x), torch.tensor(m)
            h = model(input_ids=xt, attention_mask=mt).last_hidden_state
            out[batch] = torch.nn.functional.normalize(mean_pool(h, mt), dim=-1)
    return out.tolist()


def main() -> int:
    here = Path(__file__).resolve().parent.parent
    default = Path(os.environ.get("MONITOR_SHARED_DIR", here.parent / "shared")) / "data" / "sentiment"
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=default, help="directory of <lang>.jsonl files")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--threads", type=int, default=2, help="torch threads")
    args = ap.parse_args()

    import torch
    from sklearn.linear_model import LogisticRegression

    from monitor._config import ModelConfig
    from monitor._sentiment import load_classifier
    from monitor._sentiment.data import load_examples
    from monitor._sentiment.evaluate import evaluate, evaluate_predictions

    torch.set_num_threads(args.threads)
    rows = load_examples(args.data)
    train = [r for r in rows if r.split == "train"]
    dev = [r for r in rows if r.split == "dev"]
    test = [r for r in rows if r.split == "test"]

    t0 = time.perf_counter()
    emb = frozen_embeddings([r.text for r in train + dev + test])
    e_train, e_dev, e_test = (
        emb[: len(train)],
        emb[len(train) : len(train) + len(dev)],
        emb[len(train) + len(dev) :],
    )
    best = None
    for c in (0.3, 1.0, 3.0, 10.0):
        lr = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
        lr.fit(e_train, [r.y for r in train])
        dev_res = evaluate_predictions(dev, [int(p) for p in lr.predict(e_dev)])
        mean = sum(s.macro_f1 for s in dev_res["languages"].values()) / len(dev_res["languages"])
        if best is None or mean > best[0]:
            best = (mean, c, lr, dev_res)
    assert best is not None
    base_res = evaluate_predictions(test, [int(p) for p in best[2].predict(e_test)])
    t_base = time.perf_counter() - t0

    t1 = time.perf_counter()
    clf = load_classifier(ModelConfig(threads=args.threads))
    ship_res = evaluate(clf, test)
    t_ship = time.perf_counter() - t1

    langs = sorted(ship_res["languages"])
    out = {
        "baseline": {
            "C": best[1],
            "dev": {k: round(v.macro_f1, 4) for k, v in best[3]["languages"].items()},
            "seconds": round(t_base, 1),
            "languages": {k: round(v.macro_f1, 4) for k, v in base_res["languages"].items()},
            "overall": round(base_res["overall"].macro_f1, 4),
        },
        "shipped": {
            "model": clf.info()["model_version"],
            "seconds": round(t_ship, 1),
            "languages": {k: round(v.macro_f1, 4) for k, v in ship_res["languages"].items()},
            "overall": round(ship_res["overall"].macro_f1, 4),
        },
        "n": {k: ship_res["languages"][k].n for k in langs},
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"test split of {args.data} — macro-F1 (hy: over the classes present, neg/pos)")
    print("baseline: frozen e5-small + class-balanced logistic regression", end=" ")
    print(f"(C={best[1]} chosen on dev)")
    head = f"{'lang':<6}{'n':>5}{'baseline':>10}{'shipped':>9}{'gain':>8}{'target':>8}"
    print(head + f"{'XLM-R MMS':>11}")
    for k in langs:
        b, s = base_res["languages"][k].macro_f1, ship_res["languages"][k].macro_f1
        ref = f"{XLMR_MMS[k]:.3f}" if k in XLMR_MMS else "-"
        tgt = TARGETS.get(k)
        flag = "" if tgt is None or s >= tgt else "  (below target)"
        print(
            f"{k:<6}{ship_res['languages'][k].n:>5}{b:>10.3f}{s:>9.3f}{s - b:>+8.3f}{(tgt or 0):>8.2f}{ref:>11}{flag}"
        )
    b, s = base_res["overall"].macro_f1, ship_res["overall"].macro_f1
    print(f"{'all':<6}{ship_res['overall'].n:>5}{b:>10.3f}{s:>9.3f}{s - b:>+8.3f}")
    dev_f1 = " ".join(f"{k} {v.macro_f1:.3f}" for k, v in best[3]["languages"].items())
    print(f"baseline on dev (used to choose C): {dev_f1}")
    print(f"baseline {t_base:.0f} s (embedding + fitting),", end=" ")
    print(f"shipped model {t_ship:.0f} s (load + scoring)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
