"""The analyst's listings: stored mentions, snapshots, runs and sources, as typed records."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, Select, and_, exists, func, or_, select

from monitor._dates import parse_iso
from monitor._index.points import Point
from monitor._index.snapshots import Snapshot
from monitor._labels import GIVEN_ORIGINS
from monitor._results import ResultList
from monitor._search import parse_query
from monitor._store import search, searchwalk
from monitor._store.tables import BRAND_T as BR
from monitor._store.tables import MENTION_ASPECT_T as MA
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import RUN_T as RUN
from monitor._store.tables import SNAPSHOT_T as SN
from monitor._store.tables import SOURCE_T as SRC
from monitor._store.theme_tables import MENTION_THEME_T as MT

#: A text search reads the mentions holding its words when fewer than this many do, and
#: otherwise walks the listing's own index checking each row (``monitor._store.search``).
SEARCH_CAP = 5000
#: A newest-first text search the index cannot narrow reads at most this many mentions per
#: call (``monitor._store.searchwalk``), shared equally by the brands it lists.
SEARCH_BUDGET = 20_000
#: … and starts no further step of that walk after this many seconds (a busy machine reads
#: fewer mentions per request, and the page still answers quickly).
SEARCH_SECONDS = 0.15


@dataclass(frozen=True, slots=True)
class MentionRecord:
    """A stored mention as the API lists it."""

    id: int
    brand: str
    source: str
    source_kind: str
    external_id: str
    url: str | None
    author: str | None
    title: str | None
    text: str
    lang: str | None
    published_at: datetime
    label: str
    label_origin: str | None
    p_negative: float | None
    p_neutral: float | None
    p_positive: float | None
    rating: float | None
    rating_scale: tuple[float, float] | None
    labelled_by: str | None = None  # who set a person's label (``label_origin == "manual"``)
    labelled_at: datetime | None = None  # and when
    reach: int | None = None  # followers, upvotes, likes, views or helpful votes, as ``reach_kind`` says
    reach_kind: str | None = None

    @property
    def cursor(self) -> str:
        """The keyset position after this mention, for ``mentions(after=…)``'s next page."""
        return f"{self.published_at.isoformat()}~{self.id}"

    def to_dict(self) -> dict[str, Any]:
        """The mention as a JSON-ready dict."""
        d = asdict(self)
        d["published_at"] = self.published_at.isoformat()
        d["labelled_at"] = self.labelled_at.isoformat() if self.labelled_at else None
        d["rating_scale"] = list(self.rating_scale) if self.rating_scale else None
        return d


def parse_cursor(cursor: str) -> tuple[datetime, int] | None:
    """A :attr:`MentionRecord.cursor` as ``(published_at, id)``; ``None`` when it is not one."""
    at, sep, mid = cursor.rpartition("~")
    if not sep or not mid.isdigit():
        return None
    try:
        return parse_iso(at), int(mid)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class MentionFilter:
    """Which mentions :func:`mentions` lists (``None``: no filter on that field)."""

    sentiment: str | None = None
    lang: str | None = None
    source: str | None = None  # a source name or kind
    since: datetime | None = None  # published at or after
    until: datetime | None = None  # published before
    strongest: bool = False  # most confident first (for a negative/positive sentiment)
    origin: str | None = None  # manual, import, rating, model (any model) or a model's id@version
    stars: int | None = None  # 1–5: the rating, on its own scale, rounded to five stars
    text: str | None = None  # words the title or text holds (``monitor._search``: what matches)
    theme: int | None = None  # a theme's id: the mentions placed in it
    aspect: str | None = None  # an aspect's name: the mentions tagged with it
    after: tuple[datetime, int] | None = None  # keyset: (published_at, id) of the last row seen


class MentionList(ResultList[MentionRecord]):
    """The mentions :meth:`~monitor.MentionIndex.mentions` found, and whether a text search
    stopped early.

    A search the trigram index cannot narrow (only words of one or two characters, or
    words in very many mentions) reads the mentions newest first, at most
    :data:`SEARCH_BUDGET` per call. When that runs out before ``limit`` are found, the list
    holds every match down to ``searched_to`` (possibly none) and ``resume_after`` is the
    cursor to pass as ``after=`` to go on searching older mentions; otherwise both are
    ``None`` (the search is complete, or the page is full: continue from its last cursor).
    """

    def __init__(self, rows: list[MentionRecord], stopped: tuple[datetime, int] | None = None) -> None:
        super().__init__(rows)
        #: The search read the mentions back to this publication time and stopped there.
        self.searched_to: datetime | None = stopped[0] if stopped else None
        #: ``after=`` this to continue searching older mentions (``None``: nothing to continue).
        self.resume_after: str | None = f"{stopped[0].isoformat()}~{stopped[1]}" if stopped else None

    @property
    def partial(self) -> bool:
        """Whether the search stopped at its budget (older mentions may still match)."""
        return self.resume_after is not None


def _filtered(q: Select[Any], f: MentionFilter) -> Select[Any]:
    """``q`` narrowed by every part of ``f`` but the text and the order."""
    if f.origin == "model":
        q = q.where(M.c.label_origin.is_not(None), M.c.label_origin.not_in(GIVEN_ORIGINS))
    elif f.origin is not None:
        q = q.where(M.c.label_origin == f.origin)
    if f.stars is not None:  # 1 star: norm < 0.125, …, 5 stars: norm >= 0.875
        low, high = (f.stars - 1.5) / 4, (f.stars - 0.5) / 4
        q = q.where(M.c.rating_norm >= low, M.c.rating_norm < high)
    if f.after is not None:
        at, mid = f.after
        # ``published_at <= at`` first: the (brand_id, published_at) index bounds the walk
        q = q.where(M.c.published_at <= at, or_(M.c.published_at < at, and_(M.c.published_at == at, M.c.id < mid)))
    if f.sentiment is not None:
        q = q.where(M.c.label == f.sentiment)
    if f.lang is not None:
        q = q.where(M.c.lang == f.lang)
    if f.source is not None:
        q = q.where((SRC.c.name == f.source) | (SRC.c.kind == f.source))
    # theme and aspect: each listed mention's own row, found by its key (no scan of the tables)
    if f.theme is not None:
        q = q.where(exists().where(MT.c.mention_id == M.c.id, MT.c.theme_id == f.theme))
    if f.aspect is not None:
        q = q.where(exists().where(MA.c.mention_id == M.c.id, MA.c.aspect == f.aspect))
    if f.since is not None:
        q = q.where(M.c.published_at >= f.since)
    if f.until is not None:
        q = q.where(M.c.published_at < f.until)
    return q


def mentions(
    engine: Engine, brand_id: int | None, brand: str | None, f: MentionFilter, limit: int, budget: int | None = None
) -> MentionList:
    """Mentions of brand ``brand_id`` (every brand when ``None``) matching ``f``, newest (or
    most confident) first; ``f.after`` continues a newest-first listing past that row.
    A newest-first text search the index cannot narrow reads at most ``budget`` mentions
    (default: :data:`SEARCH_BUDGET`, and no further step after :data:`SEARCH_SECONDS`) and
    may stop early (:class:`MentionList`); in the most
    confident order it reads every match. A text too long (or of too many words) raises
    :class:`~monitor.errors.InvalidArgument`."""
    q = select(
        M, SRC.c.name.label("source_name"), SRC.c.kind.label("source_kind"), BR.c.name.label("brand_name")
    ).select_from(M.join(SRC, SRC.c.id == M.c.source_id).join(BR, BR.c.id == M.c.brand_id))
    q = _filtered(q, f)
    strongest = f.strongest and f.sentiment in ("negative", "positive")
    if strongest:
        col = M.c.p_negative if f.sentiment == "negative" else M.c.p_positive
        q = q.order_by(col.desc().nulls_last(), M.c.published_at.desc())
    else:
        q = q.order_by(M.c.published_at.desc(), M.c.id.desc())
    query = parse_query(f.text) if f.text else None
    stopped = None
    with engine.connect() as conn:
        hits = search.candidates(conn, query, SEARCH_CAP) if query is not None else None
        if query is not None and hits is not None:  # few mentions hold the words: read just those
            q = q.where(M.c.id.in_(hits))
            short = [w for w in query.words if w not in query.indexed]
            if short:
                q = q.where(search.holds(conn, short))
            if brand_id is not None:  # ``+ 0``: reach the rows by id, not by walking the brand's index
                q = q.where(M.c.brand_id + 0 == brand_id)
            rows = list(conn.execute(q.limit(limit)).all()) if hits else []
        elif query is not None and not strongest:  # many do, or no word is indexed: walk, bounded
            keys = select(M.c.published_at, M.c.id, M.c.brand_id).select_from(
                M.join(SRC, SRC.c.id == M.c.source_id) if f.source is not None else M
            )
            keys = _filtered(keys, f).order_by(M.c.published_at.desc(), M.c.id.desc())
            bids = [brand_id] if brand_id is not None else list(conn.execute(select(BR.c.id)).scalars())
            # the defaults: a budget and a time; a budget given is read whole (the same stops every time)
            spend, seconds = (SEARCH_BUDGET, SEARCH_SECONDS) if budget is None else (budget, None)
            match = keys.where(search.holds(conn, query.words))
            found, stopped = searchwalk.bounded(conn, match, keys, bids, limit, spend, seconds)
            # then the whole rows of just those (not a page's worth of every brand's)
            rows = list(conn.execute(q.where(M.c.id.in_([mid for _, mid in found])))) if found else []
        elif query is not None:
            rows = _walk(conn, q.where(search.holds(conn, query.words)), brand_id, strongest, limit)
        elif f.aspect is not None and brand_id is None and not strongest and _rare(conn, f.aspect):
            # a rare aspect over every brand: its few tagged mentions, read by key and sorted
            tagged = select(MA.c.mention_id).where(MA.c.aspect == f.aspect)
            rows = list(conn.execute(q.where(M.c.id.in_(tagged)).limit(limit)).all())
        else:
            rows = _walk(conn, q, brand_id, strongest, limit)
    return MentionList([_record(r, brand) for r in rows], stopped)


#: An aspect with at most this many tagged mentions is listed from its tags, not by walking each brand.
RARE_ASPECT = 5000


def _rare(conn: Connection, aspect: str) -> bool:
    """Whether at most :data:`RARE_ASPECT` mentions are tagged ``aspect`` (counted up to one more)."""
    capped = select(MA.c.mention_id).where(MA.c.aspect == aspect).limit(RARE_ASPECT + 1).subquery()
    return int(conn.execute(select(func.count()).select_from(capped)).scalar_one()) <= RARE_ASPECT


def _walk(conn: Connection, q: Select[Any], brand_id: int | None, strongest: bool, limit: int) -> list[Row[Any]]:
    """The first ``limit`` rows of ``q`` in its order, of one brand or of every brand."""
    if brand_id is not None:
        return list(conn.execute(q.where(M.c.brand_id == brand_id).limit(limit)).all())
    if strongest:
        return list(conn.execute(q.limit(limit)).all())
    # every brand: each brand's newest through its index, merged (no scan of all mentions)
    rows: list[Row[Any]] = []
    for bid in conn.execute(select(BR.c.id)).scalars():
        rows += conn.execute(q.where(M.c.brand_id == bid).limit(limit)).all()
    rows.sort(key=lambda r: (r.published_at, r.id), reverse=True)
    return rows[:limit]


def _record(r: Row[Any], brand: str | None) -> MentionRecord:
    return MentionRecord(
        id=r.id,
        brand=brand or r.brand_name,
        source=r.source_name,
        source_kind=r.source_kind,
        external_id=r.external_id,
        url=r.url,
        author=r.author,
        title=r.title,
        text=r.text,
        lang=r.lang,
        published_at=r.published_at,
        label=r.label,
        label_origin=r.label_origin,
        p_negative=r.p_negative,
        p_neutral=r.p_neutral,
        p_positive=r.p_positive,
        rating=r.rating,
        rating_scale=(r.rating_worst, r.rating_best) if r.rating is not None else None,
        labelled_by=r.manual_by if r.label_origin == "manual" else None,
        labelled_at=r.manual_at if r.label_origin == "manual" else None,
        reach=r.reach,
        reach_kind=r.reach_kind,
    )


def snapshots(engine: Engine, brand_id: int, start: date, end: date, scope: str) -> list[Snapshot]:
    """Stored daily snapshots of one brand and scope, by day."""
    q = (
        select(SN)
        .where(SN.c.brand_id == brand_id, SN.c.day >= start, SN.c.day <= end, SN.c.scope == scope)
        .order_by(SN.c.day, SN.c.scope_value)
    )
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [
        Snapshot(
            r.day,
            r.scope,
            r.scope_value,
            Point(
                r.day,
                r.positive,
                r.neutral,
                r.negative,
                r.unscored,
                r.volume,
                r.msi,
                r.msi_low,
                r.msi_high,
                r.low_sample,
                r.net_sentiment,
                r.csat,
                r.csat_n,
                r.nps,
                r.nps_n,
            ),
            json.loads(r.model_versions or "[]"),
            r.computed_at,
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run (collect, score, digest, import, …) as stored: its status, counts and errors."""

    id: int
    kind: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: dict[str, object]
    errors: list[str]
    duration_s: float | None

    def to_dict(self) -> dict[str, Any]:
        """The run as a JSON-ready dict (times in ISO 8601)."""
        d = asdict(self)
        d["started_at"] = self.started_at.isoformat()
        d["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return d


def recent_runs(engine: Engine, limit: int, kind: str | None = None) -> list[RunRecord]:
    """The latest runs (of ``kind`` when given), newest first."""
    q = select(RUN).order_by(RUN.c.id.desc()).limit(limit)
    if kind:
        q = q.where(RUN.c.kind == kind)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [
        RunRecord(
            r.id,
            r.kind,
            r.started_at,
            r.finished_at,
            r.status,
            json.loads(r.counts or "{}"),
            json.loads(r.errors or "[]"),
            r.duration_s,
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class SourceOverview:
    """A source's status as the overview lists it."""

    name: str
    kind: str
    brand: str | None
    status: str
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    blocked_reason: str | None

    def to_dict(self) -> dict[str, Any]:
        """The source's status as a JSON-ready dict (times in ISO 8601)."""
        d = asdict(self)
        for name in ("last_success_at", "last_error_at"):
            at = d[name]
            d[name] = at.isoformat() if at else None
        return d


def sources_overview(engine: Engine) -> list[SourceOverview]:
    """Every source with its status, last success and last error, by name."""
    q = select(SRC, BR.c.name.label("brand_name")).select_from(SRC.outerjoin(BR, BR.c.id == SRC.c.brand_id))
    with engine.connect() as conn:
        rows = conn.execute(q.order_by(SRC.c.name)).all()
    return [
        SourceOverview(
            r.name,
            r.kind,
            r.brand_name,
            r.status,
            r.last_success_at,
            r.last_error,
            r.last_error_at,
            r.blocked_reason,
        )
        for r in rows
    ]


__all__ = [
    "SEARCH_BUDGET",
    "MentionFilter",
    "MentionList",
    "MentionRecord",
    "RunRecord",
    "SourceOverview",
    "mentions",
    "parse_cursor",
    "recent_runs",
    "snapshots",
    "sources_overview",
]
