"""Keep secrets out of logs and error messages.

API keys and tokens travel in query strings (YouTube's ``key=``) or headers, database
passwords in ``scheme://user:password@host`` URLs; any URL that may end up in a log line,
an exception, the terminal or the database goes through :func:`redact_url`, and any
message that may hold one through :func:`redact_text`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_PARAMS = frozenset(
    {
        "key",
        "api_key",
        "apikey",
        "access_token",
        "token",
        "refresh_token",
        "client_secret",
        "password",
        "secret",
        "signature",
        "sig",
        "auth",
        "session",
    }
)
_MASK = "REDACTED"
_PASSWORD_IN_TEXT = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/\s'\"@]*):([^/\s'\"]*)@")
_SECRET_IN_TEXT = re.compile(r"(?i)\b(" + "|".join(sorted(SECRET_PARAMS, key=len, reverse=True)) + r")=([^&\s\"'<>]+)")


def redact_url(url: str) -> str:
    """Mask secret query parameters and any ``user:password@`` in a URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{_MASK}@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in SECRET_PARAMS for k, _ in pairs):
            query = urlencode([(k, _MASK if k.lower() in SECRET_PARAMS else v) for k, v in pairs], safe=":/,")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Mask ``key=value`` pairs of secret parameters and URL passwords anywhere in a message."""
    text = _PASSWORD_IN_TEXT.sub(lambda m: f"{m.group(1)}:{_MASK}@", text)
    return _SECRET_IN_TEXT.sub(lambda m: f"{m.group(1)}={_MASK}", text)


__all__ = ["SECRET_PARAMS", "redact_text", "redact_url"]
