"""The tables the CLI prints, laid out on purpose to fit 100 columns.

Every column has a kind that says how its cells look and whether they may shrink:

- ``date`` (``2026-11-03``) and ``time`` (``2026-11-03T09:00:00+01:00``, the timestamp
  format of the log and the digest, :mod:`monitor._stamps`): ISO 8601, fixed width, never
  cut; ``figure``: numbers, right-aligned, never cut; ``word``: short fixed words (a
  status, a kind, a language), never cut.
- ``name``: a brand, source or job name, kept whole up to ``limit`` cells and
  middle-ellipsised beyond (``trustpilot-rev…-norway``: both ends stay readable).
- ``text``: wraps in whatever width is left, clipped at ``limit`` characters with an
  ellipsis (``limit=0``: never clipped, long words fold — paths, URLs).

Only ``text`` columns give up width, so at 100 columns (the width used when the output
is not a terminal and ``COLUMNS`` is unset) nothing but long text is shortened; the full
data is always one ``--csv`` or ``--json`` away. Scraped text is hostile: every cell is
a literal :class:`~rich.text.Text` (no markup) without control characters.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from monitor._dates import parse_day, parse_iso
from monitor._health import plain_reason
from monitor._redact import redact_text
from monitor._stamps import iso_stamp
from monitor._store.listings import RunRecord, SourceOverview
from monitor._textsafe import printable

Kind = Literal["date", "time", "word", "figure", "name", "text"]

#: The width tables are laid out for when the output is not a terminal.
TABLE_WIDTH = 100
#: Names longer than this many cells are middle-ellipsised (unless a column says otherwise).
NAME_WIDTH = 24
#: Mention texts in a table are clipped at this many characters (``--json``: the whole text).
TEXT_LIMIT = 140
#: Colours of source, run and job statuses.
STATUS_STYLES = {
    **dict.fromkeys(("partial", "failing", "interrupted", "running", "unreachable", "skipped"), "yellow"),
    **dict.fromkeys(("blocked", "failed", "abandoned", "stale"), "red"),
    **{"ok": "green", "done": "green", "in use": "green", "not_modified": "cyan", "never": "dim"},
}
EMPTY = "—"


@dataclass(frozen=True, slots=True)
class Col:
    """One column: the row key it shows, its header, its kind and its limit (see the module)."""

    key: str
    header: str = ""
    kind: Kind = "text"
    limit: int = 0


# -- cells ------------------------------------------------------------------------------


def middle_ellipsis(text: str, width: int) -> str:
    """``text`` if it fits ``width`` cells, else its start and end around one ``…``."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    room = width - 1
    head_room, tail_room = room - room // 2, room // 2
    head = _take(text, head_room)
    tail = _take(text[::-1], tail_room)[::-1]
    return f"{head}…{tail}"


def _take(text: str, width: int) -> str:
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out)


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a word boundary when one is near, with ``…``."""
    if limit <= 0 or len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 3 // 4:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _instant(value: object) -> datetime | date | None:
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return parse_day(value) if len(value) == 10 else parse_iso(value)
        except ValueError:
            return None
    return None


def _in(v: datetime, tz: tzinfo | None) -> datetime:
    """``v`` in ``tz`` (a naive time is UTC, as everywhere in the project); unchanged without ``tz``."""
    if tz is None:
        return v
    return (v if v.tzinfo is not None else v.replace(tzinfo=UTC)).astimezone(tz)


def short_date(value: object, tz: tzinfo | None = None) -> str:
    """``YYYY-MM-DD`` of a date, a datetime (in ``tz``) or ISO text; ``—`` for none."""
    v = _instant(value)
    if isinstance(v, datetime):
        v = _in(v, tz).date()
    return v.isoformat() if v is not None else _plain(value)


def short_time(value: object, tz: tzinfo | None = None) -> str:
    """``2026-11-03T09:00:00+01:00`` of a datetime (in ``tz``, else its own offset) or ISO text; ``—`` for none."""
    v = _instant(value)
    if isinstance(v, datetime):
        return iso_stamp(v, tz or v.tzinfo)
    if isinstance(v, date):
        return v.isoformat()
    return _plain(value)


def fraction(value: float | None, *, signed: bool = False) -> str:
    """A figure 0–1 (or −1–+1 with ``signed``) with three decimals; ``—`` when undefined."""
    if value is None:
        return EMPTY
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def _plain(value: object) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, datetime):
        return short_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _cell(col: Col, value: object, tz: tzinfo | None) -> Text:
    if isinstance(value, Text):
        return value
    if col.kind == "date":
        s = short_date(value, tz)
    elif col.kind == "time":
        s = short_time(value, tz)
    else:
        s = _plain(value)
    s = printable(s)
    if col.kind == "name":
        s = middle_ellipsis(s, col.limit or NAME_WIDTH)
    elif col.kind == "text":
        s = clip(s, col.limit)
    return Text(s, style=STATUS_STYLES.get(s, "") if col.kind == "word" else "")


# -- tables -----------------------------------------------------------------------------


def make_table(
    cols: Sequence[Col],
    rows: Iterable[Mapping[str, Any]],
    *,
    title: str = "",
    caption: str = "",
    tz: tzinfo | None = None,
) -> Table:
    """A table of ``rows`` (cell dicts) in ``cols``' layout; times shown in ``tz``."""
    table = Table(
        title=Text(printable(title)) if title else None,
        caption=Text(printable(caption)) if caption else None,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        title_justify="left",
        caption_justify="left",
    )
    for c in cols:
        fixed = c.kind != "text"
        table.add_column(
            Text(c.header or c.key),
            justify="right" if c.kind == "figure" else "left",
            no_wrap=fixed,
            overflow="fold",
            min_width={"date": 10, "time": 25}.get(c.kind),
        )
    for r in rows:
        table.add_row(*(_cell(c, r.get(c.key), tz) for c in cols))
    return table


def table_width(console: Console) -> int:
    """The console's width on a terminal or with ``COLUMNS`` set, else :data:`TABLE_WIDTH`."""
    if console.is_terminal or os.environ.get("COLUMNS", "").isdigit():
        return console.width
    return TABLE_WIDTH


def print_table(console: Console, table: Table) -> None:
    """Print ``table`` at :func:`table_width` (not a terminal: a plain console that wide)."""
    width = table_width(console)
    out = console if width == console.width else Console(file=console.file, width=width, highlight=False)
    out.print(table)


def infer_cols(keys: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> list[Col]:
    """Columns for rows without a declared layout: kinds guessed from the first values."""

    def kind(v: object) -> Kind:
        if isinstance(v, bool):
            return "word"
        if isinstance(v, (datetime, date)):
            return "time" if isinstance(v, datetime) else "date"
        return "figure" if isinstance(v, (int, float)) else "text"

    firsts = {k: next((r.get(k) for r in rows if r.get(k) is not None), None) for k in keys}
    return [Col(k, kind=kind(v), limit=200) for k, v in firsts.items()]


# -- the product's tables ---------------------------------------------------------------

_COUNTS = [
    Col("volume", "volume", "figure"),
    Col("positive", "pos", "figure"),
    Col("neutral", "neu", "figure"),
    Col("negative", "neg", "figure"),
    Col("unscored", "unscored", "figure"),
]
_FIGURES = [
    Col("msi_cell", "MSI", "figure"),
    Col("msi_ci", "MSI 95 %", "figure"),
    Col("net_cell", "net", "figure"),
    Col("csat_cell", "CSAT", "figure"),
    Col("nps_cell", "NPS", "figure"),
]
SATISFACTION_COLS = [Col("period_start", "period", "date"), *_COUNTS, *_FIGURES]
COMPARE_COLS = [
    Col("brand", "brand", "text"),
    Col("volume", "volume", "figure"),
    Col("sov_cell", "share", "figure"),
    *_FIGURES,
]


def breakdown_cols(by: str) -> list[Col]:
    """The breakdown table: one row per source kind (``by="source"``) or language."""
    return [Col("key", "source kind" if by == "source" else "language", "name"), *_COUNTS, *_FIGURES]


MENTION_COLS = [
    Col("id", "id", "figure"),
    Col("published_at", "published", "time"),
    Col("source", "source", "name", 20),
    Col("lang", "lang", "word"),
    Col("label", "label", "word"),
    Col("rating_cell", "rating", "figure"),
    Col("text_cell", "author: text", "text"),
]
SOURCE_COLS = [
    Col("name", "source", "name", 20),
    Col("kind", "kind", "name", 12),
    Col("brand", "brand", "name", 12),
    Col("status", "status", "word"),
    Col("last_success_at", "last success", "time"),
    Col("reason", "last error / reason", "text", 200),
]
RUN_COLS = [
    Col("id", "id", "figure"),
    Col("kind", "kind", "name", 12),
    Col("started_at", "started", "time"),
    Col("took", "took", "figure"),
    Col("status", "status", "word"),
    Col("brief", "counts", "text", 120),
    Col("error_text", "errors", "text", 120),
]
JOB_COLS = [
    Col("id", "job", "name", 20),
    Col("schedule", "schedule", "text"),
    Col("next_run", "next run", "time"),
    Col("last_run", "last run", "time"),
    Col("result", "result", "word"),
]
COLLECT_COLS = [
    Col("source", "source", "name", 20),
    Col("kind", "kind", "name", 12),
    Col("status", "status", "word"),
    Col("pages", "pages", "figure"),
    Col("new", "new", "figure"),
    Col("duplicate", "dup", "figure"),
    Col("sightings", "sightings", "figure"),
    Col("unmatched", "unmatched", "figure"),
    Col("skipped", "skipped", "figure"),
]
POINT_CAPTION = "pos/neu/neg: positive, neutral, negative mentions · * low sample · every figure: --csv or --json"


def point_cells(d: Mapping[str, Any]) -> dict[str, Any]:
    """A point's (or a brand's) dict with the table's composite cells added."""
    msi = d.get("msi")
    low, high = d.get("msi_low"), d.get("msi_high")
    star = "*" if d.get("low_sample") and msi is not None else " "
    return {
        **d,
        "msi_cell": fraction(msi) + star,
        "msi_ci": EMPTY if low is None or high is None else f"{low:.3f}–{high:.3f}",
        "net_cell": fraction(d.get("net_sentiment"), signed=True),
        "csat_cell": fraction(d.get("csat")),
        "nps_cell": fraction(d.get("nps"), signed=True),
        "sov_cell": fraction(d.get("share_of_voice")),
    }


def mention_cells(d: Mapping[str, Any]) -> dict[str, Any]:
    """A mention's dict with its rating as ``value/best`` and its author (dimmed) before its text."""
    rating, scale = d.get("rating"), d.get("rating_scale")
    cell = EMPTY if rating is None else f"{rating:g}" + (f"/{scale[1]:g}" if scale else "")
    text = Text()
    if d.get("author"):
        text.append(middle_ellipsis(printable(str(d["author"])), NAME_WIDTH) + ": ", style="dim")
    text.append(clip(printable(str(d.get("text") or "")), TEXT_LIMIT))
    return {**d, "rating_cell": cell, "text_cell": text}


def source_cells(d: SourceOverview) -> dict[str, Any]:
    """A source overview with its blocked reason or last error as one cell."""
    reason = plain_reason(d.blocked_reason or d.last_error) or ""
    return {
        "name": d.name,
        "kind": d.kind,
        "brand": d.brand,
        "status": d.status,
        "last_success_at": d.last_success_at,
        "reason": redact_text(reason),
    }


def run_cells(r: RunRecord) -> dict[str, Any]:
    """A run as the status table shows it: its counts and errors in brief."""
    counts = r.counts or {}
    took = r.duration_s
    return {
        "id": r.id,
        "kind": r.kind,
        "started_at": r.started_at,
        "took": "…" if took is None else f"{took:.1f}s",
        "status": r.status,
        "brief": ", ".join(f"{k}={v}" for k, v in counts.items() if isinstance(v, (int, float, str)) and k != "html"),
        "error_text": redact_text("; ".join(r.errors or [])),
    }


def _pct(x: float | None) -> str:
    return EMPTY if x is None else f"{x * 100:.0f} %"


def demo_table(results: Sequence[Mapping[str, Any]]) -> Table:
    """The demo's summary: per brand, mentions by language and the MSI today, over 7 and 30 days."""
    langs = ("hy", "sv", "tr", "bg", "en")
    figures = ("unscored", "MSI today", "7 days", "30 days", "alerts")
    cols = [
        Col("brand", "brand", "name", 16),
        Col("mentions", "mentions", "figure"),
        *(Col(c, c, "figure") for c in (*langs, *figures)),
    ]
    rows = [
        {
            "brand": r["brand"],
            "mentions": r["mentions"],
            **{lang: r["languages"].get(lang, 0) for lang in langs},
            "unscored": r["unscored"],
            "MSI today": _pct(r["msi_today"]) + ("*" if r["low_sample_today"] and r["msi_today"] is not None else " "),
            "7 days": _pct(r["msi_7d"]),
            "30 days": _pct(r["msi_30d"]),
            "alerts": r["alerts"],
        }
        for r in results
    ]
    title = "Last 30 days · MSI = positive ÷ (positive + negative)"
    return make_table(cols, rows, title=title, caption="* low sample (fewer than 30 positive + negative mentions)")


__all__ = [
    "COLLECT_COLS",
    "COMPARE_COLS",
    "JOB_COLS",
    "MENTION_COLS",
    "NAME_WIDTH",
    "POINT_CAPTION",
    "RUN_COLS",
    "SATISFACTION_COLS",
    "SOURCE_COLS",
    "TABLE_WIDTH",
    "Col",
    "breakdown_cols",
    "clip",
    "demo_table",
    "fraction",
    "infer_cols",
    "make_table",
    "mention_cells",
    "middle_ellipsis",
    "point_cells",
    "print_table",
    "run_cells",
    "short_date",
    "short_time",
    "source_cells",
    "table_width",
]
