"""``monitor query themes``: what people talked about in a period, theme by theme."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

from monitor._cli.common import ConfigOpt, DbOpt, console, emit, escape, handle_errors, open_index
from monitor._cli.core import CsvOpt, JsonOpt, _fmt, query_app
from monitor._cli.tables import EMPTY, TEXT_LIMIT, Col, clip
from monitor._textsafe import printable
from monitor.errors import ConfigError

THEME_FIELDS = [
    "id",
    "brand",
    "name",
    "gist",
    "since",
    "until",
    "volume",
    "previous_volume",
    "volume_change",
    "share",
    "positive",
    "neutral",
    "negative",
    "unscored",
    "msi",
    "msi_low",
    "msi_high",
    "low_sample",
    "previous_msi",
    "msi_change",
    "langs",
    "terms",
    "first_seen",
    "mentions",
]
THEME_COLS = [
    Col("id", "id", "figure"),
    Col("name", "theme", "name", 24),
    Col("volume", "n", "figure"),
    Col("change_cell", "before", "figure"),
    Col("msi_cell", "MSI", "figure"),
    Col("langs_cell", "languages", "name", 14),
    Col("example", "for example", "text"),
]


def _pct(v: object) -> str:
    return f"{v * 100:.0f} %" if isinstance(v, (int, float)) else EMPTY


def theme_cells(d: Mapping[str, Any]) -> dict[str, Any]:
    """A theme's dict with its change, MSI, languages and first representative mention as cells."""
    change = int(d.get("volume_change") or 0)
    langs = d.get("langs") or {}
    mentions = d.get("mentions") or []
    example = ""
    if mentions:
        m = mentions[0]
        example = f"[{m.get('lang') or '?'}] " + clip(printable(str(m.get("text") or "")), TEXT_LIMIT)
    msi = _pct(d.get("msi")) + ("*" if d.get("low_sample") and d.get("msi") is not None else "")
    return {
        **d,
        "name": printable(str(d.get("name") or "")),
        "change_cell": f"{d.get('previous_volume', 0)} ({change:+d})",
        "msi_cell": msi,
        "langs_cell": " ".join(str(k) for k in langs),
        "example": example,
    }


@query_app.command("themes")
@handle_errors
def q_themes(
    brand_arg: str | None = typer.Argument(None, metavar="[BRAND]", help="Brand name (or --brand)."),
    brand: str | None = typer.Option(None, "--brand", help="Brand name."),
    since: str | None = typer.Option(None, "--since", help="From this day or ISO time; default 7 days before --until."),
    until: str | None = typer.Option(None, "--until", help="Up to this day (included) or ISO time; default now."),
    json_: bool = JsonOpt,
    csv_: bool = CsvOpt,
    config: Path | None = ConfigOpt,
    db: str | None = DbOpt,
) -> None:
    """The brand's themes in a period (mentions grouped across languages, named by their most
    distinctive terms): volume and MSI against the period before, languages, an example."""
    if brand_arg and brand and brand_arg != brand:
        raise ConfigError(f"two brands given: {brand_arg!r} and --brand {brand!r}")
    name = brand or brand_arg
    if not name:
        raise ConfigError("which brand? give it as an argument or with --brand")
    fmt = _fmt(json_, csv_, None)
    idx = open_index(config, db)
    found = idx.themes(name, since=since, until=until)
    if fmt == "table" and not found:
        console.print(
            f"No theme of {escape(name)} in that period (themes come from `monitor run`: after scoring, "
            "each mention's vector is stored and placed in a theme)."
        )
        return
    title = f"{name}: themes" + (f" {since or '…'} – {until or 'now'}" if since or until else ", last 7 days")
    caption = "before: the period of the same length just before (change); * low sample (P + N under index.min_sample)"
    emit(
        found.to_dicts(),
        fmt,
        THEME_FIELDS,
        title=title,
        layout=THEME_COLS,
        cells=theme_cells,
        caption=caption if fmt == "table" else "",
        tz=idx.tz,
    )


__all__ = ["THEME_COLS", "THEME_FIELDS", "q_themes", "theme_cells"]
