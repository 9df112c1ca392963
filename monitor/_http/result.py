"""The outcome of one fetch: ``ok``, ``not_modified``, ``blocked``, ``unreachable`` or ``failed``.

The words and what they mean: :mod:`monitor._health`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from monitor._health import FetchStatus
from monitor._http.charset import decode_body
from monitor._http.redact import redact_url
from monitor.errors import FetchFailed, ParseError, SourceBlocked, SourceUnreachable


@dataclass(frozen=True)
class FetchResult:
    """What a fetch produced. ``reason`` explains every status other than ``ok``."""

    url: str
    status: FetchStatus
    reason: str | None = None
    http_status: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    final_url: str | None = None
    attempts: int = 1
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def safe_url(self) -> str:
        """The URL with API keys and tokens masked, for logs and messages."""
        return redact_url(self.url)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    def text(self) -> str:
        """The body decoded with the charset fallback chain of :mod:`monitor._http.charset`."""
        return decode_body(self.body, self.content_type)[0]

    def json(self) -> Any:
        """The body as JSON; :class:`ParseError` if it is not."""
        try:
            return json.loads(self.text())
        except ValueError as exc:
            raise ParseError(f"{self.safe_url}: not JSON: {exc}") from None

    def explain(self) -> str:
        """What happened, without the status word: ``HTTP 403 Forbidden (url)``."""
        return f"{self.reason} ({self.safe_url})" if self.reason else self.safe_url

    def describe(self) -> str:
        """One line for a log: ``blocked: HTTP 403 Forbidden (url)``."""
        return f"{self.status}: {self.explain()}" if self.reason else f"{self.status} ({self.safe_url})"

    def raise_for_outcome(self, what: str | None = None) -> None:
        """Raise :class:`SourceBlocked` / :class:`SourceUnreachable` / :class:`FetchFailed`
        for those outcomes; ``what`` (``"reddit OAuth token request"``) begins the message."""
        errors = {"blocked": SourceBlocked, "unreachable": SourceUnreachable, "failed": FetchFailed}
        error = errors.get(self.status)
        if error is not None:
            raise error(f"{what}: {self.explain()}" if what else self.explain())


__all__ = ["FetchResult", "FetchStatus"]
