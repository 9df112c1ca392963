"""Per-source collection state (status, cursor) and per-URL HTTP validators."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from monitor._health import WALK_STATUSES, health_of
from monitor._mention_rules import clean_json, clean_optional, clean_text
from monitor._store.base import StoreBase
from monitor._store.dialect import dialect_insert, utcnow
from monitor._store.engine import writer
from monitor._store.tables import HTTP_VALIDATOR_T as HV
from monitor._store.tables import SOURCE_T as SRC
from monitor.errors import StorageError


@dataclass(frozen=True, slots=True)
class SourceState:
    """A source's collection state."""

    name: str
    kind: str
    status: str
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    blocked_reason: str | None
    cursor: dict[str, Any]


class SourcesStateStore(StoreBase):
    """What the collector remembers between fetches."""

    def source_state(self, name: str) -> SourceState:
        with self.engine.connect() as conn:
            r = conn.execute(select(SRC).where(SRC.c.name == name)).first()
        if r is None:
            raise StorageError(f"no source named {name!r}")
        try:
            cursor = json.loads(r.cursor or "{}")
        except json.JSONDecodeError:
            cursor = {}
        return SourceState(
            r.name, r.kind, r.status, r.last_success_at, r.last_error, r.last_error_at, r.blocked_reason, cursor
        )

    def record_source_result(
        self, name: str, status: str, reason: str | None = None, cursor: dict[str, Any] | None = None
    ) -> None:
        """Record how a fetch of source ``name`` ended (a :data:`~monitor._health.WalkStatus`).

        The stored status is :func:`~monitor._health.health_of` it. ``partial``: what was
        read is stored (a success) but something was not — bad items skipped, a later page
        failed, or the walk stopped at ``max_pages`` — and ``reason`` says what; it is kept
        as the last error. ``blocked_reason`` is kept while the source is blocked only.
        Strings are cleaned of NUL bytes here.
        """
        if status not in WALK_STATUSES:
            raise StorageError(f"unknown fetch status {status!r} (expected one of {', '.join(WALK_STATUSES)})")
        health = health_of(status)
        reason = clean_optional(reason)
        now = utcnow()
        values: dict[str, Any] = {"status": health, "blocked_reason": reason if health == "blocked" else None}
        if health in ("ok", "partial"):
            values["last_success_at"] = now
        if health != "ok":
            values.update(last_error=reason, last_error_at=now)
        if cursor is not None:
            values["cursor"] = clean_text(json.dumps(clean_json(cursor), ensure_ascii=False, default=str))
        with writer(self.engine).begin() as conn:
            n = conn.execute(update(SRC).where(SRC.c.name == name).values(**values)).rowcount
        if n == 0:
            raise StorageError(f"no source named {name!r}")

    def http_validators(self, url: str) -> tuple[str | None, str | None] | None:
        with self.engine.connect() as conn:
            q = select(HV.c.etag, HV.c.last_modified).where(HV.c.url == clean_text(url)[:2000])
            r = conn.execute(q).first()
        return (r.etag, r.last_modified) if r else None

    def set_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        url, etag, last_modified = clean_text(url), clean_optional(etag), clean_optional(last_modified)
        with writer(self.engine).begin() as conn:
            stmt = dialect_insert(conn, HV).values(
                url=url[:2000], etag=etag, last_modified=last_modified, updated_at=utcnow()
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["url"],
                    set_={"etag": etag, "last_modified": last_modified, "updated_at": utcnow()},
                )
            )
