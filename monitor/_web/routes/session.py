"""Logging in and out (``/login``, ``/logout``), and the unauthenticated ``/healthz``."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from monitor._web.auth import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Who,
    client_address,
    deny,
    new_token,
    open_session,
    page,
    resolve,
    set_cookie,
    token_hash,
)
from monitor._web.csrf import FIELD, same_token
from monitor._web.passwords import MAX_PASSWORD, verify_password
from monitor._web.state import state
from monitor._web.views import render

LOGIN_COOKIE_AGE = 3600


def safe_next(target: object) -> str:
    """A local path to go to after login (anything else: the overview)."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _login_page(request: Request, message: str = "", status: int = 200, name: str = "", nxt: object = None) -> Response:
    token = request.cookies.get(LOGIN_COOKIE) or new_token()
    target = safe_next(nxt if nxt is not None else request.query_params.get("next"))
    ctx = {"login_csrf": token, "next": target, "message": message, "name": name}
    response = render(state(request).templates, request, "login.html", ctx, status)
    set_cookie(response, request, LOGIN_COOKIE, token, LOGIN_COOKIE_AGE)
    return response


async def login_form(request: Request) -> Response:
    """The login form (straight on to the page asked for when already logged in)."""
    if await resolve(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return _login_page(request)


async def login(request: Request) -> Response:
    """Check a name and password; on success open a session and go on to ``next``."""
    st = state(request)
    if st.settings.no_auth:
        return RedirectResponse("/", status_code=303)
    form = await request.form()
    if not same_token(form.get(FIELD), request.cookies.get(LOGIN_COOKIE, "")):
        return deny(request, 403, "The login form's security token is missing or wrong; reload the page.")
    name, password = form.get("name"), form.get("password")
    nxt = form.get("next")
    if not isinstance(name, str) or not isinstance(password, str) or not name or len(password) > MAX_PASSWORD:
        return _login_page(request, "Give a name and a password.", 400, nxt=nxt)
    key = st.limiter.key(name, client_address(request))
    wait = st.limiter.locked_for(key)
    if wait > 0:
        msg = f"Too many failed logins for this name from your address: try again in {int(wait) + 1} s."
        return _login_page(request, msg, 429, name, nxt)
    user = await run_in_threadpool(st.accounts.user, name)
    ok = await run_in_threadpool(verify_password, user.password_hash if user else None, password)
    if user is None or not ok:
        st.limiter.failed(key)
        return _login_page(request, "Wrong name or password.", 401, name, nxt)
    st.limiter.succeeded(key)
    token = await run_in_threadpool(open_session, st, user)
    response = RedirectResponse(safe_next(nxt), status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token, int(st.settings.session_hours * 3600))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@page("viewer", write=True)
async def logout(request: Request, who: Who) -> Response:
    """Close the session and forget the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(state(request).accounts.close_session, token_hash(token))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def healthz(request: Request) -> Response:
    """``ok`` (no login needed, no data shown): for a proxy's or a test's readiness check."""
    return PlainTextResponse("ok")


ROUTES = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/healthz", healthz, methods=["GET"]),
]

__all__ = ["ROUTES", "safe_next"]
