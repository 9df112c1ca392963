"""Import mentions from CSV/TSV or JSON-lines files, streamed in bounded batches.

Columns / keys: ``text`` (required), ``brand`` and ``source`` (or defaults given by the
caller), ``external_id`` (derived from the row's content when absent, so re-importing a
file is idempotent), ``published_at`` (ISO 8601; naive times are UTC), optional ``lang``,
``label``, ``rating`` with ``rating_scale`` ("1-5") or ``rating_worst``/``rating_best``,
``url``, ``author``, ``title``; and, as ``monitor export`` writes them, ``source_kind``,
``label_origin``, ``model_version`` and ``p_negative``/``p_neutral``/``p_positive``, so an
export re-imports with the same meaning (a model's label stays that model's score).

Rows are checked by :mod:`monitor._import_rows`; a bad row is reported with its line number
and why, every good row is stored. The file is read as a stream and stored every
:data:`CHUNK` rows, so memory does not grow with its size. CSV cells are read back through
:func:`monitor._csvcells.restore`, the inverse of what the exporter writes.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from monitor._csvcells import restore
from monitor._hints import closest, unknown_brand
from monitor._import_rows import JsonValue, ParsedRow, check_name, parse_row
from monitor._records import Mention
from monitor._store import DatabaseError, IngestResult, Store
from monitor.errors import ConfigError, ImportDataError, StorageError

CHUNK = 5000  # rows stored per transaction, at most …
CHUNK_CHARS = 4_000_000  # … and about this many characters of text, so memory stays bounded
MAX_REPORTED = 1000  # bad rows kept with their reasons (all are counted)
MAX_DIGITS = 30  # longer integer literals in JSON are refused (Python's int() limit is 4300)
IMPORT_KIND = "import"  # the kind of a source first seen in an import file
_CSV_FIELD_LIMIT = 10_000_000
_SNIFF = 64 * 1024

Group = tuple[str, str, str | None, Sequence[Mention]]
RowOrError = tuple[int, Mapping[str, JsonValue] | ImportDataError]


class ImportTarget(Protocol):
    """What the importer needs of a :class:`~monitor._api.MentionIndex`."""

    store: Store

    def add_groups(self, groups: Sequence[Group], *, refresh: bool = True) -> list[IngestResult]: ...

    def refresh(self) -> int: ...


@dataclass(slots=True)
class ImportReport:
    """The outcome of one import: counts and the bad rows with their line numbers."""

    rows: int = 0
    new: int = 0
    duplicate: int = 0
    sightings: int = 0
    bad: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # the first MAX_REPORTED bad rows

    def add_error(self, line: int, message: str) -> None:
        self.bad += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append((line, message))

    @property
    def stored(self) -> int:
        """Good rows: stored now, or already stored before."""
        return self.new + self.duplicate + self.sightings

    @property
    def status(self) -> str:
        """``ok`` (no bad rows), ``partial`` (bad rows and good ones) or ``failed`` (only bad rows)."""
        if not self.bad:
            return "ok"
        return "partial" if self.stored else "failed"

    def to_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "new": self.new,
            "duplicate": self.duplicate,
            "sightings": self.sightings,
            "bad": self.bad,
            "errors": [{"line": ln, "error": msg} for ln, msg in self.errors[:100]],
        }

    def error_lines(self) -> list[str]:
        return [f"line {ln}: {msg}" for ln, msg in self.errors]


# -- reading ------------------------------------------------------------------------------


def _parse_int(digits: str) -> int:
    n = len(digits.lstrip("-"))
    if n > MAX_DIGITS:
        raise ImportDataError(f"not valid JSON: a number with {n} digits (at most {MAX_DIGITS} are read)")
    return int(digits)


def parse_json_line(line: bytes) -> Mapping[str, JsonValue] | ImportDataError:
    """One JSON-lines line → its object, or the error that says why it is not one."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ImportDataError(f"not UTF-8 text (byte {exc.start + 1} of the line)")
    try:
        obj = json.loads(text, parse_int=_parse_int)
    except ImportDataError as exc:
        return exc
    except json.JSONDecodeError as exc:
        return ImportDataError(f"not valid JSON: {exc.msg} (column {exc.colno})")
    except RecursionError:
        return ImportDataError("not valid JSON: nested too deeply")
    except ValueError as exc:  # pragma: no cover - json raises JSONDecodeError for everything else
        return ImportDataError(f"not valid JSON: {exc}")
    return obj if isinstance(obj, dict) else ImportDataError("not a JSON object")


def _check_utf8(path: Path) -> None:
    """Refuse a file that is not UTF-8 at all (UTF-16, a legacy code page, a spreadsheet).

    A few stray bad bytes only spoil their own rows, which are reported by line.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ConfigError(f"{path}: UTF-16 text; save it as UTF-8")
    bad = head.decode("utf-8", "replace").count("\ufffd") - head.count("\ufffd".encode())
    if bad > max(8, len(head) // 100):
        raise ConfigError(f"{path}: not UTF-8 text ({bad} invalid bytes in the first {len(head)})")


def _jsonl_rows(path: Path) -> Iterator[RowOrError]:
    with path.open("rb") as fh:
        for ln, line in enumerate(fh, 1):
            if ln == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
            if not line.strip():
                continue
            yield ln, parse_json_line(line)


def _csv_rows(path: Path, delimiter: str) -> Iterator[RowOrError]:
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    # surrogateescape: a stray invalid byte spoils its own row (reported), not the file.
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        if not reader.fieldnames or "text" not in reader.fieldnames:
            raise ConfigError(f"{path}: the header row has no 'text' column (found: {reader.fieldnames})")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reader.line_num, ImportDataError(f"malformed CSV: {exc}")
                continue
            if None in row:
                yield reader.line_num, ImportDataError("more fields than the header names")
                continue
            yield reader.line_num, {k: restore(v) if isinstance(v, str) else v for k, v in row.items()}


def read_rows(path: Path) -> Iterator[RowOrError]:
    """Yield ``(line number, row)`` or ``(line number, error)`` from a CSV/TSV or JSONL file, streamed."""
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".json", ".csv", ".tsv"):
        raise ConfigError(f"{path}: unknown file type {suffix!r}; use .csv, .tsv or .jsonl")
    _check_utf8(path)
    if suffix in (".csv", ".tsv"):
        return _csv_rows(path, "\t" if suffix == ".tsv" else ",")
    return _jsonl_rows(path)


# -- storing ------------------------------------------------------------------------------


class _Batch:
    """Parsed rows waiting to be stored, written in one go (bad ones found by bisection)."""

    def __init__(self, index: ImportTarget, report: ImportReport) -> None:
        self.index = index
        self.report = report
        self.rows: list[tuple[int, ParsedRow]] = []
        self.chars = 0
        self._kinds: dict[str, str] = {}

    def add(self, line: int, row: ParsedRow) -> None:
        self.rows.append((line, row))
        self.chars += len(row.mention.text) + 200
        if len(self.rows) >= CHUNK or self.chars >= CHUNK_CHARS:
            self.flush()

    def kind(self, row: ParsedRow) -> str:
        """An existing source keeps its kind; a new one takes the row's, else ``import``."""
        kind = self._kinds.get(row.source)
        if kind is None:
            stored = self.index.store.source_kind(row.source)
            kind = stored or row.source_kind or IMPORT_KIND
            self._kinds[row.source] = kind
        return kind

    def flush(self) -> None:
        rows, self.rows, self.chars = self.rows, [], 0
        if rows:
            self._write(rows)

    def _write(self, rows: list[tuple[int, ParsedRow]]) -> None:
        grouped: dict[tuple[str, str, str], list[Mention]] = defaultdict(list)
        for _ln, r in rows:
            grouped[(r.brand, r.source, self.kind(r))].append(r.mention)
        try:
            results = self.index.add_groups([(b, s, k, items) for (b, s, k), items in grouped.items()], refresh=False)
        except ImportDataError as exc:
            # The store refused a row the row model let through: find it, keep the others.
            if len(rows) == 1:
                self.report.add_error(rows[0][0], str(exc))
                return
            half = len(rows) // 2
            self._write(rows[:half])
            self._write(rows[half:])
            return
        for res in results:
            self.report.new += res.new
            self.report.duplicate += res.duplicate
            self.report.sightings += res.sightings


def _import_brand(store: Store, brand: str) -> str:
    """``--brand`` as stored (``acme`` → ``Acme``), or a new brand unless it looks like a
    typo of a stored one (:class:`~monitor.errors.UnknownBrand`, with the closest)."""
    bid = store.brand_id(brand)
    if bid is not None:
        return store.brand_name(bid)
    known = store.brand_names()
    if closest(brand, known) is not None:
        raise unknown_brand(
            brand,
            known,
            note="to import under a new brand this close to a stored one, add it to [[brands]] in the config first",
        )
    return brand


def import_file(
    index: ImportTarget,
    path: str | Path,
    *,
    brand: str | None = None,
    source: str | None = None,
    progress: Callable[[int], None] | None = None,
    report: ImportReport | None = None,
) -> ImportReport:
    """Import a CSV/JSONL file into ``index`` (a MentionIndex); idempotent per row.

    Bad rows are counted in the report with their line numbers; good rows are stored.
    Raises :class:`ConfigError` when the file or the defaults are unusable (``brand`` that
    looks like a typo of a stored brand included).
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: no such file")
    try:
        brand = check_name(brand, "--brand") if brand is not None else None
        source = check_name(source if source is not None else f"import:{p.name}", "--source")
    except ImportDataError as exc:
        raise ConfigError(str(exc)) from None
    if brand is not None:
        brand = _import_brand(index.store, brand)
    report = report if report is not None else ImportReport()
    batch = _Batch(index, report)
    for ln, row in read_rows(p):
        report.rows += 1
        if progress:
            progress(ln)
        if isinstance(row, ImportDataError):
            report.add_error(ln, str(row))
            continue
        try:
            parsed = parse_row(row, brand=brand, source=source)
        except ImportDataError as exc:
            report.add_error(ln, str(exc))
            continue
        batch.add(ln, parsed)
    batch.flush()
    index.refresh()
    return report


def run_import(
    index: ImportTarget,
    path: str | Path,
    *,
    brand: str | None = None,
    source: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """:func:`import_file` under a run record that always ends ``ok``/``partial``/``failed``.

    The run is finished whatever happens (``interrupted`` on Ctrl-C, ``failed`` on an
    error, which is re-raised; database errors become :class:`StorageError`).
    """
    run_id = index.store.start_run("import")
    report = ImportReport()
    status, problems = "failed", []
    try:
        import_file(index, path, brand=brand, source=source, progress=progress, report=report)
        status = report.status
    except DatabaseError as exc:
        problems = [f"the database refused the import: {_first_line(exc)}"]
        raise StorageError(problems[0]) from exc
    except Exception as exc:
        problems = [str(exc) if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {_first_line(exc)}"]
        raise
    except BaseException:  # Ctrl-C, or SIGTERM unwinding the command
        status, problems = "interrupted", ["stopped before the import ended"]
        raise
    finally:
        counts = report.to_dict() | {"errors": None}
        try:
            index.store.finish_run(run_id, status, counts, problems + report.error_lines())
        except DatabaseError:
            if status != "failed":  # an error is already on its way out otherwise
                raise
    return report


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:300]


__all__ = ["CHUNK", "ImportReport", "import_file", "parse_json_line", "read_rows", "run_import"]
