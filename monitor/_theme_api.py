"""Themes, as :class:`~monitor.MentionIndex` offers them (a mixin).

:meth:`ThemeMethods.themes` answers "what did people talk about" for a period (week 47:
``themes("Lumio", since="2026-11-16", until="2026-11-22")``): each theme's volume, MSI,
languages, change against the period before and representative mentions.
:meth:`ThemeMethods.theme_counts` gives each theme's counts per day, week or month (and
language): the plain series that explanations of a change read; :meth:`ThemeMethods.theme_names`
their names by id. Themes are computed by the pipeline's themes step
(:mod:`monitor._pipeline.themes`) and stored; these methods only read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from monitor._filters import DateArg, check_instant, check_lang
from monitor._index.periods import BY_VALUES, By, period_start
from monitor._index.points import Tally
from monitor._index_parts import IndexParts
from monitor._results import ResultList
from monitor._store import themes as theme_store
from monitor._theme_results import ThemeCount, ThemeFigures, ThemeMention
from monitor.errors import InvalidArgument

#: The default period: the last this many days, up to now.
DAYS = 7
#: Representative mentions per theme.
REPRESENTATIVES = 3


class ThemeMethods(IndexParts):
    """:class:`~monitor.MentionIndex`'s theme methods (see :mod:`monitor._theme_api`)."""

    def _theme_period(self, since: DateArg | None, until: DateArg | None) -> tuple[datetime, datetime]:
        """``[since, until)`` as instants: a day ``until`` includes that day; default the last 7 days."""
        end = check_instant(until, "until", self.tz, end_of_day=True) if until is not None else self.clock()
        start = check_instant(since, "since", self.tz) if since is not None else end - timedelta(days=DAYS)
        if end <= start:
            raise InvalidArgument(f"until {end.isoformat()} is not after since {start.isoformat()}")
        return start, end

    def themes(
        self,
        brand: str,
        since: DateArg | None = None,
        until: DateArg | None = None,
        *,
        representatives: int = REPRESENTATIVES,
    ) -> ResultList[ThemeFigures]:
        """The brand's themes in ``[since, until]`` (days in ``index.timezone``: ``until`` a day
        includes it; default the last 7 days), biggest first, each against the period of the
        same length just before; themes silent in both periods are left out."""
        if not 0 <= representatives <= 20:
            raise InvalidArgument(f"representatives={representatives!r}: expected 0 to 20")
        bid = self._brand_id(brand)
        start, end = self._theme_period(since, until)
        before = start - (end - start)
        now_t = theme_store.tallies(self.engine, bid, start, end, self.tz, by_day=False)
        prev_t = theme_store.tallies(self.engine, bid, before, start, self.tz, by_day=False)
        cur: dict[int, Tally] = defaultdict(Tally)
        prev: dict[int, Tally] = defaultdict(Tally)
        langs: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for (tid, _day, lang, label), n in now_t.items():
            cur[tid].add_label(label, n)
            langs[tid][lang or "unknown"] += n
        for (tid, _day, _lang, label), n in prev_t.items():
            prev[tid].add_label(label, n)
        min_sample = self.config.index.min_sample
        stored = [t for t in theme_store.brand_themes(self.engine, bid) if t.id in cur or t.id in prev]
        reps = theme_store.representatives(
            self.engine, [t.id for t in stored if t.id in cur], start, end, representatives
        )
        total = sum(t.point(start.date(), min_sample).volume for t in cur.values())
        name = self._brand_name(bid)
        out = []
        for t in stored:
            p = cur[t.id].point(start.date(), min_sample)
            q = prev[t.id].point(before.date(), min_sample)
            out.append(
                ThemeFigures(
                    id=t.id,
                    brand=name,
                    name=t.name,
                    gist=t.gist,
                    terms=t.terms,
                    since=start,
                    until=end,
                    volume=p.volume,
                    positive=p.positive,
                    neutral=p.neutral,
                    negative=p.negative,
                    unscored=p.unscored,
                    msi=p.msi,
                    msi_low=p.msi_low,
                    msi_high=p.msi_high,
                    low_sample=p.low_sample,
                    previous_volume=q.volume,
                    previous_msi=q.msi,
                    share=p.volume / total if total else None,
                    langs=dict(sorted(langs[t.id].items(), key=lambda kv: (-kv[1], kv[0]))),
                    first_seen=t.created_at,
                    mentions=tuple(
                        ThemeMention(m.id, m.lang, m.source, m.published_at, m.label, m.text, m.url, m.similarity)
                        for m in reps.get(t.id, [])
                    ),
                )
            )
        out.sort(key=lambda f: (-f.volume, -f.previous_volume, f.id))
        return ResultList(out)

    def theme_names(self, brand: str | None = None) -> dict[int, str]:
        """The names of the brand's themes (of every brand's when ``brand`` is None) by id,
        oldest first: the ids :meth:`mentions` filters by."""
        bid = self._brand_id(brand) if brand is not None else None
        return {t.id: t.name for t in theme_store.theme_names(self.engine, brand_id=bid)}

    def theme_counts(
        self,
        brand: str,
        since: DateArg | None = None,
        until: DateArg | None = None,
        *,
        by: By = "day",
        lang: str | None = None,
        split_lang: bool = False,
    ) -> ResultList[ThemeCount]:
        """Each theme's mentions per ``by`` period (``day``, ``week``, ``month``; ``None``: the
        whole window) in ``[since, until]`` (as :meth:`themes`), optionally of one language or
        split by language; by theme, then period. Periods without mentions are left out."""
        if by not in BY_VALUES:
            raise InvalidArgument(f"by={by!r}: expected 'day', 'week', 'month' or None")
        bid = self._brand_id(brand)
        lang = check_lang(self.engine, lang)
        start, end = self._theme_period(since, until)
        first = start.astimezone(self.tz).date()
        rows = theme_store.tallies(self.engine, bid, start, end, self.tz, by_day=by is not None)
        names = {t.id: t.name for t in theme_store.brand_themes(self.engine, bid)}
        tallies: dict[tuple[int, date, str | None], Tally] = defaultdict(Tally)
        for (tid, day, lg, label), n in rows.items():
            if lang is not None and lg != lang:
                continue
            p_start = period_start(day, by, first) if day is not None else first
            tallies[(tid, p_start, (lg or "unknown") if split_lang else None)].add_label(label, n)
        out = []
        for (tid, p_start, split), t in sorted(tallies.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")):
            p = t.point(p_start, self.config.index.min_sample)
            out.append(
                ThemeCount(
                    theme_id=tid,
                    theme=names.get(tid, ""),
                    period_start=p_start,
                    lang=split,
                    positive=p.positive,
                    neutral=p.neutral,
                    negative=p.negative,
                    unscored=p.unscored,
                    volume=p.volume,
                    msi=p.msi,
                )
            )
        return ResultList(out)

    def mention_themes(self, mention_ids: Sequence[int]) -> dict[int, str]:
        """The name of the theme each of ``mention_ids`` is in (a mention in no theme, or not
        placed yet, is absent): the English-readable hint the digest shows beside a quote."""
        return theme_store.theme_names_of(self.engine, mention_ids)


__all__ = ["DAYS", "REPRESENTATIVES", "ThemeMethods"]
