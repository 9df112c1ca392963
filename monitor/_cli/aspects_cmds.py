"""``monitor query aspects``: per brand and aspect, volume, share and MSI beside the competitors'."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

from monitor._cli.common import ConfigOpt, DbOpt, console, emit, handle_errors, open_index
from monitor._cli.core import CsvOpt, JsonOpt, _fmt, query_app
from monitor._cli.tables import Col, fraction, point_cells

ASPECT_FIELDS = [
    "brand",
    "aspect",
    "label",
    "volume",
    "share",
    "positive",
    "neutral",
    "negative",
    "unscored",
    "msi",
    "msi_low",
    "msi_high",
    "low_sample",
    "net_sentiment",
    "others_volume",
    "others_msi",
    "msi_vs_others",
    "tagged",
    "untagged",
]
ASPECT_COLS = [
    Col("brand", "brand", "name", 16),
    Col("label", "aspect", "name", 18),
    Col("volume", "mentions", "figure"),
    Col("share_cell", "share", "figure"),
    Col("negative", "neg", "figure"),
    Col("msi_cell", "MSI", "figure"),
    Col("msi_ci", "MSI 95 %", "figure"),
    Col("others_cell", "others' MSI", "figure"),
    Col("gap_cell", "vs others", "figure"),
]
ASPECT_CAPTION = (
    "share: of the brand's tagged mentions · others: every other brand together · * low sample"
    " · every figure: --csv or --json"
)


def aspect_cells(d: Mapping[str, Any]) -> dict[str, Any]:
    """An aspect row with its share, MSI, interval and the competitors' MSI as cells."""
    return {
        **point_cells(d),
        "share_cell": fraction(d.get("share")),
        "others_cell": fraction(d.get("others_msi")),
        "gap_cell": fraction(d.get("msi_vs_others"), signed=True),
    }


@query_app.command("aspects")
@handle_errors
def q_aspects(
    brand: str | None = typer.Option(None, "--brand", help="Only this brand (default: every brand)."),
    since: str | None = typer.Option(None, "--since", help="Published from this day or ISO time; default 30 days ago."),
    until: str | None = typer.Option(None, "--until", help="Published up to this day (inclusive) or ISO time."),
    source: str | None = typer.Option(None, "--source", help="Only this source (name or kind)."),
    lang: str | None = typer.Option(None, "--lang", help="Only this language."),
    json_: bool = JsonOpt,
    csv_: bool = CsvOpt,
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """What the mentions talk about (price, delivery, product quality, customer service,
    app/website, staff, availability, or the config's own aspects): per brand and aspect, how
    many mentions, their share and MSI, beside every other brand's MSI for the same aspect."""
    fmt = _fmt(json_, csv_, None)
    idx = open_index(config, db)
    rows = idx.aspects(brand, since=since, until=until, source=source, lang=lang)
    if fmt == "table" and not rows:
        configured = bool(idx.config.aspects.aspects())
        console.print("No mentions of any brand yet." if configured else "No aspects configured (see [aspects]).")
        return
    waiting = sum({r.brand: r.untagged for r in rows}.values())
    caption = ASPECT_CAPTION + (f" · {waiting} mention(s) not tagged yet (`monitor run` tags them)" if waiting else "")
    title = f"{brand or 'Every brand'}: aspects"
    emit(rows.to_dicts(), fmt, ASPECT_FIELDS, title=title, layout=ASPECT_COLS, cells=aspect_cells, caption=caption)


__all__ = ["ASPECT_COLS", "ASPECT_FIELDS", "aspect_cells", "q_aspects"]
