"""Peak RSS and time of `monitor import` on a generated ~100 MB CSV (issue 12, item 1).

    python benchmarks/import_memory.py [--rows 400000] [--keep DIR]

Runs the CLI in a child process (the code on PYTHONPATH) and prints rows stored, seconds
and the child's peak RSS (ru_maxrss). SQLite's page cache (64 MiB) is part of the figure.
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def write_csv(path: Path, rows: int, text_chars: int = 240) -> None:
    filler = ("Acme works fine, but the app is slow. " * (text_chars // 38 + 1))[:text_chars]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["external_id", "published_at", "label", "text"])
        for i in range(rows):
            label = ("positive", "negative", "")[i % 3]
            w.writerow([f"r{i}", f"2026-11-{1 + i % 28:02d}T10:00:00Z", label, f"{i} {filler}"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=400_000)
    ap.add_argument("--keep", type=Path, default=None, help="Folder for the CSV and the database.")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="mm-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / "big.csv"
    if not f.exists():
        write_csv(f, args.rows)
    db = folder / "bench.db"
    for p in folder.glob("bench.db*"):
        p.unlink()
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", "import", str(f), "--brand", "Acme", "--db", f"sqlite:///{db}", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"file {f.stat().st_size / 2**20:.0f} MB, exit {proc.returncode}, {elapsed:.0f} s, peak RSS {rss_mb:.0f} MB")
    print((proc.stdout or proc.stderr)[-400:])


if __name__ == "__main__":
    main()
