"""Commands over the store and the index: init, db, import, label, query, export."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    migration_progress,
    open_index,
    parse_date,
    resolve_config,
)
from monitor._cli.tables import (
    COMPARE_COLS,
    MENTION_COLS,
    POINT_CAPTION,
    SATISFACTION_COLS,
    breakdown_cols,
    mention_cells,
    point_cells,
)
from monitor._hints import closest, hinted
from monitor._labels import LABELS
from monitor._search import HELP as SEARCH_HELP
from monitor.errors import ConfigError, InvalidLabel, StorageError

if TYPE_CHECKING:
    from monitor._integrity import VerifyReport

db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
query_app = typer.Typer(help="Query the index and the stored mentions.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(query_app, name="query")

STARTER = Path(__file__).resolve().parent.parent / "data" / "monitor.example.toml"
FORMATS = ("table", "json", "jsonl", "csv")
JsonOpt = typer.Option(False, "--json", help="Print every field as JSON (full precision).")
CsvOpt = typer.Option(False, "--csv", help="Print every field as CSV (formula-safe cells: see the README).")


def _fmt(json_: bool, csv_: bool, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise ConfigError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
        return fmt
    if json_ and csv_:
        raise ConfigError("--json and --csv: choose one")
    return "json" if json_ else "csv" if csv_ else "table"


@app.command()
@handle_errors
def init(
    path: Path = typer.Argument(Path("monitor.toml"), help="Where to write the starter config."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a starter config file documenting every key."""
    if path.exists() and not force:
        raise ConfigError(f"{path} exists; pass --force to overwrite it")
    path.write_text(STARTER.read_text(encoding="utf-8"), encoding="utf-8")
    console.print(f"Wrote {escape(str(path))}. Edit brands and sources, then run [bold]monitor collect[/].")


@db_app.command("upgrade")
@handle_errors
def db_upgrade(config: Path | None = ConfigOpt, db: str | None = DbOpt) -> None:
    """Create or migrate the database schema to the latest version."""
    from monitor._store.engine import current_revision, make_engine, upgrade

    cfg = resolve_config(config, db)
    engine = make_engine(cfg.database_url)
    before = current_revision(engine)
    with migration_progress():
        upgrade(engine)
    after = current_revision(engine)
    console.print(f"Database schema: {before or 'empty'} → {after}")


@app.command("import")
@handle_errors
def import_cmd(
    file: Path = typer.Argument(..., help="CSV, TSV or JSON-lines file of mentions (needs a 'text' column)."),
    brand: str | None = typer.Option(None, "--brand", help="Brand for rows without a 'brand' column."),
    source: str | None = typer.Option(None, "--source", help="Source name for rows without a 'source' column."),
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
    json_: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import mentions from a file; bad rows are reported by line number, good rows kept.

    Exit code: 0 every row stored, 1 bad rows reported (the good ones are stored),
    2 the file, the options or the database are unusable.
    """
    from monitor._importer import run_import

    idx = open_index(config, db)
    with interruptible():
        report = run_import(idx, file, brand=brand, source=source)
    if json_:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    else:
        console.print(
            f"{report.rows} rows: [green]{report.new} new[/], {report.duplicate} duplicate, "
            f"{report.sightings} sightings, [red]{report.bad} bad[/]"
        )
        for ln, msg in report.errors[:50]:
            err_console.print(f"  line {ln}: {escape(msg)}", soft_wrap=True)  # one line per bad row
        if report.bad > 50:
            err_console.print(f"  … and {report.bad - 50} more bad rows")
    if report.bad:
        raise typer.Exit(1)


@app.command()
@handle_errors
def label(
    mention_id: str = typer.Argument(..., metavar="MENTION_ID", help="Mention id (see `monitor query mentions`)."),
    value: str = typer.Argument(..., help="negative, neutral, positive, or 'clear' to remove a manual label."),
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """Set a person's label on a mention; it wins over model scores."""
    mid, chosen = _mention_id(mention_id), _label_value(value)
    idx = open_index(config, db)
    idx.set_label(mid, chosen)
    console.print(f"Mention {mid}: label {chosen}" if chosen else f"Mention {mid}: manual label cleared")


def _mention_id(text: str) -> int:
    """A mention id typed on the command line, or a ConfigError in the product's words."""
    if not text.strip().isdigit() or not text.strip().isascii():
        raise ConfigError(f"mention id {text!r} is not a number (`monitor query mentions BRAND` lists the ids)")
    mid = int(text)
    if mid >= 2**63:
        raise StorageError(f"no mention with id {mid}")
    return mid


def _label_value(text: str) -> str | None:
    """A label typed on the command line (``clear``: None), or a ConfigError listing the valid ones."""
    valid = [*LABELS, "clear"]
    value = text.strip().lower()
    if value not in valid:
        raise InvalidLabel(hinted(f"label {text!r}: not a label", closest(text, valid), ("labels", valid)))
    return None if value == "clear" else value


def _point_rows(points: Any) -> list[dict[str, Any]]:
    return [p.to_dict() for p in points]


POINT_COLS = [
    "period_start",
    "volume",
    "positive",
    "neutral",
    "negative",
    "unscored",
    "msi",
    "msi_low",
    "msi_high",
    "low_sample",
    "net_sentiment",
    "csat",
    "csat_n",
    "nps",
    "nps_n",
]


@query_app.command("satisfaction")
@handle_errors
def q_satisfaction(
    brand: str = typer.Argument(..., help="Brand name."),
    by: str = typer.Option("day", "--by", help="Period: day, week, month or all."),
    since: str | None = typer.Option(None, "--since", help="First day (YYYY-MM-DD); default 30 days ago."),
    until: str | None = typer.Option(None, "--until", help="Last day (YYYY-MM-DD), inclusive; default today."),
    source: str | None = typer.Option(None, "--source", help="Only this source (name or kind)."),
    lang: str | None = typer.Option(None, "--lang", help="Only this language (ISO 639-1)."),
    reach: bool = typer.Option(
        False, "--reach", help="Reach-weighted MSI and volume beside the plain ones (see the README's Reach)."
    ),
    json_: bool = JsonOpt,
    csv_: bool = CsvOpt,
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """The mention-satisfaction index per period (fractions 0–1)."""
    periods = ("day", "week", "month", "all")
    if by not in periods:
        raise ConfigError(hinted(f"--by {by}: not a period", closest(by, periods), ("periods", periods)))
    idx = open_index(config, db)
    if reach:
        from monitor._cli.reach_table import reach_table

        reach_table(idx, brand, by, since, until, source, lang, _fmt(json_, csv_, None))
        return
    pts = idx.satisfaction(
        brand,
        start=parse_date(since, "--since"),
        end=parse_date(until, "--until"),
        by=None if by == "all" else by,
        source=source,
        lang=lang,
    )
    emit(
        _point_rows(pts),
        _fmt(json_, csv_, None),
        POINT_COLS,
        title=f"{brand}: satisfaction by {by}",
        layout=SATISFACTION_COLS,
        cells=point_cells,
        caption=POINT_CAPTION,
    )


@query_app.command("breakdown")
@handle_errors
def q_breakdown(
    brand: str = typer.Argument(..., help="Brand name."),
    by: str = typer.Option("source", "--by", help="One row per source kind ('source') or language ('lang')."),
    since: str | None = typer.Option(None, "--since", help="First day (YYYY-MM-DD); default 30 days ago."),
    until: str | None = typer.Option(None, "--until", help="Last day (YYYY-MM-DD), inclusive; default today."),
    json_: bool = JsonOpt,
    csv_: bool = CsvOpt,
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """The index per source kind or per language over one window (fractions 0–1)."""
    idx = open_index(config, db)
    res = idx.breakdown(brand, start=parse_date(since, "--since"), end=parse_date(until, "--until"), by=by)
    emit(
        res.to_dicts(),
        _fmt(json_, csv_, None),
        ["key", *POINT_COLS],
        title=f"{brand}: breakdown by {by}",
        layout=breakdown_cols(by),
        cells=point_cells,
        caption=POINT_CAPTION,
    )


@query_app.command("mentions")
@handle_errors
def q_mentions(
    brand: str = typer.Argument(..., help="Brand name."),
    sentiment: str | None = typer.Option(None, "--sentiment", help="negative, neutral, positive or unscored."),
    lang: str | None = typer.Option(None, "--lang", help="Only this language."),
    source: str | None = typer.Option(None, "--source", help="Only this source (name or kind)."),
    since: str | None = typer.Option(None, "--since", help="From this day or ISO time."),
    until: str | None = typer.Option(None, "--until", help="Up to this day (inclusive) or ISO time."),
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many mentions."),
    strongest: bool = typer.Option(False, "--strongest", help="Most confident first instead of newest first."),
    text: str | None = typer.Option(None, "--text", help=f"Only mentions holding these words. {SEARCH_HELP}"),
    theme: str | None = typer.Option(None, "--theme", help="Only this theme (its id or name: `query themes`)."),
    aspect: str | None = typer.Option(None, "--aspect", help="Only mentions about this aspect (`query aspects`)."),
    after: str | None = typer.Option(
        None,
        "--after",
        help="Continue after this cursor: where a text search stopped (it says so), or a mention's `cursor`.",
    ),
    json_: bool = JsonOpt,
    csv_: bool = CsvOpt,
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """List stored mentions of a brand."""
    idx = open_index(config, db)
    found = idx.mentions(
        brand,
        sentiment=sentiment,
        lang=lang,
        source=source,
        since=since,
        until=until,
        limit=limit,
        order="strongest" if strongest else "recent",
        text=text,
        theme=theme,
        aspect=aspect,
        after=after,
    )
    rows = found.to_dicts()
    emit(
        rows,
        _fmt(json_, csv_, None),
        _mention_fields(),
        title=f"{brand}: mentions (times in {idx.config.index.timezone})",
        layout=MENTION_COLS,
        cells=mention_cells,
        tz=idx.tz,
    )
    if found.searched_to is not None:  # on stderr: the JSON or CSV on stdout stays whole
        err_console.print(
            f"[yellow]partial:[/] searched the mentions back to "
            f"{found.searched_to.astimezone(idx.tz):%Y-%m-%d %H:%M} ({len(rows)} found); older ones are not "
            f"searched yet. Continue searching older mentions: --after {escape(str(found.resume_after))}",
            soft_wrap=True,
            highlight=False,
        )


def _mention_fields() -> list[str]:
    from dataclasses import fields

    from monitor._api import MentionRecord

    return [f.name for f in fields(MentionRecord)]


@query_app.command("compare")
@handle_errors
def q_compare(
    brands: list[str] = typer.Argument(..., help="Two or more brand names."),
    since: str | None = typer.Option(None, "--since", help="First day (YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--until", help="Last day (YYYY-MM-DD), inclusive."),
    json_: bool = JsonOpt,
    csv_: bool = CsvOpt,
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """Share of voice and the index per brand."""
    idx = open_index(config, db)
    res = idx.compare(brands, start=parse_date(since, "--since"), end=parse_date(until, "--until"))
    emit(
        res.to_dicts(),
        _fmt(json_, csv_, None),
        ["brand", "share_of_voice", *POINT_COLS[1:]],
        title=f"{' vs '.join(brands)}: share of voice and the index",
        layout=COMPARE_COLS,
        cells=point_cells,
        caption=POINT_CAPTION,
    )


@query_app.command("alerts")
@handle_errors
def q_alerts(
    brand: str = typer.Argument(..., help="Brand name."),
    json_: bool = JsonOpt,
    csv_: bool = CsvOpt,
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """Alerts for the last 24 hours, each with its numbers and what drove it."""
    idx = open_index(config, db)
    alerts = idx.alerts(brand)
    fmt = _fmt(json_, csv_, None)
    if fmt != "table":
        emit(alerts.to_dicts(), fmt, ["kind", "brand", "message", "numbers", "drivers"])
        return
    if not alerts:
        console.print(f"No alerts for {escape(brand)}.")
    for a in alerts:
        console.print(f"[bold red]{a.kind}[/]: {escape(a.message)}")
        for line in a.drivers:
            console.print(f"  what drove it: {escape(line)}")


@app.command()
@handle_errors
def export(
    out: Path = typer.Argument(..., help="Output file (.jsonl or .csv)."),
    brand: str | None = typer.Option(None, "--brand", help="Only this brand."),
    since: str | None = typer.Option(None, "--since", help="From this day."),
    until: str | None = typer.Option(None, "--until", help="Up to this day (inclusive)."),
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """Export stored mentions with their labels (re-importable with `monitor import`)."""
    from monitor._exporter import export_mentions

    idx = open_index(config, db)
    n = export_mentions(idx, out, brand=brand, since=parse_date(since, "--since"), until=parse_date(until, "--until"))
    console.print(f"Exported {n} mentions to {escape(str(out))}")


@app.command()
@handle_errors
def verify(
    repair: bool = typer.Option(False, "--repair", help="Rebuild wrong rollups and snapshots, then verify again."),
    json_: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """Recount rollups and snapshots from the mentions; exit 1 on any difference, duplicate or running run."""
    idx = open_index(config, db)
    report = idx.verify(repair=repair)
    if json_:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    else:
        _print_verify(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_verify(report: VerifyReport) -> None:
    limit = 50
    console.print(
        f"{report.mentions} mentions; {report.days_checked} brand-days recounted "
        f"({report.days_skipped_retention} skipped: thinned by retention; "
        f"{report.days_skipped_dirty} snapshots awaiting refresh not compared)"
    )
    if report.repaired:
        console.print(
            f"repaired: rollups of {report.repaired['rollup_days']} brand-days, "
            f"snapshots of {report.repaired['snapshot_days']} brand-days, "
            f"theme and aspect counts of {report.repaired.get('insight_days', 0)} brand-days"
        )
    for d in report.rollups[:limit]:
        key = ", ".join(f"{k}={v}" for k, v in d.key.items())
        console.print(f"[red]{d.table}[/] {escape(key)}: stored {d.stored}, recounted {d.recounted}")
    for s in report.snapshots[:limit]:
        what = "; ".join(f"{k} stored {v[0]} recomputed {v[1]}" for k, v in s.fields.items())
        console.print(
            f"[red]index_snapshot[/] {escape(s.brand)} {s.day} {s.scope}={escape(s.scope_value)}: {escape(what)}"
        )
    for m in report.duplicates[:limit]:
        console.print(
            f"[red]duplicate[/] {escape(m.brand)} text {m.content_hash} stored as mentions "
            f"{', '.join(map(str, m.mention_ids))} from {escape(', '.join(m.sources))}"
        )
    for r in report.running_runs[:limit]:
        console.print(
            f"[yellow]running[/] run {r.id} ({escape(r.kind)}) "
            f"since {r.started_at:%Y-%m-%d %H:%M:%S} UTC ({r.age_s:.0f} s)"
        )
    for n in report.notes:
        console.print(f"note: {escape(n)}")
    console.print("[green]clean[/]" if report.ok else "[bold red]problems found[/]")
