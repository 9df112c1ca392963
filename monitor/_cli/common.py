"""Helpers shared by command modules: opening the index from CLI options, output, errors."""

from __future__ import annotations

import csv
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime, tzinfo
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

from monitor._config import DATABASE_ENV, START_FIX, Config, config_from_dict, find_config, load_config
from monitor._csvcells import neutralise
from monitor._dates import parse_day
from monitor._redact import redact_text
from monitor._textsafe import printable
from monitor.errors import ConfigError, InvalidArgument, MonitorError

if TYPE_CHECKING:
    from rich.progress import Progress

    from monitor._cli.tables import Col

EXIT_INTERRUPTED = 3  # README: 0 ok, 1 something failed, 2 bad usage or config, 3 interrupted

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

CONFIG_HELP = "Config file (TOML). Default: $MONITOR_CONFIG, else ./monitor.toml when present."
DB_HELP = "Database URL (overrides the config), e.g. sqlite:///monitor.db or postgresql://user@host/db."

ConfigOpt = typer.Option(None, "--config", "-c", help=CONFIG_HELP, envvar="MONITOR_CONFIG", show_envvar=False)
DbOpt = typer.Option(None, "--db", help=DB_HELP)


def resolve_config(config: Path | None, db: str | None = None, *, project: bool = True) -> Config:
    """The config a command runs on, found by the one lookup every command and the doctor use.

    ``--config``, else ``$MONITOR_CONFIG``, else ``./monitor.toml``. Without a config file
    the defaults apply only when a database is named (``--db`` or ``$MONITOR_DATABASE_URL``)
    or the command needs no project (``project=False``: the model commands); otherwise a
    one-line :class:`ConfigError` names every place looked and how to start, before any
    file is created.
    """
    lookup = find_config(config, env=os.environ, cwd=Path.cwd())
    if lookup.path is None:
        if project and not (db or os.environ.get(DATABASE_ENV)):
            raise ConfigError(f"{lookup.not_found()} → {START_FIX}")
        cfg = config_from_dict({})
    elif not lookup.path.exists():
        detail, fix = lookup.missing_file()
        raise ConfigError(f"{detail} → {fix}")
    else:
        cfg = load_config(lookup.named or lookup.path)  # errors say "monitor.toml: …" for the one here
    if db:
        cfg = cfg.model_copy(update={"database_url": db})
    return cfg


def require_sources(cfg: Config, command: str, *, brands: bool = False) -> None:
    """Refuse a command that would do nothing: no [[sources]] (with ``brands``: no enabled
    source, or no [[brands]] to match mentions to)."""
    missing = []
    if brands and not cfg.brands:
        missing.append("[[brands]]")
    if not cfg.sources:
        missing.append("[[sources]]")
    elif brands and not any(s.enabled for s in cfg.sources):
        missing.append(f"enabled [[sources]] (all {len(cfg.sources)} have enabled = false)")
    if not missing:
        return
    what = " and no ".join(missing)
    if cfg.path is None:
        raise ConfigError(
            f"no config file, so no {what}: `monitor {command}` has nothing to do with only a database named "
            f"→ create a config with `monitor init`, then add brands and sources"
        )
    fix = "add or enable them" if cfg.sources and "[[sources]]" not in missing else "add them"
    raise ConfigError(
        f"{cfg.path}: no {what}: `monitor {command}` has nothing to do "
        f"→ {fix} (the starter config from `monitor init` documents every key)"
    )


def open_index(config: Path | None, db: str | None = None) -> Any:
    """Open the MentionIndex for CLI options (migrates the schema, showing a long migration's progress)."""
    from monitor._api import MentionIndex

    cfg = resolve_config(config, db)
    with migration_progress():
        return MentionIndex.open(cfg)


class _ProgressLines(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        err_console.print(escape(record.getMessage()), soft_wrap=True, highlight=False)


@contextmanager
def migration_progress() -> Iterator[None]:
    """Show the migrations' progress lines (the ``monitor.migrate`` logger: building the
    text search index says how far it is) on stderr, unless a log is already set up."""
    log = logging.getLogger("monitor.migrate")
    if logging.getLogger().handlers or log.handlers:
        yield
        return
    handler, level = _ProgressLines(), log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


def handle_errors(func: F) -> F:
    """Turn project errors into a red one-line message and exit code 2 (bad usage or config).

    The line is not wrapped at the terminal's width (a long list of known values stays one
    line). The message is redacted (no URL password or secret parameter) and printable. Other
    exceptions are bugs: they propagate (a traceback, exit code 1).
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MonitorError as exc:
            message = escape(redact_text(cli_message(exc)), keep_newlines=True)
            err_console.print(f"[bold red]error:[/] {message}", soft_wrap=True)  # one line each, never wrapped
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def cli_message(exc: MonitorError) -> str:
    """What the command line says for ``exc``: a filter the API names as ``lang='x'`` is
    named as the option the user typed (``--lang x: …``)."""
    if isinstance(exc, InvalidArgument) and exc.argument is not None:
        value = exc.value if exc.value and exc.value.isprintable() and " " not in exc.value else repr(exc.value)
        return f"--{exc.argument} {value}: {exc.problem}"
    return str(exc)


class CommandInterrupted(BaseException):
    """SIGTERM or SIGINT arrived: unwind the command (its open transaction rolls back).

    A ``BaseException`` so that no ``except Exception`` on the way swallows it.
    """


@contextmanager
def interruptible(stop: threading.Event | None = None) -> Iterator[threading.Event]:
    """Handle SIGTERM and SIGINT in a long command; yields the event the first signal sets.

    Without ``stop`` the first signal also raises :class:`CommandInterrupted` in the main
    thread, so the write in progress rolls back as a unit; with ``stop`` the command is
    cooperative (it checks the event between writes) and nothing is raised. Either way,
    on the way out every run this process still has open is recorded ``interrupted`` and,
    if a signal came, the command exits with :data:`EXIT_INTERRUPTED`. A second signal
    exits at once (128 + the signal number).
    """
    from monitor._store import interrupt_open_runs

    event = stop if stop is not None else threading.Event()
    seen: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        seen.append(signum)
        if len(seen) > 1:
            os._exit(128 + signum)
        event.set()
        # Not err_console/sys.stderr: the handler may run while the main thread is inside a
        # buffered write to stderr (a progress bar), where a second write raises
        # "RuntimeError: reentrant call" and the step would record a failure, not a stop.
        with suppress(OSError):
            os.write(2, f"{signal.Signals(signum).name}: stopping after the current write\n".encode())
        if stop is None:
            raise CommandInterrupted(signal.Signals(signum).name)

    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield event
    except CommandInterrupted:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if seen:
        why = f"interrupted by {signal.Signals(seen[0]).name}"
        closed = interrupt_open_runs(why)
        err_console.print(f"[yellow]{why}[/]" + (f"; run {', '.join(map(str, closed))} recorded" if closed else ""))
        raise typer.Exit(EXIT_INTERRUPTED)


def escape(text: str, *, keep_newlines: bool = False) -> str:
    """Untrusted text for a rich console: no control characters, rich markup escaped."""
    from rich.markup import escape as _escape

    return _escape(printable(text, keep="\n" if keep_newlines else ""))


def parse_date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError:
        raise ConfigError(f"{name} {value!r} is not a date (YYYY-MM-DD)") from None


def _jsonable(v: Any) -> Any:
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return v


def csv_cell(v: Any) -> Any:
    """A CSV cell no spreadsheet runs as a formula and no terminal obeys (numbers unchanged)."""
    v = _jsonable(v)
    if isinstance(v, (dict, list, tuple)):
        v = json.dumps(v, ensure_ascii=False, default=_jsonable)
    if isinstance(v, str):
        return neutralise(printable(v, keep="\n\t"))
    return v


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    columns: Sequence[str] | None = None,
    title: str = "",
    *,
    layout: Sequence[Col] | None = None,
    cells: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    caption: str = "",
    tz: tzinfo | None = None,
) -> None:
    """Print rows as a table, JSON lines, a JSON array or CSV.

    JSON and CSV carry every field of every row (``columns`` orders the CSV; default the
    first row's keys); the table shows ``layout`` (:mod:`monitor._cli.tables`, fitted to
    100 columns; default: ``columns`` with guessed kinds) of the rows as ``cells`` shapes
    them, times in ``tz``.

    Scraped text is hostile: table cells and titles lose control characters (escape
    sequences would drive the reader's terminal), CSV cells are also neutralised against
    formula injection (:mod:`monitor._csvcells`); JSON is left as data (``json.dumps``
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
    from monitor._cli.tables import infer_cols, make_table, print_table

    spec = layout if layout is not None else infer_cols(cols, rows)
    shown = [cells(r) for r in rows] if cells is not None else rows
    print_table(console, make_table(spec, shown, title=title, caption=caption, tz=tz))


def bar_progress(*, disable: bool = False) -> Progress:
    """The commands' progress display on stderr: each task's name, its bar, done of total and
    the time taken (kept on screen when it ends)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
        disable=disable,
    )


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar; yields ``advance(n)``."""
    with bar_progress(disable=not err_console.is_terminal and total is None) as prog:
        task = prog.add_task(description, total=total)
        yield lambda n: prog.update(task, advance=n)


__all__ = [
    "CONFIG_HELP",
    "DB_HELP",
    "EXIT_INTERRUPTED",
    "CommandInterrupted",
    "ConfigOpt",
    "DbOpt",
    "bar_progress",
    "cli_message",
    "console",
    "csv_cell",
    "emit",
    "err_console",
    "escape",
    "handle_errors",
    "interruptible",
    "migration_progress",
    "open_index",
    "parse_date",
    "progress_bar",
    "require_sources",
    "resolve_config",
]
