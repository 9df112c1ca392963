"""What every request handler reaches: the index, the accounts, the settings, the templates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from monitor._api import MentionIndex
from monitor._store.accounts import Accounts
from monitor._web.limiter import LoginLimiter
from monitor._web.settings import WebSettings


def utcnow() -> datetime:
    """The current instant, in UTC."""
    return datetime.now(UTC)


@dataclass(slots=True)
class WebState:
    """The application's shared parts (one per :func:`monitor._web.create_app`)."""

    index: MentionIndex
    accounts: Accounts
    settings: WebSettings
    templates: Jinja2Templates
    limiter: LoginLimiter
    clock: Callable[[], datetime] = utcnow
    cache: dict[str, tuple[float, object]] = field(default_factory=dict)


def state(request: Request) -> WebState:
    """The :class:`WebState` of the application serving ``request``."""
    st = request.app.state.web
    assert isinstance(st, WebState)
    return st


__all__ = ["WebState", "state", "utcnow"]
