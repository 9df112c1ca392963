"""``monitor model check``: how often the model agrees with the stars on the project's own rated mentions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from monitor._cli.common import ConfigOpt, DbOpt, console, escape, handle_errors, open_index, parse_date
from monitor._cli.model_cmds import model_app
from monitor._cli.tables import Col, make_table, print_table
from monitor._index.agreement import Agreement, ModelCheck, describe
from monitor._labels import LABELS
from monitor.errors import ConfigError

GROUP_COLS = [
    Col("group", "language or source", "name", 32),
    Col("n", "rated", "figure"),
    Col("agree", "agree", "figure"),
    Col("share", "agreement", "figure"),
    Col("interval", "95 % interval", "figure"),
]
MATRIX_COLS = [Col("stars", "stars say ↓ model says →", "name", 26), *(Col(lab, lab, "figure") for lab in LABELS)]


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def _group_cells(a: Agreement) -> dict[str, Any]:
    group = "all" if a.scope == "all" else f"{'language' if a.scope == 'lang' else 'source'} {a.key}"
    span = "—" if a.low is None or a.high is None else f"{100 * a.low:.1f}–{100 * a.high:.1f} %"
    return {"group": group, "n": a.n, "agree": a.agree, "share": _pct(a.share), "interval": span}


def print_check(check: ModelCheck) -> None:
    """The check as two tables: agreement per group, then the overall confusion matrix."""
    who = f" of {check.brand}" if check.brand else ""
    title = f"Model against the stars{who}, {check.start} to {check.end} ({check.days} days)"
    console.print(escape(describe(check)) + ".")
    if not check.overall.n:
        return
    rows = [_group_cells(a) for a in check.rows]
    caption = "stars: 1–2 of 5 negative, 3 neutral, 4–5 positive (other scales normalised) · all figures: --json"
    print_table(console, make_table(GROUP_COLS, rows, title=title, caption=caption))
    matrix = [{"stars": s, **{m: check.overall.cell(s, m) for m in LABELS}} for s in LABELS]
    print_table(console, make_table(MATRIX_COLS, matrix, title="Confusion matrix, all rated mentions"))


@model_app.command("check")
@handle_errors
def check_cmd(
    days: int = typer.Option(30, "--days", help="How many days, ending on --end (index timezone)."),
    brand: str | None = typer.Option(None, "--brand", "-b", help="Only this brand. Default: every brand."),
    end: str | None = typer.Option(None, "--end", help="Last day (YYYY-MM-DD), inclusive. Default: today."),
    json_: bool = typer.Option(False, "--json", help="Print every figure as JSON (full precision)."),
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """How often the model's label agrees with the stars' label on rated mentions it scored:
    per language and per source, with the share's 95 % interval and the confusion matrix."""
    if not 1 <= days <= 3650:
        raise ConfigError(f"--days {days}: expected 1 to 3650")
    idx = open_index(config, db)
    check = idx.model_check(brand, days=days, end=parse_date(end, "--end"))
    if json_:
        sys.stdout.write(json.dumps(check.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    print_check(check)


__all__ = ["check_cmd", "print_check"]
