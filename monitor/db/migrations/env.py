"""Alembic environment: runs on the connection handed over by ``monitor.db.engine.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import monitor.db.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via monitor.db.engine.upgrade
    raise RuntimeError("run migrations through `monitor db upgrade`")
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
context.run_migrations()
