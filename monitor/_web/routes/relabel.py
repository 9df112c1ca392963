"""``POST /relabel`` (one mention, the ticked ones, or every mention the filter matches) and
``POST /changes/{id}/undo``: editors only, CSRF-checked, recorded with who and when."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor._labels import LABELS
from monitor._store.relabels import MAX_SELECTION
from monitor._web.auth import Who, deny, page
from monitor._web.routes.mentions import Filter
from monitor._web.routes.session import safe_next
from monitor._web.state import WebState, state
from monitor.errors import InvalidArgument, MonitorError

BATCH = 1000  # mentions read per keyset page when relabelling a whole filter
CLEAR = "clear"  # the form's value for "back to the model's label"


def back_to(target: object, **params: object) -> str:
    """The page to return to (a local path), its old ``done``/``undone`` replaced by ``params``."""
    parts = urlsplit(safe_next(target))
    kept = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("done", "undone")]
    kept += [(k, str(v)) for k, v in params.items()]
    return parts.path + (f"?{urlencode(kept)}" if kept else "")


def matching_ids(st: WebState, f: Filter) -> list[int]:
    """Ids of every mention ``f`` matches (more than :data:`MAX_SELECTION`: an error); a
    text search that stops at its budget is continued until it has read every mention."""
    ids: list[int] = []
    after: str | None = None
    while True:
        rows = f.list(st, BATCH, after)
        ids += [r.id for r in rows]
        if len(ids) > MAX_SELECTION:
            raise InvalidArgument(f"more than {MAX_SELECTION} mentions match: narrow the filter and relabel again")
        if rows.resume_after is not None:
            after = rows.resume_after
        elif len(rows) < BATCH:
            return ids
        else:
            after = rows[-1].cursor


@page("editor", write=True)
async def relabel(request: Request, who: Who) -> Response:
    """Give the selected mentions a person's label (or clear it back to the model's)."""
    st = state(request)
    form = await request.form()
    label, pick = form.get("label"), form.get("pick")
    if isinstance(pick, str):  # one mention's own button: "id:label"
        mid, _, label = pick.partition(":")
        if not mid.isdigit():
            return deny(request, 400, "The mention id is not a number.")
    if label != CLEAR and label not in LABELS:
        return deny(request, 400, f"Choose a label: {', '.join(LABELS)} or {CLEAR}.")
    try:
        if isinstance(pick, str):
            ids = [int(pick.partition(":")[0])]
        elif form.get("scope") == "all":
            f = Filter.of(form, prefix="f_")
            if not f.values:
                return deny(request, 400, "Set a filter first: relabelling every stored mention at once is refused.")
            ids = await run_in_threadpool(matching_ids, st, f)
        else:
            raw = [v for v in form.getlist("ids") if isinstance(v, str)]
            if not all(v.isdigit() for v in raw):
                return deny(request, 400, "A selected mention id is not a number.")
            ids = [int(v) for v in raw]
        if not ids:
            return deny(request, 400, "No mention selected: tick at least one, or relabel all that match.")
        change = await run_in_threadpool(
            lambda: st.index.relabel(ids, None if label == CLEAR else str(label), by=who.name)
        )
    except MonitorError as exc:
        return deny(request, 400, str(exc))
    return RedirectResponse(back_to(form.get("back"), done=change.id), status_code=303)


@page("editor", write=True)
async def undo(request: Request, who: Who) -> Response:
    """Undo one label change (mentions relabelled since keep their newer label)."""
    st = state(request)
    form = await request.form()
    change_id = int(request.path_params["change_id"])
    try:
        change = await run_in_threadpool(lambda: st.index.undo_relabel(change_id, by=who.name))
    except MonitorError as exc:
        return deny(request, 400, str(exc))
    return RedirectResponse(back_to(form.get("back"), undone=change.id), status_code=303)


ROUTES = [
    Route("/relabel", relabel, methods=["POST"]),
    Route("/changes/{change_id:int}/undo", undo, methods=["POST"]),
]

__all__ = ["ROUTES", "back_to", "matching_ids"]
