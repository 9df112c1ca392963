"""Templates (Jinja2, autoescaped, undefined names fail) and the filters pages format with.

Scraped text is hostile: templates never mark it safe; links to mentions are made only of
``http``/``https`` URLs (:func:`safe_href`), a mention's ``lang`` attribute only of a
well-formed language tag (:func:`lang_tag`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import jinja2
from starlette.requests import Request
from starlette.responses import Response

if TYPE_CHECKING:
    from monitor._digest.records import AlertItem
    from monitor._index.alerts import Alert
from starlette.templating import Jinja2Templates

from monitor._stamps import duration

TEMPLATES_DIR = Path(__file__).with_name("templates")
_LANG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}")


def pct(v: float | None, digits: int = 1) -> str:
    """A fraction as a percentage (``n/a`` when undefined)."""
    return "n/a" if v is None else f"{v * 100:.{digits}f} %"


def interval(low: float | None, high: float | None) -> str:
    """A Wilson interval as ``74.1–82.0 %`` (empty when undefined)."""
    if low is None or high is None:
        return ""
    return f"{low * 100:.1f}–{high * 100:.1f} %"


def stars(rating: float | None, scale: tuple[float, float] | None) -> str:
    """A rating as five stars (``★★★★☆ 4/5``); other scales as ``value/best``."""
    if rating is None or scale is None:
        return ""
    worst, best = scale
    if best <= worst:
        return f"{rating:g}"
    full = round(4 * (rating - worst) / (best - worst)) + 1
    full = min(max(full, 1), 5)
    return f"{'★' * full}{'☆' * (5 - full)} {rating:g}/{best:g}"


def safe_href(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL, else ``None`` (no ``javascript:`` links)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def lang_tag(lang: str | None) -> str | None:
    """``lang`` when it is a well-formed language tag (for an HTML ``lang`` attribute)."""
    return lang if lang and _LANG.fullmatch(lang) else None


def make_when(tz: tzinfo) -> Any:
    """A filter showing an instant in the index timezone (``2026-12-01 14:05``)."""

    def when(v: datetime | None) -> str:
        if v is None:
            return ""
        return v.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    return when


def query(params: Mapping[str, object], **changes: object) -> str:
    """``params`` with ``changes`` as a URL query string (empty values dropped)."""
    merged = {**params, **changes}
    return urlencode({k: str(v) for k, v in merged.items() if v not in (None, "")})


def described(alert: Alert, tz: tzinfo) -> AlertItem:
    """An alert as the digest words it: a human title ("MSI below the bar for Lumio: 55 %
    against 80 %") and its numbers underneath, over the last 24 hours."""
    from monitor._digest.alerts import describe
    from monitor._digest.formats import Formats

    return describe(alert, Formats(timezone=str(tz)), day="in the last 24 hours")


def count(x: float) -> str:
    """A count: whole numbers without decimals (``12``), a daily average with one (``1.4``)."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def make_templates(tz: tzinfo) -> Jinja2Templates:
    """The dashboard's templates: autoescaped, strict about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        pct=pct,
        interval=interval,
        stars=stars,
        safe_href=safe_href,
        lang_tag=lang_tag,
        when=make_when(tz),
        duration=duration,
        described=lambda a: described(a, tz),
        count=count,
    )
    env.globals["query"] = query
    env.globals["tz_name"] = str(tz)
    return Jinja2Templates(env=env)


def render(
    templates: Jinja2Templates,
    request: Request,
    name: str,
    context: Mapping[str, Any],
    status_code: int = 200,
) -> Response:
    """Render page ``name`` (``who`` and ``csrf`` come from ``request.state`` when set)."""
    who = getattr(request.state, "who", None)
    ctx = {"who": who, "csrf": who.csrf if who is not None else "", "path": request.url.path, **context}
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


__all__ = ["interval", "lang_tag", "make_templates", "pct", "query", "render", "safe_href", "stars"]
