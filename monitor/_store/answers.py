"""Complaints' answers: when and by whom a mention was answered, and the complaints' reads.

``mention.answered_at`` holds the earliest answer known and ``answered_by`` who gave it (a
person's name, ``cli``, or :data:`SOURCE` for the brand's own reply seen at the source):
a later answer never replaces an earlier one, an earlier one (a reply seen after a person
marked the mention) does. Which mentions are complaints is the pure rule's
(:mod:`monitor._complaints`); :func:`candidates` reads the negative mentions it judges.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, and_, or_, select, update

from monitor._records import BrandReply
from monitor._store.base import StoreBase
from monitor._store.dialect import as_utc
from monitor._store.engine import writer
from monitor._store.tables import BRAND_T as BR
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SIGHTING_T as S
from monitor._store.tables import SOURCE_T as SRC
from monitor.errors import InvalidArgument

#: ``answered_by`` of an answer the collector saw: the brand's own reply at the source.
SOURCE = "source"


@dataclass(frozen=True, slots=True)
class AnswerState:
    """A mention's answer after a change: when (``None``: open) and by whom; ``changed``
    says whether the call changed it (an earlier answer is kept)."""

    mention_id: int
    answered_at: datetime | None
    answered_by: str | None
    changed: bool


@dataclass(frozen=True, slots=True)
class Candidate:
    """A mention the complaint rule judges (a negative one, when listed), with its answer."""

    id: int
    brand: str
    source: str
    source_kind: str
    url: str | None
    author: str | None
    title: str | None
    text: str
    lang: str | None
    published_at: datetime
    label: str
    rating: float | None
    rating_scale: tuple[float, float] | None
    rating_norm: float | None
    answered_at: datetime | None
    answered_by: str | None


@dataclass(frozen=True, slots=True)
class CandidateFilter:
    """Which negative mentions :func:`candidates` reads (``None``: no filter on that field)."""

    since: datetime | None = None  # published at or after
    until: datetime | None = None  # published at or before
    source: str | None = None  # a source name or kind
    lang: str | None = None
    oldest_first: bool = False
    after: tuple[datetime, int] | None = None  # keyset: (published_at, id) of the last row seen


def _candidate(r: Any) -> Candidate:
    return Candidate(
        id=r.id,
        brand=r.brand_name,
        source=r.source_name,
        source_kind=r.source_kind,
        url=r.url,
        author=r.author,
        title=r.title,
        text=r.text,
        lang=r.lang,
        published_at=as_utc(r.published_at),
        label=r.label,
        rating=r.rating,
        rating_scale=(r.rating_worst, r.rating_best) if r.rating is not None else None,
        rating_norm=r.rating_norm,
        answered_at=as_utc(r.answered_at) if r.answered_at is not None else None,
        answered_by=r.answered_by,
    )


_COLUMNS = (
    "id",
    "url",
    "author",
    "title",
    "text",
    "lang",
    "published_at",
    "label",
    "rating",
    "rating_worst",
    "rating_best",
    "rating_norm",
    "answered_at",
    "answered_by",
)


def _select() -> Select[Any]:
    """The columns a :class:`Candidate` needs (not the whole row: the rule reads many)."""
    return select(
        *(M.c[name] for name in _COLUMNS),
        SRC.c.name.label("source_name"),
        SRC.c.kind.label("source_kind"),
        BR.c.name.label("brand_name"),
    ).select_from(M.join(SRC, SRC.c.id == M.c.source_id).join(BR, BR.c.id == M.c.brand_id))


def _narrowed(q: Select[Any], f: CandidateFilter) -> Select[Any]:
    q = q.where(M.c.label == "negative")
    if f.since is not None:
        q = q.where(M.c.published_at >= f.since)
    if f.until is not None:
        q = q.where(M.c.published_at <= f.until)
    if f.source is not None:
        q = q.where((SRC.c.name == f.source) | (SRC.c.kind == f.source))
    if f.lang is not None:
        q = q.where(M.c.lang == f.lang)
    if f.after is not None:
        at, mid = f.after
        if f.oldest_first:
            q = q.where(M.c.published_at >= at, or_(M.c.published_at > at, and_(M.c.published_at == at, M.c.id > mid)))
        else:
            q = q.where(M.c.published_at <= at, or_(M.c.published_at < at, and_(M.c.published_at == at, M.c.id < mid)))
    if f.oldest_first:
        return q.order_by(M.c.published_at.asc(), M.c.id.asc())
    return q.order_by(M.c.published_at.desc(), M.c.id.desc())


def candidates(engine: Engine, brand_ids: Sequence[int], f: CandidateFilter, limit: int) -> list[Candidate]:
    """Up to ``limit`` negative mentions of ``brand_ids`` matching ``f``, newest (or oldest) first.

    Each brand is read through its ``(brand, label, published_at)`` index, then merged."""
    q = _narrowed(_select(), f)
    rows: list[Any] = []
    with engine.connect() as conn:
        for bid in brand_ids:
            rows += conn.execute(q.where(M.c.brand_id == bid).limit(limit)).all()
    rows.sort(key=lambda r: (as_utc(r.published_at), r.id), reverse=not f.oldest_first)
    return [_candidate(r) for r in rows[:limit]]


def candidate(engine: Engine, mention_id: int) -> Candidate | None:
    """Mention ``mention_id`` as a :class:`Candidate` whatever its label (``None``: no such mention)."""
    with engine.connect() as conn:
        r = conn.execute(_select().where(M.c.id == mention_id)).first()
    return None if r is None else _candidate(r)


def brand_aliases(engine: Engine) -> dict[str, list[str]]:
    """Every brand's aliases, by brand name."""
    with engine.connect() as conn:
        rows = conn.execute(select(BR.c.name, BR.c.aliases)).all()
    out: dict[str, list[str]] = {}
    for r in rows:
        try:
            aliases = json.loads(r.aliases or "[]")
        except ValueError:
            aliases = []
        out[str(r.name)] = [str(a) for a in aliases if isinstance(a, str)] if isinstance(aliases, list) else []
    return out


class AnswersStore(StoreBase):
    """Marking mentions answered (by a person, or by the brand's reply seen at a source)."""

    def mark_answered(self, mention_id: int, *, by: str | None, at: datetime) -> AnswerState:
        """Mention ``mention_id`` answered at ``at`` by ``by`` (an earlier answer is kept).

        An unknown id raises :class:`~monitor.errors.InvalidArgument`."""
        with writer(self.engine).begin() as conn:
            row = conn.execute(select(M.c.answered_at, M.c.answered_by).where(M.c.id == mention_id)).first()
            if row is None:
                raise InvalidArgument(f"no mention with id {mention_id}")
            if row.answered_at is not None and as_utc(row.answered_at) <= at:
                return AnswerState(mention_id, as_utc(row.answered_at), row.answered_by, changed=False)
            conn.execute(update(M).where(M.c.id == mention_id).values(answered_at=at, answered_by=by))
        return AnswerState(mention_id, at, by, changed=True)

    def unmark_answered(self, mention_id: int) -> AnswerState:
        """Mention ``mention_id`` open again (an unknown id raises :class:`~monitor.errors.InvalidArgument`)."""
        with writer(self.engine).begin() as conn:
            row = conn.execute(select(M.c.answered_at).where(M.c.id == mention_id)).first()
            if row is None:
                raise InvalidArgument(f"no mention with id {mention_id}")
            conn.execute(update(M).where(M.c.id == mention_id).values(answered_at=None, answered_by=None))
        return AnswerState(mention_id, None, None, changed=row.answered_at is not None)

    def mark_replied(self, source: str, replies: Sequence[BrandReply]) -> int:
        """Mark the mentions ``replies`` answer (their brand's, stored or sighted at ``source``
        under the parent's id) answered at the reply's time by :data:`SOURCE`; how many changed."""
        if not replies:
            return 0
        changed = 0
        with writer(self.engine).begin() as conn:
            sid = conn.execute(select(SRC.c.id).where(SRC.c.name == source)).scalar()
            if sid is None:
                return 0
            brands = {str(r.name): int(r.id) for r in conn.execute(select(BR.c.id, BR.c.name)).all()}
            for reply in sorted(replies, key=lambda r: r.at):
                bid = brands.get(reply.brand)
                if bid is None:
                    continue
                ids = (reply.parent, f"{reply.parent}@{reply.brand}"[:500])
                seen = select(S.c.mention_id).where(S.c.source_id == sid, S.c.external_id.in_(ids))
                own = select(M.c.id).where(M.c.source_id == sid, M.c.external_id.in_(ids))
                res = conn.execute(
                    update(M)
                    .where(
                        M.c.brand_id == bid,
                        or_(M.c.id.in_(seen), M.c.id.in_(own)),
                        or_(M.c.answered_at.is_(None), M.c.answered_at > reply.at),
                    )
                    .values(answered_at=reply.at, answered_by=SOURCE)
                )
                changed += res.rowcount or 0
        return changed


__all__ = [
    "SOURCE",
    "AnswerState",
    "AnswersStore",
    "Candidate",
    "CandidateFilter",
    "brand_aliases",
    "candidate",
    "candidates",
]
