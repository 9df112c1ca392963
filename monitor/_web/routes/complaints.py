"""``/complaints``: negative mentions awaiting an answer, with their age, filtered by brand,
source, language and status, paged by keyset (``after=`` the last row's cursor); editors mark
one answered (``POST /complaints/{id}/answer``) or open it again (``…/reopen``), CSRF-checked,
recorded with their name and the time."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor._complaint_api import ORDERS, STATUSES, Complaint
from monitor._index.complaints import ComplaintFigures
from monitor._labels import SUPPORTED_LANGUAGES
from monitor._web.auth import Who, deny, page
from monitor._web.routes.common import now
from monitor._web.routes.session import safe_next
from monitor._web.state import WebState, state
from monitor._web.views import render
from monitor.errors import MonitorError

PAGE_SIZE = 50
FIELDS = ("brand", "source", "lang", "status", "order")
MAX_TEXT = 200
#: Notices the page shows after a POST (dropped from the page's address when it returns).
NOTICES = ("answered", "reopened")
#: How long the figures above the list are reused (an answer given here drops them at once).
CACHE_SECONDS = 60
CACHE_PREFIX = "complaints:"


def filter_of(params: Any) -> dict[str, str]:
    """The page's filter as given (empty values dropped, long ones cut)."""
    out = {}
    for name in FIELDS:
        v = params.get(name)
        if isinstance(v, str) and v.strip():
            out[name] = v.strip()[:MAX_TEXT]
    return out


def cached_figures(st: WebState, brand: str | None, source: str | None, lang: str | None) -> list[ComplaintFigures]:
    """The figures of a filter, kept :data:`CACHE_SECONDS` (they read every complaint of 30
    days: a next page reuses them); an answer given here forgets them."""
    key = f"{CACHE_PREFIX}{brand}|{source}|{lang}"
    hit = st.cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS and isinstance(hit[1], list):
        return hit[1]
    figures = list(st.index.complaint_figures(brand, source=source, lang=lang, at=now(st)))
    st.cache[key] = (time.monotonic(), figures)
    return figures


def forget_figures(st: WebState) -> None:
    """Drop every cached complaint figure (after an answer or a reopen)."""
    for key in [k for k in st.cache if k.startswith(CACHE_PREFIX)]:
        del st.cache[key]


def page_data(st: WebState, f: dict[str, str], after: str | None) -> dict[str, Any]:
    """One page of complaints (oldest waiting first by default), the next cursor, the figures, the choices."""
    error = ""
    rows: list[Complaint] = []
    figures: list[ComplaintFigures] = []
    source, lang, brand = f.get("source"), f.get("lang"), f.get("brand")
    try:
        status, order = f.get("status", "open"), f.get("order", "oldest")
        found = st.index.complaints(
            brand, status=status, order=order, limit=PAGE_SIZE + 1, after=after, source=source, lang=lang, at=now(st)
        )
        rows = list(found)
        figures = cached_figures(st, brand, source, lang)
    except MonitorError as exc:
        error = str(exc)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    sources = st.index.sources_overview()
    return {
        "rows": rows,
        "figures": figures,
        "next": rows[-1].cursor if more and rows else None,
        "error": error,
        "brands": st.index.brands(),
        "sources": sorted({s.name for s in sources} | {s.kind for s in sources}),
        "languages": SUPPORTED_LANGUAGES,
        "statuses": STATUSES,
        "orders": ORDERS,
        "target": st.index.config.complaints.answer_within,
    }


@page("viewer")
async def complaints_page(request: Request, who: Who) -> Response:
    """The complaints page."""
    st = state(request)
    f = filter_of(request.query_params)
    after = request.query_params.get("after") or None
    data = await run_in_threadpool(page_data, st, f, after)
    notices = {k: int(v) for k in NOTICES if (v := request.query_params.get(k, "")).isdigit()}
    ctx = {
        **data,
        "filter": f,
        "after": after,
        "notices": notices,
        "back": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "can_edit": who.can("editor") and not who.anonymous,
    }
    return render(st.templates, request, "complaints.html", ctx, 400 if data["error"] else 200)


def back_to(target: object, **params: object) -> str:
    """The page to return to (a local path), its old notices replaced by ``params``."""
    parts = urlsplit(safe_next(target))
    kept = [(k, v) for k, v in parse_qsl(parts.query) if k not in NOTICES]
    kept += [(k, str(v)) for k, v in params.items()]
    return parts.path + (f"?{urlencode(kept)}" if kept else "")


@page("editor", write=True)
async def answer(request: Request, who: Who) -> Response:
    """Mark one complaint answered now, by the editor."""
    st = state(request)
    form = await request.form()
    mid = int(request.path_params["mention_id"])
    try:
        await run_in_threadpool(lambda: st.index.mark_answered(mid, by=who.name))  # now, by the index's clock
    except MonitorError as exc:
        return deny(request, 400, str(exc))
    forget_figures(st)
    return RedirectResponse(back_to(form.get("back") or "/complaints", answered=mid), status_code=303)


@page("editor", write=True)
async def reopen(request: Request, who: Who) -> Response:
    """Open one complaint again (its answer forgotten)."""
    st = state(request)
    form = await request.form()
    mid = int(request.path_params["mention_id"])
    try:
        await run_in_threadpool(st.index.unmark_answered, mid)
    except MonitorError as exc:
        return deny(request, 400, str(exc))
    forget_figures(st)
    return RedirectResponse(back_to(form.get("back") or "/complaints", reopened=mid), status_code=303)


ROUTES = [
    Route("/complaints", complaints_page, methods=["GET"]),
    Route("/complaints/{mention_id:int}/answer", answer, methods=["POST"]),
    Route("/complaints/{mention_id:int}/reopen", reopen, methods=["POST"]),
]

__all__ = ["FIELDS", "PAGE_SIZE", "ROUTES", "back_to", "filter_of", "page_data"]
