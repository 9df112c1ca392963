"""Did-you-mean hints: the known value closest to a mistyped one, and short listings.

Pure and standard-library only, so :mod:`monitor.errors` can use it to word its messages.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

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


__all__ = ["CUTOFF", "LISTED", "closest", "hinted", "listing"]
