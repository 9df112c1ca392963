"""A text search that reads the mentions one by one, with a budget: newest first, at most
``budget`` mentions per call, so no request reads every stored mention.

It serves the searches the trigram index cannot narrow (only words under three
characters) or narrows too little (words in very many mentions), in the listing's
newest-first keyset order. Every brand listed gets an equal share of the budget. A
brand's walk first finds its *edge*: the position (``published_at``, ``id``) of the last
mention of its share that its other filters keep, by its (brand, time) index alone; then
it reads only the mentions from the keyset cursor down to that edge, checking the words
on each. It does so in steps, while the page is not full — the newest :data:`FIRST_STEP`
(at most a quarter of its share), then twice as many each time — and the brands' walks
go together: one statement per step for the edges, one for the matches. No step starts
once the walk has taken ``seconds`` (a busy machine reads less per request). Matches older than
the newest brand's edge are dropped, so what is returned is exactly every match in one
time range: newer than the cursor, down to that edge. When fewer than ``limit`` matched
there, the caller gets the edge to continue from (``after=`` it): no match is skipped and
none is returned twice.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, or_, select, union_all

from monitor._store.tables import MENTION_T as M

#: A position in the newest-first order: ``(published_at, id)``.
Position = tuple[datetime, int]

#: A brand's walk reads this many mentions first (a quarter of its share when that is
#: less), then twice as many each step while the page is not full: a common word is
#: found within the first few.
FIRST_STEP = 1000
#: Brands per statement (SQLite allows 500 parts in a compound select).
_UNION = 100


def _below(at: Position) -> ColumnElement[bool]:
    """Strictly older than ``at`` in the newest-first order (the keyset form the index bounds)."""
    return and_(M.c.published_at <= at[0], or_(M.c.published_at < at[0], M.c.id < at[1]))


def _down_to(at: Position) -> ColumnElement[bool]:
    """``at`` or newer."""
    return and_(M.c.published_at >= at[0], or_(M.c.published_at > at[0], M.c.id >= at[1]))


def _from(q: Select[Any], brand_id: int, top: Position | None) -> Select[Any]:
    """``q`` for one brand, older than ``top`` (``None``: from where ``q`` starts)."""
    q = q.where(M.c.brand_id == brand_id)
    return q.where(_below(top)) if top is not None else q


def _each(conn: Connection, parts: list[Select[Any]]) -> list[Any]:
    """The rows of every per-brand select in ``parts``, in few round trips (``UNION ALL``
    of :data:`_UNION` at a time; each part keeps its own order and limit as a subquery)."""
    out: list[Any] = []
    for i in range(0, len(parts), _UNION):
        chunk = [select(p.subquery()) for p in parts[i : i + _UNION]]
        out += conn.execute(chunk[0] if len(chunk) == 1 else union_all(*chunk)).all()
    return out


def bounded(
    conn: Connection,
    match_q: Select[Any],
    keys_q: Select[Any],
    brand_ids: list[int],
    limit: int,
    budget: int,
    seconds: float | None = None,
) -> tuple[list[Position], Position | None]:
    """The positions of the first ``limit`` matches, newest first, among at most ``budget``
    mentions read newest first; and the position to continue after when fewer were found
    before the budget ran out (``None``: the search is complete, or the page is full and
    continues from its last row). ``keys_q`` selects ``published_at``, ``id`` and
    ``brand_id`` of the listing's mentions (every filter but the text), ``match_q`` the
    same with the text condition; both newest first. ``seconds``: no further step starts
    once the walk has taken that long (a busy machine reads less per request)."""
    if conn.dialect.name == "postgresql":  # the brands' union costs enough to be JIT-compiled: 200-300 ms lost
        conn.exec_driver_sql("SET LOCAL jit = off")
    deadline = time.monotonic() + seconds if seconds is not None else None
    share = max(1, -(-budget // max(1, len(brand_ids))))
    step, used = min(FIRST_STEP, share // 4) or share, 0
    tops: dict[int, Position | None] = dict.fromkeys(brand_ids)  # brands still walking: read down to
    found: dict[int, list[Position]] = {bid: [] for bid in brand_ids}
    edge: Position | None = None
    while tops:
        step = min(step, share - used)
        keys = [_from(keys_q, bid, top).offset(step - 1).limit(1) for bid, top in tops.items()]
        stops = {int(r[2]): (r[0], int(r[1])) for r in _each(conn, keys)}
        parts = []
        for bid, top in tops.items():
            q = _from(match_q, bid, top)
            q = q.where(_down_to(stops[bid])) if bid in stops else q  # more than ``step`` left: down to it
            parts.append(q.limit(limit - len(found[bid])))
        for r in _each(conn, parts):
            found[int(r[2])].append((r[0], int(r[1])))
        used += step
        spent = used >= share or (deadline is not None and time.monotonic() >= deadline)
        for bid in list(tops):
            if bid not in stops or len(found[bid]) >= limit:  # at its end, or the page is full
                del tops[bid]
            elif spent:  # its share (or the time) is spent: the search stops there
                edge = max(edge, stops[bid]) if edge is not None else stops[bid]
            else:
                tops[bid] = stops[bid]
        if spent:
            break
        step *= 2
    every = [p for mine in found.values() for p in mine if edge is None or p >= edge]  # the range all read
    every.sort(reverse=True)
    if len(every) >= limit:
        return every[:limit], None
    return every, edge


__all__ = ["FIRST_STEP", "Position", "bounded"]
