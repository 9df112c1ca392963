"""Small helpers the pages share: the period asked for, today in the index timezone."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from starlette.requests import Request

from monitor._web.state import WebState

PERIODS = (7, 30, 90)


def today(st: WebState) -> date:
    """Today's date in the index timezone (the digest's calendar)."""
    return st.clock().astimezone(st.index.tz).date()


def days_param(request: Request, default: int) -> int:
    """The ``days`` query parameter when it is one of :data:`PERIODS`, else ``default``."""
    raw = request.query_params.get("days", "")
    return int(raw) if raw.isdigit() and int(raw) in PERIODS else default


def window(st: WebState, days: int) -> tuple[date, date]:
    """The ``days`` calendar days ending today, inclusive."""
    end = today(st)
    return end - timedelta(days=days - 1), end


def now(st: WebState) -> datetime:
    """The current instant (the application's clock)."""
    return st.clock()


__all__ = ["PERIODS", "days_param", "now", "today", "window"]
