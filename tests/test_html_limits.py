"""Parse cost is bounded: deeply nested pages are refused with a reason, nested items are
read in time linear in the page (``html`` and ``reviews`` kinds, and markup in text)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from monitor._collect import collect
from monitor._config import Secrets, config_from_dict
from monitor._sources import html as html_kind
from monitor._sources import reviews
from monitor._sources._markup import MAX_DEPTH, check_markup
from monitor._sources._text import html_to_text
from monitor.errors import ParseError

try:
    from test_http_localserver import LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import LocalServer, Reply

OPTS = {"item": "div.r", "text": "p", "title": "h3", "author": ".a", "rating": ".s", "date": "time", "next": "a.n"}


def nested_items(n: int) -> str:
    return "<html><body>" + '<div class="r"><p>x</p>' * n + "</div>" * n + "</body></html>"


def seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def test_80k_nested_items_are_refused_at_once_with_the_reason() -> None:
    page = nested_items(80_000)  # before: 42 s of parsing, stalling every other source
    start = time.perf_counter()
    with pytest.raises(ParseError, match=f"nested more than {MAX_DEPTH} deep"):
        html_kind.parse(page, "https://shop.example/r", OPTS)
    assert time.perf_counter() - start < 5


def test_nested_microdata_reviews_are_refused_too() -> None:
    review = '<div itemscope itemtype="https://schema.org/Review" itemprop="review"><p itemprop="reviewBody">x</p>'
    page = "<html><body>" + review * 80_000 + "</div>" * 80_000 + "</body></html>"
    with pytest.raises(ParseError, match="nested more than"):
        reviews.parse(page, "https://shop.example/r")


def nested_replies(depth: int, spans: int) -> str:
    """Reviews whose replies nest inside their body, the innermost carrying a long text."""
    payload = "<span>w </span>" * spans
    opening = "".join(f'<div class="r"><div class="b">review {i} ' for i in range(depth))
    return "<html><body>" + opening + payload + "</div></div>" * depth + "</body></html>"


def test_nested_items_cost_does_not_grow_with_their_depth() -> None:
    """Each element is read by one item's selectors, not once per enclosing item."""
    opts = {**OPTS, "text": ".b"}
    shallow, deep = nested_replies(60, 20_000), nested_replies(240, 20_000)  # 480 levels: under the limit
    got = html_kind.parse(deep, "https://shop.example/r", opts)
    assert [m.text for m in got[:2]] == ["review 0", "review 1"] and len(got) == 240
    t_shallow = min(seconds(lambda: html_kind.parse(shallow, "https://shop.example/r", opts)) for _ in range(3))
    t_deep = min(seconds(lambda: html_kind.parse(deep, "https://shop.example/r", opts)) for _ in range(3))
    assert t_deep / t_shallow < 2.0  # before: ~4 (every item read the 20,000 spans again)


def test_nested_items_each_keep_their_own_fields() -> None:
    page = (
        '<div class="r" id="a"><h3>outer</h3><p>outer text</p>'
        '<div class="r" id="b"><h3>inner</h3><p>inner text</p></div></div>'
        '<div class="r" id="c"><div class="r" id="d"><p>only inner words</p></div></div>'
    )
    got = [(m.title, m.text) for m in html_kind.parse(page, "https://shop.example/r", {**OPTS, "id_attr": "id"})]
    # the outer items no longer borrow the inner item's words (c has none of its own)
    assert got == [("outer", "outer text"), ("inner", "inner text"), (None, "only inner words")]


def test_nested_microdata_reviews_are_read_in_linear_time() -> None:
    def page(depth: int) -> str:
        review = (
            '<div itemscope itemtype="https://schema.org/Review" itemprop="review">'
            '<span itemprop="author">a{i}</span><p itemprop="reviewBody">review {i}</p>'
        )
        return "".join(review.format(i=i) for i in range(depth)) + "</div>" * depth

    small, large = page(100), page(400)
    assert len(reviews.parse(large, "https://shop.example/r")) == 400
    t_small = min(seconds(lambda: reviews.parse(small, "https://shop.example/r")) for _ in range(3))
    t_large = min(seconds(lambda: reviews.parse(large, "https://shop.example/r")) for _ in range(3))
    assert t_large / t_small < 8  # 4x the reviews; before: ~16x (each re-read its nested ones)


def test_deep_markup_inside_a_text_field_is_stripped_not_parsed() -> None:
    deep = "<div>" * 60_000 + "Lumio is <b>great</b> &amp; quiet<script>alert(1)</script>"
    start = time.perf_counter()
    assert html_to_text(deep) == "Lumio is great & quiet"
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize(
    "markup",
    [
        "<svg>" + "<path d='M0'/>" * 2_000 + "</svg>",  # self-closed inside SVG
        "<ul>" + "<li>item" * 2_000 + "</ul>",  # optional end tags
        "<div><span>unclosed</div>" * 2_000,  # an end tag closes what it encloses
        "<script>" + "<div>" * 2_000 + "</script>",  # raw text
        "<!--" + "<div>" * 2_000 + "-->",
        "<p><a href=x>one<a href=y>two" * 2_000,  # a new <a> closes the open one
    ],
)
def test_sloppy_but_shallow_markup_is_accepted(markup: str) -> None:
    check_markup(markup, "page")


def test_self_closed_divs_nest_in_html_and_are_counted() -> None:
    with pytest.raises(ParseError, match="nested"):
        check_markup("<div/>" * (MAX_DEPTH + 1), "page")


@pytest.fixture
def site() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        srv.routes["/deep"] = lambda h: Reply(body=nested_items(80_000), headers={"Content-Type": "text/html"})
        srv.routes["/fine"] = lambda h: Reply(
            body='<div class="r"><p>Lumio is quiet</p></div>', headers={"Content-Type": "text/html"}
        )
        yield srv


def test_a_hostile_page_fails_its_source_with_the_reason_and_others_are_stored(
    site: LocalServer, tmp_path: Path
) -> None:
    from monitor._api import MentionIndex

    cfg = config_from_dict(
        {
            "database_url": f"sqlite:///{tmp_path / 'm.db'}",
            "brands": [{"name": "Lumio"}],
            "sources": [
                {"name": name, "kind": "html", "brand": "Lumio", "url": site.url(f"/{name}"), "options": OPTS}
                for name in ("deep", "fine")
            ],
            "http": {"contact": "t@example.com", "min_interval_s": 0, "retries": 0, "allow_private_addresses": True},
        }
    )
    with MentionIndex.open(cfg) as index:
        start = time.perf_counter()
        report = collect(cfg, index, secrets=Secrets(_env_file=None))
        assert time.perf_counter() - start < 10
        by = {s.name: s for s in report.sources}
        assert by["deep"].status == "failed" and f"nested more than {MAX_DEPTH} deep" in (by["deep"].reason or "")
        assert by["fine"].status == "ok" and by["fine"].new == 1
