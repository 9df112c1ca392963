"""Helpers shared by command modules: opening the index from CLI options, output, errors."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from monitor.config import Config, config_from_dict, load_config
from monitor.csvcells import neutralise
from monitor.errors import ConfigError, MonitorError
from monitor.redact import redact_text
from monitor.textsafe import printable

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

CONFIG_HELP = "Config file (TOML). Default: $MONITOR_CONFIG, else ./monitor.toml when present."
DB_HELP = "Database URL (overrides the config), e.g. sqlite:///monitor.db or postgresql://user@host/db."

ConfigOpt = typer.Option(None, "--config", "-c", help=CONFIG_HELP, envvar="MONITOR_CONFIG", show_envvar=False)
DbOpt = typer.Option(None, "--db", help=DB_HELP)


def resolve_config(config: Path | None, db: str | None = None) -> Config:
    """The config named on the command line, in the environment or in the cwd, or defaults."""
    if config is None and Path("monitor.toml").is_file():
        config = Path("monitor.toml")
    cfg = load_config(config) if config is not None else config_from_dict({})
    if db:
        cfg = cfg.model_copy(update={"database_url": db})
    return cfg


def open_index(config: Path | None, db: str | None = None) -> Any:
    """Open the MentionIndex for CLI options (migrates the schema)."""
    from monitor.api import MentionIndex

    return MentionIndex.open(resolve_config(config, db))


def handle_errors(func: F) -> F:
    """Turn project errors into a red one-line message and exit code 2 (1 for others).

    The message is redacted (no URL password or secret parameter) and printable.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MonitorError as exc:
            err_console.print(f"[bold red]error:[/] {escape(redact_text(str(exc)), keep_newlines=True)}")
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def escape(text: str, *, keep_newlines: bool = False) -> str:
    """Untrusted text for a rich console: no control characters, rich markup escaped."""
    from rich.markup import escape as _escape

    return _escape(printable(text, keep="\n" if keep_newlines else ""))


def parse_date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{name} {value!r} is not a date (YYYY-MM-DD)") from None


def _jsonable(v: Any) -> Any:
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return v


def csv_cell(v: Any) -> Any:
    """A CSV cell no spreadsheet runs as a formula and no terminal obeys (numbers unchanged)."""
    v = _jsonable(v)
    if isinstance(v, str):
        return neutralise(printable(v, keep="\n\t"))
    return v


def emit(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str] | None = None, title: str = "") -> None:
    """Print rows as a rich table, JSON lines, a JSON array or CSV.

    Scraped text is hostile: table cells and titles lose control characters (escape
    sequences would drive the reader's terminal), CSV cells are also neutralised against
    formula injection (:mod:`monitor.csvcells`); JSON is left as data (``json.dumps``
    escapes control characters).
    """
    if fmt == "json":
        sys.stdout.write(
            json.dumps([{k: _jsonable(v) for k, v in r.items()} for r in rows], ensure_ascii=False, indent=2) + "\n"
        )
        return
    if fmt == "jsonl":
        for r in rows:
            sys.stdout.write(json.dumps({k: _jsonable(v) for k, v in r.items()}, ensure_ascii=False) + "\n")
        return
    cols = list(columns or (rows[0].keys() if rows else []))
    if fmt == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: csv_cell(r.get(k)) for k in cols})
        return
    from rich.table import Table

    table = Table(title=escape(title) or None)
    for c in cols:
        table.add_column(c)
    for r in rows:
        table.add_row(*(escape(_fmt_cell(r.get(c))) for c in cols))
    console.print(table)


def _fmt_cell(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    return str(v)


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar; yields ``advance(n)``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
        disable=not err_console.is_terminal and total is None,
    ) as prog:
        task = prog.add_task(description, total=total)
        yield lambda n: prog.update(task, advance=n)


__all__ = [
    "CONFIG_HELP",
    "DB_HELP",
    "ConfigOpt",
    "DbOpt",
    "console",
    "csv_cell",
    "emit",
    "err_console",
    "escape",
    "handle_errors",
    "open_index",
    "parse_date",
    "progress_bar",
    "resolve_config",
]
