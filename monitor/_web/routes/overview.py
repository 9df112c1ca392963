"""``/``: every brand's MSI with its interval against the bar, trend, volume, share of voice, alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor._digest.context import trend
from monitor._index.alerts import Alert
from monitor._results import BrandFigures
from monitor._web.auth import Who, page
from monitor._web.routes.common import PERIODS, days_param, now, today, window
from monitor._web.state import WebState, state
from monitor._web.svg import sparkline
from monitor._web.views import render

SPARK_DAYS = 30


@dataclass(frozen=True, slots=True)
class BrandRow:
    """One brand on the overview."""

    figures: BrandFigures
    standing: str  # above | below | near | none: the interval against the bar
    spark: Markup
    alerts: list[Alert]


def standing(low: float | None, high: float | None, bar: float) -> str:
    """Where an interval lies against the bar: wholly ``above``, wholly ``below``, or ``near`` it."""
    if low is None or high is None:
        return "none"
    if low >= bar:
        return "above"
    if high < bar:
        return "below"
    return "near"


def overview_rows(st: WebState, days: int) -> list[BrandRow]:
    """The overview's rows: ``compare`` over the window, a 30-day sparkline and alerts per brand."""
    idx, cfg = st.index, st.index.config.index
    brands = idx.brands()
    if not brands:
        return []
    start, end = window(st, days)
    at = now(st)
    rows = []
    for fig in idx.compare(brands, start=start, end=end):
        series = trend(idx, fig.brand, end - timedelta(days=SPARK_DAYS - 1), end, cfg.min_sample)
        spark = sparkline([p.week_msi for p in series], cfg.bar)
        rows.append(
            BrandRow(
                fig, standing(fig.msi_low, fig.msi_high, cfg.bar), spark, list(idx.alerts(fig.brand, at, drivers=False))
            )
        )
    rows.sort(key=lambda r: (-r.figures.volume, r.figures.brand))
    return rows


@page("viewer")
async def overview(request: Request, who: Who) -> Response:
    """The overview page."""
    st = state(request)
    days = days_param(request, 7)
    rows = await run_in_threadpool(overview_rows, st, days)
    ctx = {"rows": rows, "days": days, "periods": PERIODS, "bar": st.index.config.index.bar, "today": today(st)}
    return render(st.templates, request, "overview.html", ctx)


ROUTES = [Route("/", overview, methods=["GET"])]

__all__ = ["ROUTES", "BrandRow", "overview_rows", "standing"]
