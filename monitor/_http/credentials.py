"""Credentials stay with the origin they were given for.

A request's credentials (``Authorization``, ``Proxy-Authorization``, ``Cookie``, common
API-key headers and any header the caller marks) belong to one origin — scheme, host and
port. On any hop to another origin, a redirect or a next page, they are stripped; a request
body (a login form, a JSON password) is never re-sent to another origin: a 307/308 that
would do so is refused instead.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import httpx

CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key", "x-auth-token"})

Origin = tuple[str, str, int]


def origin(url: httpx.URL | str) -> Origin:
    """``(scheme, host, port)`` with the scheme's default port filled in."""
    u = httpx.URL(url) if isinstance(url, str) else url
    port = u.port or (443 if u.scheme == "https" else 80)
    return (u.scheme, u.host.lower(), port)


def show_origin(o: Origin) -> str:
    return f"{o[0]}://{o[1]}:{o[2]}"


def without_credentials(headers: Mapping[str, str], marked: Collection[str] = ()) -> dict[str, str]:
    """``headers`` minus every credential header (the standard ones and ``marked``)."""
    drop = CREDENTIAL_HEADERS | {m.lower() for m in marked}
    return {k: v for k, v in headers.items() if k.lower() not in drop}


class Credentials:
    """A request's headers and the one origin the credentials among them may go to."""

    def __init__(self, origin: Origin, headers: Mapping[str, str], marked: Collection[str] = ()) -> None:
        self.origin = origin
        self.headers = dict(headers)
        self.stripped = without_credentials(headers, marked)

    def headers_for(self, url: httpx.URL) -> dict[str, str]:
        """All the headers for the credentials' origin, none of the credentials elsewhere."""
        return self.headers if origin(url) == self.origin else self.stripped


__all__ = ["CREDENTIAL_HEADERS", "Credentials", "Origin", "origin", "show_origin", "without_credentials"]
