"""What a text search matches (``monitor._search``): the folding text and query share,
and a query's words — pure, no database."""

from __future__ import annotations

import pytest

from monitor._search import MAX_QUERY, MAX_WORDS, body, fold, parse_query
from monitor.errors import InvalidArgument


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("İSTANBUL", "istanbul"),  # dotted capital İ: i, without the combining dot full folding leaves
        ("ISTANBUL", "istanbul"),
        ("IŞIK", "işik"),  # dotless ı and capital I are the same letter to the search
        ("ışık", "işik"),
        ("Işık", "işik"),
        ("ՀԱՅԱՍՏԱՆ", "հայաստան"),  # Armenian capitals
        ("և", "եւ"),  # the Armenian ligature ech-yiwn as its two letters
        ("ТЕЛЕФОНЪТ", "телефонът"),  # Bulgarian Cyrillic
        ("Straße", "strasse"),
        ("ÅTERKÖP", "återköp"),  # accents stay
        ("ﬁne", "fine"),  # compatibility forms
        ("Ｗｉｄｅ", "wide"),
        (" a \n\t b  ", "a b"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_body_is_the_title_and_the_text() -> None:
    assert body("Weekly REVIEW", "Battery\nweak") == "weekly review battery weak"
    assert body(None, "Battery") == body("", "Battery") == "battery"


def test_words_are_folded_distinct_and_longest_first() -> None:
    q = parse_query("Battery  BAT weak battery is")
    assert q is not None
    assert q.words == ("battery", "weak", "is")  # "bat" is inside "battery": it adds nothing
    assert q.indexed == ("battery", "weak")  # two letters cannot use the trigram index
    assert parse_query("   ") is None and parse_query("") is None


def test_syntax_characters_are_words() -> None:
    q = parse_query('"quoted" NEAR(a, b) -x key:v OR *')
    assert q is not None
    assert set(q.words) == {'"quoted"', "near(a,", "b)", "-x", "key:v", "or", "*"}


def test_nul_and_lone_surrogates_cannot_reach_the_database() -> None:
    q = parse_query("ab\x00cd \ud800zz")
    assert q is not None and q.words == ("?zz", "ab", "cd")


def test_limits_are_refused_with_the_numbers() -> None:
    assert parse_query("y" * MAX_QUERY) is not None
    with pytest.raises(InvalidArgument, match=f"{MAX_QUERY + 1} characters long; at most {MAX_QUERY}"):
        parse_query("y" * (MAX_QUERY + 1))
    words = " ".join(f"w{i:02d}" for i in range(MAX_WORDS + 1))
    with pytest.raises(InvalidArgument, match=f"{MAX_WORDS + 1} words; at most {MAX_WORDS}"):
        parse_query(words)
    assert parse_query(" ".join(["same"] * 30)) is not None  # repeated words count once
