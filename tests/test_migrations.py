"""The Alembic migrations create exactly the schema the models declare, on both databases."""

from __future__ import annotations

import logging

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import monitor._store.tables  # noqa: F401
from monitor._store.engine import current_revision, make_engine, upgrade
from monitor._store.migrations.env_filter import include_object


def test_migrations_match_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        upgrade(engine)  # idempotent
        assert current_revision(engine) == "0015_insight_rollups"
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff = compare_metadata(ctx, SQLModel.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_the_search_migration_indexes_the_mentions_already_stored(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import delete, insert

    from monitor._store import listings
    from monitor._store.engine import writer
    from monitor._store.tables import BRAND_T, MENTION_T, SOURCE_T

    engine = make_engine(db_url)
    try:
        upgrade(engine, "0007_worker_passes")
        at = datetime(2026, 11, 3, 9, tzinfo=UTC)
        texts = ["İSTANBUL'da güzel", "ТЕЛЕФОНЪТ е добър", "nothing here"]
        with writer(engine).begin() as conn:
            bid = conn.execute(insert(BRAND_T).values(name="Acme")).inserted_primary_key[0]
            sid = conn.execute(insert(SOURCE_T).values(name="reviews", kind="reviews")).inserted_primary_key[0]
            conn.execute(
                insert(MENTION_T),
                [
                    {
                        "brand_id": bid,
                        "source_id": sid,
                        "external_id": f"m{i}",
                        "text": t,
                        "published_at": at,
                        "fetched_at": at,
                        "day": at.date(),
                        "content_hash": f"h{i}",
                        "title": "Weekly" if i else None,
                    }
                    for i, t in enumerate(texts)
                ],
            )
        with caplog.at_level(logging.INFO, logger="monitor.migrate"):
            upgrade(engine)
        assert "text search index: 3 of 3 mentions" in caplog.text

        def found(text: str) -> list[str]:
            f = listings.MentionFilter(text=text)
            return sorted(m.external_id for m in listings.mentions(engine, None, None, f, 10))

        assert found("istanbul") == ["m0"] and found("телефонът") == ["m1"] and found("weekly") == ["m1", "m2"]
        with writer(engine).begin() as conn:  # a mention deleted by any path leaves the index with it
            conn.execute(delete(MENTION_T).where(MENTION_T.c.external_id == "m1"))
        assert found("weekly") == ["m2"] and found("телефон") == []
    finally:
        engine.dispose()
