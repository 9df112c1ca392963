"""One collection per host at a time, across every worker machine, and the interval between them.

A collection task holds its host's slot while it walks the host's sources
(:func:`try_hold`): on PostgreSQL a session advisory lock on a connection of its own, so a
worker killed with ``kill -9`` frees it the moment its connection drops. Releasing the
slot records when (the database's clock), and the next holder, on whatever machine, waits
until the host's minimum interval has passed since (:meth:`HostHold.wait_s`). SQLite is one
machine's database: the slot is then always free (one process collects a host).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select

from monitor._store.dialect import as_utc, dialect_insert, utcnow
from monitor._store.engine import writer
from monitor._store.tables import HOST_SLOT_T as HS

log = logging.getLogger(__name__)


def lock_id(key: str) -> int:
    """A stable signed 64-bit advisory-lock id for a host key."""
    return int.from_bytes(hashlib.blake2b(f"monitor-host:{key}".encode(), digest_size=8).digest(), "big", signed=True)


class HostHold:
    """A held host slot; :meth:`release` it (always: ``with`` does)."""

    def __init__(self, engine: Engine, key: str, conn: Connection | None) -> None:
        self.engine = engine
        self.key = key[:300]
        self._conn = conn

    def wait_s(self, interval_s: float) -> float:
        """Seconds to wait before the first request, so ``interval_s`` passed since the last release."""
        with self.engine.connect() as conn:
            row = conn.execute(select(HS.c.released_at, func.now()).where(HS.c.host_key == self.key)).first()
        if row is None:
            return 0.0
        now = as_utc(row[1]) if isinstance(row[1], datetime) else utcnow()  # SQLite's now() is text
        return max(0.0, interval_s - (now - as_utc(row[0])).total_seconds())

    def release(self, owner: str | None = None) -> None:
        """Record the release (the database's clock on PostgreSQL) and free the slot."""
        try:
            with writer(self.engine).begin() as conn:
                at = conn.execute(select(func.now())).scalar_one() if conn.dialect.name == "postgresql" else utcnow()
                ins = dialect_insert(conn, HS).values(host_key=self.key, released_at=at, owner=owner)
                conn.execute(
                    ins.on_conflict_do_update(index_elements=["host_key"], set_={"released_at": at, "owner": owner})
                )
        finally:
            self._unlock()

    def _unlock(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(select(func.pg_advisory_unlock(lock_id(self.key))))
            conn.commit()
        except Exception:
            log.exception("cannot unlock host %s: dropping the connection frees it", self.key)
            conn.invalidate()
        finally:
            conn.close()

    def __enter__(self) -> HostHold:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def try_hold(engine: Engine, key: str) -> HostHold | None:
    """The host's slot, or None when another process holds it."""
    if engine.dialect.name != "postgresql":
        return HostHold(engine, key, None)
    conn = engine.connect()
    try:
        got = bool(conn.execute(select(func.pg_try_advisory_lock(lock_id(key[:300])))).scalar_one())
        conn.commit()
    except Exception:
        conn.close()
        raise
    if not got:
        conn.close()
        return None
    return HostHold(engine, key, conn)


__all__ = ["HostHold", "lock_id", "try_hold"]
