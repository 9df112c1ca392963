"""``/sources``: each source's health (ok / partial / failing / blocked / never) with its reason
and last success."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor._web.auth import Who, page
from monitor._web.state import state
from monitor._web.views import render

ORDER = ("blocked", "failing", "partial", "never", "ok")


@page("viewer")
async def sources_page(request: Request, who: Who) -> Response:
    """The sources page: problems first, then by name."""
    st = state(request)
    rows = list(await run_in_threadpool(st.index.sources_overview))
    rows.sort(key=lambda s: (ORDER.index(s.status) if s.status in ORDER else len(ORDER), s.name))
    counts = {status: sum(1 for s in rows if s.status == status) for status in ORDER}
    return render(st.templates, request, "sources.html", {"rows": rows, "counts": counts})


ROUTES = [Route("/sources", sources_page, methods=["GET"])]

__all__ = ["ROUTES"]
