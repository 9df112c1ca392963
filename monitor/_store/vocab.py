"""The values a filter may name: stored source names and kinds, and stored languages."""

from __future__ import annotations

from sqlalchemy import Engine, select

from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import SOURCE_T as SRC


def source_names_and_kinds(engine: Engine) -> tuple[list[str], list[str]]:
    """The names of every stored source and their kinds, each sorted."""
    with engine.connect() as conn:
        rows = conn.execute(select(SRC.c.name, SRC.c.kind)).all()
    return sorted({str(r.name) for r in rows}), sorted({str(r.kind) for r in rows})


def stored_languages(engine: Engine) -> list[str]:
    """Every language code a stored mention carries (from the daily rollups, which outlive retention)."""
    with engine.connect() as conn:
        rows = conn.execute(select(DR.c.lang).where(DR.c.lang != "").distinct()).scalars().all()
    return sorted(str(r) for r in rows)


__all__ = ["source_names_and_kinds", "stored_languages"]
