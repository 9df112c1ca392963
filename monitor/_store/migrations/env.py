"""Alembic environment: runs on the connection handed over by ``monitor._store.engine.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import monitor._store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from monitor._store.migrations.env_filter import include_object

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via monitor._store.engine.upgrade
    raise RuntimeError("run migrations through `monitor db upgrade`")


context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",
)
context.run_migrations()
