"""Aspects, as :class:`~monitor.MentionIndex` offers them (a mixin).

:meth:`AspectMethods.aspects` gives each brand's volume, share and MSI per aspect beside its
competitors' (every other brand's) over a window; :meth:`AspectMethods.mention_aspects` the
aspects stored for given mentions. Tags are made by the pipeline's aspects step
(:mod:`monitor._pipeline.aspects`); the figures: :mod:`monitor._index.aspects`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from monitor._filters import check_instant, check_lang, check_source
from monitor._index.aspects import AspectFigures, figures
from monitor._index_parts import IndexParts
from monitor._results import ResultList
from monitor._store.aspects import WindowFilter, aspect_counts, brand_totals, tags_of
from monitor.errors import InvalidArgument

#: The default window: mentions published in the last this many days (today included).
ASPECT_DAYS = 30


class AspectMethods(IndexParts):
    """:class:`~monitor.MentionIndex`'s aspect methods (see :mod:`monitor._aspect_api`)."""

    def aspects(
        self,
        brand: str | None = None,
        *,
        since: datetime | date | str | None = None,
        until: datetime | date | str | None = None,
        source: str | None = None,
        lang: str | None = None,
    ) -> ResultList[AspectFigures]:
        """Per brand (every brand, in the config's order, when ``brand`` is None) and configured aspect: how many of
        its mentions published from ``since`` (default: 30 days ago) to ``until`` (a day:
        through its end; default now) talk about it, their share of the brand's tagged
        mentions, their MSI with its Wilson interval and net sentiment, and the same of every
        other brand together (``others_volume``, ``others_msi``, ``msi_vs_others``)."""
        now = self.clock().astimezone(UTC)
        end = check_instant(until, "until", self.tz, end_of_day=True) if until is not None else now
        if since is None:
            first = end.astimezone(self.tz).date() - timedelta(days=ASPECT_DAYS - 1)
            start = datetime.combine(first, time(), tzinfo=self.tz).astimezone(UTC)
        else:
            start = check_instant(since, "since", self.tz)
        if end <= start:
            raise InvalidArgument(f"until {end.isoformat()} is not after since {start.isoformat()}")
        f = WindowFilter(start, end, check_source(self.engine, source), check_lang(self.engine, lang))
        names = [self.store.brand_name(self._brand_id(brand))] if brand is not None else self._brands_in_order()
        ids = [self._brand_id(b) for b in names]
        counts = [(c.brand, c.aspect, c.label, c.n) for c in aspect_counts(self.engine, None, f, self.tz)]
        aspects = [(a.name, a.label) for a in self.config.aspects.aspects()]
        totals = brand_totals(self.engine, ids, f, self.tz)
        return ResultList(figures(counts, aspects, names, totals, min_sample=self.config.index.min_sample))

    def _brands_in_order(self) -> list[str]:
        """Every stored brand: the configured ones in the config's order, then the others."""
        stored = self.store.brand_names()
        configured = [b.name for b in self.config.brands if b.name in stored]
        return configured + [b for b in stored if b not in configured]

    def mention_aspects(self, mention_ids: Sequence[int]) -> dict[int, list[str]]:
        """The aspects stored for each of ``mention_ids``, in the config's order (an empty list:
        none, or not tagged yet)."""
        order = {a.name: i for i, a in enumerate(self.config.aspects.aspects())}
        return {
            mid: sorted((t.aspect for t in tags), key=lambda a: (order.get(a, len(order)), a))
            for mid, tags in tags_of(self.engine, mention_ids).items()
        }


__all__ = ["ASPECT_DAYS", "AspectMethods"]
