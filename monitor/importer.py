"""Import mentions from CSV or JSON-lines files.

Columns / keys: ``text`` (required), ``brand`` and ``source`` (or defaults given by the
caller), ``external_id`` (derived from the row's content when absent, so re-importing a
file is idempotent), ``published_at`` (ISO 8601; naive times are UTC), optional ``lang``,
``label``, ``rating`` with ``rating_scale`` ("1-5") or ``rating_worst``/``rating_best``,
``url``, ``author``, ``title``. A bad row is reported with its line number; good rows are
kept.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError, ImportDataError
from monitor.index.formulas import normalise_rating
from monitor.records import LABELS, MentionIn
from monitor.store import IngestResult

CHUNK = 5000
_CSV_FIELD_LIMIT = 10_000_000


@dataclass(slots=True)
class ImportReport:
    """The outcome of one import: counts and the bad rows with their line numbers."""

    rows: int = 0
    new: int = 0
    duplicate: int = 0
    sightings: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "new": self.new,
            "duplicate": self.duplicate,
            "sightings": self.sightings,
            "bad": len(self.errors),
            "errors": [{"line": ln, "error": msg} for ln, msg in self.errors[:100]],
        }


def _parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), UTC)
    text = str(value).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise ImportDataError(f"published_at {value!r} is not an ISO 8601 date/time") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _parse_float(value: Any, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise ImportDataError(f"{name} {value!r} is not a number") from None


def _parse_scale(row: dict[str, Any]) -> tuple[float, float] | None:
    raw = row.get("rating_scale")
    if raw not in (None, ""):
        if isinstance(raw, (list, tuple)) and len(raw) == 2:
            parts = list(raw)
        else:
            parts = str(raw).replace("–", "-").replace("..", "-").replace(",", "-").split("-")
        if len(parts) != 2:
            raise ImportDataError(f"rating_scale {raw!r} must look like '1-5'")
        lo, hi = _parse_float(parts[0], "rating_scale"), _parse_float(parts[1], "rating_scale")
        assert lo is not None and hi is not None
        return (lo, hi)
    worst, best = (
        _parse_float(row.get("rating_worst"), "rating_worst"),
        _parse_float(row.get("rating_best"), "rating_best"),
    )
    if worst is not None and best is not None:
        return (worst, best)
    return None


def row_to_mention(row: dict[str, Any]) -> MentionIn:
    """Validate one row into a :class:`MentionIn` (raises ImportDataError)."""
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ImportDataError("text is missing or empty")
    label = row.get("label") or None
    if label is not None:
        label = str(label).strip().lower()
        if label not in LABELS:
            raise ImportDataError(f"label {row.get('label')!r} is not one of {', '.join(LABELS)}")
    rating = _parse_float(row.get("rating"), "rating")
    scale = _parse_scale(row)
    if rating is not None and scale is None:
        scale = (1.0, 5.0) if rating <= 5 else (0.0, 10.0) if rating <= 10 else None
        if scale is None:
            raise ImportDataError(f"rating {rating} needs a rating_scale")
    if rating is not None and scale is not None:
        try:
            normalise_rating(rating, *scale)
        except ValueError as exc:
            raise ImportDataError(str(exc)) from None
    published = _parse_time(row.get("published_at"))
    ext = row.get("external_id")
    if ext in (None, ""):
        basis = json.dumps([text, row.get("author"), str(row.get("published_at")), row.get("url")], ensure_ascii=False)
        ext = "sha:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:24]
    lang = row.get("lang") or None
    return MentionIn(
        external_id=str(ext),
        text=text,
        url=row.get("url") or None,
        author=row.get("author") or None,
        title=row.get("title") or None,
        published_at=published,
        rating=rating,
        rating_scale=scale,
        lang=str(lang).strip().lower() if lang else None,
        label=label,
    )


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | Exception]]:
    """Yield ``(line number, row)`` or ``(line number, error)`` from a CSV or JSONL file."""
    suffix = path.suffix.lower()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if suffix in (".jsonl", ".ndjson", ".json"):
        for ln, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield ln, ImportDataError(f"not valid JSON: {exc.msg}")
                continue
            yield ln, obj if isinstance(obj, dict) else ImportDataError("not a JSON object")
    elif suffix in (".csv", ".tsv"):
        csv.field_size_limit(_CSV_FIELD_LIMIT)
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if suffix == ".tsv" else ",")
        if not reader.fieldnames or "text" not in reader.fieldnames:
            raise ConfigError(f"{path}: the header row has no 'text' column (found: {reader.fieldnames})")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield reader.line_num, ImportDataError(f"malformed CSV: {exc}")
                continue
            if None in row:
                yield reader.line_num, ImportDataError("more fields than the header names")
                continue
            yield reader.line_num, dict(row)
    else:
        raise ConfigError(f"{path}: unknown file type {suffix!r}; use .csv, .tsv or .jsonl")


def import_file(
    index: Any,
    path: str | Path,
    *,
    brand: str | None = None,
    source: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a CSV/JSONL file into ``index`` (a MentionIndex); idempotent per row."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: no such file")
    report = ImportReport()
    pending: dict[tuple[str, str], list[MentionIn]] = defaultdict(list)
    default_source = source or f"import:{p.name}"

    def flush() -> None:
        groups = [(b, s, "import", items) for (b, s), items in pending.items() if items]
        results: list[IngestResult] = index.add_groups(groups, refresh=False) if groups else []
        for res in results:
            report.new += res.new
            report.duplicate += res.duplicate
            report.sightings += res.sightings
        pending.clear()

    n_pending = 0
    for ln, row in read_rows(p):
        report.rows += 1
        if progress:
            progress(ln)
        if isinstance(row, Exception):
            report.errors.append((ln, str(row)))
            continue
        try:
            b = (row.get("brand") or brand or "").strip()
            if not b:
                raise ImportDataError("brand is missing (add a brand column or pass --brand)")
            s = (row.get("source") or default_source).strip()
            pending[(b, s)].append(row_to_mention(row))
        except ImportDataError as exc:
            report.errors.append((ln, str(exc)))
            continue
        n_pending += 1
        if n_pending >= CHUNK:
            flush()
            n_pending = 0
    flush()
    index.refresh()
    return report


__all__ = ["ImportReport", "import_file", "read_rows", "row_to_mention"]
