"""What ``monitor doctor`` asks the database: does it exist, which schema revision, how many mentions.

Read-only: a missing SQLite file is reported, never created, and nothing is migrated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from monitor._redact import redact_text
from monitor._store.engine import MIGRATIONS_DIR, current_revision, make_engine
from monitor._store.tables import MENTION_T
from monitor.errors import StorageError


@dataclass(frozen=True)
class DatabaseStatus:
    """The schema revision a database is at against this version's head, and its size.

    ``exists`` is False for a SQLite file that is not there (nothing else is then known);
    ``known`` says whether ``current`` is a revision this version ships (a newer
    mention-monitor may have migrated past it); ``mentions`` is None without the table.
    """

    url: str  # redacted
    exists: bool
    current: str | None
    heads: tuple[str, ...]
    known: bool
    mentions: int | None

    @property
    def at_head(self) -> bool:
        return self.current is not None and self.current in self.heads


def _script() -> ScriptDirectory:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg)


def head_revisions() -> tuple[str, ...]:
    """The revision(s) ``monitor db upgrade`` migrates to."""
    return tuple(sorted(_script().get_heads()))


def _known(revision: str | None) -> bool:
    if revision is None:
        return True
    try:
        return _script().get_revision(revision) is not None
    except CommandError:
        return False


def sqlite_file(url: str) -> Path | None:
    """The file a ``sqlite:///`` URL names (None for other databases and ``:memory:``)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser()


def database_status(url: str) -> DatabaseStatus:
    """Connect to ``url`` and read its revision and mention count; :class:`StorageError` if unreachable."""
    shown = redact_text(url)
    heads = head_revisions()
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        if path.exists():
            raise StorageError(f"database {path} is not a file")
        if not path.resolve().parent.is_dir():
            raise StorageError(f"database folder {path.resolve().parent} does not exist")
        return DatabaseStatus(shown, False, None, heads, True, None)
    engine = make_engine(url)
    try:
        current = current_revision(engine)
        with engine.connect() as conn:
            mentions = None
            if inspect(conn).has_table(MENTION_T.name):
                mentions = int(conn.execute(select(func.count()).select_from(MENTION_T)).scalar_one())
    except SQLAlchemyError as exc:
        why = getattr(exc, "orig", None) or exc  # the driver's message, without SQLAlchemy's links
        raise StorageError(f"cannot read the database {shown}: {redact_text(str(why))}") from None
    finally:
        engine.dispose()
    return DatabaseStatus(shown, True, current, heads, _known(current), mentions)


__all__ = ["DatabaseStatus", "database_status", "head_revisions", "sqlite_file"]
