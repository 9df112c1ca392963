"""The table of ``monitor query satisfaction --reach``: plain figures beside reach-weighted ones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitor._cli.common import emit, parse_date
from monitor._cli.tables import EMPTY, Col, fraction

REACH_COLS = [
    Col("period_start", "period", "date"),
    Col("volume", "volume", "figure"),
    Col("wvol_cell", "w. volume", "figure"),
    Col("with_reach", "reach", "figure"),
    Col("msi_cell", "MSI", "figure"),
    Col("msi_ci", "MSI 95 %", "figure"),
    Col("wmsi_cell", "w. MSI", "figure"),
    Col("wmsi_ci", "w. MSI 95 %", "figure"),
    Col("neff_cell", "eff. n", "figure"),
    Col("top_cell", "top", "figure"),
]
REACH_CAPTION = (
    "w.: reach-weighted (weight 1 + ln(1 + reach), capped: no mention over 5 % of a period) · "
    "reach: mentions with a reach · eff. n: Kish effective sample · top: largest share one mention "
    "carries · * low sample · every figure: --csv or --json"
)


def _ci(low: float | None, high: float | None) -> str:
    return EMPTY if low is None or high is None else f"{low:.3f}–{high:.3f}"


def reach_cells(d: Mapping[str, Any]) -> dict[str, Any]:
    """A reach point's dict with the table's composite cells added."""
    msi, wmsi = d.get("msi"), d.get("weighted_msi")
    return {
        **d,
        "wvol_cell": f"{d.get('weighted_volume', 0.0):.1f}",
        "msi_cell": fraction(msi) + ("*" if d.get("low_sample") and msi is not None else " "),
        "msi_ci": _ci(d.get("msi_low"), d.get("msi_high")),
        "wmsi_cell": fraction(wmsi) + ("*" if d.get("weighted_low_sample") and wmsi is not None else " "),
        "wmsi_ci": _ci(d.get("weighted_msi_low"), d.get("weighted_msi_high")),
        "neff_cell": f"{d.get('effective_n', 0.0):.1f}",
        "top_cell": fraction(d.get("top_share")),
    }


def reach_table(idx: Any, brand: str, by: str, *args: str | None) -> None:
    """Print ``idx.reach(...)`` (``args``: since, until, source, lang, output format)."""
    since, until, source, lang, fmt = args
    res = idx.reach(
        brand,
        start=parse_date(since, "--since"),
        end=parse_date(until, "--until"),
        by=None if by == "all" else by,
        source=source,
        lang=lang,
    )
    rows = res.to_dicts()
    title = f"{brand}: plain and reach-weighted satisfaction by {by}"
    emit(rows, str(fmt), None, title=title, layout=REACH_COLS, cells=reach_cells, caption=REACH_CAPTION)


__all__ = ["REACH_CAPTION", "REACH_COLS", "reach_cells", "reach_table"]
