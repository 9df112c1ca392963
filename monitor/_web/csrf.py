"""CSRF tokens: every state-changing form carries its session's token, compared in constant time.

A logged-in session's token lives with the session (``web_session.csrf``); the login form,
before any session exists, carries the token of a short-lived ``HttpOnly`` cookie
(double submit). Cookies are ``SameSite=Lax`` too, so a cross-site POST carries neither.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

FIELD = "csrf"


def same_token(given: object, expected: str) -> bool:
    """Whether ``given`` is exactly the non-empty ``expected`` token (constant-time)."""
    if not expected or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


async def form_token_ok(request: Request, expected: str) -> bool:
    """Whether the request's form carries ``expected`` in its ``csrf`` field."""
    try:
        form = await request.form()
    except Exception:  # a body that is not a form carries no token
        return False
    return same_token(form.get(FIELD), expected)


__all__ = ["FIELD", "form_token_ok", "same_token"]
