"""A :class:`~monitor._store.Store` over a fresh, migrated database (SQLite file and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from monitor._records import Prediction
from monitor._store import Store, forget_open_runs
from monitor._store.engine import make_engine, upgrade

TZ = ZoneInfo("Europe/Stockholm")
T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def pred(label: str, version: str = "1", model: str = "m") -> Prediction:
    probs = {"negative": (0.8, 0.1, 0.1), "neutral": (0.1, 0.8, 0.1), "positive": (0.1, 0.1, 0.8)}[label]
    return Prediction(label, *probs, model_id=model, model_version=version)  # type: ignore[arg-type]


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """The store every contract test runs against, on each backend."""
    engine = make_engine(db_url)
    upgrade(engine)
    s = Store(engine, TZ)
    try:
        yield s
    finally:
        forget_open_runs(s)
        engine.dispose()
