"""Did-you-mean hints: the known value closest to a mistyped one, short listings, and the
"unknown …" errors of :mod:`monitor.errors` worded with both.

Every such message is one line: ``problem; did you mean 'x'? Known: a, b`` (or
``problem. Known: a, b`` when nothing is close).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from monitor.errors import UnknownBrand, UnknownLanguage, UnknownSource

#: How similar a known value must be to be suggested (difflib's ratio, 0–1).
CUTOFF = 0.6
#: At most this many known values are listed in one message.
LISTED = 20


def closest(value: str, known: Iterable[str], *, cutoff: float = CUTOFF) -> str | None:
    """The known value most like ``value`` (compared case-insensitively), or None."""
    by_folded: dict[str, str] = {}
    for k in known:
        by_folded.setdefault(k.casefold(), k)
    match = difflib.get_close_matches(value.casefold(), list(by_folded), n=1, cutoff=cutoff)
    return by_folded[match[0]] if match else None


def listing(values: Iterable[str], limit: int = LISTED) -> str:
    """``a, b, c`` (at most ``limit`` of them, then how many more)."""
    items = list(dict.fromkeys(values))
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def hinted(problem: str, suggestion: str | None, *lists: tuple[str, Iterable[str]], none: str = "") -> str:
    """One line: ``problem; did you mean 'x'? Label: a, b; other: c`` (``problem. Label: a, b``
    without a suggestion). Empty lists are left out; ``none`` stands in when all are empty."""
    parts = [f"{label}: {listing(values)}" for label, values in ((lb, list(v)) for lb, v in lists) if values]
    listed = "; ".join(parts) or none
    if suggestion is not None:
        head = f"{problem}; did you mean {suggestion!r}?"
    else:
        head = f"{problem}." if listed else problem
    return f"{head} {listed[:1].upper()}{listed[1:]}" if listed else head


def _none(what: str, where: str) -> str:
    return f"There is no {what} {where}." if where else f"No {what} is stored yet."


def unknown_brand(brand: str, known: Iterable[str], *, where: str = "", note: str = "") -> UnknownBrand:
    """:class:`UnknownBrand` for ``brand``, naming the ``known`` brands and the closest.

    ``where`` says where they were looked for (``"in the config"``; default the database),
    ``note`` adds what to do besides (in parentheses)."""
    names = list(known)
    hint = closest(brand, names)
    problem = f"unknown brand {brand!r}" + (f" {where}" if where else "")
    message = hinted(problem, hint, ("brands", names), none=_none("brand", where))
    return UnknownBrand(brand, names, suggestion=hint, message=message + (f" ({note})" if note else ""))


def unknown_source(source: str, known: Iterable[str], kinds: Iterable[str] = (), *, where: str = "") -> UnknownSource:
    """:class:`UnknownSource` for ``source``, naming the ``known`` sources (and ``kinds``, when
    a kind would do too) and the closest."""
    names, kind_names = list(known), list(kinds)
    hint = closest(source, names + kind_names)
    what = "no source or source kind of that name" if kind_names else "no source of that name"
    lists = (("sources", names), ("kinds", kind_names))
    problem = hinted(f"{what} {where}".rstrip(), hint, *lists, none=_none("source", where))
    return UnknownSource(source, names, kind_names, suggestion=hint, problem=problem)


def unknown_language(lang: str, suggestion: str | None, known: Iterable[str]) -> UnknownLanguage:
    """:class:`UnknownLanguage` for ``lang``: the code it likely means and the ``known`` languages."""
    languages = list(known)
    problem = hinted("not a language code", suggestion, ("languages", languages))
    return UnknownLanguage(lang, languages, suggestion=suggestion, problem=problem)


__all__ = ["CUTOFF", "LISTED", "closest", "hinted", "listing", "unknown_brand", "unknown_language", "unknown_source"]
