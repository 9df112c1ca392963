"""Who is asking: passwords (argon2), session cookies, roles, and the guard on every page.

A session cookie holds a random token; the database keeps only its SHA-256 (with the
session's CSRF token and expiry). The cookie is ``HttpOnly``, ``SameSite=Lax``, and
``Secure`` behind TLS. :func:`page` wraps every handler: no session → the login page
(``GET``) or 401; a role too low → 403; a state-changing request without the session's
CSRF token → 403 (:mod:`monitor._web.csrf`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from monitor._store.accounts import ROLES, UserRecord
from monitor._web.csrf import form_token_ok
from monitor._web.settings import WebSettings, is_loopback
from monitor._web.state import WebState, state
from monitor._web.views import render

SESSION_COOKIE = "mm_session"
LOGIN_COOKIE = "mm_login"


@dataclass(frozen=True, slots=True)
class Who:
    """The person behind a request: name, role, the session's CSRF token."""

    name: str
    role: str
    csrf: str
    anonymous: bool = False

    def can(self, role: str) -> bool:
        """Whether this person's role is ``role`` or above (viewer < editor < admin)."""
        return ROLES.index(self.role) >= ROLES.index(role)


def token_hash(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh random token (256 bits)."""
    return secrets.token_urlsafe(32)


def client_address(request: Request) -> str:
    """The peer's address (never a header: a proxy's own address counts as one client)."""
    return request.client.host if request.client else "unknown"


def is_https(request: Request, settings: WebSettings) -> bool:
    """Whether the browser reached us over TLS (directly, or through a trusted proxy)."""
    if settings.secure_cookies or request.url.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto", "")
    return settings.trust_forwarded_proto and forwarded.split(",")[0].strip().lower() == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    """Set a cookie ``HttpOnly``, ``SameSite=Lax``, path ``/``, ``Secure`` behind TLS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request, state(request).settings),
    )


def open_session(st: WebState, user: UserRecord) -> str:
    """Record a new session for ``user``; returns its cookie token."""
    token, now = new_token(), st.clock()
    expires = now + timedelta(hours=st.settings.session_hours)
    st.accounts.open_session(token_hash(token), user.id, new_token(), at=now, expires_at=expires)
    return token


def _session_who(st: WebState, token: str | None) -> Who | None:
    if not token or len(token) > 200:
        return None
    found = st.accounts.session(token_hash(token), at=st.clock())
    if found is None:
        return None
    user, csrf = found
    return Who(user.name, user.role, csrf)


async def resolve(request: Request) -> Who | None:
    """The person behind ``request`` (anonymous viewer in read-only mode), or ``None``."""
    st = state(request)
    if st.settings.no_auth:
        return Who("anonymous", "viewer", "", anonymous=True)
    return await run_in_threadpool(_session_who, st, request.cookies.get(SESSION_COOKIE))


def deny(request: Request, status: int, message: str) -> Response:
    """An error page with ``status`` (and no detail beyond ``message``)."""
    return render(state(request).templates, request, "error.html", {"status": status, "message": message}, status)


Handler = Callable[[Request, Who], Awaitable[Response]]


def page(role: str = "viewer", *, write: bool = False) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Guard a handler: a login (or read-only mode), the ``role``, and for ``write`` handlers
    the session's CSRF token in the form."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            st = state(request)
            if st.settings.no_auth and not is_loopback(client_address(request)):
                return deny(request, 403, "This dashboard serves its own machine only (read-only mode).")
            who = await resolve(request)
            if who is None:
                if request.method in ("GET", "HEAD"):
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
                return deny(request, 401, "Log in first.")
            request.state.who = who
            if write:
                if who.anonymous:
                    return deny(request, 403, "Read-only mode: nothing can be changed here.")
                if not await form_token_ok(request, who.csrf):
                    return deny(request, 403, "The form's security token is missing or wrong; reload the page.")
            if not who.can(role):
                return deny(request, 403, f"This needs the {role} role; you are a {who.role}.")
            return await handler(request, who)

        return endpoint

    return wrap


__all__ = [
    "LOGIN_COOKIE",
    "SESSION_COOKIE",
    "Who",
    "client_address",
    "deny",
    "is_https",
    "new_token",
    "open_session",
    "page",
    "resolve",
    "set_cookie",
    "token_hash",
]
