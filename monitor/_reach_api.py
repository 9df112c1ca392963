"""Reach-weighted figures, as :class:`~monitor.MentionIndex` offers them (a mixin).

:meth:`ReachMethods.reach` gives, per period, the plain MSI and volume beside the
reach-weighted ones (each mention weighed by the followers, upvotes, likes, views or
helpful votes its source gave, on a log scale, capped so no mention carries more than 5 %
of a period's weight): the formulas are :mod:`monitor._index.reach`, the rollups
:mod:`monitor._store.reach`.
"""

from __future__ import annotations

from datetime import date

from monitor._filters import DateArg, check_lang, check_source
from monitor._index.periods import BY_VALUES, By, periods
from monitor._index.reach import SHARE_CAP, ReachPoint, ReachTally
from monitor._index_parts import IndexParts
from monitor._results import ResultList
from monitor._store.reach import reach_tallies
from monitor.errors import InvalidArgument


class ReachMethods(IndexParts):
    """:class:`~monitor.MentionIndex`'s reach-weighted figures (see :mod:`monitor._reach_api`)."""

    def _window(self, start: DateArg | None, end: DateArg | None) -> tuple[date, date]:  # MentionIndex's
        raise NotImplementedError

    def reach(
        self,
        brand: str,
        start: date | str | None = None,
        end: date | str | None = None,
        by: By = "day",
        source: str | None = None,
        lang: str | None = None,
        *,
        share_cap: float = SHARE_CAP,
    ) -> ResultList[ReachPoint]:
        """Plain and reach-weighted MSI and volume per calendar period, side by side
        (start/end inclusive; default the last 30 days; filters as :meth:`satisfaction`).

        Each mention weighs ``1 + ln 2 · ⌊log₂(1 + reach)⌋`` (1 without reach), lowered to
        a ceiling so that none carries more than ``share_cap`` (default 5 %) of its
        period's weight; with fewer than ``1 / share_cap`` mentions all weigh 1. The
        weighted MSI's interval is Wilson's with Kish's effective sample size."""
        if by not in BY_VALUES:
            raise InvalidArgument(f"by={by!r}: expected 'day', 'week', 'month' or None")
        if not isinstance(share_cap, int | float) or isinstance(share_cap, bool) or not 0 < share_cap <= 1:
            raise InvalidArgument(f"share_cap={share_cap!r}: expected a share above 0 and at most 1 (0.05 = 5 %)")
        s, e = self._window(start, end)
        bid = self._brand_id(brand)
        source, lang = check_source(self.engine, source), check_lang(self.engine, lang)
        tallies = reach_tallies(self.engine, [bid], s, e, by, source=source, lang=lang)
        min_sample = self.config.index.min_sample
        return ResultList(
            [tallies.get((None, p), ReachTally()).point(p, min_sample, float(share_cap)) for p in periods(s, e, by)]
        )


__all__ = ["ReachMethods", "ReachPoint"]
