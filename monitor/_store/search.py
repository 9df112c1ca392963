"""The mentions' text search: the index's rows, written with the mentions, and its lookups.

``mention_search`` holds each mention's title and text folded (:func:`monitor._search.body`);
its index finds substrings by trigrams — SQLite: the FTS5 table ``mention_search_fts``
(``tokenize='trigram case_sensitive 1'``, written with ``mention_search`` by :func:`index_rows`,
deleted and updated by triggers, and a trigger on
``mention`` deletes a mention's row with it); PostgreSQL: a ``gin_trgm_ops`` index, the row
deleted with its mention by its foreign key. Both answer the same question exactly: does
the folded text hold each folded word (FTS5: a quoted phrase, so no query syntax; SQL
``LIKE`` with its wildcards escaped).

A listing asks :func:`candidates` first: when fewer than ``cap`` mentions hold the words it
gets their ids and reads only those (a rare word, a word nowhere); when more do, the
listing walks its usual index newest first and :func:`holds` checks each row (a common
word is found within a few rows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, select, text

from monitor._search import SearchQuery, body
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SEARCH_T as SR

_BATCH = 5000


def index_rows(conn: Connection, rows: Sequence[tuple[int, str | None, str]]) -> None:
    """Index new mentions, given as ``(id, title, text)``, in ``conn``'s transaction."""
    if not rows:
        return
    params = [(mid, body(title, txt)) for mid, title, txt in rows]
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    if conn.dialect.name == "sqlite":
        cur = dbapi.cursor()
        cur.executemany("INSERT INTO mention_search (id, body) VALUES (?, ?)", params)
        # the FTS rows too (a trigger doing this made ingest 3-4x slower: migration 0010)
        cur.executemany("INSERT INTO mention_search_fts (rowid, body) VALUES (?, ?)", params)
        cur.close()
        return
    with dbapi.cursor() as pg, pg.copy("COPY mention_search (id, body) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for p in params:
            copy.write_row(p)


def backfill(conn: Connection, progress: Callable[[int, int], None] | None = None) -> int:
    """Index every stored mention (the migration's part), :data:`_BATCH` at a time in id
    order; ``progress(done, total)`` after each batch. Returns how many were indexed."""
    total = int(conn.execute(select(func.count()).select_from(M)).scalar_one())
    done, last = 0, 0
    while True:
        q = select(M.c.id, M.c.title, M.c.text).where(M.c.id > last).order_by(M.c.id).limit(_BATCH)
        rows = [(int(r.id), r.title, r.text) for r in conn.execute(q)]
        if not rows:
            return done
        index_rows(conn, rows)
        done, last = done + len(rows), rows[-1][0]
        if progress is not None:
            progress(done, total)


def _fts_phrase(word: str) -> str:
    """``word`` as one FTS5 string: nothing in it is syntax (``"`` is doubled)."""
    return '"' + word.replace('"', '""') + '"'


def _like_escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def candidates(conn: Connection, query: SearchQuery, cap: int) -> list[int] | None:
    """The ids of the mentions holding every indexed word of ``query``, when fewer than
    ``cap``; ``None`` when ``cap`` or more do (or no word is long enough to look up)."""
    words = query.indexed
    if not words:
        return None
    if conn.dialect.name == "sqlite":
        sql = text("SELECT rowid FROM mention_search_fts WHERE mention_search_fts MATCH :q LIMIT :n")
        found = conn.execute(sql, {"q": " AND ".join(_fts_phrase(w) for w in words), "n": cap}).scalars().all()
    else:
        conds = [SR.c.body.like(f"%{_like_escaped(w)}%", escape="\\") for w in words]
        found = conn.execute(select(SR.c.id).where(*conds).limit(cap)).scalars().all()
    return [int(i) for i in found] if len(found) < cap else None


def holds(conn: Connection, words: Sequence[str]) -> ColumnElement[bool]:
    """A condition on a ``mention`` row: its folded title and text hold every one of
    ``words`` (checked row by row: one primary-key read of ``mention_search`` per word)."""
    find: Callable[..., Any] = func.instr if conn.dialect.name == "sqlite" else func.strpos
    folded = select(SR.c.body).where(SR.c.id == M.c.id).scalar_subquery()
    return and_(*(find(folded, w) > 0 for w in words))


__all__ = ["backfill", "candidates", "holds", "index_rows"]
