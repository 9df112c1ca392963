"""Drivers of change, as :class:`~monitor.MentionIndex` offers them (a mixin).

:meth:`DriverMethods.drivers` compares a brand's last ``days`` calendar days (in
``index.timezone``, ending ``end``) with the ``days`` before and names the themes, aspects,
sources and languages that account for the move (:mod:`monitor._index.drivers`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Protocol, cast

from monitor._digest.render import KIND_NAMES
from monitor._filters import check_day
from monitor._index.drivers import Counts, DriverReport, Segment, explain
from monitor._index.periods import day_bounds_utc
from monitor._index.points import Tally
from monitor._index_parts import IndexParts
from monitor._langcodes import ISO_639_1
from monitor._store import reads
from monitor._store.aspects import WindowFilter, aspect_counts
from monitor._theme_results import ThemeCount
from monitor.errors import InvalidArgument

#: Reads one dimension's segments: ``(brand id, before (start, end), after (start, end))``.
SegmentReader = Callable[[str, int, tuple[date, date], tuple[date, date]], Iterable[Segment]]


class _InsightReads(Protocol):
    """The theme reads the drivers use (:mod:`monitor._theme_api`)."""

    def theme_counts(
        self, brand: str, since: date, until: date, *, by: None, split_lang: bool
    ) -> Sequence[ThemeCount]: ...


MAX_DAYS = 366
Period = tuple[date, date]


def _counts(t: Tally | None) -> Counts:
    return Counts() if t is None else Counts(t.positive, t.neutral, t.negative)


class DriverMethods(IndexParts):
    """:class:`~monitor.MentionIndex`'s drivers (see :mod:`monitor._driver_api`)."""

    def _segment_readers(self) -> list[SegmentReader]:
        """Every dimension the drivers look at: themes, aspects, sources, languages."""
        return [
            self._theme_segments,
            self._aspect_segments,
            self._group_segments("source"),
            self._group_segments("lang"),
        ]

    def _theme_segments(self, brand: str, _bid: int, before: Period, after: Period) -> list[Segment]:
        reads_ = cast(_InsightReads, self)
        counts: dict[int, list[Counts]] = {}
        names: dict[int, str] = {}
        langs: dict[int, Counter[str]] = {}
        for i, (since, until) in enumerate((before, after)):
            for row in reads_.theme_counts(brand, since, until, by=None, split_lang=True):
                pair = counts.setdefault(row.theme_id, [Counts(), Counts()])
                pair[i] = pair[i].plus(Counts(row.positive, row.neutral, row.negative))
                names[row.theme_id] = row.theme
                if i == 1 and row.lang:
                    langs.setdefault(row.theme_id, Counter())[row.lang] += row.volume
        return [
            Segment("theme", str(tid), names[tid], b, a, tuple(k for k, _ in langs.get(tid, Counter()).most_common(3)))
            for tid, (b, a) in counts.items()
        ]

    def _aspect_segments(self, _brand: str, bid: int, before: Period, after: Period) -> list[Segment]:
        """The brand's own aspect counts in both periods (no competitor figures: a driver needs none)."""
        labels = {a.name: a.label for a in self.config.aspects.aspects()}
        periods: list[dict[str, Counts]] = []
        for since, until in (before, after):
            window = WindowFilter(day_bounds_utc(since, self.tz)[0], day_bounds_utc(until, self.tz)[1])
            tally: dict[str, Counter[str]] = {}
            for c in aspect_counts(self.engine, [bid], window, self.tz):
                if c.aspect in labels:
                    tally.setdefault(c.aspect, Counter())[c.label] += c.n
            periods.append({a: Counts(t["positive"], t["neutral"], t["negative"]) for a, t in tally.items()})
        return [
            Segment("aspect", a, labels[a], periods[0].get(a, Counts()), periods[1].get(a, Counts()))
            for a in periods[0].keys() | periods[1].keys()
        ]

    def _group_segments(self, group: str) -> SegmentReader:
        def read(_brand: str, bid: int, before: Period, after: Period) -> list[Segment]:
            b = reads.tallies(self.engine, [bid], before[0], before[1], None, group=group)
            a = reads.tallies(self.engine, [bid], after[0], after[1], None, group=group)
            keys = {k for k, _ in b} | {k for k, _ in a}
            out = []
            for key in keys:
                name = str(key) if key else "unknown"
                label = ISO_639_1.get(name, name) if group == "lang" else KIND_NAMES.get(name, name)
                out.append(
                    Segment(group, name, label, _counts(b.get((key, before[0]))), _counts(a.get((key, after[0]))))
                )
            return out

        return read

    def drivers(
        self,
        brand: str,
        end: date | str | None = None,
        *,
        days: int = 7,
        baseline_days: int | None = None,
        limit: int = 3,
    ) -> DriverReport:
        """What moved ``brand``'s MSI and volume: the last ``days`` days to ``end`` (default
        today, included) against the ``baseline_days`` before (default ``days``; a longer
        baseline is scaled to ``days``, e.g. ``days=1, baseline_days=7``: a day against the
        daily average of the week before), with the segments that account for it
        (``report.drivers``, most explanatory first; ``report.to_pandas()``: one row each)."""
        if not 1 <= days <= MAX_DAYS:
            raise InvalidArgument.of("days", str(days), f"expected 1 to {MAX_DAYS}")
        base = days if baseline_days is None else baseline_days
        if not 1 <= base <= MAX_DAYS:
            raise InvalidArgument.of("baseline_days", str(base), f"expected 1 to {MAX_DAYS}")
        if limit < 1:
            raise InvalidArgument.of("limit", str(limit), "expected at least 1")
        last = check_day(end, "end") if end is not None else datetime.now(self.tz).date()
        after = (last - timedelta(days=days - 1), last)
        before = (after[0] - timedelta(days=base), after[0] - timedelta(days=1))
        bid = self._brand_id(brand)
        whole_b = reads.tallies(self.engine, [bid], before[0], before[1], None)
        whole_a = reads.tallies(self.engine, [bid], after[0], after[1], None)
        scale = days / base
        segments = [
            replace(s, before=s.before.scaled(scale))
            for reader in self._segment_readers()
            for s in reader(brand, bid, before, after)
        ]
        report = explain(
            brand,
            _counts(whole_b.get((None, before[0]))).scaled(scale),
            _counts(whole_a.get((None, after[0]))),
            segments,
            limit=limit,
        )
        return replace(report, days=days, baseline_days=base)


__all__ = ["DriverMethods", "SegmentReader"]
