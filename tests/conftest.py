"""Shared fixtures: the ../shared folder, and databases (SQLite files and real PostgreSQL)."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("MONITOR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def shared_path() -> Path:
    """Where ../shared lives (env MONITOR_SHARED_DIR overrides)."""
    return Path(os.environ.get("MONITOR_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder; tests using it skip cleanly when it is absent."""
    p = shared_path()
    if not p.is_dir():
        pytest.skip(f"{p} is absent")
    return p


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("postgresql://", "postgresql://", 1), connect_timeout=3):
            return True
    except Exception:
        return False


_PG_OK: bool | None = None


def pg_available() -> bool:
    global _PG_OK
    if _PG_OK is None:
        _PG_OK = _pg_available()
    return _PG_OK


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards)."""
    if not pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} (CI must start it)")
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    import psycopg

    name = f"mm_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A new SQLite file in the test's temporary folder."""
    return f"sqlite:///{tmp_path / 'monitor.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs against a SQLite file and a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monitor.db'}"
    return str(request.getfixturevalue("pg_url"))


class _NoVectors:
    """The base encoder's stand-in: zero vectors, so no embedding margin is reached and the
    aspects' keywords alone decide."""

    version = "none"
    dim = 384

    def embed(self, texts):  # type: ignore[no-untyped-def]
        import numpy as np

        return np.zeros((len(texts), self.dim), dtype=np.float32)


@functools.lru_cache(maxsize=1)
def real_encoder():  # type: ignore[no-untyped-def]
    """The real base encoder, loaded once per test process (for the tests whose subject it is)."""
    from monitor._embed import load_embedder

    return load_embedder()


@pytest.fixture(autouse=True)
def _keywords_only_aspects(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline's aspects step (``run_once``, the scheduler's jobs, ``monitor demo`` in
    process) gets the zero-vector stand-in instead of loading the base encoder, as the
    pipeline tests get a stand-in model: tests whose subject is embedding-based tagging pass
    :func:`real_encoder` explicitly (``tests/test_aspects_*.py``). Subprocesses load the real one."""
    import monitor._pipeline.aspects

    monkeypatch.setattr(monitor._pipeline.aspects, "shared_embedder", _NoVectors)


@pytest.fixture(autouse=True)
def _dispose_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close every engine a test opened (directly or through the CLI)."""
    import monitor._api
    import monitor._store.engine as eng

    made: list = []
    original = eng.make_engine

    def tracking(url: str):  # type: ignore[no-untyped-def]
        e = original(url)
        made.append(e)
        return e

    monkeypatch.setattr(eng, "make_engine", tracking)
    monkeypatch.setattr(monitor._api, "make_engine", tracking)
    yield
    for e in made:
        e.dispose()
