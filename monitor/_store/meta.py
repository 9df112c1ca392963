"""The ``meta`` key/value table."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from monitor._store.base import StoreBase
from monitor._store.dialect import dialect_insert
from monitor._store.engine import writer
from monitor._store.tables import META_T as META

RETENTION_CUTOFF = "retention_cutoff"  # meta key: UTC instant before which raw mentions may be deleted
RETENTION_FLOOR_DAY = "retention_floor_day"  # meta key: the last local day that starts before that instant


class MetaStore(StoreBase):
    """Reading and writing ``meta`` keys."""

    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(META.c.value).where(META.c.key == key)).scalar_one_or_none()

    def set_meta(self, key: str, value: str) -> None:
        with writer(self.engine).begin() as conn:
            self.set_meta_conn(conn, key, value)

    def delete_meta(self, key: str) -> None:
        with writer(self.engine).begin() as conn:
            conn.execute(delete(META).where(META.c.key == key))

    @staticmethod
    def get_meta_conn(conn: Connection, key: str) -> str | None:
        return conn.execute(select(META.c.value).where(META.c.key == key)).scalar_one_or_none()

    @staticmethod
    def set_meta_conn(conn: Connection, key: str, value: str) -> None:
        """Set ``key`` in the caller's transaction."""
        stmt = dialect_insert(conn, META).values(key=key, value=value)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))
