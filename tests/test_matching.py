"""Brand matching: folding, boundaries in every script, hashtags, exclusions, queries."""

from __future__ import annotations

import contextlib
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from monitor._config import BrandConfig
from monitor._matching import (
    And,
    BrandMatcher,
    Not,
    Or,
    QueryError,
    Term,
    fold,
    match_brands,
    parse_query,
    query_terms,
)

B = BrandMatcher.build


@pytest.mark.parametrize(
    "text",
    [
        "İSTANBUL KART çok iyi",
        "istanbul kart",
        "ISTANBUL KART",
        "Istanbul Kart'ı aldım",
        "#IstanbulKart",
    ],
)
def test_turkish_dotted_and_dotless_i(text: str) -> None:
    assert B("İstanbul Kart").matches(text)


def test_turkish_dotless_brand() -> None:
    m = B("Işık")
    assert m.matches("IŞIK mağazası") and m.matches("ışık") and m.matches("Işık'tan aldım")
    assert not m.matches("ışıklar")  # a longer word is another word
    assert B("Türk Telekom").matches("TÜRK TELEKOM berbat")


def test_cyrillic_and_armenian_case_folding() -> None:
    assert B("Сбер").matches("СБЕР молодцы") and not B("Сбер").matches("сбербанк")
    assert B("Яндекс").matches("я пользуюсь ЯНДЕКС.Такси")
    assert B("Սամսունգ").matches("ՍԱՄՍՈՒՆԳ լավն է")
    assert B("Երեւան").matches("Երևան քաղաքում")  # և folds to եւ
    assert not B("Սամսունգ").matches("Սամսունգը")  # glued suffix: use a prefix query
    assert B("X", query="սամսունգ*").matches("Սամսունգը")


def test_scripts_without_spaces_need_no_boundary() -> None:
    assert B("ソニー").matches("ソニーの新製品はすごい")
    assert B("iPhone").matches("新しいiPhoneが届いた")
    assert B("삼성").matches("삼성은 좋다")
    assert B("ไทย").matches("ประเทศไทยสวย")


def test_word_boundaries_in_latin() -> None:
    apple = B("Apple")
    assert apple.matches("APPLE!") and apple.matches("(apple)") and apple.matches("apple.")
    for text in ["pineapple", "apples", "apple_x", "Apple2", "snapple"]:
        assert not apple.matches(text), text


def test_hashtags_and_handles() -> None:
    acme = B("Acme Corp", aliases=["ACME"])
    assert acme.matches("love #AcmeCorp today") and acme.matches("ping @acme_corp")
    assert acme.matches("@acme@mastodon.social hello") and acme.matches("#acme")
    tagged = B("X", query="#acme")
    assert tagged.matches("so #ACME") and not tagged.matches("acme rocks")
    assert B("X", query="@acmesupport").matches("thanks @AcmeSupport!")


def test_exclusions_mask_or_veto() -> None:
    apple = B("Apple", exclusions=["apple pie", "recipe"])
    assert not apple.matches("I love apple pie")
    assert apple.matches("apple pie while using my Apple watch")
    assert not apple.matches("Apple watch recipe")  # no brand term inside: a veto


def test_boolean_query() -> None:
    q = B("Acme", query='acme AND (widget OR "power drill") AND NOT recall')
    assert q.matches("acme widget") and q.matches("ACME power   drill!")
    assert not q.matches("acme widget recall") and not q.matches("acme")
    assert q.match("acme widget") is not None
    implicit = B("Acme", query="acme widget")
    assert implicit.matches("widget by acme") and not implicit.matches("acme only")


def test_query_parse_errors_are_clear() -> None:
    for bad, where in [
        ("", "empty"),
        ("a AND", "ends"),
        ("(a", "parenthesis"),
        ('"x', "quote"),
        ("a )", "')'"),
        ('""', "empty phrase"),
    ]:
        with pytest.raises(QueryError, match=re.escape(where)):
            parse_query(bad)


def test_config_validates_queries_with_parse_query() -> None:
    from pydantic import ValidationError

    assert BrandConfig(name="A", query="a OR b").query == "a OR b"
    with pytest.raises(ValidationError, match="does not parse"):
        BrandConfig(name="A", query="(a OR b")


def test_from_config_and_match_brands() -> None:
    brands = [
        BrandMatcher.from_config(BrandConfig(name="Volvo", aliases=["#volvocars"])),
        BrandMatcher.from_config(BrandConfig(name="Saab", exclusions=["saab 9-3 parts"])),
    ]
    found = match_brands(brands, "Volvo vs SAAB, which is better?")
    assert [m.brand for m in found] == ["Volvo", "Saab"]
    assert match_brands(brands, "nothing here") == []
    assert [m.brand for m in match_brands(brands, "x", title="#VolvoCars")] == ["Volvo"]


# -- properties ---------------------------------------------------------------------------

LETTERS = st.characters(categories=["Ll", "Lu"], codec="utf-8")
word = st.text(LETTERS, min_size=2, max_size=8)
separator = st.sampled_from([" ", ", ", ". ", "! ", " (", ") ", "\n", " #", " @", "'", "-", "/", "…"])


@given(st.text(max_size=60))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(
    word,
    st.lists(st.tuples(separator, word), max_size=4),
    st.sampled_from([str.upper, str.lower, str.title, str.casefold]),
)
@settings(max_examples=150, deadline=None)
def test_a_standalone_word_always_matches_in_any_case(brand: str, around: list, case: object) -> None:
    assume(fold(brand).strip() and "\u0307" not in fold(brand))
    parts = [f"{sep}{w}" for sep, w in around]
    text = "start " + brand + "".join(parts)
    transformed = case(text)  # type: ignore[operator]
    assume(fold(case(brand)) == fold(brand))  # type: ignore[operator]  # e.g. ß → SS is not reversible
    assert B(brand).matches(transformed)


@given(word, st.text(st.characters(categories=["Ll"], codec="utf-8"), min_size=1, max_size=3))
@settings(max_examples=150, deadline=None)
def test_a_word_glued_to_letters_of_its_script_does_not_match(brand: str, suffix: str) -> None:
    from monitor._matching import _script_key, _unspaced

    assume(not any(_unspaced(c) for c in brand + suffix))
    assume(_script_key(fold(brand)[-1]) == _script_key(fold(suffix)[0]))
    assume(fold(brand) not in fold(suffix))
    assert not B(brand).matches(f"x {brand}{suffix} y")


terms = st.sampled_from(["alpha", "beta", "gamma", "delta"])


def node_strategy() -> st.SearchStrategy:
    leaf = terms.map(Term)
    return st.recursive(
        leaf,
        lambda kids: st.one_of(
            kids.map(Not),
            st.lists(kids, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
            st.lists(kids, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
        ),
        max_leaves=6,
    )


def truth(node: object, present: set[str]) -> bool:
    if isinstance(node, Term):
        return node.text in present
    if isinstance(node, Not):
        return not truth(node.item, present)
    if isinstance(node, And):
        return all(truth(i, present) for i in node.items)
    assert isinstance(node, Or)
    return any(truth(i, present) for i in node.items)


@given(node_strategy(), st.sets(terms))
@settings(max_examples=200, deadline=None)
def test_query_printing_round_trips_and_evaluates_like_boolean_logic(node: object, present: set[str]) -> None:
    text = str(node)
    reparsed = parse_query(text)
    assert str(reparsed) == text
    mention = " ".join(sorted(present)) or "nothing"
    assert B("x", query=text).matches(mention) == truth(node, present)
    assert {t.text for t in query_terms(reparsed)} <= {"alpha", "beta", "gamma", "delta"}


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_parse_query_raises_only_query_error(text: str) -> None:
    with contextlib.suppress(QueryError):
        parse_query(text)
