"""Each mention's sentence vector, stored once (generic: themes and aspects both read it).

A vector is kept as int8 with its row's scale (the largest absolute component): 384 bytes
plus a float instead of 1,536 bytes, and a cosine within about 0.001 of the float32 one.
It is keyed by the mention, with the embedder's ``version``: a mention whose vector was made
by another version is *missing* for this one, and its new vector replaces the old.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Engine, delete, select

from monitor._store.dialect import chunks, dialect_insert
from monitor._store.engine import writer
from monitor._store.scores import scoring_text
from monitor._store.tables import MENTION_T as M
from monitor._store.theme_tables import MENTION_VECTOR_T as MV

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

_IN = 1000  # ids per IN (...) list


def quantise(vectors: NDArray[np.float32]) -> tuple[NDArray[np.int8], NDArray[np.float32]]:
    """Rows as int8 and each row's scale (its largest absolute component)."""
    import numpy as np

    scale = np.abs(vectors).max(axis=1).astype(np.float32)
    safe = np.where(scale > 0, scale, 1.0).astype(np.float32)
    q = np.clip(np.rint(vectors / safe[:, None] * 127.0), -127, 127).astype(np.int8)
    return q, scale


def dequantise(data: Sequence[bytes], scale: Sequence[float], dim: int) -> NDArray[np.float32]:
    """The float32 rows of stored ``data`` and ``scale`` (not re-normalised)."""
    import numpy as np

    if not data:
        return np.zeros((0, dim), dtype=np.float32)
    q = np.frombuffer(b"".join(data), dtype=np.int8).reshape(len(data), dim).astype(np.float32)
    return q * (np.asarray(scale, dtype=np.float32) / 127.0)[:, None]


class MentionVectors:
    """The stored vectors of one embedder ``version`` (``dim`` components each)."""

    def __init__(self, engine: Engine, version: str, dim: int) -> None:
        self.engine = engine
        self.version = version
        self.dim = dim

    def missing_vectors(self, limit: int) -> list[tuple[int, str, str | None]]:
        """``(id, text, lang)`` of up to ``limit`` mentions with no vector of this version, by id
        (the text the model reads: :func:`~monitor._store.scores.scoring_text`)."""
        have = select(MV.c.mention_id).where(MV.c.mention_id == M.c.id, MV.c.version == self.version)
        q = select(M.c.id, M.c.text, M.c.title, M.c.lang).where(~have.exists()).order_by(M.c.id).limit(limit)
        with self.engine.connect() as conn:
            return [(int(r.id), scoring_text(r.text, r.title), r.lang) for r in conn.execute(q)]

    def store_vectors(self, ids: Sequence[int], vectors: NDArray[np.float32]) -> int:
        """Store one vector per id (replacing another version's); one transaction. Returns how many."""
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
        if len(ids) and vectors.shape[1] != self.dim:
            raise ValueError(f"vectors have {vectors.shape[1]} components, expected {self.dim}")
        q, scale = quantise(vectors)
        rows = [
            {"mention_id": int(i), "version": self.version, "scale": float(s), "data": q[k].tobytes()}
            for k, (i, s) in enumerate(zip(ids, scale, strict=True))
        ]
        if not rows:
            return 0
        with writer(self.engine).begin() as conn:  # one statement, many parameter sets
            stmt = dialect_insert(conn, MV)
            stmt = stmt.on_conflict_do_update(
                index_elements=["mention_id"],
                set_={"version": stmt.excluded.version, "scale": stmt.excluded.scale, "data": stmt.excluded.data},
            )
            conn.execute(stmt, rows)
        return len(rows)

    def vectors_for(self, ids: Sequence[int]) -> tuple[list[int], NDArray[np.float32]]:
        """The ids among ``ids`` that have a vector of this version (ascending) and their rows."""
        found: list[tuple[int, float, bytes]] = []
        with self.engine.connect() as conn:
            for part in chunks(sorted(set(ids)), _IN):
                q = select(MV.c.mention_id, MV.c.scale, MV.c.data).where(
                    MV.c.mention_id.in_(list(part)), MV.c.version == self.version
                )
                found += [(int(r[0]), float(r[1]), bytes(r[2])) for r in conn.execute(q)]
        found.sort()
        return [f[0] for f in found], dequantise([f[2] for f in found], [f[1] for f in found], self.dim)

    def forget(self, ids: Sequence[int]) -> None:
        """Drop the vectors of ``ids`` (any version)."""
        with writer(self.engine).begin() as conn:
            for part in chunks(list(ids), _IN):
                conn.execute(delete(MV).where(MV.c.mention_id.in_(list(part))))


__all__ = ["MentionVectors", "dequantise", "quantise"]
