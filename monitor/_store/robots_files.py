"""robots.txt files shared by every worker: each host's file as last fetched.

The HTTP layer keeps each host's robots.txt in memory for a run; with this store behind it
(:class:`RobotsFilesStore`, part of :class:`~monitor._store.Store`), a worker on another
machine, or the next task, reuses a fresh file instead of fetching it again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from monitor._mention_rules import clean_text
from monitor._store.base import StoreBase
from monitor._store.dialect import as_utc, dialect_insert
from monitor._store.engine import writer
from monitor._store.tables import ROBOTS_FILE_T as RF

MAX_BODY_CHARS = 500 * 1024


class RobotsFilesStore(StoreBase):
    """Reading and writing shared robots.txt files."""

    def robots_entry(self, url: str) -> tuple[int | None, bytes, datetime] | None:
        """``(HTTP status or None when unreachable, body, fetched at)`` of ``url``, if stored."""
        with self.engine.connect() as conn:
            r = conn.execute(select(RF.c.status, RF.c.body, RF.c.fetched_at).where(RF.c.url == url[:2000])).first()
        if r is None:
            return None
        return (None if r.status is None else int(r.status), str(r.body).encode("utf-8"), as_utc(r.fetched_at))

    def set_robots_entry(self, url: str, status: int | None, body: bytes, at: datetime) -> None:
        """Keep ``url``'s robots.txt (the text, NUL bytes dropped) as fetched at ``at``."""
        text = clean_text(body[: MAX_BODY_CHARS * 4].decode("utf-8", errors="replace"))[:MAX_BODY_CHARS]
        with writer(self.engine).begin() as conn:
            ins = dialect_insert(conn, RF).values(url=url[:2000], status=status, body=text, fetched_at=at)
            conn.execute(
                ins.on_conflict_do_update(
                    index_elements=["url"], set_={"status": status, "body": text, "fetched_at": at}
                )
            )


__all__ = ["RobotsFilesStore"]
