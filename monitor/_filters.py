"""Checks of the ``source`` and ``lang`` filters of :class:`~monitor.MentionIndex`'s queries.

A filter that matches nothing would give an empty answer that looks like "no mentions";
instead a value that cannot match is refused, naming the known values and the closest:

* ``source``: a stored source's name or a source kind (stored, or one the product knows);
* ``lang``: an ISO 639-1 code (any case) or a code stored mentions carry.
"""

from __future__ import annotations

from monitor._config import SOURCE_KINDS, SUPPORTED_LANGUAGES
from monitor._hints import unknown_language, unknown_source
from monitor._langcodes import ISO_639_1, language_hint
from monitor._store import Engine
from monitor._store.vocab import source_names_and_kinds, stored_languages


def check_source(engine: Engine, source: str | None) -> str | None:
    """``source`` when it names a stored source or a source kind; :class:`UnknownSource` otherwise."""
    if source is None:
        return None
    names, kinds = source_names_and_kinds(engine)
    if source in names or source in kinds or source in SOURCE_KINDS:
        return source
    raise unknown_source(source, names, kinds)


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


__all__ = ["check_lang", "check_source"]
