"""text search: the store writes the FTS5 rows itself (SQLite), no insert trigger

The insert trigger that copied each new ``mention_search`` row into ``mention_search_fts``
made ingest 3–4× slower than writing the same rows with one ``executemany`` (100,000
rows: 27 s against 8 s). The store now writes both (``monitor._store.search.index_rows``);
this drops the trigger where ``0008_search`` made it. PostgreSQL: nothing to do.

Revision ID: 0011_search_writes
Revises: 0010_reach
Create Date: 2026-12-16
"""
from alembic import op


revision = '0011_search_writes'
down_revision = '0010_reach'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS mention_search_ai")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER mention_search_ai AFTER INSERT ON mention_search BEGIN "
            "INSERT INTO mention_search_fts (rowid, body) VALUES (new.id, new.body); END"
        )
