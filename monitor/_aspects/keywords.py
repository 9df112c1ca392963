"""Aspect keywords: which aspects a text names, by word (pure, no I/O).

A keyword is a word or phrase, matched on folded text (:func:`keyword_fold`) at word
boundaries; a trailing ``*`` lets the last word go on (``fiyat*`` matches *fiyatı*,
*fiyatlar*; ``цен*`` *цената*; ``գին*`` *գինը*). A keyword that starts or ends with a
symbol (``€``, ``$``) needs no boundary on that side (``29€``).

Folding is brand matching's (:func:`monitor._matching.fold`: NFKC, Unicode case folding,
the four Turkish i's one letter, so ``FİYAT``, ``fiyat`` and ``FIYAT`` meet; Cyrillic and
Armenian through case folding) plus two things of its own: the Armenian marks written
*inside* a word over its stressed vowel (emphasis ``՛``, exclamation ``՜``, question ``՞``)
and soft hyphens / zero-width characters are dropped, so ``թա՜նկ`` is ``թանկ``.

A text is read with its own language's keywords plus English ones (people write *app*,
*support*, *refund* in every language); a text of another or unknown language with every
language's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor._aspects.defaults import Aspect
from monitor._matching import fold

#: Dropped before matching: Armenian in-word marks, soft hyphen, zero-width characters.
_DROPPED = str.maketrans(dict.fromkeys([0x055B, 0x055C, 0x055E, 0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]))
#: The language whose keywords every text is also read with.
SHARED_LANGUAGE = "en"
#: Longest keyword accepted (characters), and most keywords per aspect and language.
MAX_KEYWORD = 80


def keyword_fold(text: str) -> str:
    """``text`` as keywords are matched against it (see the module docstring)."""
    return fold(text.translate(_DROPPED))


def _is_word_char(ch: str) -> bool:
    return ch == "_" or ch.isalnum()


def keyword_problem(keyword: str) -> str | None:
    """What is wrong with ``keyword`` as written in a config, or ``None``."""
    body = keyword.strip()
    if not body or body == "*":
        return "is empty"
    if len(body) > MAX_KEYWORD:
        return f"is longer than {MAX_KEYWORD} characters"
    if "*" in body[:-1]:
        return "may hold '*' only at its end (the word may go on)"
    if not keyword_fold(body.rstrip("*")).strip():
        return "holds nothing to match"
    return None


def _pattern(keyword: str) -> str:
    """One keyword as a regular expression over folded text."""
    prefix = keyword.endswith("*")
    body = keyword_fold(keyword.rstrip("*")).strip()
    left = r"(?<!\w)" if _is_word_char(body[0]) else ""
    right = r"\w*" if prefix else "" if not _is_word_char(body[-1]) else r"(?!\w)"
    return left + re.escape(body) + right


def compile_keywords(keywords: Sequence[str]) -> re.Pattern[str] | None:
    """One pattern for ``keywords`` (longest first), or ``None`` when there are none."""
    parts = sorted({_pattern(k) for k in keywords if keyword_problem(k) is None}, key=len, reverse=True)
    return re.compile("|".join(parts)) if parts else None


@dataclass(frozen=True, slots=True)
class KeywordIndex:
    """Every aspect's keywords compiled per language (see the module docstring)."""

    names: tuple[str, ...]
    #: ``patterns[lang][i]``: aspect ``names[i]``'s pattern for ``lang`` (``None``: no keywords).
    patterns: Mapping[str, tuple[re.Pattern[str] | None, ...]]

    @classmethod
    def of(cls, aspects: Sequence[Aspect]) -> KeywordIndex:
        """The index of ``aspects``' keywords."""
        langs = sorted({lang for a in aspects for lang in a.keywords})
        patterns = {lang: tuple(compile_keywords(a.keywords.get(lang, ())) for a in aspects) for lang in langs}
        return cls(tuple(a.name for a in aspects), patterns)

    def languages_for(self, lang: str | None) -> tuple[str, ...]:
        """The keyword languages a text of ``lang`` is read with."""
        if lang is not None and lang in self.patterns:
            return (lang, SHARED_LANGUAGE) if lang != SHARED_LANGUAGE else (lang,)
        return tuple(self.patterns)

    def hits(self, text: str, lang: str | None) -> list[str | None]:
        """Per aspect, the first keyword match found in ``text`` (folded), or ``None``."""
        folded = keyword_fold(text)
        found: list[str | None] = [None] * len(self.names)
        for code in self.languages_for(lang):
            for i, pattern in enumerate(self.patterns.get(code, ())):
                if found[i] is None and pattern is not None:
                    m = pattern.search(folded)
                    if m is not None:
                        found[i] = m.group(0)
        return found

    def matches(self, text: str, lang: str | None) -> tuple[str, ...]:
        """The names of the aspects whose keywords ``text`` holds."""
        return tuple(n for n, hit in zip(self.names, self.hits(text, lang), strict=True) if hit is not None)


__all__ = ["MAX_KEYWORD", "SHARED_LANGUAGE", "KeywordIndex", "compile_keywords", "keyword_fold", "keyword_problem"]
