"""Brands and sources: created on first use, ids cached per store."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update

from monitor._mention_rules import clean_text
from monitor._store.base import StoreBase
from monitor._store.dialect import dialect_insert
from monitor._store.engine import writer
from monitor._store.tables import BRAND_T as BR
from monitor._store.tables import SOURCE_T as SRC
from monitor.errors import ImportDataError


class RegistryStore(StoreBase):
    """The brand and source registry."""

    def ensure_brand(self, name: str, **fields: Any) -> int:
        """The id of brand ``name``, created when missing (``fields`` update it)."""
        name = clean_text(name).strip()
        if not name:
            raise ImportDataError("brand name is empty")
        if name in self._brand_ids and not fields:
            return self._brand_ids[name]
        values = {k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v for k, v in fields.items()}
        with writer(self.engine).begin() as conn:
            conn.execute(dialect_insert(conn, BR).on_conflict_do_nothing(), [{"name": name}])
            if values:
                conn.execute(update(BR).where(BR.c.name == name).values(**values))
            bid = conn.execute(select(BR.c.id).where(BR.c.name == name)).scalar_one()
        self._brand_ids[name] = bid
        return int(bid)

    def ensure_source(self, name: str, kind: str | None = None, **fields: Any) -> tuple[int, str]:
        """``(id, kind)`` of source ``name``, created (kind defaults to the name) when missing."""
        name = clean_text(name).strip()
        if not name:
            raise ImportDataError("source name is empty")
        if name in self._sources and not fields and (kind is None or self._sources[name][1] == kind):
            return self._sources[name]
        with writer(self.engine).begin() as conn:
            conn.execute(
                dialect_insert(conn, SRC).on_conflict_do_nothing(),
                [{"name": name, "kind": kind or name, "status": "never", "cursor": "{}"}],
            )
            upd = dict(fields)
            if kind is not None:
                upd["kind"] = kind
            if upd:
                conn.execute(update(SRC).where(SRC.c.name == name).values(**upd))
            row = conn.execute(select(SRC.c.id, SRC.c.kind).where(SRC.c.name == name)).one()
        self._sources[name] = (int(row.id), str(row.kind))
        return self._sources[name]

    def brand_id(self, name: str) -> int | None:
        """The id of an existing brand (case-insensitive match as a fallback)."""
        if name in self._brand_ids:
            return self._brand_ids[name]
        with self.engine.connect() as conn:
            rows = conn.execute(select(BR.c.id, BR.c.name)).all()
        for r in rows:
            if r.name == name:
                self._brand_ids[name] = int(r.id)
                return int(r.id)
        for r in rows:
            if r.name.casefold() == name.casefold():
                return int(r.id)
        return None

    def brand_names(self) -> list[str]:
        """Names of every brand, sorted."""
        with self.engine.connect() as conn:
            return [str(n) for n in conn.execute(select(BR.c.name).order_by(BR.c.name)).scalars()]

    def brand_name(self, brand_id: int) -> str:
        """The name of brand ``brand_id`` (which must exist)."""
        with self.engine.connect() as conn:
            return str(conn.execute(select(BR.c.name).where(BR.c.id == brand_id)).scalar_one())

    def source_kind(self, name: str) -> str | None:
        """The kind of source ``name``, or None when no such source is stored."""
        with self.engine.connect() as conn:
            kind = conn.execute(select(SRC.c.kind).where(SRC.c.name == name)).scalar_one_or_none()
        return None if kind is None else str(kind)
