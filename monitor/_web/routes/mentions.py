"""``/mentions``: stored mentions filtered by brand, source, language, label, label origin,
stars, dates, text, theme and aspect, paged by keyset (``after=`` the last row's cursor, never OFFSET)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor._labels import EFFECTIVE_LABELS, GIVEN_ORIGINS, SUPPORTED_LANGUAGES
from monitor._search import HELP as SEARCH_HELP
from monitor._search import MAX_QUERY
from monitor._store.listings import MentionList, MentionRecord
from monitor._store.relabels import LabelChange
from monitor._web.auth import Who, page
from monitor._web.state import WebState, state
from monitor._web.views import render
from monitor.errors import InvalidArgument, MonitorError

PAGE_SIZE = 50
#: The filter's fields, as they appear in the query string (and, prefixed ``f_``, in forms).
FIELDS = ("brand", "source", "lang", "label", "origin", "stars", "since", "until", "q", "theme", "aspect")
MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class Filter:
    """The mentions page's filter, as given (strings; empty: no filter)."""

    values: dict[str, str]

    @classmethod
    def of(cls, params: Mapping[str, Any], prefix: str = "") -> Filter:
        """The filter in ``params`` (query parameters, or a form's ``f_`` fields)."""
        out = {}
        for name in FIELDS:
            v = params.get(prefix + name)
            if isinstance(v, str) and v.strip():
                # the text is not cut: a search too long is refused with a message instead
                out[name] = v.strip() if name == "q" else v.strip()[:MAX_TEXT]
        return cls(out)

    def kwargs(self) -> dict[str, Any]:
        """``MentionIndex.mentions`` arguments (``stars`` checked: a bad value raises)."""
        v = self.values
        stars = v.get("stars")
        if stars is not None and not stars.isdigit():
            raise InvalidArgument(f"stars={stars!r}: expected 1 to 5")
        return {
            "sentiment": v.get("label"),
            "lang": v.get("lang"),
            "source": v.get("source"),
            "since": v.get("since"),
            "until": v.get("until"),
            "origin": v.get("origin"),
            "stars": int(stars) if stars is not None else None,
            "text": v.get("q"),
            "theme": v.get("theme"),  # a theme's id (the brand page's links), or its name with the brand
            "aspect": v.get("aspect"),
        }

    def list(self, st: WebState, limit: int, after: str | None = None) -> MentionList:
        """One page of matching mentions, newest first (a text search may stop early:
        :class:`~monitor.MentionList`)."""
        return st.index.mentions(self.values.get("brand"), limit=limit, after=after, **self.kwargs())


def page_data(st: WebState, f: Filter, after: str | None) -> dict[str, Any]:
    """The rows (one page), the next page's cursor, the choices, the latest label changes."""
    error = ""
    found = MentionList([])
    themes: dict[int, str] = {}
    try:
        found = f.list(st, PAGE_SIZE + 1, after)
        if "brand" in f.values:  # the brand's themes to pick from (its name checked by the listing)
            themes = st.index.theme_names(f.values["brand"])
        elif "theme" in f.values:  # every brand's: just the one asked for (its id checked by the listing)
            themes = {k: v for k, v in st.index.theme_names().items() if str(k) == f.values["theme"]}
    except MonitorError as exc:
        error = str(exc)
    more = len(found) > PAGE_SIZE
    rows: list[MentionRecord] = found[:PAGE_SIZE]
    sources = st.index.sources_overview()
    changes: list[LabelChange] = list(st.index.label_changes(10))
    return {
        "rows": rows,
        "next": rows[-1].cursor if more and rows else None,
        # the search stopped at its budget: what it found back to this time, and where to go on
        "searched_to": found.searched_to,
        "resume": found.resume_after,
        "error": error,
        "brands": st.index.brands(),
        "sources": sorted({s.name for s in sources} | {s.kind for s in sources}),
        "languages": SUPPORTED_LANGUAGES,
        "labels": EFFECTIVE_LABELS,
        "origins": (*GIVEN_ORIGINS, "model"),
        "themes": {str(k): name for k, name in themes.items()},
        "aspects": {a.name: a.label for a in st.index.config.aspects.aspects()},
        "changes": changes,
        "search_help": SEARCH_HELP,
        "search_max": MAX_QUERY,
    }


@page("viewer")
async def mentions_page(request: Request, who: Who) -> Response:
    """The mentions page."""
    st = state(request)
    f = Filter.of(request.query_params)
    after = request.query_params.get("after") or None
    data = await run_in_threadpool(page_data, st, f, after)
    done, undone = request.query_params.get("done", ""), request.query_params.get("undone", "")
    ctx = {
        **data,
        "filter": f.values,
        "after": after,
        "done": int(done) if done.isdigit() else None,
        "undone": int(undone) if undone.isdigit() else None,
        "back": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "can_edit": who.can("editor") and not who.anonymous,
    }
    return render(st.templates, request, "mentions.html", ctx, 400 if data["error"] else 200)


ROUTES = [Route("/mentions", mentions_page, methods=["GET"])]

__all__ = ["FIELDS", "PAGE_SIZE", "ROUTES", "Filter", "page_data"]
