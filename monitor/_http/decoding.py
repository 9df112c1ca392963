"""Content-Encoding decoding that never produces more than a small step at a time.

httpx decodes each received chunk completely through every layer, so a 1.7 kB
``gzip, gzip`` body becomes 1 GB in memory before anyone can count it. Here each layer
(gzip, deflate as zlib or raw, brotli) decompresses with an output limit of :data:`STEP`
bytes and keeps the rest of its input for the next pull, so the caller, which counts what
comes out, can stop at its cap having materialised at most the cap plus one step per layer.

:func:`decoder_for` builds the pipeline for a ``Content-Encoding`` value (codings listed in
the order they were applied, decoded in reverse); an unknown coding raises
:class:`UnsupportedEncoding`, corrupt data :class:`Undecodable`.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Protocol

try:  # brotli >= 1.2: Decompressor.process(..., output_buffer_limit=)
    import brotli as _brotli  # type: ignore[import-untyped,unused-ignore]
except ImportError:  # pragma: no cover - brotli is a dependency; without it "br" is refused
    _brotli = None

#: Largest piece one layer emits per pull.
STEP = 64 * 1024


class UnsupportedEncoding(ValueError):
    """The response uses a Content-Encoding we do not decode."""


class Undecodable(ValueError):
    """The compressed data is corrupt."""


class _Layer(Protocol):
    def pieces(self, data: bytes) -> Iterator[bytes]:
        """Decode ``data`` (may be empty); yield the output in pieces of at most STEP."""
        ...


class _Zlib:
    """gzip (several members allowed) or deflate: zlib-wrapped, or raw as some servers send it."""

    def __init__(self, gzip: bool) -> None:
        self.gzip = gzip
        self.wbits = 31
        self.d: zlib._Decompress | None = zlib.decompressobj(31) if gzip else None
        self.head = b""  # deflate: the first bytes, until they tell zlib from raw
        self.ended = False

    def _start_deflate(self, data: bytes) -> bytes:
        self.head += data
        if len(self.head) < 2:
            return b""
        cmf, flg = self.head[0], self.head[1]
        self.wbits = 15 if (cmf & 0x0F) == 8 and (cmf << 8 | flg) % 31 == 0 else -15
        self.d = zlib.decompressobj(self.wbits)
        data, self.head = self.head, b""
        return data

    def pieces(self, data: bytes) -> Iterator[bytes]:
        if self.d is None:
            data = self._start_deflate(data)
        if self.ended or self.d is None:
            return
        buf = data
        while True:
            try:
                out = self.d.decompress(buf, STEP)
            except zlib.error as exc:
                raise Undecodable(f"{'gzip' if self.gzip else 'deflate'} data is corrupt: {exc}") from None
            if out:
                yield out
            buf = self.d.unconsumed_tail
            if self.d.eof and self.d.unused_data:
                if not (self.gzip and self.d.unused_data.startswith(b"\x1f\x8b")):
                    self.ended = True  # trailing bytes after the stream: ignored, as httpx does
                    return
                buf, self.d = self.d.unused_data, zlib.decompressobj(self.wbits)  # next member
                continue
            if not buf and len(out) < STEP:
                return


class _Brotli:
    def __init__(self) -> None:
        assert _brotli is not None
        self.d = _brotli.Decompressor()

    def pieces(self, data: bytes) -> Iterator[bytes]:
        try:
            out: bytes = self.d.process(data, output_buffer_limit=STEP)
            if out:
                yield out
            # A full step may leave output pending inside the decompressor: drain it.
            while len(out) >= STEP or not self.d.can_accept_more_data():
                out = self.d.process(b"", output_buffer_limit=STEP)
                if not out:
                    return
                yield out
        except _brotli.error as exc:
            raise Undecodable(f"brotli data is corrupt: {exc}") from None


def supported_encodings() -> list[str]:
    """What we can decode, for ``Accept-Encoding``."""
    return ["gzip", "deflate", *(["br"] if _brotli is not None else [])]


def _layer(coding: str) -> _Layer | None:
    if coding in ("", "identity"):
        return None
    if coding in ("gzip", "x-gzip"):
        return _Zlib(gzip=True)
    if coding == "deflate":
        return _Zlib(gzip=False)
    if coding == "br" and _brotli is not None:
        return _Brotli()
    raise UnsupportedEncoding(
        f"unsupported Content-Encoding {coding[:40]!r} (we decode {', '.join(supported_encodings())})"
    )


class Decoder:
    """Raw chunks in, decoded pieces (each at most :data:`STEP`) out, lazily."""

    def __init__(self, content_encoding: str | None) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        if len(codings) > 4:
            raise UnsupportedEncoding(f"{len(codings)} stacked Content-Encodings (at most 4 accepted)")
        layers = [layer for c in codings if (layer := _layer(c)) is not None]
        self.layers: list[_Layer] = layers[::-1]  # the last applied is decoded first

    def feed(self, raw: bytes) -> Iterator[bytes]:
        """Decoded output of ``raw``; stop iterating whenever enough has come out."""
        return self._through(0, raw)

    def _through(self, i: int, data: bytes) -> Iterator[bytes]:
        if i == len(self.layers):
            if data:
                yield data
            return
        for piece in self.layers[i].pieces(data):
            yield from self._through(i + 1, piece)


__all__ = ["STEP", "Decoder", "Undecodable", "UnsupportedEncoding", "supported_encodings"]
