"""Stored mentions, as :class:`~monitor.MentionIndex` lists them (a mixin).

:meth:`MentionMethods.mentions` lists a brand's (or every brand's) mentions filtered by
label, language, source, dates, where the label came from, stars, text, theme and aspect,
newest first and paged by keyset; the listing itself is :func:`monitor._store.listings.mentions`.
"""

from __future__ import annotations

from datetime import date, datetime

from monitor._filters import check_instant, check_lang, check_source
from monitor._hints import closest, hinted
from monitor._index_parts import IndexParts
from monitor._labels import EFFECTIVE_LABELS
from monitor._store import listings
from monitor._store import themes as theme_store
from monitor._store.listings import MentionFilter, MentionList
from monitor.errors import InvalidArgument, InvalidLabel


class MentionMethods(IndexParts):
    """:class:`~monitor.MentionIndex`'s mention listing (see :mod:`monitor._mention_api`)."""

    def mentions(
        self,
        brand: str | None,
        sentiment: str | None = None,
        lang: str | None = None,
        source: str | None = None,
        since: datetime | date | str | None = None,
        until: datetime | date | str | None = None,
        limit: int = 50,
        order: str = "recent",
        *,
        origin: str | None = None,
        stars: int | None = None,
        text: str | None = None,
        theme: int | str | None = None,
        aspect: str | None = None,
        after: str | None = None,
    ) -> MentionList:
        """Stored mentions (of every brand when ``brand`` is None), newest first
        (``order="strongest"``: most confident first).

        ``origin`` is where the label came from (``manual``, ``import``, ``rating``, ``model``
        or a model's ``id@version``), ``stars`` a rating of 1–5 on the mention's own scale,
        ``text`` words the title or text holds — every word, anywhere (inside longer words
        too), any case (Unicode case folding; the Turkish i's are one letter), no operators;
        at most 200 characters and 10 words (more raises
        :class:`~monitor.errors.InvalidArgument`). ``theme`` keeps the mentions placed in one
        theme (its ``id`` from :meth:`themes`, or its name among ``brand``'s themes),
        ``aspect`` those tagged with one configured aspect (``price``, …: :meth:`aspects`);
        an unknown one raises :class:`~monitor.errors.InvalidArgument`. The next page:
        ``after=`` the last mention's ``cursor`` (keyset paging, newest-first order only).

        A newest-first search the trigram index cannot narrow — only words of one or two
        characters, or words in very many mentions — reads at most 20,000 mentions per call,
        newest first (fewer on a busy machine: no further step after 0.15 s). If fewer than
        ``limit`` match among them, the result is partial: it holds every match back to
        ``result.searched_to`` and ``result.resume_after`` is the ``after=`` that continues
        searching older mentions (see :class:`~monitor.MentionList`); ``None`` when there is
        nothing to continue."""
        if sentiment is not None and sentiment not in EFFECTIVE_LABELS:
            expected = f"expected one of {', '.join(EFFECTIVE_LABELS[:-1])} or {EFFECTIVE_LABELS[-1]!r}"
            raise InvalidLabel.of("sentiment", sentiment, hinted(expected, closest(sentiment, EFFECTIVE_LABELS)))
        if order not in ("recent", "strongest"):
            raise InvalidArgument(f"order={order!r}: expected 'recent' or 'strongest'")
        if limit < 1:
            raise InvalidArgument("limit must be at least 1")
        if stars is not None and not 1 <= stars <= 5:
            raise InvalidArgument(f"stars={stars!r}: expected 1 to 5")
        keyset = listings.parse_cursor(after) if after is not None else None
        if after is not None and (keyset is None or order != "recent"):
            why = "is not a mention's cursor" if keyset is None else "pages only the newest-first order"
            raise InvalidArgument(f"after={after!r} {why}")
        bid = self._brand_id(brand) if brand is not None else None
        source, lang = check_source(self.engine, source), check_lang(self.engine, lang)
        picked = self._theme(theme, bid) if theme is not None else None
        if picked is not None:  # a theme is one brand's: list that brand's mentions only
            bid = picked.brand_id
        f = MentionFilter(
            sentiment=sentiment,
            lang=lang,
            source=source,
            since=check_instant(since, "since", self.tz) if since is not None else None,
            until=check_instant(until, "until", self.tz, end_of_day=True) if until is not None else None,
            strongest=order == "strongest",
            origin=origin,
            stars=stars,
            text=text,
            theme=picked.id if picked is not None else None,
            aspect=self._aspect_name(aspect) if aspect is not None else None,
            after=keyset,
        )
        return listings.mentions(self.engine, bid, None, f, limit)

    def _theme(self, theme: int | str, bid: int | None) -> theme_store.ThemeName:
        """Theme ``theme``: a theme's id (of brand ``bid`` when given), or a name among
        ``bid``'s themes (exact, else in any case); :class:`InvalidArgument` otherwise."""
        if isinstance(theme, int) or theme.strip().isdigit():
            found = theme_store.theme_names(self.engine, theme_id=int(theme))
            if not found:
                why = "no such theme (each theme's id: themes(), `monitor query themes`)"
                raise InvalidArgument.of("theme", str(theme), why)
            if bid is not None and found[0].brand_id != bid:
                raise InvalidArgument.of("theme", str(theme), f"not a theme of {self._brand_name(bid)}")
            return found[0]
        if bid is None:
            raise InvalidArgument.of("theme", theme, "a theme's name needs its brand (or give the theme's id)")
        known = theme_store.theme_names(self.engine, brand_id=bid)
        name = theme.strip()
        for t in [t for t in known if t.name == name] or [t for t in known if t.name.casefold() == name.casefold()]:
            return t
        names = [t.name for t in known]
        problem = f"not a theme of {self._brand_name(bid)}"
        none = "It has no theme yet: themes are computed after scoring"
        hint = hinted(problem, closest(name, names), ("its themes", names), none=none)
        raise InvalidArgument.of("theme", theme, hint)

    def _aspect_name(self, aspect: str) -> str:
        """``aspect`` when it names a configured aspect (in any case); :class:`InvalidArgument` otherwise."""
        names = [a.name for a in self.config.aspects.aspects()]
        for name in (aspect, aspect.strip().casefold()):
            if name in names:
                return name
        none = "Aspects are off in this config ([aspects] enabled = false)"
        raise InvalidArgument.of(
            "aspect", aspect, hinted("not a configured aspect", closest(aspect, names), ("aspects", names), none=none)
        )


__all__ = ["MentionMethods"]
