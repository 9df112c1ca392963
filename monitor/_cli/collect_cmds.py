"""Collection commands: ``monitor collect``, ``monitor sources list|parse``."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor._cli.app import app
from monitor._cli.common import (
    ConfigOpt,
    DbOpt,
    console,
    emit,
    err_console,
    escape,
    handle_errors,
    interruptible,
    open_index,
    require_sources,
    resolve_config,
)
from monitor._cli.progress import progress_columns, progress_label
from monitor._cli.tables import COLLECT_COLS, SOURCE_COLS, source_cells
from monitor._config import SourceConfig
from monitor._redact import redact_text
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor._api import MentionIndex
from monitor._records import AggregateRating
from monitor._textsafe import printable

sources_app = typer.Typer(help="Inspect sources: their status, and what a saved response yields.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")


class _RichProgress:
    """Rich live display: one line per source with pages, mentions and status."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress
        self.tasks: dict[str, Any] = {}

    def source_started(self, source: SourceConfig) -> None:
        self.tasks[source.name] = self.progress.add_task(
            progress_label(source.name, source.kind), total=None, info="fetching…"
        )

    def page_done(self, source: SourceConfig, page: Any, report: Any) -> None:
        self.progress.update(
            self.tasks[source.name],
            advance=1,
            info=f"{report.pages} page(s), {report.fetched} fetched, {report.new} new",
        )

    def source_done(self, source: SourceConfig, report: Any) -> None:
        colour = {"ok": "green", "not_modified": "cyan", "partial": "yellow"}.get(report.status, "red")
        why = f": {escape(report.reason or '')}" if report.status not in ("ok", "not_modified") else ""
        skipped = f", {report.skipped} skipped" if report.skipped else ""
        self.progress.update(
            self.tasks[source.name],
            total=max(report.pages, 1),
            completed=max(report.pages, 1),
            info=f"[{colour}]{report.status}[/]{why} — {report.new} new, {report.duplicate} dup, "
            f"{report.unmatched} unmatched{skipped}",
        )


@app.command()
@handle_errors
def collect(
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
    source: str | None = typer.Option(None, "--source", "-s", help="Collect only this source (by name)."),
    brand: str | None = typer.Option(
        None,
        "--brand",
        "-b",
        help="Collect only for this brand (its own sources and unbound ones).",
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        "-w",
        min=1,
        max=32,
        help="Collector processes (default: [http] workers). Sources of one host stay in one process.",
    ),
    json_: bool = typer.Option(False, "--json", help="Print the run's per-source counts as JSON."),
) -> None:
    """Collect mentions from the configured sources into the database, politely."""
    from rich.progress import Progress

    from monitor._collect import collect_async

    cfg = resolve_config(config, db)
    require_sources(cfg, "collect")
    index: MentionIndex = open_index(config, db)
    try:
        with Progress(
            *progress_columns([s.name for s in cfg.sources]),
            console=err_console,
            disable=json_ or not err_console.is_terminal,
        ) as prog:
            import asyncio

            with interruptible():
                report = asyncio.run(
                    collect_async(cfg, index, source=source, brand=brand, progress=_RichProgress(prog), workers=workers)
                )
    finally:
        index.close()
    rows = [{"source": s.name, "kind": s.kind, **s.counts()} for s in report.sources]
    if json_:
        out = {
            "run_id": report.run_id,
            "status": report.status,
            "totals": report.totals(),
            "sources": rows,
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    else:
        emit(rows, "table", title=f"collect run {report.run_id}: {report.status}", layout=COLLECT_COLS)
        for s in report.sources:
            if s.reason:
                console.print(f"  {escape(s.name)}: {escape(redact_text(s.reason))}", highlight=False)
    if report.status != "ok":
        raise typer.Exit(1)


@sources_app.command("list")
@handle_errors
def sources_list(
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
    json_: bool = typer.Option(False, "--json", help="Print every field as JSON."),
    csv_: bool = typer.Option(False, "--csv", help="Print every field as CSV (formula-safe cells)."),
) -> None:
    """List sources with status, last success, last error and blocked reason.

    Status: ``ok``; ``partial`` — the last run stored what it read but not everything (bad
    items skipped, a later page failed, the walk stopped at ``max_pages`` and goes on next
    run; ``last_error`` says which); ``unreachable`` — no answer (DNS lookup failed,
    connection refused, timed out), tried again next run; ``blocked`` — the site refused
    us (HTTP 401/403/429, robots.txt, a bot wall); ``failing`` — the site answered but
    nothing usable came (HTTP 5xx, a broken page); ``never`` — not collected yet.
    """
    index: MentionIndex = open_index(config, db)
    try:
        overview = list(index.sources_overview())
    finally:
        index.close()
    cols = ["name", "kind", "brand", "status", "last_success_at", "last_error", "blocked_reason"]
    fmt = "json" if json_ else "csv" if csv_ else "table"
    rows = [asdict(s) for s in overview] if fmt != "table" else [source_cells(s) for s in overview]
    emit(rows, fmt, cols, title="sources", layout=SOURCE_COLS)


def describe_aggregate(agg: AggregateRating) -> str:
    """``AggregateRating 4.3/5 from 1,234 ratings for 'X'`` (scraped text made printable)."""
    worst, best = agg.scale
    text = f"AggregateRating {_num(agg.value)}/{_num(best)}"
    if worst not in (0, 1):
        text += f" (worst {_num(worst)})"
    if agg.rating_count is not None:
        text += f" from {_many(agg.rating_count, 'rating')}"
        if agg.review_count is not None:
            text += f" ({_many(agg.review_count, 'review')})"
    elif agg.review_count is not None:
        text += f" from {_many(agg.review_count, 'review')}"
    if agg.item:
        text += f" for '{printable(agg.item)}'"
    return text


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _many(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.isoformat().replace("+00:00", "Z"))


@sources_app.command("parse")
@handle_errors
def sources_parse(
    kind: Annotated[
        str,
        typer.Argument(
            help="Source kind: rss, reviews, html, mastodon, reddit, hackernews, bluesky, appstore or youtube."
        ),
    ],
    file: Annotated[
        Path,
        typer.Argument(
            help="A saved response body (HTML, XML or JSON).",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="The URL the response came from (resolves relative links); default: the "
            "source's url with --source, else https://example.invalid/.",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Config file holding the source whose options to use (with --source). "
            "Default: $MONITOR_CONFIG, else ./monitor.toml when present.",
            envvar="MONITOR_CONFIG",
            show_envvar=False,
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            "-s",
            help="Name of the configured source whose options (e.g. CSS selectors) and url to use.",
        ),
    ] = None,
) -> None:
    """Print what a saved response yields, one JSON object per mention."""
    from monitor._sources.base import get_source

    options: dict[str, Any] = {}
    if source is not None:
        cfg = resolve_config(config)
        if cfg.path is None:
            raise ConfigError(
                f"--source {source}: no config file to find it in (no --config, $MONITOR_CONFIG or ./monitor.toml)"
            )
        src_cfg = cfg.source(source)
        if src_cfg.kind != kind:
            raise ConfigError(f"source {source!r} is of kind {src_cfg.kind!r}, not {kind!r}")
        options = dict(src_cfg.options)
        url = url or src_cfg.url
    body = file.read_bytes()
    src = get_source(kind)
    mentions = src.parse(body, url or "https://example.invalid/", options)
    for m in mentions:
        row = {
            "external_id": m.external_id,
            "url": m.url,
            "author": m.author,
            "title": m.title,
            "text": m.text,
            "published_at": _iso(m.published_at),
            "rating": m.rating,
            "rating_scale": list(m.rating_scale) if m.rating_scale else None,
            "lang": m.lang,
        }
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    aggregate = src.aggregate(body, url or "https://example.invalid/", options)
    if aggregate is not None:
        err_console.print(escape(describe_aggregate(aggregate)), soft_wrap=True)
    if not mentions and aggregate is not None:
        err_console.print(
            f"0 mention(s) from {escape(str(file))}: the page has an aggregate rating but no individual "
            "reviews; `monitor collect` keeps it as the source's daily rating snapshot, not as mentions",
            soft_wrap=True,
        )
    else:
        err_console.print(f"{len(mentions)} mention(s) from {escape(str(file))}", soft_wrap=True)
    console.file.flush()


__all__ = ["collect", "sources_app", "sources_list", "sources_parse"]
