"""``monitor run``, ``monitor status``, ``monitor digest`` and ``monitor demo``."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer

from monitor._cli.app import app
from monitor._cli.common import (
    EXIT_INTERRUPTED,
    ConfigOpt,
    DbOpt,
    console,
    err_console,
    escape,
    handle_errors,
    interruptible,
    parse_date,
    require_sources,
    resolve_config,
)
from monitor._cli.tables import (
    JOB_COLS,
    RUN_COLS,
    SOURCE_COLS,
    demo_table,
    make_table,
    print_table,
    run_cells,
    source_cells,
)
from monitor._health import PROBLEMS
from monitor._logs import LOG_FORMATS, LogFormat, configure_logging
from monitor._redact import redact_text
from monitor._stamps import display_zone
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor._config import Config
    from monitor._pipeline import DigestMode, StepResult

log = logging.getLogger("monitor")
CHANNELS = ("file", "smtp", "webhook")
DIGEST_MODES: dict[str, DigestMode] = {"auto": "auto", "force": "force", "skip": "skip"}
EXIT_FAILED = 1


LogFormatOpt = typer.Option(
    "text",
    "--log-format",
    help="Log lines as 'text' or 'json' (one object per line, for log shippers). Also $MONITOR_LOG_FORMAT.",
    envvar="MONITOR_LOG_FORMAT",
    show_envvar=False,
)


def _log_format(value: str) -> LogFormat:
    if value not in LOG_FORMATS:
        raise ConfigError(f"--log-format {value!r}: expected {' or '.join(LOG_FORMATS)}")
    return "json" if value == "json" else "text"


@contextmanager
def _logging(level: int, fmt: LogFormat | None = None, timezone: str | None = None) -> Iterator[None]:
    """Log to stderr while a command runs (as ``fmt``, default ``$MONITOR_LOG_FORMAT`` or text;
    times in ``timezone``, the config's ``digest.timezone``); restore the logging setup after."""
    chosen = fmt or _log_format(os.environ.get("MONITOR_LOG_FORMAT") or "text")
    with configure_logging(level, fmt=chosen, tz=display_zone(timezone)):
        yield


def _step_line(step: StepResult) -> str:
    colour = {"ok": "green", "partial": "yellow", "skipped": "dim", "interrupted": "yellow"}.get(step.status, "red")
    counts = ", ".join(f"{k}={v}" for k, v in step.counts.items() if not isinstance(v, (dict, list)) and k != "html")
    line = f"[{colour}]{step.name:<8} {step.status}[/] {escape(counts)}"
    if step.status in ("failed", "partial") and step.errors:
        line += f"\n         [red]{escape(redact_text(step.errors[0])[:300])}[/]"
    return line


@app.command()
@handle_errors
def run(
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
    once: bool = typer.Option(
        False, "--once", help="One pass (collect, score, index, digest when due), then exit: for cron."
    ),
    digest: str = typer.Option(
        "auto", "--digest", help="With --once: 'auto' (when due), 'force' (today's, now) or 'skip'."
    ),
    timeout: float | None = typer.Option(
        None,
        "--timeout",
        min=1,
        help="With --once in distributed mode: seconds to wait for the workers (default 1800).",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
    log_format: str = LogFormatOpt,
) -> None:
    """Run the monitor: the background scheduler, or one pass with --once.

    Each job (each step with --once) logs one line saying what it did; times are ISO 8601
    in digest.timezone. SIGTERM or Ctrl-C stops it cleanly: the current database write finishes and the run
    is recorded as interrupted. Exit codes: 0 all good, 1 something failed (with --once: a
    source blocked, failed or partial, a step, a digest delivery), 2 bad usage or config
    (also: no config, no [[sources]] or no [[brands]]), 3 interrupted by a signal.

    In distributed mode ([workers] broker_url), --once enqueues the pass for the workers
    and waits for them (at most --timeout seconds), one line per task; exit 1 when a task
    failed, the workers did not finish in time or no worker consumes a queue.
    """
    mode = DIGEST_MODES.get(digest)
    if mode is None:
        raise ConfigError(f"--digest {digest!r}: expected auto, force or skip")
    if timeout is not None and not once:
        raise ConfigError("--timeout applies to `monitor run --once` (how long the pass waits for the workers)")
    fmt = _log_format(log_format)
    cfg = resolve_config(config, db)
    require_sources(cfg, "run", brands=True)  # no idle scheduler, no pass that collects nothing
    with _logging(logging.DEBUG if verbose else logging.INFO, fmt, cfg.digest.timezone):
        _run(cfg, once, mode, timeout)


def _run(cfg: Config, once: bool, digest: DigestMode, timeout: float | None = None) -> None:
    if not once:
        from monitor._schedule import MonitorScheduler, run_scheduler
        from monitor._store import interrupt_open_runs

        def ready(sched: MonitorScheduler) -> None:  # each job's next run is logged as it is synced
            log.info("scheduler running (%d jobs); SIGTERM or Ctrl-C stops it", len(sched.get_jobs()))

        from monitor._cli.worker_cmds import scheduler_dispatcher

        signalled = run_scheduler(cfg, ready=ready, dispatcher=scheduler_dispatcher(cfg))
        log.info("scheduler stopped")
        if signalled:
            interrupt_open_runs(f"interrupted by {signalled}")
            raise typer.Exit(EXIT_INTERRUPTED)
        return

    if cfg.workers.distributed:
        from monitor._cli.worker_cmds import run_once_distributed
        from monitor._workers.once import DEFAULT_TIMEOUT_S

        run_once_distributed(cfg, digest, timeout or DEFAULT_TIMEOUT_S, _step_line)
        return
    from monitor._pipeline import run_once

    with interruptible(threading.Event()) as stop:
        # each step's outcome line is logged on stderr once (run_once logs it); stdout keeps
        # only what the pass produced, the digest's path, for a cron wrapper to pick up
        result = run_once(cfg, stop=stop, digest=digest)
        for path in result.digest_paths:
            console.print(f"Digest: [bold]{escape(path)}[/]")
    if result.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if any(_failed(s) for s in result.steps):
        raise typer.Exit(EXIT_FAILED)


def _failed(step: StepResult) -> bool:
    """Not all good, as ``monitor collect`` counts it: a step failed or partial (a source blocked,
    failed or partly collected; a digest not delivered on every channel, waiting in the outbox)."""
    return step.status not in ("ok", "skipped")


@app.command()
@handle_errors
def status(
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
    runs: int = typer.Option(10, "--runs", help="How many recent runs to list."),
) -> None:
    """Show scheduled jobs and their next run, recent runs, source health, the model's agreement
    with star ratings and pending deliveries (distributed mode: workers, queue depths and the
    oldest waiting task too)."""
    from monitor._api import MentionIndex
    from monitor._digest.deliver import pending_deliveries
    from monitor._index.agreement import describe
    from monitor._schedule import Leases, stored_jobs

    cfg = resolve_config(config, db)
    tz = ZoneInfo(cfg.digest.timezone)
    with MentionIndex.open(cfg) as idx:
        idx.store.mark_abandoned_runs()  # so the list below does not show dead runs as running
        jobs = stored_jobs(idx.engine)
        last = Leases(idx.engine).last_runs()
        job_rows = [
            {
                "id": j["id"],
                "schedule": _schedule_cell(j["name"], j["trigger"], cfg.digest.timezone),
                "next_run": j["next_run_time"] or "paused",
                "last_run": last[j["id"]]["started_at"] if j["id"] in last else None,
                "result": last[j["id"]]["status"] if j["id"] in last else None,
            }
            for j in jobs
        ]
        empty = "" if jobs else "No jobs stored yet: `monitor run` creates them."
        print_table(console, make_table(JOB_COLS, job_rows, title=f"Jobs (times in {tz})", caption=empty, tz=tz))
        recent = map(run_cells, idx.recent_runs(limit=runs))
        print_table(console, make_table(RUN_COLS, recent, title="Recent runs", tz=tz))
        print_table(console, make_table(SOURCE_COLS, map(source_cells, idx.sources_overview()), title="Sources", tz=tz))
        console.print(escape(describe(idx.model_check(days=30))) + " (`monitor model check`).")
        if cfg.workers.distributed:
            from monitor._cli.worker_cmds import print_distributed_status

            print_distributed_status(cfg, idx)

    pending = pending_deliveries(cfg.digest.out_dir)
    if pending:
        console.print(
            f"[yellow]{len(pending)} digest deliver{'y' if len(pending) == 1 else 'ies'} waiting to be retried:[/]"
        )
        for p in pending:
            console.print(
                f"  {escape(p.get('channel', '?'))} {escape(p.get('day', ''))}: {escape(str(p.get('last_error', '')))}"
            )


def _schedule_cell(name: str, trigger: str, tz: str) -> str:
    """``30m``, ``*/20 7-22 * * *``, ``08:00`` (the table's title names the timezone)."""
    schedule = name.split("[", 1)[-1].rstrip("]") if "[" in name else trigger
    return schedule.removesuffix(f" {tz}")


@app.command("digest")
@handle_errors
def digest_cmd(
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
    brand: list[str] = typer.Option(
        [], "--brand", "-b", help="Only this brand (repeatable). Default: every configured brand."
    ),
    day: str | None = typer.Option(
        None, "--date", help="The day to report on (YYYY-MM-DD). Default: today in the index timezone."
    ),
    to: list[str] = typer.Option(
        [], "--to", help="Delivery channel: file, smtp or webhook (repeatable). Default: the config's digest.delivery."
    ),
    out: Path | None = typer.Option(None, "--out", help="Folder for the files. Default: the config's digest.out_dir."),
) -> None:
    """Write (and deliver) the digest for one day now, whatever the schedule."""
    from monitor._api import MentionIndex
    from monitor._pipeline import digest_step

    for channel in to:
        if channel not in CHANNELS:
            raise ConfigError(f"--to {channel!r}: expected one of {', '.join(CHANNELS)}")
    cfg = resolve_config(config, db)
    when = parse_date(day, "--date") or datetime.now(ZoneInfo(cfg.index.timezone)).date()
    with _logging(logging.WARNING, timezone=cfg.digest.timezone), MentionIndex.open(cfg) as idx:
        brand = [idx.brand(b) for b in brand]  # stored spelling; UnknownBrand names the known ones
        with interruptible():
            step, report = digest_step(
                idx,
                cfg,
                when,
                brands=brand or None,
                channels=to or None,
                out_dir=str(out) if out else None,
                scheduled=False,
            )
    if report is None:
        err_console.print(f"[red]digest failed:[/] {escape('; '.join(step.errors))}")
        raise typer.Exit(EXIT_FAILED)
    console.print(f"Digest for {when.isoformat()}: [bold]{escape(str(report.files.html))}[/]")
    console.print(f"Plain text: {escape(str(report.files.text))}")
    for r in report.results:
        if r.already:
            console.print(f"  [dim]{r.channel}: already delivered; not sent again[/]")
        elif r.ok:
            console.print(
                f"  [green]{r.channel}: delivered[/]" + (f" after {r.attempts} attempts" if r.attempts > 1 else "")
            )
        else:
            console.print(
                f"  [red]{r.channel}: failed[/] {escape(r.error or '')} "
                + (f"(kept in {escape(str(r.pending))}; retried on the next run)" if r.pending else "")
            )
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)


@app.command()
@handle_errors
def demo(
    out: Path = typer.Option(Path("monitor-demo"), "--out", help="Folder for the demo database, config and digest."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the pipeline's log."),
    serve: bool = typer.Option(
        False, "--serve", help="Then open the demo's data in the dashboard on 127.0.0.1 (Ctrl-C stops it)."
    ),
    port: int = typer.Option(8765, "--port", help="The dashboard's port with --serve."),
) -> None:
    """Run the whole product offline on a bundled demo site and write a digest.

    Starts a local web site with review pages, an RSS feed, a Mastodon-like and a Hacker
    News-like API (a fictional brand's bad week after a failed firmware update, in five
    languages), collects it with the real collectors, scores it with the embedded model,
    computes the index and writes today's digest. With --serve, the dashboard then shows
    the demo's data on 127.0.0.1 (log in as the printed demo user).
    """
    from monitor._cli.serve_cmds import check_port_free, serve_demo

    if serve:
        check_port_free("127.0.0.1", port)  # before the demo's minute, not after
    with _logging(logging.DEBUG if verbose else logging.CRITICAL):
        config = _demo(out)
    if serve:
        serve_demo(config, port)


def _demo(out: Path) -> Path:
    from monitor._demo import run_demo

    started = time.monotonic()
    console.print("[bold]mention-monitor demo[/]: serving the demo site on 127.0.0.1 and running the pipeline…")
    with console.status("collecting…") as spinner:
        labels = {
            "collect": "scoring (the first run converts the model: about a minute)…",
            "score": "computing the index…",
            "refresh": "writing the digest…",
        }

        def on_step(step: StepResult) -> None:
            console.print(_step_line(step))
            if step.name in labels:
                spinner.update(labels[step.name])

        result = run_demo(out, on_step=on_step)

    print_table(console, demo_table(result.rows))
    blocked = [s for s in result.sources if s.status in PROBLEMS]
    console.print(
        f"Sources: {len(result.sources) - len(blocked)} ok"
        + (f", {len(blocked)} {'/'.join(PROBLEMS)} (shown in the digest)" if blocked else "")
    )
    if result.digest_html is None:
        err_console.print("[red]no digest was written[/]")
        raise typer.Exit(EXIT_FAILED)
    console.print(f"Digest:      [bold]{escape(str(result.digest_html.resolve()))}[/]")
    if result.digest_text:
        console.print(f"Plain text:  {escape(str(result.digest_text.resolve()))}")
    console.print(
        f"Config used: {escape(str(result.config_path.resolve()))} · database {escape(str(result.database.resolve()))}"
    )
    console.print(f"Done in {timedelta(seconds=round(time.monotonic() - started))}.")
    return result.config_path
