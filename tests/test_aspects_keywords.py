"""Aspect keywords: word boundaries, prefixes and case folding in every script (pure)."""

from __future__ import annotations

import pytest

from monitor._aspects import DEFAULT_ASPECTS, Aspect, KeywordIndex, keyword_fold, keyword_problem
from monitor._aspects.keywords import compile_keywords

PRICE = Aspect("price", "Price", seeds={}, keywords={"tr": ("fiyat*",), "en": ("price", "€"), "hy": ("թանկ*",)})
SHOP = Aspect("app", "App", seeds={}, keywords={"en": ("web shop", "log in"), "bg": ("сайт*",), "sv": ("appen",)})


def found(aspects: list[Aspect], text: str, lang: str | None) -> tuple[str, ...]:
    return KeywordIndex.of(aspects).matches(text, lang)


@pytest.mark.parametrize(
    ("text", "lang", "hit"),
    [
        ("FİYATLAR çok yüksek", "tr", True),  # dotted capital İ folds to i
        ("FIYATI uygun", "tr", True),  # ASCII capital I (dotless) meets i too
        ("fiyatı", "tr", True),  # dotless ı, a suffix after the prefix
        ("kafiyat", "tr", False),  # not at a word start
        ("Fiyat'ı", "tr", True),  # apostrophe before a suffix
        ("The PRICE is right", "en", True),
        ("priceless", "en", False),  # no '*': the word may not go on
        ("only 29€ now", "en", True),  # a symbol keyword needs no boundary
        ("ԹԱՆԿ է", "hy", True),  # Armenian capitals fold
        ("թա՜նկ է", "hy", True),  # an exclamation mark written inside the word
        ("ինչո՞ւ է թանկը", "hy", True),
        ("անթանկ", "hy", False),
        ("fiyat", "hy", False),  # an Armenian text reads Armenian and English keywords only
        ("fiyat", None, True),  # an unknown language: every language's
    ],
)
def test_price_keywords(text: str, lang: str | None, hit: bool) -> None:
    assert (found([PRICE], text, lang) == ("price",)) is hit


@pytest.mark.parametrize(
    ("text", "lang", "hit"),
    [
        ("their  web\nshop is slow", "en", True),  # whitespace runs fold to one space
        ("the webshop", "en", False),
        ("I can't LOG IN", "en", True),
        ("Сайтът не зарежда", "bg", True),  # Cyrillic case folding, a suffix after the prefix
        ("САЙТА", "bg", True),
        ("уебсайт", "bg", False),
        ("Appen kraschar", "sv", True),
        ("the app is fine", "sv", False),  # English keywords of this aspect: none for 'app'
    ],
)
def test_phrase_and_cyrillic_keywords(text: str, lang: str, hit: bool) -> None:
    assert (found([SHOP], text, lang) == ("app",)) is hit


def test_hits_say_which_keyword_and_keep_aspect_order() -> None:
    idx = KeywordIndex.of([PRICE, SHOP])
    assert idx.hits("fiyatlar ve web shop", "tr") == ["fiyatlar", "web shop"]
    assert idx.matches("nothing here", "en") == ()


def test_folding_drops_armenian_in_word_marks_and_invisible_characters() -> None:
    assert keyword_fold("Ինչո՞ւ ԹԱ՛ՆԿ") == "ինչու թանկ"
    assert keyword_fold("pri\u00adce\u200b") == "price"


@pytest.mark.parametrize(
    ("keyword", "problem"),
    [
        ("", "is empty"),
        ("*", "is empty"),
        ("a*b", "'*' only at its end"),
        ("x" * 81, "longer than 80"),
        ("\u200b", "nothing"),
    ],
)
def test_bad_keywords_are_named(keyword: str, problem: str) -> None:
    said = keyword_problem(keyword)
    assert said is not None and problem in said
    assert compile_keywords([keyword]) is None  # never compiled into a pattern


def test_every_built_in_aspect_speaks_five_languages() -> None:
    assert [a.name for a in DEFAULT_ASPECTS] == [
        "price", "delivery", "quality", "service", "app", "staff", "availability"
    ]  # fmt: skip
    for a in DEFAULT_ASPECTS:
        for lang in ("en", "sv", "tr", "bg", "hy"):
            assert len(a.seeds[lang]) >= 3, (a.name, lang)
            assert len(a.keywords[lang]) >= 5, (a.name, lang)
            assert all(keyword_problem(k) is None for k in a.keywords[lang]), (a.name, lang)
