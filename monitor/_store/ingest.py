"""Ingest: mentions stored idempotently, same texts from other sources kept as sightings.

Every write adjusts ``daily_rollup`` (and ``rating_rollup`` for ratings) in the same
transaction and marks the brand-day dirty, so index queries read rollups, never raw
mentions, and snapshots can be refreshed later.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from monitor._index.formulas import normalise_rating
from monitor._index.periods import local_day
from monitor._labels import MANUAL, RATED, UNSCORED, given_label, rating_label
from monitor._mention_rules import check_mention, clean_text
from monitor._records import Mention
from monitor._store.bulk import insert_mentions, known_ids
from monitor._store.dedup import HASH_CHARS, MIN_DEDUP_CHARS, existing_hashes, lock_dedup_keys, normalise_for_hash
from monitor._store.dialect import DayKey, RatingKey, dialect_insert, mark_dirty, upsert_add, utcnow
from monitor._store.engine import writer
from monitor._store.reach import ReachKey, add_reach, write_reach
from monitor._store.registry import RegistryStore
from monitor._store.tables import DAILY_ROLLUP_T as DR
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import RATING_ROLLUP_T as RR
from monitor._store.tables import SCORE_T as SC
from monitor._store.tables import SIGHTING_T as S
from monitor._store.tables import SOURCE_T as SRC
from monitor.errors import ImportDataError

BATCH = 5000


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


def _insert_carried_scores(conn: Connection, rows: list[dict[str, Any]], ids: dict[str, int], now: datetime) -> None:
    """Score rows for new mentions that arrived with a model's score (see ``Mention.score``)."""
    params = [
        {
            "mention_id": ids[r["external_id"]],
            "model_id": p.model_id,
            "model_version": p.model_version,
            "label": p.label,
            "p_negative": p.p_negative,
            "p_neutral": p.p_neutral,
            "p_positive": p.p_positive,
            "counted": r["_counted"],
            "scored_at": now,
        }
        for r in rows
        if (p := r["_score"]) is not None and r["external_id"] in ids
    ]
    if params:
        conn.execute(dialect_insert(conn, SC).on_conflict_do_nothing(), params)


class IngestStore(RegistryStore):
    """Adding mentions (with sightings, carried scores and rollup deltas)."""

    def _row(self, item: Mention, brand_id: int, source_id: int, now: datetime) -> dict[str, Any]:
        """One mention as a database row; every text field is cleaned here (NUL bytes, lone
        surrogates) whoever the caller. An unstorable mention raises: callers that must keep
        going (the collector, the importer) apply :func:`~monitor._mention_rules.check_mention`
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
        has_words = bool(text or (item.title or "").strip())
        label: str | None
        origin: str | None
        label, origin = given_label(
            item.label, item.label_origin, rating_norm, has_words, from_rating=self.label_from_rating
        )
        score = item.score
        stars = rating_label(rating_norm, has_words, from_rating=self.label_from_rating)
        if score is not None and stars is not None:  # a model's score carried over, the stars' label
            label, origin = stars, RATED
        elif score is not None:  # a model's score carried over (an export re-imported)
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
            "reach_kind": item.reach_kind if item.reach is not None else None,
            "content_hash": hashlib.sha256(basis.encode("utf-8")).hexdigest()[:HASH_CHARS],
            "label": label or UNSCORED,
            "label_origin": origin,
            "manual_label": label if origin == MANUAL else None,
            "p_negative": score.p_negative if score else None,
            "p_neutral": score.p_neutral if score else None,
            "p_positive": score.p_positive if score else None,
            "_dedupable": len(basis) >= MIN_DEDUP_CHARS,
            "_score": score,
            "_counted": item.label is not None,
        }

    def add_mentions(
        self,
        brand: str,
        source: str,
        items: Sequence[Mention],
        *,
        source_kind: str | None = None,
        now: datetime | None = None,
    ) -> IngestResult:
        """Store mentions idempotently; returns counts of new, duplicate and sightings."""
        return self.add_groups([(brand, source, source_kind, items)], now=now)[0]

    def add_groups(
        self,
        groups: Sequence[tuple[str, str, str | None, Sequence[Mention]]],
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
        counts: Counter[DayKey] = Counter()
        ratings: Counter[RatingKey] = Counter()
        reaches: Counter[ReachKey] = Counter()
        with writer(self.engine).begin() as conn:
            lock_dedup_keys(conn, ((b, r["content_hash"]) for _, b, _, rows in chunk for r in rows if r["_dedupable"]))
            for gi, brand_id, source_id, rows in chunk:
                results[gi] += self._add_rows(conn, brand_id, source_id, rows, now, counts, ratings, reaches)
            upsert_add(conn, DR, ("brand_id", "day", "source_id", "lang", "label", "origin"), counts)
            upsert_add(conn, RR, ("brand_id", "day", "source_id", "lang", "worst", "best", "value"), ratings)
            write_reach(conn, reaches)
            mark_dirty(conn, ((k[0], k[1]) for k in counts))

    def _add_rows(
        self,
        conn: Connection,
        brand_id: int,
        source_id: int,
        rows: list[dict[str, Any]],
        now: datetime,
        counts: Counter[DayKey],
        ratings: Counter[RatingKey],
        reaches: Counter[ReachKey],
    ) -> IngestResult:
        """Write one group's rows in ``conn``; rollup deltas accumulate in counts/ratings/reaches."""
        res = IngestResult()
        seen: set[str] = set()
        unique_rows = []
        for r in rows:
            if r["external_id"] in seen:
                res.duplicate += 1
                continue
            seen.add(r["external_id"])
            unique_rows.append(r)
        known = known_ids(conn, source_id, [r["external_id"] for r in unique_rows])
        fresh = [r for r in unique_rows if r["external_id"] not in known]
        res.duplicate += len(unique_rows) - len(fresh)
        # Same text already stored from another source: a sighting, not a new mention.
        hashes = {r["content_hash"] for r in fresh if r["_dedupable"]}
        existing = existing_hashes(conn, brand_id, source_id, sorted(hashes)) if hashes else {}
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
            got = conn.execute(
                dialect_insert(conn, S).on_conflict_do_nothing().returning(S.c.external_id), params
            ).all()
            res.sightings += len(got)
            res.duplicate += len(sightings) - len(got)
        to_insert = [r for r in fresh if not (r["_dedupable"] and r["content_hash"] in existing)]
        if not to_insert:
            return res
        inserted = insert_mentions(conn, source_id, to_insert)
        res.duplicate += len(to_insert) - len(inserted)
        for r in to_insert:
            mid = inserted.get(r["external_id"])
            if mid is None:
                continue
            res.mention_ids.append(mid)
            lang = r["lang"] or ""
            counts[(brand_id, r["day"], source_id, lang, r["label"], r["label_origin"] or "")] += 1
            add_reach(reaches, r, r["label"])
            if r["rating"] is not None:
                ratings[(brand_id, r["day"], source_id, lang, r["rating_worst"], r["rating_best"], r["rating"])] += 1
        res.new += len(inserted)
        _insert_carried_scores(conn, to_insert, inserted, now)
        return res

    def mention_id_of(self, source: str, external_id: str) -> int | None:
        """The mention stored for ``external_id`` of ``source`` (the sighted one for a sighting)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(M.c.id)
                .select_from(M.join(SRC, SRC.c.id == M.c.source_id))
                .where(SRC.c.name == source, M.c.external_id == external_id)
            ).first()
            if row is None:  # stored as a sighting of another mention
                row = conn.execute(
                    select(S.c.mention_id)
                    .select_from(S.join(SRC, SRC.c.id == S.c.source_id))
                    .where(SRC.c.name == source, S.c.external_id == external_id)
                ).first()
        return None if row is None else int(row[0])

    def known_external_ids(self, source: str, external_ids: Iterable[str]) -> set[str]:
        """Which of ``external_ids`` this source already stored (as mention or sighting)."""
        ids = list(dict.fromkeys(clean_text(str(e)) for e in external_ids))  # as stored: NUL-free
        with self.engine.connect() as conn:
            row = conn.execute(select(SRC.c.id).where(SRC.c.name == source)).first()
            if row is None:
                return set()
            return known_ids(conn, int(row.id), ids)
