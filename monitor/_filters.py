"""Checks of the ``source``, ``lang`` and date arguments of :class:`~monitor.MentionIndex`'s queries.

A filter that matches nothing would give an empty answer that looks like "no mentions";
instead a value that cannot match is refused, naming the known values and the closest:

* ``source``: a stored source's name or a source kind (stored, or one the product knows);
* ``lang``: an ISO 639-1 code (any case) or a code stored mentions carry.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from monitor._config import SOURCE_KINDS, SUPPORTED_LANGUAGES
from monitor._dates import parse_day, parse_iso
from monitor._hints import unknown_language, unknown_source
from monitor._langcodes import ISO_639_1, language_hint
from monitor._store import Engine
from monitor._store.vocab import source_names_and_kinds, stored_languages
from monitor.errors import InvalidArgument

DateArg = date | datetime | str


def check_source(engine: Engine, source: str | None) -> str | None:
    """``source`` when it names a stored source or a source kind; :class:`UnknownSource` otherwise."""
    if source is None:
        return None
    names, kinds = source_names_and_kinds(engine)
    if source in names or source in kinds or source in SOURCE_KINDS:
        return source
    raise unknown_source(source, names, kinds)


def check_source_name(engine: Engine, source: str | None) -> str | None:
    """``source`` when it names a stored source (not a kind); :class:`UnknownSource` otherwise."""
    names, _ = source_names_and_kinds(engine)
    if source is None or source in names:
        return source
    raise unknown_source(source, names)


def check_lang(engine: Engine, lang: str | None) -> str | None:
    """``lang`` when it is an ISO 639-1 code or one stored (``"SV"`` → ``"sv"``);
    :class:`UnknownLanguage` otherwise, with the code it likely means."""
    if lang is None:
        return None
    value = lang.strip()
    if value in ISO_639_1:
        return value
    stored = stored_languages(engine)
    if value and value in stored:
        return value
    if value.lower() in ISO_639_1 or (value and value.lower() in stored):
        return value.lower()
    raise unknown_language(lang, language_hint(lang), SUPPORTED_LANGUAGES)


def check_day(value: DateArg, name: str) -> date:
    """A date argument (a date, a datetime's day, or ``YYYY-MM-DD``); :class:`InvalidArgument` otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_day(str(value))
    except ValueError:
        raise InvalidArgument(f"{name}={value!r} is not a date (YYYY-MM-DD)") from None


def check_instant(value: DateArg, name: str, tz: tzinfo, end_of_day: bool = False) -> datetime:
    """An instant argument: an aware datetime as given, a naive one or a day in ``tz`` (a day's
    start, or the next day's with ``end_of_day``), ISO 8601 text likewise."""
    if isinstance(value, str):
        try:
            value = parse_iso(value, naive=tz) if "T" in value or " " in value else parse_day(value)
        except ValueError:
            raise InvalidArgument(f"{name}={value!r} is not a date or ISO datetime") from None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    d = value + timedelta(days=1) if end_of_day else value
    return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(UTC)


__all__ = ["DateArg", "check_day", "check_instant", "check_lang", "check_source", "check_source_name"]
