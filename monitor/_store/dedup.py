"""Cross-source de-duplication in the database: hash look-ups and the PostgreSQL advisory locks.

The rule itself (what text is compared, the hash) is pure: :mod:`monitor._mention_rules`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, func, select

from monitor._mention_rules import HASH_CHARS, MIN_DEDUP_CHARS, content_hash, normalise_for_hash
from monitor._store.dialect import chunks
from monitor._store.tables import MENTION_T as M

__all__ = [
    "HASH_CHARS",
    "MIN_DEDUP_CHARS",
    "content_hash",
    "existing_hashes",
    "lock_dedup_keys",
    "normalise_for_hash",
]

DEDUP_LOCK_SPACE = 0x6D6D6464  # PostgreSQL advisory-lock namespace of cross-source de-duplication
DEDUP_LOCK_BUCKETS = 1024  # bounds the locks one transaction holds (the lock table is shared)


def existing_hashes(conn: Connection, brand_id: int, source_id: int, hashes: list[str]) -> dict[str, int]:
    """content hash → oldest mention id, among this brand's mentions from *other* sources."""
    out: dict[str, int] = {}
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        for chunk in chunks(hashes, 900):
            marks = ", ".join("?" * len(chunk))
            q = (
                "SELECT content_hash, min(id) FROM mention WHERE brand_id = ? AND content_hash IN "  # noqa: S608
                f"({marks}) AND source_id != ? GROUP BY content_hash"
            )
            out.update(cur.execute(q, (brand_id, *chunk, source_id)).fetchall())
        cur.close()
        return out
    for chunk in chunks(hashes, 500):
        sel = (
            select(M.c.content_hash, func.min(M.c.id))
            .where(M.c.brand_id == brand_id, M.c.source_id != source_id, M.c.content_hash.in_(chunk))
            .group_by(M.c.content_hash)
        )
        out.update({h: int(mid) for h, mid in conn.execute(sel)})
    return out


def dedup_bucket(brand_id: int, content_hash: str) -> int:
    """The advisory-lock bucket of a (brand, content hash) de-duplication key."""
    return (int(content_hash, 16) + brand_id * 0x9E3779B1) % DEDUP_LOCK_BUCKETS


def lock_dedup_keys(conn: Connection, keys: Iterable[tuple[int, str]]) -> None:
    """Serialise writers of the same (brand, content hash) until this transaction ends.

    Cross-source de-duplication is check-then-insert (a text already stored for the brand
    from another source becomes a sighting), which two PostgreSQL transactions can both
    pass. Each writer first takes ``pg_advisory_xact_lock`` on the buckets of every
    de-duplicable key it is about to write, in ascending order (so two writers cannot
    deadlock); a writer that waited then checks under READ COMMITTED and sees what the
    other committed. SQLite needs nothing: write transactions begin IMMEDIATE, one at a time.
    """
    if conn.dialect.name != "postgresql":
        return
    buckets = sorted({dedup_bucket(b, h) for b, h in keys})
    if not buckets:
        return
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    with dbapi.cursor() as cur:  # type: ignore[attr-defined]
        # unnest yields the sorted array in order, so the locks are taken in that order
        cur.execute(
            "SELECT count(pg_advisory_xact_lock(%s, b)) FROM unnest(%s::int[]) AS b", (DEDUP_LOCK_SPACE, buckets)
        )
