"""``monitor run``, ``monitor status``, ``monitor digest`` and ``monitor demo``."""

from __future__ import annotations

import logging
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
from monitor._redact import redact_text
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor._config import Config
    from monitor._pipeline import DigestMode, StepResult

log = logging.getLogger("monitor")
CHANNELS = ("file", "smtp", "webhook")
DIGEST_MODES: dict[str, DigestMode] = {"auto": "auto", "force": "force", "skip": "skip"}
EXIT_FAILED = 1


@contextmanager
def _logging(level: int) -> Iterator[None]:
    """Log to stderr through rich while a command runs; restore the logging setup after."""
    from rich.logging import RichHandler

    root = logging.getLogger()
    handler = RichHandler(console=err_console, show_path=False, markup=False, rich_tracebacks=False)
    handler.setLevel(level)
    quiet = {name: logging.getLogger(name) for name in ("httpx", "httpcore", "alembic", "apscheduler")}
    saved = (root.level, {name: lg.level for name, lg in quiet.items()})
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO))
    for lg in quiet.values():
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, lg in quiet.items():
            lg.setLevel(saved[1][name])


def _step_line(step: StepResult) -> str:
    colour = {"ok": "green", "partial": "yellow", "skipped": "dim", "interrupted": "yellow"}.get(step.status, "red")
    counts = ", ".join(f"{k}={v}" for k, v in step.counts.items() if not isinstance(v, (dict, list)) and k != "html")
    line = f"[{colour}]{step.name:<8} {step.status}[/] {escape(counts)}"
    if step.status == "failed" and step.errors:
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
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
) -> None:
    """Run the monitor: the background scheduler, or one pass with --once.

    SIGTERM or Ctrl-C stops it cleanly: the current database write finishes and the run
    is recorded as interrupted. Exit codes: 0 ok, 1 a step failed (with --once; a digest
    delivery that failed counts), 2 bad usage or config, 3 interrupted by a signal.
    """
    mode = DIGEST_MODES.get(digest)
    if mode is None:
        raise ConfigError(f"--digest {digest!r}: expected auto, force or skip")
    cfg = resolve_config(config, db)
    with _logging(logging.DEBUG if verbose else logging.INFO):
        _run(cfg, once, mode)


def _run(cfg: Config, once: bool, digest: DigestMode) -> None:
    if not once:
        from monitor._schedule import MonitorScheduler, run_scheduler
        from monitor._store import interrupt_open_runs

        def ready(sched: MonitorScheduler) -> None:
            jobs = sched.get_jobs()
            for j in jobs:
                log.info("job %s next at %s", j.id, j.next_run_time)
            log.info("scheduler running (%d jobs); SIGTERM or Ctrl-C stops it", len(jobs))

        from monitor._cli.worker_cmds import scheduler_dispatcher

        signalled = run_scheduler(cfg, ready=ready, dispatcher=scheduler_dispatcher(cfg))
        log.info("scheduler stopped")
        if signalled:
            interrupt_open_runs(f"interrupted by {signalled}")
            raise typer.Exit(EXIT_INTERRUPTED)
        return

    if cfg.workers.distributed:
        from monitor._cli.worker_cmds import enqueue_once

        enqueue_once(cfg)
        return
    from monitor._pipeline import run_once

    with interruptible(threading.Event()) as stop:
        result = run_once(cfg, stop=stop, digest=digest, on_step=lambda s: console.print(_step_line(s)))
        for path in result.digest_paths:
            console.print(f"Digest: [bold]{escape(path)}[/]")
    if result.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if any(_failed(s) for s in result.steps):
        raise typer.Exit(EXIT_FAILED)


def _failed(step: StepResult) -> bool:
    """A failed step, or a digest written but not delivered on every channel (it waits in the outbox)."""
    return bool(step.status == "failed" or (step.name == "digest" and step.status == "partial"))


@app.command()
@handle_errors
def status(
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
    runs: int = typer.Option(10, "--runs", help="How many recent runs to list."),
) -> None:
    """Show scheduled jobs and their next run, recent runs, source health and pending deliveries
    (distributed mode: workers, queue depths and the oldest waiting task too)."""
    from monitor._api import MentionIndex
    from monitor._digest.deliver import pending_deliveries
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
                "schedule": j["name"].split("[", 1)[-1].rstrip("]") if "[" in j["name"] else j["trigger"],
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
    with _logging(logging.WARNING), MentionIndex.open(cfg) as idx:
        known = set(idx.brands())
        for b in brand:
            if b not in known:
                raise ConfigError(f"unknown brand {b!r} (known: {', '.join(sorted(known)) or 'none yet'})")
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
) -> None:
    """Run the whole product offline on a bundled demo site and write a digest.

    Starts a local web site with review pages, an RSS feed, a Mastodon-like and a Hacker
    News-like API (a fictional brand's bad week after a failed firmware update, in five
    languages), collects it with the real collectors, scores it with the embedded model,
    computes the index and writes today's digest.
    """
    with _logging(logging.DEBUG if verbose else logging.CRITICAL):
        _demo(out)


def _demo(out: Path) -> None:
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
    blocked = [s for s in result.sources if s.status in ("blocked", "failing", "partial")]
    console.print(
        f"Sources: {len(result.sources) - len(blocked)} ok"
        + (f", {len(blocked)} blocked/failing/partial (shown in the digest)" if blocked else "")
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
