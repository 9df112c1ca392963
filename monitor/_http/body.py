"""Read a streamed response body without ever holding more than ``max_bytes`` of it.

The raw bytes are read (``aiter_raw``) and decoded here by :mod:`~monitor._http.decoding`,
a step at a time, so the cap applies to what the body *becomes* (after gzip, deflate,
brotli, stacked in any order): a compression bomb stops at the cap plus one step instead
of being inflated whole. The raw bytes are capped too (a stream that decodes to nothing
cannot run on), and a declared Content-Length above the cap fails before any byte is read.
"""

from __future__ import annotations

import httpx

from monitor._http.decoding import Decoder, Undecodable, UnsupportedEncoding


class Oversize(Exception):
    """The body is larger than the cap."""

    def __init__(self, size: int, cap: int, *, declared: bool, what: str = "") -> None:
        verb = "declares" if declared else "exceeded"
        super().__init__(f"response body {verb} {size:,} {what}bytes, over the {cap:,}-byte cap")


async def read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """All of the decoded body, or :class:`Oversize` as soon as it passes ``max_bytes``.

    Raises :class:`~monitor._http.decoding.UnsupportedEncoding` or
    :class:`~monitor._http.decoding.Undecodable` for bodies we cannot decode.
    """
    declared = response.headers.get("content-length", "")
    decoder = Decoder(response.headers.get("content-encoding"))
    if declared.isdigit() and not decoder.layers and int(declared) > max_bytes:
        raise Oversize(int(declared), max_bytes, declared=True)
    buf = bytearray()
    raw_seen = 0
    async for raw in response.aiter_raw():
        raw_seen += len(raw)
        if decoder.layers and raw_seen > max_bytes:
            raise Oversize(raw_seen, max_bytes, declared=False, what="encoded ")
        for piece in decoder.feed(raw):
            buf += piece
            if len(buf) > max_bytes:
                raise Oversize(len(buf), max_bytes, declared=False)
    return bytes(buf)


async def read_prefix(response: httpx.Response, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of the decoded body; the rest is never read (for robots.txt).

    An undecodable or unsupported encoding yields what was decoded before it (robots.txt
    parsing is lenient, and a broken file is no reason to fail the page it guards).
    """
    buf = bytearray()
    raw_seen = 0
    try:
        decoder = Decoder(response.headers.get("content-encoding"))
        async for raw in response.aiter_raw():
            raw_seen += len(raw)
            for piece in decoder.feed(raw):
                buf += piece
                if len(buf) >= max_bytes:
                    return bytes(buf[:max_bytes])
            if raw_seen >= max_bytes:
                break
    except (UnsupportedEncoding, Undecodable):
        pass
    return bytes(buf[:max_bytes])


__all__ = ["Oversize", "read_capped", "read_prefix"]
