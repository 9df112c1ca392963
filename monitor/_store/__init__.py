"""Storage: every SQL statement of the product (tables, engine, migrations, writes, reads).

Modules by concern: ``tables`` (the schema), ``engine`` (set-up, migrations), ``dialect``
(upserts and per-dialect helpers), ``registry`` (brands, sources), ``ingest`` + ``bulk`` +
``dedup`` (mentions, sightings, cross-source de-duplication), ``labels``, ``scores``,
``sources_state`` (source state, cursors, HTTP validators), ``runs``, ``meta``,
``rollups`` (rebuild, recount, retention), ``reads`` + ``snapshots`` (the index's queries and
stored snapshots), ``listings`` and ``exports`` (typed records for the API and the
exporter), ``verify``, ``team_labels`` (what ``monitor model adapt`` learns from),
and the dashboard's ``accounts``, ``relabels`` and ``agreement``;
:class:`Store` joins the writers. ``Engine`` and
``DatabaseError`` (SQLAlchemy's base error) are re-exported so no module outside this
package imports SQLAlchemy.
"""

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError as DatabaseError

from monitor._store.core import Store
from monitor._store.dedup import MIN_DEDUP_CHARS, content_hash, normalise_for_hash
from monitor._store.ingest import IngestResult
from monitor._store.meta import RETENTION_CUTOFF
from monitor._store.rollups import recount
from monitor._store.runs import forget_open_runs, interrupt_open_runs
from monitor._store.sources_state import SourceState
from monitor._store.team_labels import TeamLabel

__all__ = [
    "MIN_DEDUP_CHARS",
    "RETENTION_CUTOFF",
    "DatabaseError",
    "Engine",
    "IngestResult",
    "SourceState",
    "Store",
    "TeamLabel",
    "content_hash",
    "forget_open_runs",
    "interrupt_open_runs",
    "normalise_for_hash",
    "recount",
]
