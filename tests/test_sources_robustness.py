"""Parsers raise nothing but ParseError, whatever the bytes (hypothesis)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor._records import Mention
from monitor._sources.base import get_source, kinds
from monitor.errors import ParseError

HTML_OPTS = {
    "item": "div.r",
    "text": "p",
    "title": "h3",
    "rating": ".s",
    "rating_pattern": r"(\d)",
    "date": "time",
    "date_format": "%d %B %Y",
    "next": "a.next",
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda kids: (
        st.lists(kids, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "kind",
                    "data",
                    "children",
                    "posts",
                    "feed",
                    "items",
                    "entry",
                    "feed",
                    "hits",
                    "statuses",
                    "record",
                    "text",
                    "content",
                    "snippet",
                    "reblog",
                    "after",
                    "cursor",
                    "im:rating",
                    "label",
                    "uri",
                    "created_at",
                    "replies",
                    "@type",
                    "review",
                    "reviewRating",
                ]
            ),
            kids,
            max_size=5,
        )
    ),
    max_leaves=20,
)

markup = st.lists(
    st.sampled_from(
        [
            '<div class="r">',
            "</div>",
            "<p>",
            "</p>",
            '<script type="application/ld+json">',
            "</script>",
            '{"@type":"Review","reviewRating":{"ratingValue":"x"}}',
            "<h3>",
            "<time>",
            '<span class="s">',
            "5",
            "März",
            "<feed>",
            "<entry>",
            "<rss>",
            "<item>",
            "&amp;",
            "\x00",
            "\udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
            "<a class=next href='//x'>",
            "itemscope",
            '<div itemscope itemtype="https://schema.org/Review">',
            '<meta itemprop="ratingValue" content="NaN">',
        ]
    ),
    max_size=30,
).map("".join)


def check(kind: str, body: bytes | str) -> None:
    opts = HTML_OPTS if kind == "html" else None
    try:
        out = get_source(kind).parse(body, "https://example.com/page", opts)
    except ParseError:
        return
    assert isinstance(out, list) and all(isinstance(m, Mention) for m in out)


@pytest.mark.parametrize("kind", kinds())
@given(body=st.binary(max_size=400))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_arbitrary_bytes(kind: str, body: bytes) -> None:
    check(kind, body)


@pytest.mark.parametrize("kind", kinds())
@given(value=json_values)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_arbitrary_json_shapes(kind: str, value: object) -> None:
    check(kind, json.dumps(value).encode())


@pytest.mark.parametrize("kind", ["reviews", "html", "rss"])
@given(text=markup)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_arbitrary_markup(kind: str, text: str) -> None:
    check(kind, text)


def test_deeply_nested_json_is_a_parse_error_not_a_crash() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    for kind in kinds():
        check(kind, deep)


def test_hostile_markup_becomes_plain_text() -> None:
    page = (
        '<script type="application/ld+json">'
        '{"@type":"Review","reviewBody":"<script>alert(1)<\\/script>'
        '<b>Great</b> <img src=x onerror=alert(2)>","author":{"name":"<i>Eve</i>"}}</script>'
    )
    [m] = get_source("reviews").parse(page, "https://example.com/")
    assert m.text == "Great" and m.author == "Eve"


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab \t\n\r\x00\x0b\x1c\x7f\u00a0\u200b\u2003\u3000é")), max_size=30)
    | st.text(max_size=40),
    st.integers(min_value=1, max_value=50),
)
def test_clean_fast_path_equals_the_full_clean(text: str, limit: int) -> None:
    """clean()'s shortcut for already-clean text gives exactly what the full clean gives."""
    from monitor._sources._text import _clean_fully, clean

    assert clean(text, limit) == (_clean_fully(text, limit) if text else "")
