"""Conditional GET: keep each URL's ETag / Last-Modified and send them back.

The store is anything with ``http_validators(url)`` and ``set_http_validators(url, etag,
last_modified)`` — :class:`monitor._api.MentionIndex` is one, :class:`MemoryValidators` is
the in-process one. Validators are *remembered* by the caller only after the page's
mentions are stored, so a run killed half-way never turns the next run into a 304.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class ValidatorStore(Protocol):
    def http_validators(self, url: str) -> tuple[str | None, str | None] | None: ...

    def set_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None: ...


class MemoryValidators:
    """A dict-backed :class:`ValidatorStore`."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str | None, str | None]] = {}

    def http_validators(self, url: str) -> tuple[str | None, str | None] | None:
        return self._data.get(url)

    def set_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._data[url] = (etag, last_modified)


def conditional_headers(validators: tuple[str | None, str | None] | None) -> dict[str, str]:
    """``If-None-Match`` / ``If-Modified-Since`` for stored validators."""
    if not validators:
        return {}
    etag, last_modified = validators
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def response_validators(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """``(etag, last_modified)`` a response offers (either may be ``None``)."""
    return headers.get("etag"), headers.get("last-modified")


__all__ = [
    "MemoryValidators",
    "ValidatorStore",
    "conditional_headers",
    "response_validators",
]
