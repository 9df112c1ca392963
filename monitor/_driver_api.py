"""Drivers of change, as :class:`~monitor.MentionIndex` offers them (a mixin).

:meth:`DriverMethods.drivers` compares a brand's last ``days`` calendar days (in
``index.timezone``, ending ``end``) with the ``days`` before and names the themes, aspects,
sources and languages that account for the move (:mod:`monitor._index.drivers`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from monitor._config import Config
from monitor._digest.render import KIND_NAMES
from monitor._filters import check_day
from monitor._index.drivers import Counts, DriverReport, Segment, explain
from monitor._index.points import Tally
from monitor._langcodes import ISO_639_1
from monitor._store import Engine, reads
from monitor.errors import InvalidArgument

#: Reads one dimension's segments: ``(brand id, before (start, end), after (start, end))``.
SegmentReader = Callable[[int, tuple[date, date], tuple[date, date]], Iterable[Segment]]

MAX_DAYS = 366


def _counts(t: Tally | None) -> Counts:
    return Counts() if t is None else Counts(t.positive, t.neutral, t.negative)


class DriverMethods:
    """:class:`~monitor.MentionIndex`'s drivers (see :mod:`monitor._driver_api`)."""

    engine: Engine
    config: Config
    tz: ZoneInfo

    def _brand_id(self, brand: str) -> int:  # MentionIndex's
        raise NotImplementedError

    def _segment_readers(self) -> list[SegmentReader]:
        """Every dimension the drivers look at (themes and aspects add theirs)."""
        return [self._group_segments("source"), self._group_segments("lang")]

    def _group_segments(self, group: str) -> SegmentReader:
        def read(bid: int, before: tuple[date, date], after: tuple[date, date]) -> list[Segment]:
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
            for s in reader(bid, before, after)
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
