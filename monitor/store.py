"""Writes to the database: mentions, sightings, scores, labels, with rollups kept in step.

Every write that changes a mention's effective label adjusts ``daily_rollup`` (and
``rating_rollup`` for ratings) in the same transaction and marks the brand-day dirty, so
index queries read rollups, never raw mentions, and snapshots can be refreshed later.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Table, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from monitor.db.engine import writer
from monitor.db.tables import BRAND_T as BR
from monitor.db.tables import DAILY_ROLLUP_T as DR
from monitor.db.tables import DIRTY_DAY_T as DD
from monitor.db.tables import HTTP_VALIDATOR_T as HV
from monitor.db.tables import MENTION_T as M
from monitor.db.tables import META_T as META
from monitor.db.tables import RATING_ROLLUP_T as RR
from monitor.db.tables import RUN_T as RUN
from monitor.db.tables import SCORE_T as SC
from monitor.db.tables import SIGHTING_T as S
from monitor.db.tables import SOURCE_T as SRC
from monitor.db.tables import (
    UNSCORED,
)
from monitor.errors import ImportDataError, StorageError
from monitor.index.formulas import normalise_rating
from monitor.index.periods import local_day
from monitor.liveness import Heartbeat, owner_gone, process_owner
from monitor.mention_rules import check_mention, clean_json, clean_optional, clean_text
from monitor.records import LABELS, MentionIn, Prediction

MIN_DEDUP_CHARS = 20  # shorter texts ("Love it!") are never merged across sources
BATCH = 5000
HASH_CHARS = 16  # 64 bits: collisions within one brand are ~1e-8 likely at a million mentions
DEDUP_LOCK_SPACE = 0x6D6D6464  # PostgreSQL advisory-lock namespace of cross-source de-duplication
DEDUP_LOCK_BUCKETS = 1024  # bounds the locks one transaction holds (the lock table is shared)
RETENTION_CUTOFF = "retention_cutoff"  # meta key: UTC instant before which raw mentions may be deleted
MANUAL = "manual"
IMPORTED = "import"
RATED = "rating"  # a review with stars and no words: its label follows the stars
GIVEN_ORIGINS = (MANUAL, IMPORTED, RATED)
log = logging.getLogger(__name__)


def label_from_rating(norm: float) -> str:
    """The star mapping of the training data: 1–2 of 5 negative, 3 neutral, 4–5 positive."""
    if norm < 0.4:
        return "negative"
    if norm > 0.6:
        return "positive"
    return "neutral"


_WS = re.compile(r"\s+")


def normalise_for_hash(text: str) -> str:
    """Text as compared for cross-source de-duplication (NFKC, case-folded, spaces folded)."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def content_hash(text: str) -> str:
    """The first 64 bits of the SHA-256 of the normalised text, in hex (per-brand dedup key)."""
    return hashlib.sha256(normalise_for_hash(text).encode("utf-8")).hexdigest()[:HASH_CHARS]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class IngestResult:
    """What :meth:`Store.add_mentions` did with a batch."""

    new: int = 0
    duplicate: int = 0
    sightings: int = 0
    mention_ids: list[int] = field(default_factory=list)

    def __iadd__(self, other: IngestResult) -> IngestResult:
        self.new += other.new
        self.duplicate += other.duplicate
        self.sightings += other.sightings
        self.mention_ids.extend(other.mention_ids)
        return self


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


def _insert(conn: Connection, table: Table) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


_MENTION_COLS = (
    "brand_id",
    "source_id",
    "external_id",
    "url",
    "author",
    "title",
    "text",
    "lang",
    "lang_confidence",
    "published_at",
    "fetched_at",
    "day",
    "rating",
    "rating_worst",
    "rating_best",
    "rating_norm",
    "reach",
    "content_hash",
    "label",
    "label_origin",
    "manual_label",
    "p_negative",
    "p_neutral",
    "p_positive",
)


_PUB, _FETCHED, _DAY = (_MENTION_COLS.index(c) for c in ("published_at", "fetched_at", "day"))


def _sqlite_dt(v: datetime) -> str:
    return v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_value(v: Any) -> Any:
    """Values as SQLAlchemy's SQLite dialect stores them (UTC datetimes without offset)."""
    if isinstance(v, datetime):
        return _sqlite_dt(v)
    if isinstance(v, date):
        return v.isoformat()
    return v


def _insert_mentions(conn: Connection, source_id: int, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new mention rows; returns external id → mention id of the rows this call inserted.

    SQLite: the transaction holds the write lock (BEGIN IMMEDIATE) and the caller has already
    removed known ids, so a plain ``executemany`` is safe and ~3x faster than the ORM path.
    PostgreSQL: ``ON CONFLICT DO NOTHING RETURNING`` tells exactly which rows were ours even
    when another writer inserts the same ids concurrently.
    """
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        sql = f"INSERT INTO mention ({', '.join(_MENTION_COLS)}) VALUES ({', '.join('?' * len(_MENTION_COLS))})"  # noqa: S608 (constant names; values are bound)
        fetched: dict[datetime, str] = {}
        tuples = []
        for r in rows:
            t = [r[c] for c in _MENTION_COLS]
            t[_PUB] = _sqlite_dt(t[_PUB])
            f = t[_FETCHED]
            t[_FETCHED] = fetched.get(f) or fetched.setdefault(f, _sqlite_dt(f))
            t[_DAY] = t[_DAY].isoformat()
            tuples.append(t)
        cur.executemany(sql, tuples)
        # Inside this write-locked transaction rowids are allocated consecutively (max + 1),
        # so the k rows just inserted hold ids last - k + 1 … last, in order.
        last = int(cur.execute("SELECT last_insert_rowid()").fetchone()[0])
        first = last - len(rows) + 1
        check = dict(cur.execute("SELECT id, external_id FROM mention WHERE id IN (?, ?)", (first, last)).fetchall())
        if check.get(first) == rows[0]["external_id"] and check.get(last) == rows[-1]["external_id"]:
            out = {r["external_id"]: first + i for i, r in enumerate(rows)}
        else:  # rowids were not consecutive (rowid space exhausted): look them up
            out = {}
            for chunk in _chunks([r["external_id"] for r in rows], 900):
                marks = ", ".join("?" * len(chunk))
                q = f"SELECT external_id, id FROM mention WHERE source_id = ? AND external_id IN ({marks})"  # noqa: S608
                out.update(cur.execute(q, (source_id, *chunk)).fetchall())
        cur.close()
        return out
    # PostgreSQL: COPY into a temporary table, then one INSERT … SELECT.
    cols = ", ".join(_MENTION_COLS)
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    with dbapi.cursor() as cur:  # type: ignore[attr-defined]
        cur.execute(f"CREATE TEMP TABLE _mm_in ON COMMIT DROP AS SELECT {cols} FROM mention WITH NO DATA")  # noqa: S608
        with cur.copy(f"COPY _mm_in ({cols}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(tuple(r[c] for c in _MENTION_COLS))
        cur.execute(
            f"INSERT INTO mention ({cols}) SELECT {cols} FROM _mm_in "  # noqa: S608
            "ON CONFLICT (source_id, external_id) DO NOTHING RETURNING external_id, id"
        )
        out = {ext: int(mid) for ext, mid in cur.fetchall()}
        cur.execute("DROP TABLE _mm_in")
    return out


def _existing_hashes(conn: Connection, brand_id: int, source_id: int, hashes: list[str]) -> dict[str, int]:
    """content hash → oldest mention id, among this brand's mentions from *other* sources."""
    out: dict[str, int] = {}
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        for chunk in _chunks(hashes, 900):
            marks = ", ".join("?" * len(chunk))
            q = (
                "SELECT content_hash, min(id) FROM mention WHERE brand_id = ? AND content_hash IN "  # noqa: S608
                f"({marks}) AND source_id != ? GROUP BY content_hash"
            )
            out.update(cur.execute(q, (brand_id, *chunk, source_id)).fetchall())
        cur.close()
        return out
    for chunk in _chunks(hashes, 500):
        sel = (
            select(M.c.content_hash, func.min(M.c.id))
            .where(M.c.brand_id == brand_id, M.c.source_id != source_id, M.c.content_hash.in_(chunk))
            .group_by(M.c.content_hash)
        )
        out.update({h: int(mid) for h, mid in conn.execute(sel)})
    return out


def dedup_bucket(brand_id: int, content_hash: str) -> int:
    """The advisory-lock bucket of a (brand, content hash) de-duplication key."""
    return (int(content_hash, 16) + brand_id * 0x9E3779B1) % DEDUP_LOCK_BUCKETS


def _lock_dedup_keys(conn: Connection, keys: Iterable[tuple[int, str]]) -> None:
    """Serialise writers of the same (brand, content hash) until this transaction ends.

    Cross-source de-duplication is check-then-insert (a text already stored for the brand
    from another source becomes a sighting), which two PostgreSQL transactions can both
    pass. Each writer first takes ``pg_advisory_xact_lock`` on the buckets of every
    de-duplicable key it is about to write, in ascending order (so two writers cannot
    deadlock); a writer that waited then checks under READ COMMITTED and sees what the
    other committed. SQLite needs nothing: write transactions begin IMMEDIATE, one at a time.
    """
    if conn.dialect.name != "postgresql":
        return
    buckets = sorted({dedup_bucket(b, h) for b, h in keys})
    if not buckets:
        return
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    with dbapi.cursor() as cur:  # type: ignore[attr-defined]
        # unnest yields the sorted array in order, so the locks are taken in that order
        cur.execute(
            "SELECT count(pg_advisory_xact_lock(%s, b)) FROM unnest(%s::int[]) AS b", (DEDUP_LOCK_SPACE, buckets)
        )


def upsert_add(conn: Connection, table: Table, keys: Sequence[str], rows: dict[tuple, int]) -> None:
    """Add ``n`` to counters keyed by ``keys`` (insert when absent); zero deltas skipped."""
    params = [dict(zip(keys, k, strict=True), n=n) for k, n in sorted(rows.items(), key=repr) if n]
    if not params:
        return
    if conn.dialect.name == "sqlite":
        cols = [*keys, "n"]
        sql = (
            f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "  # noqa: S608 (constant names; values are bound)
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET n = {table.name}.n + excluded.n"
        )
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        cur.executemany(sql, [tuple(_sqlite_value(p[c]) for c in cols) for p in params])
        cur.close()
        return
    cols = [*keys, "n"]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET n = {table.name}.n + excluded.n"
    )
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    with dbapi.cursor() as cur:  # type: ignore[attr-defined]
        cur.executemany(sql, [tuple(p[c] for c in cols) for p in params])


def _mark_dirty(conn: Connection, days: Iterable[tuple[int, date]]) -> None:
    keys = sorted(set(days))
    if not keys:
        return
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        cur.executemany(
            "INSERT OR IGNORE INTO dirty_day (brand_id, day) VALUES (?, ?)", [(b, d.isoformat()) for b, d in keys]
        )
        cur.close()
        return
    conn.execute(_insert(conn, DD).on_conflict_do_nothing(), [{"brand_id": b, "day": d} for b, d in keys])


def _insert_carried_scores(conn: Connection, rows: list[dict[str, Any]], ids: dict[str, int], now: datetime) -> None:
    """Score rows for new mentions that arrived with a model's score (see ``MentionIn.score``)."""
    params = [
        {
            "mention_id": ids[r["external_id"]],
            "model_id": p.model_id,
            "model_version": p.model_version,
            "label": p.label,
            "p_negative": p.p_negative,
            "p_neutral": p.p_neutral,
            "p_positive": p.p_positive,
            "counted": r["label"] != UNSCORED,
            "scored_at": now,
        }
        for r in rows
        if (p := r["_score"]) is not None and r["external_id"] in ids
    ]
    if params:
        conn.execute(_insert(conn, SC).on_conflict_do_nothing(), params)


def _validate_label(label: str | None) -> str | None:
    if label is not None and label not in LABELS:
        raise ImportDataError(f"label {label!r} is not one of {', '.join(LABELS)}")
    return label


class Store:
    """All writes (and the small reads writers need) over one engine."""

    def __init__(self, engine: Engine, tz: ZoneInfo) -> None:
        self.engine = engine
        self.tz = tz
        self._brand_ids: dict[str, int] = {}
        self._sources: dict[str, tuple[int, str]] = {}

    # -- brands and sources -------------------------------------------------------------

    def ensure_brand(self, name: str, **fields: Any) -> int:
        """The id of brand ``name``, created when missing (``fields`` update it)."""
        name = clean_text(name).strip()
        if not name:
            raise ImportDataError("brand name is empty")
        if name in self._brand_ids and not fields:
            return self._brand_ids[name]
        values = {k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v for k, v in fields.items()}
        with writer(self.engine).begin() as conn:
            conn.execute(_insert(conn, BR).on_conflict_do_nothing(), [{"name": name}])
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
                _insert(conn, SRC).on_conflict_do_nothing(),
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

    # -- mentions -----------------------------------------------------------------------

    def _row(self, item: MentionIn, brand_id: int, source_id: int, now: datetime) -> dict[str, Any]:
        """One mention as a database row; every text field is cleaned here (NUL bytes, lone
        surrogates) whoever the caller. An unstorable mention raises: callers that must keep
        going (the collector, the importer) apply :func:`~monitor.mention_rules.check_mention`
        first and skip what it rejects."""
        checked = check_mention(item)
        if checked.item is None or checked.problem is not None:
            raise ImportDataError(f"mention {clean_text(str(item.external_id))!r}: {checked.problem}")
        item = checked.item
        text = item.text.strip()
        ext = str(item.external_id).strip()
        published = (item.published_at or now).astimezone(UTC)
        rating_worst = rating_best = rating_norm = None
        if item.rating is not None:
            worst, best = item.rating_scale or (1.0, 5.0)
            rating_norm = normalise_rating(float(item.rating), float(worst), float(best))
            rating_worst, rating_best = float(worst), float(best)
        label: str | None = _validate_label(item.label)
        origin = (item.label_origin or IMPORTED) if label else None
        if label is None and rating_norm is not None and not text and not (item.title or "").strip():
            label, origin = label_from_rating(rating_norm), RATED
        score = item.score
        if score is not None:  # a model's score carried over (an export re-imported)
            label, origin = item.label, f"{score.model_id}@{score.model_version}"
        basis = normalise_for_hash(text or (item.title or ""))
        return {
            "brand_id": brand_id,
            "source_id": source_id,
            "external_id": ext[:500],
            "url": item.url,
            "author": (item.author or None) and item.author[:500],
            "title": item.title,
            "text": text,
            "lang": (item.lang or None) and item.lang[:12],
            "lang_confidence": item.lang_confidence,
            "published_at": published,
            "fetched_at": now,
            "day": local_day(published, self.tz),
            "rating": float(item.rating) if item.rating is not None else None,
            "rating_worst": rating_worst,
            "rating_best": rating_best,
            "rating_norm": rating_norm,
            "reach": item.reach,
            "content_hash": hashlib.sha256(basis.encode("utf-8")).hexdigest()[:HASH_CHARS],
            "label": label or UNSCORED,
            "label_origin": origin,
            "manual_label": label if origin == MANUAL else None,
            "p_negative": score.p_negative if score else None,
            "p_neutral": score.p_neutral if score else None,
            "p_positive": score.p_positive if score else None,
            "_dedupable": len(basis) >= MIN_DEDUP_CHARS,
            "_score": score,
        }

    def add_mentions(
        self,
        brand: str,
        source: str,
        items: Sequence[MentionIn],
        *,
        source_kind: str | None = None,
        now: datetime | None = None,
    ) -> IngestResult:
        """Store mentions idempotently; returns counts of new, duplicate and sightings."""
        return self.add_groups([(brand, source, source_kind, items)], now=now)[0]

    def add_groups(
        self,
        groups: Sequence[tuple[str, str, str | None, Sequence[MentionIn]]],
        *,
        now: datetime | None = None,
    ) -> list[IngestResult]:
        """Store several ``(brand, source, source kind, mentions)`` groups.

        Groups are written together, one transaction per :data:`BATCH` mentions, so an
        import of many small brand × source groups pays one commit per chunk, not per group.
        """
        now = now or utcnow()
        results = [IngestResult() for _ in groups]
        prepared: list[tuple[int, int, int, list[dict[str, Any]]]] = []
        for gi, (brand, source, kind, items) in enumerate(groups):
            brand_id = self.ensure_brand(brand)
            source_id, _kind = self.ensure_source(source, kind)
            for i in range(0, len(items), BATCH):
                rows = [self._row(it, brand_id, source_id, now) for it in items[i : i + BATCH]]
                prepared.append((gi, brand_id, source_id, rows))
        chunk: list[tuple[int, int, int, list[dict[str, Any]]]] = []
        size = 0
        for part in prepared:
            chunk.append(part)
            size += len(part[3])
            if size >= BATCH:
                self._write_chunk(chunk, results, now)
                chunk, size = [], 0
        if chunk:
            self._write_chunk(chunk, results, now)
        return results

    def _write_chunk(
        self, chunk: list[tuple[int, int, int, list[dict[str, Any]]]], results: list[IngestResult], now: datetime
    ) -> None:
        counts: Counter[tuple] = Counter()
        ratings: Counter[tuple] = Counter()
        with writer(self.engine).begin() as conn:
            _lock_dedup_keys(conn, ((b, r["content_hash"]) for _, b, _, rows in chunk for r in rows if r["_dedupable"]))
            for gi, brand_id, source_id, rows in chunk:
                results[gi] += self._add_rows(conn, brand_id, source_id, rows, now, counts, ratings)
            upsert_add(conn, DR, ("brand_id", "day", "source_id", "lang", "label", "origin"), counts)
            upsert_add(conn, RR, ("brand_id", "day", "source_id", "lang", "worst", "best", "value"), ratings)
            _mark_dirty(conn, ((k[0], k[1]) for k in counts))

    def _add_rows(
        self,
        conn: Connection,
        brand_id: int,
        source_id: int,
        rows: list[dict[str, Any]],
        now: datetime,
        counts: Counter[tuple],
        ratings: Counter[tuple],
    ) -> IngestResult:
        """Write one group's rows in ``conn``; rollup deltas accumulate in counts/ratings."""
        res = IngestResult()
        seen: set[str] = set()
        unique_rows = []
        for r in rows:
            if r["external_id"] in seen:
                res.duplicate += 1
                continue
            seen.add(r["external_id"])
            unique_rows.append(r)
        known = self._known(conn, source_id, [r["external_id"] for r in unique_rows])
        fresh = [r for r in unique_rows if r["external_id"] not in known]
        res.duplicate += len(unique_rows) - len(fresh)
        # Same text already stored from another source: a sighting, not a new mention.
        hashes = {r["content_hash"] for r in fresh if r["_dedupable"]}
        existing = _existing_hashes(conn, brand_id, source_id, sorted(hashes)) if hashes else {}
        sightings = [r for r in fresh if r["_dedupable"] and r["content_hash"] in existing]
        if sightings:
            params = [
                {
                    "mention_id": existing[r["content_hash"]],
                    "source_id": source_id,
                    "external_id": r["external_id"],
                    "url": r["url"],
                    "seen_at": now,
                }
                for r in sightings
            ]
            got = conn.execute(_insert(conn, S).on_conflict_do_nothing().returning(S.c.external_id), params).all()
            res.sightings += len(got)
            res.duplicate += len(sightings) - len(got)
        to_insert = [r for r in fresh if not (r["_dedupable"] and r["content_hash"] in existing)]
        if not to_insert:
            return res
        inserted = _insert_mentions(conn, source_id, to_insert)
        res.duplicate += len(to_insert) - len(inserted)
        for r in to_insert:
            mid = inserted.get(r["external_id"])
            if mid is None:
                continue
            res.mention_ids.append(mid)
            lang = r["lang"] or ""
            counts[(brand_id, r["day"], source_id, lang, r["label"], r["label_origin"] or "")] += 1
            if r["rating"] is not None:
                ratings[(brand_id, r["day"], source_id, lang, r["rating_worst"], r["rating_best"], r["rating"])] += 1
        res.new += len(inserted)
        _insert_carried_scores(conn, to_insert, inserted, now)
        return res

    def _known(self, conn: Connection, source_id: int, external_ids: Sequence[str]) -> set[str]:
        out: set[str] = set()
        if conn.dialect.name == "sqlite":
            dbapi = conn.connection.dbapi_connection
            assert dbapi is not None
            cur = dbapi.cursor()
            for chunk in _chunks(list(external_ids), 900):
                marks = ", ".join("?" * len(chunk))
                for table in ("mention", "sighting"):
                    q = f"SELECT external_id FROM {table} WHERE source_id = ? AND external_id IN ({marks})"  # noqa: S608 (constant names; values are bound)
                    out.update(r[0] for r in cur.execute(q, (source_id, *chunk)))
            cur.close()
            return out
        for chunk in _chunks(list(external_ids), 500):
            for table in (M, S):
                sel = select(table.c.external_id).where(table.c.source_id == source_id, table.c.external_id.in_(chunk))
                out.update(conn.execute(sel).scalars())
        return out

    def known_external_ids(self, source: str, external_ids: Iterable[str]) -> set[str]:
        """Which of ``external_ids`` this source already stored (as mention or sighting)."""
        ids = list(dict.fromkeys(clean_text(str(e)) for e in external_ids))  # as stored: NUL-free
        with self.engine.connect() as conn:
            row = conn.execute(select(SRC.c.id).where(SRC.c.name == source)).first()
            if row is None:
                return set()
            return self._known(conn, int(row.id), ids)

    # -- labels and scores --------------------------------------------------------------

    def _relabel(
        self,
        conn: Connection,
        m: Any,
        label: str,
        origin: str | None,
        probs: tuple[float, float, float] | None,
        manual: str | object | None = ...,
    ) -> None:
        """Move one mention to a new effective label, adjusting rollups in ``conn``."""
        values: dict[str, Any] = {"label": label, "label_origin": origin}
        if probs is not None:
            values.update(p_negative=probs[0], p_neutral=probs[1], p_positive=probs[2])
        if manual is not ...:
            values["manual_label"] = manual
        conn.execute(update(M).where(M.c.id == m.id).values(**values))
        old_key = (m.brand_id, m.day, m.source_id, m.lang or "", m.label, m.label_origin or "")
        new_key = (m.brand_id, m.day, m.source_id, m.lang or "", label, origin or "")
        if old_key != new_key:
            upsert_add(conn, DR, ("brand_id", "day", "source_id", "lang", "label", "origin"), {old_key: -1, new_key: 1})
            _mark_dirty(conn, [(m.brand_id, m.day)])

    def set_label(self, mention_id: int, label: str | None) -> None:
        """A person's label (wins over model scores); ``None`` clears it back to the model's."""
        if label is not None and label not in LABELS:
            raise StorageError(f"label {label!r} is not one of {', '.join(LABELS)}")
        with writer(self.engine).begin() as conn:
            m = conn.execute(select(M).where(M.c.id == mention_id)).first()
            if m is None:
                raise StorageError(f"no mention with id {mention_id}")
            if label is not None:
                self._relabel(conn, m, label, MANUAL, None, manual=label)
                return
            latest = conn.execute(
                select(SC).where(SC.c.mention_id == mention_id).order_by(SC.c.scored_at.desc(), SC.c.id.desc()).limit(1)
            ).first()
            if latest is None:
                self._relabel(conn, m, UNSCORED, None, None, manual=None)
            else:
                origin = f"{latest.model_id}@{latest.model_version}"
                lab = latest.label if latest.counted else UNSCORED
                probs = (latest.p_negative, latest.p_neutral, latest.p_positive)
                self._relabel(conn, m, lab, origin, probs, manual=None)

    def pending_scoring(self, model_id: str, model_version: str, limit: int) -> list[tuple[int, str, str | None]]:
        """Mentions this model version has not scored and no person/importer labelled.

        Never-scored mentions first (a small partial index), then those scored by an
        older model version.
        """
        origin = f"{model_id}@{model_version}"
        never = select(M.c.id, M.c.text, M.c.title, M.c.lang).where(M.c.label_origin.is_(None)).order_by(M.c.id)
        older = (
            select(M.c.id, M.c.text, M.c.title, M.c.lang)
            .where(M.c.label_origin.is_not(None), M.c.label_origin.notin_(GIVEN_ORIGINS), M.c.label_origin != origin)
            .order_by(M.c.id)
        )
        with self.engine.connect() as conn:
            rows = list(conn.execute(never.limit(limit)).all())
            if len(rows) < limit:
                rows += conn.execute(older.limit(limit - len(rows))).all()
        out = []
        for r in rows:
            text = r.text if r.text else (r.title or "")
            if r.title and r.text and not r.text.startswith(r.title):
                text = f"{r.title}. {r.text}"
            out.append((int(r.id), text, r.lang))
        return out

    def count_pending(self, model_id: str, model_version: str) -> int:
        """How many mentions :meth:`pending_scoring` would return in all."""
        origin = f"{model_id}@{model_version}"
        cond = or_(
            M.c.label_origin.is_(None),
            and_(M.c.label_origin.notin_(GIVEN_ORIGINS), M.c.label_origin != origin),
        )
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(M).where(cond)).scalar_one())

    def add_scores(self, items: Sequence[tuple[int, Prediction, bool]], *, now: datetime | None = None) -> int:
        """Store model scores; each counts in the index unless a person/importer labelled it.

        ``counted=False`` (unsupported language, low confidence) keeps the mention unscored.
        Returns how many scores were new.
        """
        now = now or utcnow()
        new = 0
        for chunk in _chunks(list(items), BATCH):
            with writer(self.engine).begin() as conn:
                params = [
                    {
                        "mention_id": mid,
                        "model_id": p.model_id,
                        "model_version": p.model_version,
                        "label": p.label,
                        "p_negative": p.p_negative,
                        "p_neutral": p.p_neutral,
                        "p_positive": p.p_positive,
                        "counted": bool(counted),
                        "scored_at": now,
                    }
                    for mid, p, counted in chunk
                ]
                got = (
                    conn.execute(_insert(conn, SC).on_conflict_do_nothing().returning(SC.c.mention_id), params)
                    .scalars()
                    .all()
                )
                inserted = set(got)
                new += len(inserted)
                by_id = {mid: (p, counted) for mid, p, counted in chunk if mid in inserted}
                if not by_id:
                    continue
                rows = conn.execute(select(M).where(M.c.id.in_(list(by_id)))).all()
                deltas: Counter[tuple] = Counter()
                dirty = set()
                for m in rows:
                    if m.label_origin in GIVEN_ORIGINS:
                        continue
                    p, counted = by_id[m.id]
                    label = p.label if counted else UNSCORED
                    origin = f"{p.model_id}@{p.model_version}"
                    conn.execute(
                        update(M)
                        .where(M.c.id == m.id)
                        .values(
                            label=label,
                            label_origin=origin,
                            p_negative=p.p_negative,
                            p_neutral=p.p_neutral,
                            p_positive=p.p_positive,
                        )
                    )
                    old = (m.brand_id, m.day, m.source_id, m.lang or "", m.label, m.label_origin or "")
                    newk = (m.brand_id, m.day, m.source_id, m.lang or "", label, origin)
                    if old != newk:
                        deltas[old] -= 1
                        deltas[newk] += 1
                        dirty.add((m.brand_id, m.day))
                upsert_add(conn, DR, ("brand_id", "day", "source_id", "lang", "label", "origin"), deltas)
                _mark_dirty(conn, dirty)
        return new

    # -- source state, HTTP validators, runs ---------------------------------------------

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
        """Record how a fetch of source ``name`` ended (ok|partial|not_modified|blocked|failed).

        ``partial``: what was read is stored (a success) but something was not — bad items
        skipped, a later page failed, or the walk stopped at ``max_pages`` — and ``reason``
        says what; it is kept as the last error. Strings are cleaned of NUL bytes here.
        """
        if status not in ("ok", "partial", "not_modified", "blocked", "failed"):
            raise StorageError(f"unknown fetch status {status!r}")
        reason = clean_optional(reason)
        now = utcnow()
        values: dict[str, Any] = {}
        if status in ("ok", "not_modified"):
            values.update(status="ok", last_success_at=now, blocked_reason=None)
        elif status == "partial":
            values.update(
                status="partial", last_success_at=now, blocked_reason=None, last_error=reason, last_error_at=now
            )
        elif status == "blocked":
            values.update(status="blocked", blocked_reason=reason, last_error=reason, last_error_at=now)
        else:
            values.update(status="failing", last_error=reason, last_error_at=now)
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
            stmt = _insert(conn, HV).values(url=url[:2000], etag=etag, last_modified=last_modified, updated_at=utcnow())
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["url"],
                    set_={"etag": etag, "last_modified": last_modified, "updated_at": utcnow()},
                )
            )

    def start_run(self, kind: str) -> int:
        """Open a run owned by this process (first closing runs whose process is gone)."""
        self.mark_abandoned_runs()
        now = utcnow()
        with writer(self.engine).begin() as conn:
            rid = int(
                conn.execute(
                    RUN.insert()
                    .values(
                        kind=kind,
                        started_at=now,
                        status="running",
                        counts="{}",
                        errors="[]",
                        owner=process_owner(),
                        heartbeat_at=now,
                    )
                    .returning(RUN.c.id)
                ).scalar_one()
            )
        _open_run(self, rid)
        return rid

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any], errors: list[str]) -> None:
        now = utcnow()
        with writer(self.engine).begin() as conn:
            started = conn.execute(select(RUN.c.started_at).where(RUN.c.id == run_id)).scalar_one_or_none()
            if started is None:
                raise StorageError(f"no run with id {run_id}")
            conn.execute(
                update(RUN)
                .where(RUN.c.id == run_id)
                .values(
                    finished_at=now,
                    status=status,
                    counts=clean_text(json.dumps(clean_json(counts), ensure_ascii=False, default=str)),
                    errors=clean_text(json.dumps(clean_json(errors[:200]), ensure_ascii=False)),
                    duration_s=(now - started).total_seconds(),
                    heartbeat_at=now,
                )
            )
        _close_run(self, run_id)

    def close_run(self, run_id: int, status: str, reason: str) -> bool:
        """End a still ``running`` run as ``status`` (keeping its counts), adding ``reason``."""
        now = utcnow()
        with writer(self.engine).begin() as conn:
            row = conn.execute(
                select(RUN.c.started_at, RUN.c.errors).where(RUN.c.id == run_id, RUN.c.status == "running")
            ).one_or_none()
            if row is None:
                return False
            errors = [*json.loads(row.errors or "[]"), reason][-200:]
            conn.execute(
                update(RUN)
                .where(RUN.c.id == run_id, RUN.c.status == "running")
                .values(
                    finished_at=now,
                    status=status,
                    errors=clean_text(json.dumps(clean_json(errors), ensure_ascii=False)),
                    duration_s=(now - _utc(row.started_at)).total_seconds(),
                )
            )
        _close_run(self, run_id)
        return True

    def mark_abandoned_runs(self, now: datetime | None = None) -> list[int]:
        """Close as ``abandoned`` every ``running`` run whose process is gone; return their ids.

        A run of this host is abandoned when its process no longer exists; a run of another
        host only when its heartbeat expired (see :mod:`monitor.liveness`).
        """
        now = now or utcnow()
        mine = {rid for key, rid in _OPEN_RUNS if key == id(self)}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(RUN.c.id, RUN.c.owner, RUN.c.heartbeat_at, RUN.c.started_at).where(RUN.c.status == "running")
            ).all()
        done = []
        for r in rows:
            beat = _utc(r.heartbeat_at) if r.heartbeat_at is not None else None
            if beat is None and r.owner is None:
                beat = _utc(r.started_at)  # a row from before owners were recorded
            why = owner_gone(r.owner, beat, now, mine=r.id in mine)
            if why is not None and self.close_run(r.id, "abandoned", f"abandoned: {why}"):
                log.warning("run %d marked abandoned: %s", r.id, why)
                done.append(int(r.id))
        return done

    # -- maintenance ---------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(META.c.value).where(META.c.key == key)).scalar_one_or_none()

    def set_meta(self, key: str, value: str) -> None:
        with writer(self.engine).begin() as conn:
            stmt = _insert(conn, META).values(key=key, value=value)
            conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    def rebuild_rollups(self) -> None:
        """Recompute mention days (index timezone) and every rollup from the mentions.

        Used when the index timezone changes; rollups of mentions removed by retention
        cannot be rebuilt, so retention keeps rollups and this refuses to run after it.
        """
        with writer(self.engine).begin() as conn:
            if self.get_meta_conn(conn, "retention_applied") == "1":
                raise StorageError(
                    "raw mentions were removed by retention; rollups cannot be rebuilt for another timezone"
                )
            offset_rows = conn.execute(select(M.c.id, M.c.published_at, M.c.day)).all()
            for chunk in _chunks(offset_rows, 5000):
                params = []
                for r in chunk:
                    d = local_day(r.published_at, self.tz)
                    if d != r.day:
                        params.append({"mid": r.id, "d": d})
                if params:
                    from sqlalchemy import bindparam

                    conn.execute(update(M).where(M.c.id == bindparam("mid")).values(day=bindparam("d")), params)
            old_days = conn.execute(select(DR.c.brand_id, DR.c.day).distinct()).all()
            _mark_dirty(conn, ((int(b), d) for b, d in old_days))  # their snapshots go too
            conn.execute(delete(DR))
            conn.execute(delete(RR))
            counts, ratings = recount(conn)
            upsert_add(conn, DR, ("brand_id", "day", "source_id", "lang", "label", "origin"), counts)
            upsert_add(conn, RR, ("brand_id", "day", "source_id", "lang", "worst", "best", "value"), ratings)
            _mark_dirty(conn, ((k[0], k[1]) for k in counts))

    def apply_retention(self, mention_days: int, run_days: int, *, now: datetime | None = None) -> dict[str, int]:
        """Delete raw mentions (with scores, sightings) and runs older than the limits.

        Rollups and snapshots stay, so the index history outlives the raw text.
        """
        now = now or utcnow()
        m_cut = now - timedelta(days=mention_days)
        r_cut = now - timedelta(days=run_days)
        removed = {"mentions": 0, "runs": 0}
        while True:
            with writer(self.engine).begin() as conn:
                ids = conn.execute(select(M.c.id).where(M.c.published_at < m_cut).limit(5000)).scalars().all()
                if not ids:
                    break
                conn.execute(delete(SC).where(SC.c.mention_id.in_(ids)))
                conn.execute(delete(S).where(S.c.mention_id.in_(ids)))
                conn.execute(delete(M).where(M.c.id.in_(ids)))
                stmt = _insert(conn, META).values(key="retention_applied", value="1")
                conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": "1"}))
                # mentions published before the cutoff may be gone: `monitor verify` skips their days
                cut = max(m_cut.astimezone(UTC).isoformat(), self.get_meta_conn(conn, RETENTION_CUTOFF) or "")
                stmt = _insert(conn, META).values(key=RETENTION_CUTOFF, value=cut)
                conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": cut}))
                removed["mentions"] += len(ids)
        with writer(self.engine).begin() as conn:
            removed["runs"] = conn.execute(delete(RUN).where(RUN.c.started_at < r_cut)).rowcount or 0
        return removed

    @staticmethod
    def get_meta_conn(conn: Connection, key: str) -> str | None:
        return conn.execute(select(META.c.value).where(META.c.key == key)).scalar_one_or_none()


# -- the runs this process has open (heartbeat, interrupt) --------------------------------

_OPEN_RUNS: dict[tuple[int, int], Store] = {}  # (id(store), run id) → store
_OPEN_LOCK = threading.Lock()


def _utc(v: datetime) -> datetime:
    return v if v.tzinfo else v.replace(tzinfo=UTC)


def _beat_open_runs() -> None:
    with _OPEN_LOCK:
        by_store: dict[int, tuple[Store, list[int]]] = {}
        for (sid, rid), store in _OPEN_RUNS.items():
            by_store.setdefault(sid, (store, []))[1].append(rid)
    for store, ids in by_store.values():
        with writer(store.engine).begin() as conn:
            conn.execute(update(RUN).where(RUN.c.id.in_(ids), RUN.c.status == "running").values(heartbeat_at=utcnow()))


_HEARTBEAT = Heartbeat(_beat_open_runs)


def _open_run(store: Store, run_id: int) -> None:
    with _OPEN_LOCK:
        _OPEN_RUNS[(id(store), run_id)] = store
    _HEARTBEAT.acquire()


def _close_run(store: Store, run_id: int) -> None:
    with _OPEN_LOCK:
        found = _OPEN_RUNS.pop((id(store), run_id), None)
    if found is not None:
        _HEARTBEAT.release()


def forget_open_runs(store: Store) -> None:
    """Stop heartbeating ``store``'s open runs (it is being closed; the rows stay as they are)."""
    with _OPEN_LOCK:
        mine = [key for key in _OPEN_RUNS if key[0] == id(store)]
    for _sid, rid in mine:
        _close_run(store, rid)


def interrupt_open_runs(reason: str = "interrupted by a signal") -> list[int]:
    """Close every run this process still has open as ``interrupted``; return their ids."""
    with _OPEN_LOCK:
        items = list(_OPEN_RUNS.items())
    closed = []
    for (_sid, rid), store in items:
        try:
            if store.close_run(rid, "interrupted", reason):
                closed.append(rid)
        except Exception as exc:  # the database may be what failed
            log.error("cannot record run %d as interrupted: %s", rid, exc)
            _close_run(store, rid)
    return closed


def recount(conn: Connection) -> tuple[Counter[tuple], Counter[tuple]]:
    """Rollup counts computed from scratch from the mention table."""
    counts: Counter[tuple] = Counter()
    for r in conn.execute(
        select(M.c.brand_id, M.c.day, M.c.source_id, M.c.lang, M.c.label, M.c.label_origin, func.count()).group_by(
            M.c.brand_id, M.c.day, M.c.source_id, M.c.lang, M.c.label, M.c.label_origin
        )
    ):
        counts[(r[0], r[1], r[2], r[3] or "", r[4], r[5] or "")] += r[6]
    ratings: Counter[tuple] = Counter()
    for r in conn.execute(
        select(
            M.c.brand_id, M.c.day, M.c.source_id, M.c.lang, M.c.rating_worst, M.c.rating_best, M.c.rating, func.count()
        )
        .where(M.c.rating.is_not(None))
        .group_by(M.c.brand_id, M.c.day, M.c.source_id, M.c.lang, M.c.rating_worst, M.c.rating_best, M.c.rating)
    ):
        ratings[(r[0], r[1], r[2], r[3] or "", r[4], r[5], r[6])] += r[7]
    return counts, ratings


def _chunks(seq: Sequence[Any], n: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


__all__ = [
    "MIN_DEDUP_CHARS",
    "IngestResult",
    "SourceState",
    "Store",
    "content_hash",
    "interrupt_open_runs",
    "normalise_for_hash",
    "recount",
]
