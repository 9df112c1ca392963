"""Export stored mentions to CSV or JSON lines, in the format ``monitor import`` reads.

An export re-imports with the same meaning: besides the mention it carries the source's
kind, where the label came from (``label_origin``: ``manual``, ``import``, ``rating`` or a
model's ``id@version``) and, for a model's label, the ``model_version`` and the three
probabilities, so the mention comes back as that model's score (and a newer model
rescores it as usual). Every CSV cell goes through :func:`monitor._csvcells.neutralise`, so
no spreadsheet runs it as a formula; the importer restores it exactly.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from monitor._csvcells import neutralise
from monitor._store.exports import exported_mentions
from monitor.errors import ConfigError

COLUMNS = [
    "brand",
    "source",
    "source_kind",
    "external_id",
    "published_at",
    "lang",
    "label",
    "label_origin",
    "model_version",
    "p_negative",
    "p_neutral",
    "p_positive",
    "rating",
    "rating_scale",
    "reach",
    "reach_kind",
    "url",
    "author",
    "title",
    "text",
]


def _number(value: float) -> str:
    """A number as short text that reads back exactly (``5``, ``0.5``)."""
    return str(int(value)) if value.is_integer() else repr(value)


def iter_mentions(index: Any, *, brand: str | None, since: date | None, until: date | None) -> Iterator[dict[str, Any]]:
    """Stored mentions as import-compatible dicts, oldest first, streamed."""
    for r in exported_mentions(index.engine, brand=brand, since=since, until=until):
        scored = r.model_version is not None
        yield {
            "brand": r.brand,
            "source": r.source,
            "source_kind": r.source_kind,
            "external_id": r.external_id,
            "published_at": r.published_at.isoformat(),
            "lang": r.lang,
            "label": r.label if r.label != "unscored" else None,
            "label_origin": r.label_origin,
            "model_version": r.model_version,
            "p_negative": r.p_negative if scored else None,
            "p_neutral": r.p_neutral if scored else None,
            "p_positive": r.p_positive if scored else None,
            "rating": r.rating,
            "rating_scale": f"{_number(r.rating_worst)}-{_number(r.rating_best)}"
            if r.rating is not None and r.rating_worst is not None and r.rating_best is not None
            else None,
            "reach": r.reach,
            "reach_kind": r.reach_kind,
            "url": r.url,
            "author": r.author,
            "title": r.title,
            "text": r.text,
        }


def csv_cells(row: dict[str, Any]) -> dict[str, str]:
    """A row as CSV cells: empty for ``None``, every cell neutralised against formulas."""
    return {k: neutralise("" if v is None else str(v)) for k, v in row.items()}


def export_mentions(
    index: Any, out: str | Path, *, brand: str | None = None, since: date | None = None, until: date | None = None
) -> int:
    """Write mentions to ``out`` (.jsonl or .csv); returns how many.

    An unknown ``brand`` raises :class:`~monitor.errors.UnknownBrand` before ``out`` is touched."""
    p = Path(out)
    suffix = p.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise ConfigError(f"{p}: export writes .jsonl or .csv")
    if brand is not None:
        brand = index.brand(brand)  # its stored spelling ("acme" → "Acme")
    n = 0
    with p.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS) if suffix == ".csv" else None
        if writer:
            writer.writeheader()
        for row in iter_mentions(index, brand=brand, since=since, until=until):
            if writer:
                writer.writerow(csv_cells(row))
            else:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


__all__ = ["COLUMNS", "csv_cells", "export_mentions", "iter_mentions"]
