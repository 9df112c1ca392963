"""text search: every mention's title and text, folded, in a trigram index

The mentions page's text filter read every mention with ``LIKE`` (0.8–2 s for a word
found nowhere among 1M mentions). ``mention_search`` keeps each mention's title and text
folded (``monitor._search.fold``: NFKC, case folding, the Turkish i's merged) and a
trigram index finds substrings of it: SQLite's FTS5 ``trigram`` tokenizer (SQLite 3.34 or
newer) in an external-content table (the store writes its rows with the mentions' rows;
triggers delete and update them), PostgreSQL's ``pg_trgm``
GIN index (the extension is created when missing). A mention's row goes with it (SQLite:
a trigger; PostgreSQL: ``ON DELETE CASCADE``). Existing mentions are indexed here, 5,000
at a time, with progress on the ``monitor.migrate`` logger (about 90 s per million
mentions on SQLite on a busy 2-core machine).

Revision ID: 0008_search
Revises: 0006_workers
Create Date: 2026-12-15
"""
import logging
import sqlite3
import time

from alembic import op

from monitor._store.search import backfill
from monitor.errors import StorageError


revision = '0008_search'
down_revision = '0007_worker_passes'
branch_labels = None
depends_on = None

log = logging.getLogger("monitor.migrate")

_SQLITE = (
    "CREATE TABLE mention_search (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE mention_search_fts USING fts5(body, content='mention_search', content_rowid='id', "
    "tokenize='trigram case_sensitive 1')",
    "CREATE TRIGGER mention_search_ad AFTER DELETE ON mention_search BEGIN "
    "INSERT INTO mention_search_fts (mention_search_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER mention_search_au AFTER UPDATE ON mention_search BEGIN "
    "INSERT INTO mention_search_fts (mention_search_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO mention_search_fts (rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER mention_ad_search AFTER DELETE ON mention BEGIN "
    "DELETE FROM mention_search WHERE id = old.id; END",
)


def _progress(started: float):
    step = [0]

    def report(done: int, total: int) -> None:
        if done >= total or done >= step[0] + 100_000:
            step[0] = done
            log.info("text search index: %s of %s mentions (%.0f s)", f"{done:,}", f"{total:,}", time.monotonic() - started)

    return report


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        try:
            conn.exec_driver_sql("CREATE VIRTUAL TABLE temp._mm_trigram_check USING fts5(x, tokenize='trigram')")
            conn.exec_driver_sql("DROP TABLE temp._mm_trigram_check")
        except Exception:
            raise StorageError(
                f"text search needs SQLite 3.34 or newer with FTS5 (this Python's SQLite is {sqlite3.sqlite_version}): "
                "use a newer Python build, or PostgreSQL"
            ) from None
        for sql in _SQLITE:
            conn.exec_driver_sql(sql)
    else:
        have = conn.exec_driver_sql("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").first()
        if have is None:
            raise StorageError(
                "text search needs PostgreSQL's pg_trgm extension, which this server lacks: "
                "install the server's contrib package (postgresql-contrib)"
            )
        if conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first() is None:
            try:
                with conn.begin_nested():
                    conn.exec_driver_sql("CREATE EXTENSION pg_trgm")
            except Exception as exc:
                raise StorageError(
                    "text search needs the pg_trgm extension, and this user may not create it "
                    f"({str(exc).splitlines()[0]}): run `CREATE EXTENSION pg_trgm;` once as the database's owner "
                    "or a superuser, then `monitor db upgrade`"
                ) from None
        conn.exec_driver_sql(
            "CREATE TABLE mention_search (id INTEGER PRIMARY KEY REFERENCES mention (id) ON DELETE CASCADE, "
            "body TEXT NOT NULL)"
        )
    started = time.monotonic()
    n = backfill(conn, _progress(started))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        conn.exec_driver_sql("CREATE INDEX ix_mention_search_trgm ON mention_search USING gin (body gin_trgm_ops)")
    if n:
        log.info("text search index: %s mentions indexed in %.0f s", f"{n:,}", time.monotonic() - started)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for name in ("mention_ad_search", "mention_search_au", "mention_search_ad", "mention_search_ai"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql("DROP TABLE IF EXISTS mention_search_fts")
    conn.exec_driver_sql("DROP TABLE IF EXISTS mention_search")
