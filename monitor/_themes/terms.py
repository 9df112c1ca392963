"""A theme's most distinctive terms per language, c-TF-IDF style (pure).

Each theme is one "class document" per language: a term's weight in a theme is how many of
the theme's mentions of that language hold it, over the theme's mentions of that language
(tf), times ``log(1 + A / f)`` where ``f`` counts the mentions of that language holding it
in every theme and among the unassigned (the background), and ``A`` is the average number
of terms per class (a term counted once per mention holding it): BERTopic's c-TF-IDF,
counted per mention so one long post does not name a theme. Stop words of the language
(:mod:`monitor._themes.stopwords`), the brand's own names and words of one character are
never terms; a term must occur in a fifth of the theme's mentions of that language and in
two at least (one when the theme has fewer than three in that language).

In English, Swedish and Turkish a term is counted by its Snowball stem, so inflections add
up ("dock", "docks", "docking", "docked" are one term) and the name shows the stem's most
frequent word; Bulgarian has no Snowball stemmer and the Armenian one folds unrelated words
together, so there a term is the word itself.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

from monitor._search import fold
from monitor._themes.stopwords import stop_words

K = TypeVar("K", bound=Hashable)

#: A word: letters or digits, with inner dots, hyphens or apostrophes ("4.2.1", "wi-fi").
_WORD = re.compile(r"\w+(?:[.\-'’]\w+)*")
#: How many terms per language a theme keeps.
TOP = 6
#: The share of a theme's mentions (of that language) a term must occur in, at least: a name
#: says what many of them say, not what two rare ones share.
SUPPORT = 0.2


def tokens(text: str, lang: str | None, exclude: frozenset[str] = frozenset()) -> set[str]:
    """The distinct candidate terms of ``text``: folded words, a Turkish suffix after an
    apostrophe dropped ("Lumio'nun" → "lumio"), stop words and ``exclude`` left out."""
    stops = stop_words(lang)
    out = set()
    for m in _WORD.finditer(fold(text)):
        w = m.group(0)
        if "'" in w or "’" in w:
            w = re.split(r"['’]", w, maxsplit=1)[0]
        w = w.strip("._-")
        if len(w) < 2 or w in stops or w in exclude or (w.replace("_", "").isdigit() and len(w) > 4):
            continue
        out.add(w)
    return out


#: The Snowball algorithm per language whose stems are trusted for naming.
_STEMMERS = {"en": "english", "sv": "swedish", "tr": "turkish"}


@functools.cache
def _stemmer(lang: str) -> Callable[[str], str] | None:
    import snowballstemmer

    algorithm = _STEMMERS.get(lang)
    return snowballstemmer.stemmer(algorithm).stemWord if algorithm else None


@functools.lru_cache(maxsize=200_000)
def _term(word: str, lang: str) -> str:
    stem = _stemmer(lang)
    return stem(word) if stem is not None and not any(c.isdigit() for c in word) else word


def stems(words: Iterable[str], lang: str | None) -> dict[str, str]:
    """Each word's term key: its stem where the language has a trusted stemmer, else itself."""
    return {w: _term(w, lang or "") for w in words}


def brand_words(names: Iterable[str]) -> frozenset[str]:
    """The words of a brand's name and aliases ("#lumio", "@lumiohome" included), folded."""
    out: set[str] = set()
    for n in names:
        out |= {w.lstrip("#@") for w in _WORD.findall(fold(n))}
        out.add(fold(n).lstrip("#@"))
    return frozenset(w for w in out if w)


def distinctive_terms(
    docs: Sequence[tuple[K | None, str | None, str]],
    *,
    exclude: frozenset[str] = frozenset(),
    top: int = TOP,
) -> dict[K, dict[str, list[str]]]:
    """Per class and language, its ``top`` most distinctive terms, best first.

    ``docs``: ``(class, lang, text)``; class ``None`` is the background (counted in ``f``,
    never named)."""
    holding: dict[str, Counter[str]] = defaultdict(Counter)  # lang → term → mentions holding it
    per_class: dict[tuple[K, str], Counter[str]] = defaultdict(Counter)
    sizes: Counter[tuple[K | None, str]] = Counter()
    volume: Counter[str] = Counter()  # lang → (mention, term) pairs
    shown: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)  # lang → (term, word) → uses
    for cls, lang, text in docs:
        key = lang or ""
        keyed = stems(tokens(text, lang, exclude), lang)
        shown[key].update(((t, w) for w, t in keyed.items()) if cls is not None else ())
        words = set(keyed.values())
        holding[key].update(words)
        sizes[(cls, key)] += 1
        volume[key] += len(words)
        if cls is not None:
            per_class[(cls, key)].update(words)
    classes_per_lang = Counter(key for (_c, key) in sizes)
    out: dict[K, dict[str, list[str]]] = defaultdict(dict)
    for (cls, key), counts in per_class.items():
        n = sizes[(cls, key)]
        avg = volume[key] / max(1, classes_per_lang[key])  # terms per class, as BERTopic's A
        need = max(2, math.ceil(SUPPORT * n)) if n >= 3 else 1
        scored = [((c / n) * math.log(1.0 + avg / holding[key][t]), t) for t, c in counts.items() if c >= need]
        scored.sort(key=lambda st: (-st[0], st[1]))
        if scored:
            out[cls][key] = [_word(shown[key], t) for _s, t in scored[:top]]
    return dict(out)


def _word(uses: Counter[tuple[str, str]], term: str) -> str:
    """The word a term is shown as: its most used form (the shortest, then first, on a tie)."""
    forms = [(n, w) for (t, w), n in uses.items() if t == term]
    return min(forms, key=lambda nw: (-nw[0], len(nw[1]), nw[1]))[1] if forms else term


def gist(terms: Mapping[str, Sequence[str]], volume_by_lang: Mapping[str, int], n: int = 3) -> str:
    """The English gist: the English terms, else those of the language with most mentions."""
    if terms.get("en"):
        chosen = terms["en"]
    else:
        ranked = sorted((lang for lang in terms if terms[lang]), key=lambda lang: (-volume_by_lang.get(lang, 0), lang))
        chosen = terms[ranked[0]] if ranked else []
    return " / ".join(chosen[:n])


__all__ = ["SUPPORT", "TOP", "brand_words", "distinctive_terms", "gist", "tokens"]
