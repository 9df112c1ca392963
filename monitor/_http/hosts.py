"""Host identity for politeness: which requests share a budget, and which host is loopback."""

from __future__ import annotations

import ipaddress

import httpx


def host_key(url: httpx.URL) -> str:
    """Requests to the same scheme, host and port share one politeness budget."""
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.scheme}://{url.host}:{port}"


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 and ::1 — the only hosts politeness may be lifted for."""
    h = host.strip("[]").lower().rstrip(".")
    if h == "localhost" or h.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


__all__ = ["host_key", "is_loopback"]
