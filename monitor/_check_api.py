"""The model's agreement with star ratings, as :class:`~monitor.MentionIndex` offers it (a mixin)."""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor._filters import DateArg, check_day, check_lang, check_source
from monitor._index import agreement
from monitor._index.agreement import ModelCheck
from monitor._index_parts import IndexParts
from monitor._store.agreement import rated_scores
from monitor.errors import InvalidArgument


class ModelCheckMethods(IndexParts):
    """:class:`~monitor.MentionIndex`'s ``model_check`` (see :mod:`monitor._index.agreement`)."""

    def model_check(
        self,
        brand: str | None = None,
        *,
        days: int = 30,
        end: DateArg | None = None,
        lang: str | None = None,
        source: str | None = None,
    ) -> ModelCheck:
        """How often the model's label is the stars' (1–2 of 5 negative, 3 neutral, 4–5 positive)
        on rated mentions it scored, over the ``days`` local days up to ``end`` (default today):
        overall, per language, per source; n, share, Wilson 95 % interval, confusion matrix."""
        if not 1 <= days <= 3650:
            raise InvalidArgument(f"days={days!r}: expected 1 to 3650")
        e = check_day(end, "end") if end is not None else datetime.now(self.tz).date()
        s = e - timedelta(days=days - 1)
        bid = self._brand_id(brand) if brand is not None else None
        source, lang = check_source(self.engine, source), check_lang(self.engine, lang)
        rows = rated_scores(self.engine, s, e, brand_id=bid, lang=lang, source=source)
        return agreement.check(rows, brand=self._brand_name(bid) if bid is not None else None, start=s, end=e)


__all__ = ["ModelCheckMethods"]
