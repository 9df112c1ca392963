"""Bulk mention inserts and known-id lookups, fast per dialect (raw DB-API cursors)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from monitor._store.dialect import chunks, sqlite_dt
from monitor._store.search import index_rows
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SIGHTING_T as S

_MENTION_COLS = (
    "brand_id",
    "source_id",
    "external_id",
    "url",
    "author",
    "title",
    "text",
    "lang",
    "lang_confidence",
    "published_at",
    "fetched_at",
    "day",
    "rating",
    "rating_worst",
    "rating_best",
    "rating_norm",
    "reach",
    "reach_kind",
    "content_hash",
    "label",
    "label_origin",
    "manual_label",
    "p_negative",
    "p_neutral",
    "p_positive",
)


_PUB, _FETCHED, _DAY = (_MENTION_COLS.index(c) for c in ("published_at", "fetched_at", "day"))


def insert_mentions(conn: Connection, source_id: int, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new mention rows; returns external id → mention id of the rows this call inserted.

    SQLite: the transaction holds the write lock (BEGIN IMMEDIATE) and the caller has already
    removed known ids, so a plain ``executemany`` is safe and ~3x faster than the ORM path.
    PostgreSQL: ``ON CONFLICT DO NOTHING RETURNING`` tells exactly which rows were ours even
    when another writer inserts the same ids concurrently. The text search indexes the
    inserted rows in the same transaction (:func:`monitor._store.search.index_rows`).
    """
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        sql = f"INSERT INTO mention ({', '.join(_MENTION_COLS)}) VALUES ({', '.join('?' * len(_MENTION_COLS))})"  # noqa: S608 (constant names; values are bound)
        fetched: dict[datetime, str] = {}
        tuples = []
        for r in rows:
            t = [r[c] for c in _MENTION_COLS]
            t[_PUB] = sqlite_dt(t[_PUB])
            f = t[_FETCHED]
            t[_FETCHED] = fetched.get(f) or fetched.setdefault(f, sqlite_dt(f))
            t[_DAY] = t[_DAY].isoformat()
            tuples.append(t)
        cur.executemany(sql, tuples)
        # Inside this write-locked transaction rowids are allocated consecutively (max + 1),
        # so the k rows just inserted hold ids last - k + 1 … last, in order.
        last = int(cur.execute("SELECT last_insert_rowid()").fetchone()[0])
        first = last - len(rows) + 1
        check = dict(cur.execute("SELECT id, external_id FROM mention WHERE id IN (?, ?)", (first, last)).fetchall())
        if check.get(first) == rows[0]["external_id"] and check.get(last) == rows[-1]["external_id"]:
            out = {r["external_id"]: first + i for i, r in enumerate(rows)}
        else:  # rowids were not consecutive (rowid space exhausted): look them up
            out = {}
            for chunk in chunks([r["external_id"] for r in rows], 900):
                marks = ", ".join("?" * len(chunk))
                q = f"SELECT external_id, id FROM mention WHERE source_id = ? AND external_id IN ({marks})"  # noqa: S608
                out.update(cur.execute(q, (source_id, *chunk)).fetchall())
        cur.close()
        _index(conn, rows, out)
        return out
    # PostgreSQL: COPY into a temporary table, then one INSERT … SELECT.
    cols = ", ".join(_MENTION_COLS)
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    with dbapi.cursor() as cur:  # type: ignore[attr-defined]
        cur.execute(f"CREATE TEMP TABLE _mm_in ON COMMIT DROP AS SELECT {cols} FROM mention WITH NO DATA")  # noqa: S608
        with cur.copy(f"COPY _mm_in ({cols}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(tuple(r[c] for c in _MENTION_COLS))
        cur.execute(
            f"INSERT INTO mention ({cols}) SELECT {cols} FROM _mm_in "  # noqa: S608
            "ON CONFLICT (source_id, external_id) DO NOTHING RETURNING external_id, id"
        )
        out = {ext: int(mid) for ext, mid in cur.fetchall()}
        cur.execute("DROP TABLE _mm_in")
    _index(conn, rows, out)
    return out


def _index(conn: Connection, rows: list[dict[str, Any]], ids: dict[str, int]) -> None:
    """The text search's rows of the mentions just inserted (``ids``: theirs by external id)."""
    index_rows(conn, [(ids[r["external_id"]], r["title"], r["text"]) for r in rows if r["external_id"] in ids])


def known_ids(conn: Connection, source_id: int, external_ids: Sequence[str]) -> set[str]:
    """Which of ``external_ids`` source ``source_id`` already stored (as mention or sighting)."""
    out: set[str] = set()
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        for chunk in chunks(list(external_ids), 900):
            marks = ", ".join("?" * len(chunk))
            for table in ("mention", "sighting"):
                q = f"SELECT external_id FROM {table} WHERE source_id = ? AND external_id IN ({marks})"  # noqa: S608 (constant names; values are bound)
                out.update(r[0] for r in cur.execute(q, (source_id, *chunk)))
        cur.close()
        return out
    for chunk in chunks(list(external_ids), 500):
        for table in (M, S):
            sel = select(table.c.external_id).where(table.c.source_id == source_id, table.c.external_id.in_(chunk))
            out.update(conn.execute(sel).scalars())
    return out
