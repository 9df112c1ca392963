"""What a text search of the mentions matches: the folding and the query's words (pure).

Text and query fold the same way (:func:`fold`): Unicode compatibility forms (NFKC), full
case folding, and the Turkish i's merged — dotted ``İ``/``i`` and dotless ``I``/``ı`` all
fold to ``i``, so "istanbul" finds "İSTANBUL" and "ışık" finds "IŞIK" whatever language a
mention is in. Accents stay ("å" is not "a"); runs of white space count as one space.

A query is words separated by white space. A mention matches when its title or text
holds every word, each anywhere (inside a longer word too: "batt" finds "Battery"), in
any order. No character is syntax: quotes, ``*``, ``-``, ``:``, ``OR`` or ``NEAR(`` are
searched as themselves. Words of :data:`MIN_INDEXED` characters or more are looked up in
the search index; shorter ones only narrow what those find (a query of short words only
reads the mentions one by one).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from monitor.errors import InvalidArgument

#: The longest query, in characters.
MAX_QUERY = 200
#: At most this many words in a query.
MAX_WORDS = 10
#: Words this long or longer are looked up in the (trigram) index.
MIN_INDEXED = 3
#: What a search matches, in one sentence (the dashboard's help text and ``--text``'s).
HELP = (
    "Every word, anywhere in the title or text (also inside longer words), any case, any order; "
    f"no operators. Words under {MIN_INDEXED} characters are slower to search alone."
)


def fold(text: str) -> str:
    """``text`` as the search index keeps it (and a query is compared): see the module."""
    t = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(t.replace("i\u0307", "i").replace("ı", "i").split())


def body(title: str | None, text: str) -> str:
    """What the index holds for a mention: its title and text, folded."""
    return fold(f"{title}\n{text}" if title else text)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed query: its folded words, longest first (none contained in another)."""

    words: tuple[str, ...]

    @property
    def indexed(self) -> tuple[str, ...]:
        """The words the index can look up (:data:`MIN_INDEXED` characters or more)."""
        return tuple(w for w in self.words if len(w) >= MIN_INDEXED)


def parse_query(text: str) -> SearchQuery | None:
    """The words of ``text`` (``None``: nothing to search for). Too long a query, or too
    many words, raises :class:`~monitor.errors.InvalidArgument` saying so."""
    if len(text) > MAX_QUERY:
        raise InvalidArgument(f"the text to search is {len(text):,} characters long; at most {MAX_QUERY} are allowed")
    clean = text.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")  # no NUL, no lone surrogate
    words: list[str] = []
    for w in sorted(set(fold(clean).split()), key=lambda w: (-len(w), w)):
        if not any(w in longer for longer in words):  # "bat" adds nothing to "battery"
            words.append(w)
    if len(words) > MAX_WORDS:
        raise InvalidArgument(f"the text to search has {len(words)} words; at most {MAX_WORDS} are allowed")
    return SearchQuery(tuple(words)) if words else None


__all__ = ["HELP", "MAX_QUERY", "MAX_WORDS", "MIN_INDEXED", "SearchQuery", "body", "fold", "parse_query"]
