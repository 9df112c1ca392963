"""Export stored mentions to CSV or JSON lines, in the format ``monitor import`` reads."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from monitor.db.tables import BRAND_T as BR
from monitor.db.tables import MENTION_T as M
from monitor.db.tables import SOURCE_T as SRC
from monitor.errors import ConfigError

COLUMNS = [
    "brand",
    "source",
    "external_id",
    "published_at",
    "lang",
    "label",
    "label_origin",
    "rating",
    "rating_scale",
    "url",
    "author",
    "title",
    "text",
]


def iter_mentions(index: Any, *, brand: str | None, since: date | None, until: date | None) -> Iterator[dict[str, Any]]:
    """Stored mentions as import-compatible dicts, oldest first, streamed."""
    q = (
        select(M, BR.c.name.label("brand_name"), SRC.c.name.label("source_name"))
        .select_from(M.join(BR, BR.c.id == M.c.brand_id).join(SRC, SRC.c.id == M.c.source_id))
        .order_by(M.c.published_at, M.c.id)
    )
    if brand is not None:
        q = q.where(BR.c.name == brand)
    if since is not None:
        q = q.where(M.c.day >= since)
    if until is not None:
        q = q.where(M.c.day <= until)
    with index.engine.connect() as conn:
        for r in conn.execution_options(yield_per=2000).execute(q):
            yield {
                "brand": r.brand_name,
                "source": r.source_name,
                "external_id": r.external_id,
                "published_at": r.published_at.isoformat(),
                "lang": r.lang,
                "label": r.label if r.label != "unscored" else None,
                "label_origin": r.label_origin,
                "rating": r.rating,
                "rating_scale": f"{r.rating_worst:g}-{r.rating_best:g}" if r.rating is not None else None,
                "url": r.url,
                "author": r.author,
                "title": r.title,
                "text": r.text,
            }


def export_mentions(
    index: Any, out: str | Path, *, brand: str | None = None, since: date | None = None, until: date | None = None
) -> int:
    """Write mentions to ``out`` (.jsonl or .csv); returns how many."""
    p = Path(out)
    suffix = p.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise ConfigError(f"{p}: export writes .jsonl or .csv")
    n = 0
    with p.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS) if suffix == ".csv" else None
        if writer:
            writer.writeheader()
        for row in iter_mentions(index, brand=brand, since=since, until=until):
            if writer:
                writer.writerow(row)
            else:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


__all__ = ["COLUMNS", "export_mentions", "iter_mentions"]
