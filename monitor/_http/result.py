"""The outcome of one fetch: ``ok``, ``not_modified``, ``blocked`` or ``failed``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from monitor._http.charset import decode_body
from monitor._http.redact import redact_url
from monitor.errors import FetchFailed, ParseError, SourceBlocked

FetchStatus = Literal["ok", "not_modified", "blocked", "failed"]


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

    def describe(self) -> str:
        """One line for a log or a source's status: ``blocked: HTTP 403 Forbidden (url)``."""
        tail = f": {self.reason}" if self.reason else ""
        return f"{self.status}{tail} ({self.safe_url})"

    def raise_for_outcome(self) -> None:
        """Raise :class:`SourceBlocked` / :class:`FetchFailed` for those outcomes."""
        if self.status == "blocked":
            raise SourceBlocked(self.describe())
        if self.status == "failed":
            raise FetchFailed(self.describe())


__all__ = ["FetchResult", "FetchStatus"]
