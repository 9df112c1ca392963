"""The application factory: routes, static files (CSS only), security headers, error pages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from monitor._api import MentionIndex
from monitor._store.accounts import Accounts
from monitor._web.limiter import LoginLimiter
from monitor._web.routes import ROUTES
from monitor._web.security import SecurityHeaders
from monitor._web.settings import WebSettings
from monitor._web.state import WebState, utcnow
from monitor._web.views import make_templates, render

STATIC_DIR = Path(__file__).with_name("static")
log = logging.getLogger(__name__)


def create_app(
    index: MentionIndex,
    settings: WebSettings | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
    limiter: LoginLimiter | None = None,
) -> Starlette:
    """The dashboard over ``index`` (its database holds the users and sessions too)."""
    settings = (settings or WebSettings()).check()
    web = WebState(
        index=index,
        accounts=Accounts(index.engine),
        settings=settings,
        templates=make_templates(index.tz),
        limiter=limiter
        or LoginLimiter(settings.max_failures, settings.lockout_seconds, settings.failure_window_seconds),
        clock=clock,
    )

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = {404: "No such page.", 405: "That method is not allowed here."}.get(status, "Something went wrong.")
        return render(web.templates, request, "error.html", {"status": status, "message": message}, status)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("dashboard request %s failed", request.url.path, exc_info=exc)
        return render(web.templates, request, "error.html", {"status": 500, "message": "Something went wrong."}, 500)

    app = Starlette(
        routes=[*ROUTES, Mount("/static", StaticFiles(directory=STATIC_DIR), name="static")],
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    app.state.web = web
    return app


__all__ = ["create_app"]
