"""Dialect helpers shared by the store modules: upserts, dirty days, SQLite value forms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from monitor._store.tables import DIRTY_DAY_T as DD

DayKey = tuple[int, date, int, str, str, str]
"""A ``daily_rollup`` key: brand id, day, source id, language, label, label origin."""
RatingKey = tuple[int, date, int, str, float, float, float]
"""A ``rating_rollup`` key: brand id, day, source id, language, worst, best, stars given."""
K = TypeVar("K", bound=tuple[object, ...])


def utcnow() -> datetime:
    """The current instant, in UTC."""
    return datetime.now(UTC)


def as_utc(v: datetime) -> datetime:
    """``v`` with UTC attached when the database returned it naive (SQLite)."""
    return v if v.tzinfo else v.replace(tzinfo=UTC)


def dialect_insert(conn: Connection, table: Table) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def sqlite_dt(v: datetime) -> str:
    return v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def sqlite_value(v: Any) -> Any:
    """Values as SQLAlchemy's SQLite dialect stores them (UTC datetimes without offset)."""
    if isinstance(v, datetime):
        return sqlite_dt(v)
    if isinstance(v, date):
        return v.isoformat()
    return v


def upsert_add(conn: Connection, table: Table, keys: Sequence[str], rows: Mapping[K, int]) -> None:
    """Add ``n`` to counters keyed by ``keys`` (insert when absent); zero deltas skipped."""
    params = [dict(zip(keys, k, strict=True), n=n) for k, n in sorted(rows.items(), key=repr) if n]
    if not params:
        return
    if conn.dialect.name == "sqlite":
        cols = [*keys, "n"]
        sql = (
            f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "  # noqa: S608 (constant names; values are bound)
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET n = {table.name}.n + excluded.n"
        )
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        cur.executemany(sql, [tuple(sqlite_value(p[c]) for c in cols) for p in params])
        cur.close()
        return
    cols = [*keys, "n"]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET n = {table.name}.n + excluded.n"
    )
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    with dbapi.cursor() as cur:  # type: ignore[attr-defined]
        cur.executemany(sql, [tuple(p[c] for c in cols) for p in params])


def mark_dirty(conn: Connection, days: Iterable[tuple[int, date]]) -> None:
    keys = sorted(set(days))
    if not keys:
        return
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        cur.executemany(
            "INSERT OR IGNORE INTO dirty_day (brand_id, day) VALUES (?, ?)", [(b, d.isoformat()) for b, d in keys]
        )
        cur.close()
        return
    # DO UPDATE, not DO NOTHING: the mark must wait for a refresher holding the row (FOR UPDATE)
    # and land after it deleted it; DO NOTHING would see the row, skip, and the refresher,
    # which read the rollups before this transaction committed, would drop the mark: a
    # snapshot left stale (two workers scoring and refreshing at once showed it).
    ins = dialect_insert(conn, DD)
    conn.execute(
        ins.on_conflict_do_update(index_elements=["brand_id", "day"], set_={"day": ins.excluded.day}),
        [{"brand_id": b, "day": d} for b, d in keys],
    )


def chunks(seq: Sequence[Any], n: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]
