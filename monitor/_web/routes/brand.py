"""``/brand?name=…``: one brand's trend (MSI with its band, volume), breakdowns (source, language,
theme, aspect), what drove the move, alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor._digest.context import trend
from monitor._index.points import Point
from monitor._web.auth import Who, deny, page
from monitor._web.routes.common import PERIODS, days_param, now, window
from monitor._web.routes.overview import standing
from monitor._web.state import WebState, state
from monitor._web.svg import trend_chart
from monitor._web.views import render


@dataclass(frozen=True, slots=True)
class Group:
    """One source kind or language over the window, and the window before it."""

    key: str
    point: Point
    before: Point | None

    @property
    def msi_change(self) -> float | None:
        """MSI now minus MSI before (``None`` when either is undefined)."""
        if self.before is None or self.point.msi is None or self.before.msi is None:
            return None
        return self.point.msi - self.before.msi

    @property
    def negative_change(self) -> int:
        """Negative mentions now minus before: how much this group drove a change."""
        return self.point.negative - (self.before.negative if self.before else 0)


def groups(st: WebState, brand: str, by: str, start: date, end: date) -> list[Group]:
    """``breakdown`` by ``by`` over the window, each with the same-length window before."""
    span = (end - start).days + 1
    before = {k: p for k, p in st.index.breakdown(brand, start - timedelta(days=span), start - timedelta(days=1), by)}
    return [Group(k, p, before.get(k)) for k, p in st.index.breakdown(brand, start, end, by)]


def insights(st: WebState, brand: str, start: date, end: date) -> dict[str, Any]:
    """The brand's themes (each against the window before, two representative mentions) and
    aspects (beside every other brand's) over the window, from the stored theme and aspect tables."""
    idx = st.index
    themes = list(idx.themes(brand, since=start, until=end, representatives=2))
    aspects = list(idx.aspects(brand, since=start, until=end))
    return {
        "themes": themes,
        "has_themes": bool(themes) or bool(idx.theme_names(brand)),
        "aspects": [a for a in aspects if a.volume],
        "aspects_on": bool(aspects),
        "tagged": aspects[0].tagged if aspects else 0,
        "untagged": aspects[0].untagged if aspects else 0,
    }


def brand_data(st: WebState, brand: str, days: int) -> dict[str, Any]:
    """Everything the brand page shows."""
    idx, cfg = st.index, st.index.config.index
    start, end = window(st, days)
    span = (end - start).days + 1
    [point] = idx.satisfaction(brand, start, end, by=None) or [None]
    [before] = idx.satisfaction(brand, start - timedelta(days=span), start - timedelta(days=1), by=None) or [None]
    by_source = groups(st, brand, "source", start, end)
    by_lang = groups(st, brand, "lang", start, end)
    drivers = idx.drivers(brand, end, days=span, limit=5)
    series = trend(idx, brand, start, end, cfg.min_sample)
    worst = idx.mentions(brand, sentiment="negative", since=start, until=end, limit=5, order="strongest")
    return {
        "brand": brand,
        "start": start,
        "end": end,
        "point": point,
        "before": before,
        "standing": standing(point.msi_low, point.msi_high, cfg.bar) if point else "none",
        "chart": trend_chart(series, cfg.bar),
        "by_source": by_source,
        "by_lang": by_lang,
        "drivers": drivers,
        "alerts": list(idx.alerts(brand, now(st), drivers=False)),  # the page shows its own drivers
        "worst": list(worst),
        **insights(st, brand, start, end),
    }


@page("viewer")
async def brand_page(request: Request, who: Who) -> Response:
    """The brand page."""
    st = state(request)
    name = request.query_params.get("name", "")
    if name not in await run_in_threadpool(st.index.brands):
        return deny(request, 404, "No such brand: pick one on the overview.")
    days = days_param(request, 30)
    data = await run_in_threadpool(brand_data, st, name, days)
    ctx = {**data, "days": days, "periods": PERIODS, "bar": st.index.config.index.bar}
    return render(st.templates, request, "brand.html", ctx)


ROUTES = [Route("/brand", brand_page, methods=["GET"])]

__all__ = ["ROUTES", "Group", "brand_data", "insights"]
