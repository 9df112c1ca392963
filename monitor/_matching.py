"""Brand matching: does a mention talk about a brand? Pure functions, no I/O.

A brand matches when one of its terms (its name and aliases) occurs in the title or text,
no exclusion vetoes it, and — when the brand has a boolean ``query`` — the query holds.

**Folding.** Text and terms are compared after :func:`fold`: NFKC, Unicode case folding,
typographic apostrophes → ``'``, whitespace runs → one space, and the four Turkish i's
(``I ı İ i``) made one letter. Case-insensitive matching of Turkish is otherwise
impossible without knowing the language (``"IŞIK".lower()`` is ``"işik"`` in Python but
``"ışık"`` in Turkish); collapsing the dotted/dotless pair makes ``İstanbul``,
``ISTANBUL`` and ``istanbul`` meet, at the cost of treating ``ılık``/``ilik`` as one
word. Cyrillic, Armenian (``և`` → ``եւ``), Greek (final sigma) fold through casefold.

**Word boundaries** hold in every script: a term must not be glued to a letter, mark,
digit or ``_`` of a spaced script on either side. Scripts written without spaces (Han,
Hiragana, Katakana, Hangul, Thai, Lao, Khmer, Myanmar) need no boundary, and a change of
script counts as one (``新しいiPhoneが`` contains ``iPhone``).

**Hashtags and handles.** ``#`` and ``@`` are not word characters, so the term ``acme``
matches ``#acme``, ``@acme`` and ``@acme@mastodon.social``. A multi-word alias also
matches its joined hashtag/handle form (``Acme Corp`` → ``#AcmeCorp``, ``@acme_corp``).
A term written as ``#acme`` in a query matches only the hashtag.

**Exclusions.** An exclusion containing a brand term masks those occurrences (``apple
pie`` for *Apple*: "apple pie" does not count, "my Apple watch" still does); an exclusion
without a brand term vetoes the whole mention when present (``recipe``).

**Query syntax** (:func:`parse_query`)::

    acme AND (widget OR "power drill") AND NOT recall
    "acme corp" OR #acme OR @acmesupport
    turkcell*            # trailing * = prefix (Turkish suffixes: Turkcell'den, turkcellden)

``AND``, ``OR``, ``NOT`` are upper case; juxtaposition means AND; NOT binds tighter than
AND, AND tighter than OR. Errors raise :class:`QueryError` (a ``ValueError``) naming the
position.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from monitor.errors import QueryError

# -- folding -----------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'", "`": "'"})
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Text as matching compares it (see the module docstring)."""
    s = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    s = s.replace("i\u0307", "i").replace("ı", "i")
    return _SPACE.sub(" ", s)


# -- word boundaries -----------------------------------------------------------------------

_UNSPACED = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x31F0, 0x31FF),  # Katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B…
)


@lru_cache(maxsize=4096)
def _is_word(ch: str) -> bool:
    return ch == "_" or unicodedata.category(ch)[0] in "LMN"


@lru_cache(maxsize=4096)
def _unspaced(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _UNSPACED)


@lru_cache(maxsize=4096)
def _script_key(ch: str) -> str:
    """A coarse script name: the first word of the Unicode name (LATIN, CYRILLIC, …)."""
    try:
        return unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return "?"


def _boundary(edge: str, neighbour: str) -> bool:
    """Whether ``neighbour`` may sit next to the term's ``edge`` character."""
    if not _is_word(neighbour) or not _is_word(edge):
        return True
    if _unspaced(edge) or _unspaced(neighbour):
        return True
    if unicodedata.category(neighbour)[0] == "M":
        return False  # a combining mark continues the word
    return _script_key(edge) != _script_key(neighbour) and not (
        neighbour.isdigit() or edge.isdigit() or "_" in (edge, neighbour)
    )


def find_all(folded: str, term: str, *, prefix: bool = False) -> list[tuple[int, int]]:
    """Spans of ``term`` in ``folded`` (both already folded) that respect word boundaries."""
    spans: list[tuple[int, int]] = []
    if not term:
        return spans
    n = len(term)
    start = folded.find(term)
    while start != -1:
        end = start + n
        ok_left = start == 0 or _boundary(term[0], folded[start - 1])
        ok_right = prefix or end == len(folded) or _boundary(term[-1], folded[end])
        if ok_left and ok_right:
            if prefix:
                while end < len(folded) and _is_word(folded[end]):
                    end += 1
            spans.append((start, end))
        start = folded.find(term, start + 1)
    return spans


# -- the query language --------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    text: str  # folded
    prefix: bool = False
    phrase: bool = False

    def __str__(self) -> str:
        body = f'"{self.text}"' if self.phrase or " " in self.text else self.text
        return body + ("*" if self.prefix else "")


@dataclass(frozen=True)
class Not:
    item: Node

    def __str__(self) -> str:
        return f"NOT {_wrap(self.item)}"


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]

    def __str__(self) -> str:
        return " AND ".join(_wrap(i) for i in self.items)


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]

    def __str__(self) -> str:
        return " OR ".join(_wrap(i) for i in self.items)


Node = Term | Not | And | Or


def _wrap(node: Node) -> str:
    return f"({node})" if isinstance(node, And | Or) else str(node)


_TOKEN = re.compile(r'\s*(?:(?P<lp>\()|(?P<rp>\))|"(?P<phrase>[^"]*)(?P<close>"?)|(?P<word>[^\s()"]+))')
_OPS = {"AND", "OR", "NOT"}


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # pragma: no cover - the pattern accepts any non-space character
            raise QueryError(f"unexpected character at position {pos}")
        at = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
        if m.group("lp"):
            out.append(("(", "(", at))
        elif m.group("rp"):
            out.append((")", ")", at))
        elif m.group("phrase") is not None:
            if not m.group("close"):
                raise QueryError(f"unclosed quote at position {at}")
            out.append(("phrase", m.group("phrase"), at))
        else:
            word = m.group("word")
            out.append(("op" if word in _OPS else "word", word, at))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str, int]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.toks:
            raise QueryError("the query is empty")
        node = self.or_()
        tok = self.peek()
        if tok is not None:
            raise QueryError(f"unexpected {tok[1]!r} at position {tok[2]}")
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while (tok := self.peek()) is not None and tok[:2] == ("op", "OR"):
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self) -> Node:
        items = [self.not_()]
        while (tok := self.peek()) is not None and tok[0] != ")" and tok[:2] != ("op", "OR"):
            if tok[:2] == ("op", "AND"):
                self.take()
            items.append(self.not_())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_(self) -> Node:
        tok = self.peek()
        if tok is not None and tok[:2] == ("op", "NOT"):
            self.take()
            return Not(self.not_())
        return self.atom()

    def atom(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise QueryError("the query ends where a term was expected")
        kind, value, at = self.take()
        if kind == "(":
            node = self.or_()
            close = self.peek()
            if close is None or close[0] != ")":
                raise QueryError(f"unclosed parenthesis at position {at}")
            self.take()
            return node
        if kind == "phrase":
            folded = fold(value).strip()
            if not folded:
                raise QueryError(f"empty phrase at position {at}")
            return Term(folded, phrase=True)
        if kind == "word":
            prefix = value.endswith("*") and len(value) > 1
            folded = fold(value.rstrip("*") if prefix else value).strip()
            if not folded or folded in ("#", "@"):
                raise QueryError(f"{value!r} at position {at} is not a term")
            return Term(folded, prefix=prefix)
        raise QueryError(f"unexpected {value!r} at position {at}")


def parse_query(text: str) -> Node:
    """Parse a boolean query; :class:`QueryError` says what is wrong and where."""
    if not isinstance(text, str):
        raise QueryError("the query must be text")
    return _Parser(text).parse()


def query_terms(node: Node) -> list[Term]:
    """Every term of a query, in order."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return query_terms(node.item)
    return [t for item in node.items for t in query_terms(item)]


# -- matching ------------------------------------------------------------------------------


def _term_forms(alias: str) -> list[Term]:
    folded = fold(alias).strip()
    if not folded:
        return []
    forms = [Term(folded)]
    if " " in folded and not folded.startswith(("#", "@")):
        for joiner in ("", "_"):
            joined = folded.replace(" ", joiner)
            forms += [Term("#" + joined), Term("@" + joined)]
    return forms


@dataclass(frozen=True)
class Match:
    """Why a brand matched: the term found first."""

    brand: str
    term: str


@dataclass
class BrandMatcher:
    """Matching rules of one brand, prepared once and applied to many mentions."""

    name: str
    terms: list[Term]
    exclusions: list[Term] = field(default_factory=list)
    query: Node | None = None

    @classmethod
    def build(
        cls,
        name: str,
        aliases: Iterable[str] = (),
        exclusions: Iterable[str] = (),
        query: str | None = None,
    ) -> BrandMatcher:
        terms: list[Term] = []
        for alias in [name, *aliases]:
            for t in _term_forms(alias):
                if t not in terms:
                    terms.append(t)
        excl = [Term(f) for e in exclusions if (f := fold(e).strip())]
        return cls(name, terms, excl, parse_query(query) if query and query.strip() else None)

    @classmethod
    def from_config(cls, brand: object) -> BrandMatcher:
        """From a :class:`monitor._config.BrandConfig`."""
        return cls.build(
            getattr(brand, "name"),  # noqa: B009 - duck-typed to keep this module pure
            getattr(brand, "aliases", ()),
            getattr(brand, "exclusions", ()),
            getattr(brand, "query", None),
        )

    def match(self, text: str, title: str | None = None) -> Match | None:
        """The first reason this mention is about the brand, or ``None``."""
        folded = fold(f"{title}\n{text}" if title else text)
        masks: list[tuple[int, int]] = []
        alias_spans = {t: find_all(folded, t.text) for t in self.terms}
        for ex in self.exclusions:
            for s, e in find_all(folded, ex.text):
                covers = any(s <= a and b <= e for spans in alias_spans.values() for a, b in spans)
                if not covers:
                    return None  # an exclusion with no brand term in it vetoes the mention
                masks.append((s, e))

        def live(spans: list[tuple[int, int]]) -> bool:
            return any(not any(ms <= a and b <= me for ms, me in masks) for a, b in spans)

        if self.query is not None:
            found: list[str] = []

            def holds(node: Node) -> bool:
                if isinstance(node, Term):
                    ok = live(find_all(folded, node.text, prefix=node.prefix))
                    if ok:
                        found.append(str(node))
                    return ok
                if isinstance(node, Not):
                    return not holds(node.item)
                if isinstance(node, And):
                    return all(holds(i) for i in node.items)
                return any(holds(i) for i in node.items)

            return Match(self.name, found[0] if found else "") if holds(self.query) else None
        for term, spans in alias_spans.items():
            if live(spans):
                return Match(self.name, term.text)
        return None

    def matches(self, text: str, title: str | None = None) -> bool:
        return self.match(text, title) is not None


def match_brands(matchers: Sequence[BrandMatcher], text: str, title: str | None = None) -> list[Match]:
    """Every brand the mention is about, in the matchers' order."""
    return [m for matcher in matchers if (m := matcher.match(text, title)) is not None]


__all__ = [
    "And",
    "BrandMatcher",
    "Match",
    "Node",
    "Not",
    "Or",
    "QueryError",
    "Term",
    "find_all",
    "fold",
    "match_brands",
    "parse_query",
    "query_terms",
]
