"""``monitor query complaints`` (negative mentions awaiting an answer, with their age) and
``monitor complaints answer ID [--undo]`` (a person's answer, recorded as ``cli``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, tzinfo
from pathlib import Path
from typing import Any

import typer
from rich.text import Text

from monitor._cli.app import app
from monitor._cli.common import ConfigOpt, DbOpt, console, emit, escape, handle_errors, open_index
from monitor._cli.core import CsvOpt, JsonOpt, _fmt, _mention_id, query_app
from monitor._cli.tables import EMPTY, NAME_WIDTH, TEXT_LIMIT, Col, clip, middle_ellipsis
from monitor._dates import parse_day, parse_iso
from monitor._stamps import duration
from monitor._textsafe import printable
from monitor.errors import ConfigError

complaints_app = typer.Typer(help="Complaints awaiting an answer: mark them answered.", no_args_is_help=True)
app.add_typer(complaints_app, name="complaints")

COMPLAINT_FIELDS = [
    "id",
    "brand",
    "source",
    "source_kind",
    "lang",
    "published_at",
    "age_s",
    "overdue",
    "reasons",
    "answered_at",
    "answered_by",
    "response_s",
    "author",
    "title",
    "text",
    "url",
    "rating",
    "rating_scale",
]
FIGURE_FIELDS = [
    "brand",
    "source",
    "complaints",
    "open",
    "overdue",
    "oldest_open_s",
    "answered",
    "due",
    "answered_in_time",
    "answered_in_time_share",
    "median_response_s",
    "target_s",
]
COMPLAINT_COLS = [
    Col("id", "id", "figure"),
    Col("published_at", "published", "time"),
    Col("source", "source", "name", 16),
    Col("lang", "lang", "word"),
    Col("age_cell", "age", "figure"),
    Col("state", "answer", "word"),
    Col("why", "why", "text", 24),
    Col("text_cell", "author: text", "text"),
]
FIGURE_COLS = [
    Col("brand", "brand", "name", 16),
    Col("source_cell", "source", "name", 16),
    Col("open", "open", "figure"),
    Col("overdue", "late", "figure"),
    Col("oldest_cell", "oldest", "figure"),
    Col("answered", "answered", "figure"),
    Col("share_cell", "in time", "figure"),
    Col("median_cell", "median answer", "figure"),
]


def complaint_cells(d: Mapping[str, Any]) -> dict[str, Any]:
    """A complaint's dict with its age, answer and reasons as table cells."""
    text = Text()
    if d.get("author"):
        text.append(middle_ellipsis(printable(str(d["author"])), NAME_WIDTH) + ": ", style="dim")
    text.append(clip(printable(str(d.get("text") or "")), TEXT_LIMIT))
    if d.get("answered_at"):
        state = f"{duration(d.get('response_s'))} ({d.get('answered_by') or '?'})"
    else:
        state = "late" if d.get("overdue") else "open"
    return {
        **d,
        "age_cell": duration(d.get("age_s")),
        "state": state,
        "why": ", ".join(d.get("reasons") or []) or "answered",
        "text_cell": text,
    }


def figure_cells(d: Mapping[str, Any]) -> dict[str, Any]:
    """A figures row with durations and the in-time share as cells."""
    share = d.get("answered_in_time_share")
    return {
        **d,
        "source_cell": d.get("source") or "(all)",
        "oldest_cell": duration(d.get("oldest_open_s")),
        "share_cell": EMPTY if share is None else f"{share * 100:.0f} %",
        "median_cell": duration(d.get("median_response_s")),
    }


@query_app.command("complaints")
@handle_errors
def q_complaints(
    brand: str | None = typer.Argument(None, help="Brand name (default: every brand)."),
    status: str = typer.Option("open", "--status", help="open, answered or all."),
    since: str | None = typer.Option(None, "--since", help="Published from this day or ISO time; default 30 days ago."),
    source: str | None = typer.Option(None, "--source", help="Only this source (name or kind)."),
    lang: str | None = typer.Option(None, "--lang", help="Only this language."),
    order: str = typer.Option("newest", "--order", help="newest first, or oldest (longest waiting) first."),
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many complaints."),
    figures: bool = typer.Option(
        False, "--figures", help="Per brand and source: open, late, oldest, share answered in time, median answer."
    ),
    json_: bool = JsonOpt,
    csv_: bool = CsvOpt,
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """Negative mentions that ask for an answer (a question, a request, written to the brand,
    a review of 1–2 stars), with their age; answered within `complaints.answer_within` counts as in time."""
    fmt = _fmt(json_, csv_, None)
    idx = open_index(config, db)
    target = idx.config.complaints.answer_within
    if figures:
        rows = idx.complaint_figures(brand, since=since, source=source, lang=lang).to_dicts()
        title = f"{brand or 'Every brand'}: complaints, answer target {target}"
        emit(rows, fmt, FIGURE_FIELDS, title=title, layout=FIGURE_COLS, cells=figure_cells)
        return
    found = idx.complaints(brand, status=status, since=since, source=source, lang=lang, order=order, limit=limit)
    title = (
        f"{brand or 'Every brand'}: {status} complaints (answer target {target}; times in {idx.config.index.timezone})"
    )
    if fmt == "table" and not found:
        console.print(f"No {escape(status)} complaint{' of ' + escape(brand) if brand else ''}.")
        return
    emit(found.to_dicts(), fmt, COMPLAINT_FIELDS, title=title, layout=COMPLAINT_COLS, cells=complaint_cells, tz=idx.tz)


@complaints_app.command("answer")
@handle_errors
def answer(
    mention_id: str = typer.Argument(..., metavar="ID", help="Mention id (see `monitor query complaints`)."),
    undo: bool = typer.Option(False, "--undo", help="Open it again (forget the answer)."),
    at: str | None = typer.Option(None, "--at", help="When it was answered (ISO time or day); default now."),
    by: str = typer.Option("cli", "--by", help="Who answered (recorded with the answer)."),
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """Mark a complaint answered (or, with --undo, open again)."""
    mid = _mention_id(mention_id)
    idx = open_index(config, db)
    if undo:
        if at is not None:
            raise ConfigError("--undo and --at: choose one")
        state = idx.unmark_answered(mid)
        console.print(f"Mention {mid}: open again" if state.changed else f"Mention {mid} was not answered")
        return
    when = _when(at, idx.tz) if at is not None else None
    state = idx.mark_answered(mid, by=by.strip() or "cli", at=when)
    shown = state.answered_at.astimezone(idx.tz).isoformat(timespec="minutes") if state.answered_at else "?"
    if state.changed:
        console.print(f"Mention {mid}: answered at {shown} ({escape(state.answered_by or '?')})")
    else:
        console.print(f"Mention {mid} was already answered at {shown} by {escape(state.answered_by or '?')}: kept")
    if idx.complaint(mid) is None:
        console.print(f"note: mention {mid} is not a negative one, so it is not counted as a complaint")


def _when(text: str, tz: tzinfo) -> datetime:
    """``--at``: a day (its midnight in the index timezone) or an ISO time (naive: in that timezone)."""
    try:
        if len(text.strip()) == 10:
            return datetime.combine(parse_day(text.strip()), time(), tzinfo=tz)
        return parse_iso(text, naive=tz)
    except ValueError:
        raise ConfigError(f"--at {text!r} is not a day (YYYY-MM-DD) or an ISO time") from None


__all__ = ["COMPLAINT_COLS", "answer", "complaint_cells", "figure_cells", "q_complaints"]
