"""Read a streamed response body without ever holding more than ``max_bytes`` of it.

The cap applies to the *decoded* bytes (after gzip/brotli), so a compression bomb stops at
the cap too. A declared Content-Length above the cap fails before any byte is read.
"""

from __future__ import annotations

import httpx


class Oversize(Exception):
    """The body is larger than the cap."""

    def __init__(self, size: int, cap: int, *, declared: bool) -> None:
        what = "declares" if declared else "exceeded"
        super().__init__(f"response body {what} {size:,} bytes, over the {cap:,}-byte cap")


async def read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """All of the body, or :class:`Oversize` as soon as it passes ``max_bytes``."""
    declared = response.headers.get("content-length", "")
    encoded = response.headers.get("content-encoding", "identity").lower() not in ("", "identity")
    if declared.isdigit() and not encoded and int(declared) > max_bytes:
        raise Oversize(int(declared), max_bytes, declared=True)
    buf = bytearray()
    async for chunk in response.aiter_bytes():
        buf += chunk
        if len(buf) > max_bytes:
            raise Oversize(len(buf), max_bytes, declared=False)
    return bytes(buf)


async def read_prefix(response: httpx.Response, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of the body; the rest is dropped (for robots.txt)."""
    buf = bytearray()
    async for chunk in response.aiter_bytes():
        buf += chunk
        if len(buf) >= max_bytes:
            break
    return bytes(buf[:max_bytes])


__all__ = ["Oversize", "read_capped", "read_prefix"]
