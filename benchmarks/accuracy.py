"""The shipped model beside the frozen-probe peer, per language and per source, in one run.

The peer: the same e5-small base encoder frozen ("query: " prefix, mean pooled over the
first 512 tokens, L2-normalised) and a class-balanced logistic regression trained on the
train split of the same data, its C chosen on the mean dev macro-F1 over the (data set,
language) groups (``monitor/_sentiment/peer.py``). Both are scored on the test split of every
data set in the same run, by the module ``monitor model eval --peer`` uses
(``monitor/_sentiment/sidebyside.py``), with issue 11's targets beside them. The peer's
embeddings and probe are cached (``~/.cache/mention-monitor/eval/``): the first run embeds
about 29,000 rows (several minutes on 2 cores), later runs only score.

    python benchmarks/accuracy.py [--data ../shared/data/sentiment --data ../shared/data/mentions]
        [--precision fp32] [--json]

``--precision`` defaults to the configured one (``auto``: the CPU's fastest runtime that
passed the model's accuracy rule); ``fp32`` gives the figures the evaluation gate pins.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> int:
    from monitor._config import PRECISIONS

    here = Path(__file__).resolve().parent.parent
    shared = Path(os.environ.get("MONITOR_SHARED_DIR", here.parent / "shared")) / "data"
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument(
        "--data",
        type=Path,
        action="append",
        help="a data set (directory of <lang>.jsonl with a split field); repeatable "
        f"(default: {shared / 'sentiment'} and {shared / 'mentions'})",
    )
    ap.add_argument("--split", default="test", help="the split to score (default: test)")
    ap.add_argument(
        "--precision",
        choices=PRECISIONS,
        help="runtime and arithmetic to score with (default: the configured one, normally auto)",
    )
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = ap.parse_args()

    from monitor._cli.common import console
    from monitor._cli.eval_cmds import run_eval
    from monitor._cli.eval_tables import print_report

    data = args.data or [shared / "sentiment", shared / "mentions"]
    t0 = time.perf_counter()
    report = run_eval(data, split=args.split, peer=True, precision=args.precision)
    seconds = round(time.perf_counter() - t0, 1)
    if args.json:
        print(json.dumps({**report.as_dict(), "seconds": seconds}, ensure_ascii=False, indent=2))
        return 0
    print_report(console, report)
    console.print(f"{seconds:.0f} s in all", highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
