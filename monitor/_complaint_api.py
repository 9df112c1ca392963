"""Complaints awaiting an answer, as :class:`~monitor.MentionIndex` offers them (a mixin).

:meth:`ComplaintMethods.complaints` lists them (open, answered or all, with their age),
:meth:`ComplaintMethods.complaint_figures` sums them up per brand and source (open, the
oldest waiting, the share answered within ``complaints.answer_within``, the median
response time), :meth:`ComplaintMethods.mark_answered` and
:meth:`ComplaintMethods.unmark_answered` record a person's answer. What a complaint is:
:mod:`monitor._complaints`; the figures: :mod:`monitor._index.complaints`. Every time is as
of ``at`` (default: the index's clock, :attr:`MentionIndex.clock`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from monitor._complaints import BrandNames, account_user, is_complaint, reasons
from monitor._filters import check_instant, check_lang, check_source
from monitor._hints import closest, hinted
from monitor._index.complaints import ComplaintFigures, answered_by_then, figures, response_time
from monitor._index_parts import IndexParts
from monitor._results import ResultList
from monitor._store.answers import SOURCE, AnswerState, Candidate, CandidateFilter, brand_aliases, candidate, candidates
from monitor._store.listings import parse_cursor
from monitor.errors import InvalidArgument

STATUSES = ("open", "answered", "all")
ORDERS = ("newest", "oldest")
#: Negative mentions read per query while the rule picks the complaints among them.
BATCH = 1000
#: The default window: complaints published in the last this many days (today included).
DAYS = 30


@dataclass(frozen=True, slots=True)
class Complaint:
    """A negative mention awaiting (or given) an answer, as of an instant.

    ``reasons`` says why it asks for an answer (:data:`monitor._complaints.REASONS`; empty
    for one the brand answered without the rule seeing a cue), ``age_s`` how long since it
    was published, ``response_s`` how long the answer took (``None``: open), ``overdue``
    whether it has been open for longer than the answer target.
    """

    id: int
    brand: str
    source: str
    source_kind: str
    lang: str | None
    published_at: datetime
    author: str | None
    title: str | None
    text: str
    url: str | None
    rating: float | None
    rating_scale: tuple[float, float] | None
    reasons: tuple[str, ...]
    answered_at: datetime | None
    answered_by: str | None
    age_s: float
    response_s: float | None
    overdue: bool

    @property
    def cursor(self) -> str:
        """The keyset position after this complaint, for ``complaints(after=…)``'s next page."""
        return f"{self.published_at.isoformat()}~{self.id}"

    def to_dict(self) -> dict[str, Any]:
        """The complaint as a JSON-ready dict (times in ISO 8601)."""
        d = asdict(self)
        d["published_at"] = self.published_at.isoformat()
        d["answered_at"] = self.answered_at.isoformat() if self.answered_at else None
        d["rating_scale"] = list(self.rating_scale) if self.rating_scale else None
        d["reasons"] = list(self.reasons)
        return d


def _complaint(c: Candidate, why: tuple[str, ...], at: datetime, target: timedelta) -> Complaint:
    answered = answered_by_then(c.answered_at, at)
    age = at - c.published_at
    return Complaint(
        id=c.id,
        brand=c.brand,
        source=c.source,
        source_kind=c.source_kind,
        lang=c.lang,
        published_at=c.published_at,
        author=c.author,
        title=c.title,
        text=c.text,
        url=c.url,
        rating=c.rating,
        rating_scale=c.rating_scale,
        reasons=why,
        answered_at=c.answered_at if answered else None,
        answered_by=c.answered_by if answered else None,
        age_s=age.total_seconds(),
        response_s=response_time(c.published_at, c.answered_at).total_seconds()
        if answered and c.answered_at is not None
        else None,
        overdue=not answered and age > target,
    )


class ComplaintMethods(IndexParts):
    """:class:`~monitor.MentionIndex`'s complaint methods (see :mod:`monitor._complaint_api`)."""

    # -- reading ------------------------------------------------------------------------

    def complaints(
        self,
        brand: str | None = None,
        *,
        status: str = "open",
        since: datetime | date | str | None = None,
        source: str | None = None,
        lang: str | None = None,
        at: datetime | None = None,
        order: str = "newest",
        limit: int | None = None,
        after: str | None = None,
    ) -> ResultList[Complaint]:
        """Complaints (of every brand when ``brand`` is None) published since ``since``
        (default: the last 30 days) and up to ``at`` (default now), ``status`` ``"open"``,
        ``"answered"`` (by ``at``) or ``"all"``, newest (``order="oldest"``: longest
        waiting) first. The next page: ``after=`` the last complaint's ``cursor``."""
        if status not in STATUSES:
            raise InvalidArgument.of(
                "status", status, hinted("expected 'open', 'answered' or 'all'", closest(status, STATUSES))
            )
        if order not in ORDERS:
            raise InvalidArgument.of("order", order, hinted("expected 'newest' or 'oldest'", closest(order, ORDERS)))
        if limit is not None and limit < 1:
            raise InvalidArgument("limit must be at least 1")
        keyset = parse_cursor(after) if after is not None else None
        if after is not None and keyset is None:
            raise InvalidArgument(f"after={after!r} is not a complaint's cursor")
        at = self._at(at)
        f = self._filter(since, source, lang, at, oldest_first=order == "oldest", after=keyset)
        out: list[Complaint] = []
        for c in self._judged(self._brand_ids(brand), f, at):
            answered = c.answered_at is not None
            if status == "all" or (status == "answered") == answered:
                out.append(c)
                if limit is not None and len(out) >= limit:
                    break
        return ResultList(out)

    def complaint_figures(
        self,
        brand: str | None = None,
        *,
        since: datetime | date | str | None = None,
        source: str | None = None,
        lang: str | None = None,
        at: datetime | None = None,
    ) -> ResultList[ComplaintFigures]:
        """Per brand (``source=None``: all its sources) and source: open complaints, the
        oldest waiting, the share answered within ``complaints.answer_within`` and the median
        response time, of the complaints published since ``since`` (default: the last 30
        days) as of ``at`` (default now)."""
        at = self._at(at)
        f = self._filter(since, source, lang, at)
        return ResultList(figures(self._judged(self._brand_ids(brand), f, at), at, self.config.complaints.target))

    def complaint(self, mention_id: int, *, at: datetime | None = None) -> Complaint | None:
        """Mention ``mention_id`` as a complaint as of ``at``, or ``None`` when it is not one
        (an unknown id raises :class:`~monitor.errors.InvalidArgument`)."""
        at = self._at(at)
        c = candidate(self.engine, mention_id)
        if c is None:
            raise InvalidArgument(f"no mention with id {mention_id} (`monitor query complaints` lists complaints)")
        why = reasons(c.text, self._names()[c.brand], title=c.title, lang=c.lang, rating_norm=c.rating_norm)
        if not is_complaint(c.label, why, answered_by_then(c.answered_at, at)):
            return None
        return _complaint(c, why, at, self.config.complaints.target)

    # -- answering ----------------------------------------------------------------------

    def mark_answered(self, mention_id: int, *, by: str | None = None, at: datetime | None = None) -> AnswerState:
        """Record that the brand answered mention ``mention_id`` at ``at`` (default now), said
        by ``by`` (a person's name; ``"cli"`` from the command line). An earlier answer is
        kept (``changed`` is then False). An unknown id, an answer before the mention or in
        the future raises :class:`~monitor.errors.InvalidArgument`."""
        if by == SOURCE:
            raise InvalidArgument(f"by={SOURCE!r} is kept for the brand's replies the collector sees")
        now = self._at(None)
        at = self._at(at)
        if at > now + timedelta(minutes=5):
            raise InvalidArgument(f"at={at.isoformat()} is in the future")
        c = candidate(self.engine, mention_id)
        if c is None:
            raise InvalidArgument(f"no mention with id {mention_id} (`monitor query complaints` lists complaints)")
        if at < c.published_at:
            raise InvalidArgument(
                f"mention {mention_id} was published at {c.published_at.isoformat()}: an answer cannot come before it"
            )
        return self.store.mark_answered(mention_id, by=by, at=at)

    def unmark_answered(self, mention_id: int) -> AnswerState:
        """Open mention ``mention_id`` again (its answer forgotten; a reply the collector sees
        again marks it anew). An unknown id raises :class:`~monitor.errors.InvalidArgument`."""
        return self.store.unmark_answered(mention_id)

    # -- helpers ------------------------------------------------------------------------

    def _at(self, at: datetime | None) -> datetime:
        if at is None:
            return self.clock().astimezone(UTC)
        if at.tzinfo is None:
            raise InvalidArgument("at must be timezone-aware")
        return at.astimezone(UTC)

    def _brand_ids(self, brand: str | None) -> list[int]:
        if brand is not None:
            return [self._brand_id(brand)]
        return [bid for b in self.store.brand_names() if (bid := self.store.brand_id(b)) is not None]

    def _filter(
        self,
        since: datetime | date | str | None,
        source: str | None,
        lang: str | None,
        at: datetime,
        *,
        oldest_first: bool = False,
        after: tuple[datetime, int] | None = None,
    ) -> CandidateFilter:
        if since is None:
            first = at.astimezone(self.tz).date() - timedelta(days=DAYS - 1)
            start = datetime.combine(first, time(), tzinfo=self.tz).astimezone(UTC)
        else:
            start = check_instant(since, "since", self.tz)
        return CandidateFilter(
            since=start,
            until=at,
            source=check_source(self.engine, source),
            lang=check_lang(self.engine, lang),
            oldest_first=oldest_first,
            after=after,
        )

    def _names(self) -> dict[str, BrandNames]:
        accounts = {b.name: b.accounts for b in self.config.brands}
        return {
            name: BrandNames.of(name, aliases, accounts.get(name, ()))
            for name, aliases in brand_aliases(self.engine).items()
        }

    def _judged(self, brand_ids: Sequence[int], f: CandidateFilter, at: datetime) -> Iterator[Complaint]:
        """The complaints among the negative mentions ``f`` selects, in ``f``'s order, batch by batch."""
        names, target = self._names(), self.config.complaints.target
        own = {b: {account_user(a) for a in n.accounts} for b, n in names.items()}
        while True:
            batch = candidates(self.engine, brand_ids, f, BATCH)
            for c in batch:
                if c.author and account_user(c.author) in own[c.brand]:
                    continue  # the brand's own words (its replies) await no answer
                why = reasons(c.text, names[c.brand], title=c.title, lang=c.lang, rating_norm=c.rating_norm)
                if is_complaint(c.label, why, answered_by_then(c.answered_at, at)):
                    yield _complaint(c, why, at, target)
            if len(batch) < BATCH:
                return
            last = batch[-1]
            f = CandidateFilter(f.since, f.until, f.source, f.lang, f.oldest_first, (last.published_at, last.id))


__all__ = ["BATCH", "DAYS", "ORDERS", "STATUSES", "Complaint", "ComplaintMethods"]
