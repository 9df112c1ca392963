"""A text search that reads the mentions one by one, with a budget: newest first, at most
``budget`` mentions per call, so no request reads every stored mention.

It serves the searches the trigram index cannot narrow (only words under three
characters) or narrows too little (words in very many mentions), in the listing's
newest-first keyset order. Each brand's walk first finds its *edge*: the position
(``published_at``, ``id``) of the ``budget``-th mention its other filters keep, by its
(brand, time) index alone. The search then reads only mentions from the keyset cursor down
to that edge, checking the words on each — a large share in two steps, the newest
:data:`FIRST_STEP` and then the rest if the page is not full yet. Every brand (of an all-brands listing) gets an
equal share of the budget; the rows older than the newest brand's edge are dropped, so
what is returned is exactly every match in one time range: newer than the cursor, down
to the edge. When fewer than ``limit`` matched there, the caller gets the edge to continue
from (``after=`` it) — no match is skipped and none is returned twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, and_, or_

from monitor._store.tables import MENTION_T as M

#: A position in the newest-first order: ``(published_at, id)``.
Position = tuple[datetime, int]

#: A brand's walk with a large share (four times this or more) reads this many mentions
#: first, and the rest of its share only when they did not fill the page (a common word is
#: found within the first few); a smaller share is read in one step.
FIRST_STEP = 1000


def _below(at: Position) -> ColumnElement[bool]:
    """Strictly older than ``at`` in the newest-first order (the keyset form the index bounds)."""
    return and_(M.c.published_at <= at[0], or_(M.c.published_at < at[0], M.c.id < at[1]))


def _down_to(at: Position) -> ColumnElement[bool]:
    """``at`` or newer."""
    return and_(M.c.published_at >= at[0], or_(M.c.published_at > at[0], M.c.id >= at[1]))


def _brand(
    conn: Connection, rows_q: Select[Any], keys_q: Select[Any], limit: int, share: int
) -> tuple[list[Row[Any]], Position | None]:
    """One brand's matches (at most ``limit``) among its next ``share`` mentions, and its
    edge when it stopped for the budget (``None``: it filled the page or reached the end)."""
    rows: list[Row[Any]] = []
    top: Position | None = None
    left = share
    while True:
        step = FIRST_STEP if top is None and share >= 4 * FIRST_STEP else left
        keys, found = keys_q, rows_q
        if top is not None:
            keys, found = keys.where(_below(top)), found.where(_below(top))
        stop = conn.execute(keys.offset(step - 1).limit(1)).first()
        if stop is not None:  # more than ``step`` left: read down to the step's last mention
            found = found.where(_down_to((stop[0], int(stop[1]))))
        rows += conn.execute(found.limit(limit - len(rows))).all()
        left -= step
        if stop is None or len(rows) >= limit:
            return rows, None
        top = (stop[0], int(stop[1]))
        if left <= 0:
            return rows, top


def bounded(
    conn: Connection, rows_q: Select[Any], keys_q: Select[Any], brand_ids: list[int], limit: int, budget: int
) -> tuple[list[Row[Any]], Position | None]:
    """The first ``limit`` rows of ``rows_q`` (the listing with its text condition, newest
    first) among at most ``budget`` mentions read newest first, and the position to continue
    after when fewer were found before the budget ran out (``None``: the search is complete,
    or the page is full and continues from its last row). ``keys_q`` selects ``published_at``
    and ``id`` under the same filters as ``rows_q`` but the text, in the same order."""
    share = max(1, -(-budget // max(1, len(brand_ids))))
    rows: list[Row[Any]] = []
    edge: Position | None = None
    for bid in brand_ids:
        found, stop = _brand(conn, rows_q.where(M.c.brand_id == bid), keys_q.where(M.c.brand_id == bid), limit, share)
        rows += found
        if stop is not None:
            edge = max(edge, stop) if edge is not None else stop
    if edge is not None:  # only the range every brand read in full
        rows = [r for r in rows if (r.published_at, r.id) >= edge]
    rows.sort(key=lambda r: (r.published_at, r.id), reverse=True)
    if len(rows) >= limit:
        return rows[:limit], None
    return rows, edge


__all__ = ["FIRST_STEP", "Position", "bounded"]
