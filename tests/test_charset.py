"""Bodies become the right text: header charset passed through, bad bytes repaired locally,
UTF-16 without BOM detected, in-document declarations honoured, non-text said to be wrong."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from monitor._http.charset import decode, decode_body
from monitor._sources.base import get_source
from monitor.errors import ParseError

HY_RU = "Լումիոն շատ լավն է, խորհուրդ եմ տալիս։ Пылесос Лумио отличный, рекомендую всем."
BG = "Прахосмукачката Лумио е отлична, препоръчвам я на всички."


def ld_page(texts: list[str], head: str = "") -> str:
    reviews = [{"@type": "Review", "@id": f"#r{i}", "reviewBody": t} for i, t in enumerate(texts)]
    ld = json.dumps({"@type": "Product", "name": "Lumio", "review": reviews}, ensure_ascii=False)
    return f'<html><head>{head}<script type="application/ld+json">{ld}</script></head><body></body></html>'


def texts(kind: str, body: bytes, content_type: str | None = None) -> list[str]:
    return [m.text for m in get_source(kind).parse(body, "https://shop.example/p", content_type=content_type)]


def test_header_only_windows_1251_bulgarian_review_page() -> None:
    body = ld_page([BG]).encode("cp1251")
    assert texts("reviews", body, "text/html; charset=windows-1251") == [BG]
    # the pure function on the same saved bytes, no header: detection still reads it
    assert texts("reviews", body) == [BG]


def test_one_stray_byte_costs_one_character_not_the_page() -> None:
    raw = HY_RU.encode()
    at = raw.index("Пылесос".encode())
    damaged = raw[:at] + b"\xff" + raw[at:]
    for ctype in (None, "text/plain; charset=utf-8", "text/plain; charset=iso-8859-1"):
        d = decode(damaged, ctype)
        assert d.text == HY_RU[: len(raw[:at].decode())] + "\ufffd" + HY_RU[len(raw[:at].decode()) :]
        assert d.text.count("\ufffd") == 1 and d.replaced == 1 and d.charset == "utf-8"
    page = ld_page([HY_RU]).encode()
    at = page.index("Пылесос".encode())
    [text] = texts("reviews", page[:at] + b"\xff" + page[at:], "text/html; charset=utf-8")
    assert text.replace("\ufffd", "") == HY_RU and text.count("\ufffd") == 1


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_utf16_and_utf32_without_bom_yield_their_mentions(codec: str) -> None:
    body = ld_page(["Lumio is quiet and strong", HY_RU]).encode(codec)
    assert texts("reviews", body, "text/html") == ["Lumio is quiet and strong", HY_RU]
    assert texts("reviews", body, "text/html; charset=utf-8") == ["Lumio is quiet and strong", HY_RU]


def test_shift_jis_and_latin1_declared_only_in_meta() -> None:
    jp = "ルミオの掃除機はとても静かです。"
    body = ld_page([jp], '<meta charset="shift_jis">').encode("shift_jis")
    assert texts("reviews", body, "text/html") == [jp]
    fr = "Très bon aspirateur, qualité supérieure"
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    assert texts("reviews", ld_page([fr], meta).encode("latin-1"), "text/html") == [fr]


def test_xml_declaration_and_header_charset_reach_the_feed_parser() -> None:
    item = "<item><title>Лумио</title><description>{}</description><guid>1</guid></item>"
    feed = f'<rss version="2.0"><channel><title>t</title>{item.format(BG)}</channel></rss>'
    declared = ('<?xml version="1.0" encoding="windows-1251"?>' + feed).encode("cp1251")
    assert texts("rss", declared) == [BG]
    assert texts("rss", feed.encode("cp1251"), "application/rss+xml; charset=windows-1251") == [BG]


def test_json_apis_decode_with_the_header_charset() -> None:
    status = {"id": "1", "content": f"<p>{BG}</p>", "account": {"acct": "u"}}
    body = json.dumps([status], ensure_ascii=False).encode("cp1251")
    assert texts("mastodon", body, "application/json; charset=windows-1251") == [BG]
    assert texts("mastodon", json.dumps([status], ensure_ascii=False).encode("utf-16-le")) == [BG]


def test_a_body_that_is_not_text_is_a_parse_error_not_an_empty_page() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    assert decode(png, "text/html").problem is not None
    with pytest.raises(ParseError, match="not text in any known charset"):
        get_source("reviews").parse(png, "https://shop.example/p", content_type="text/html")


CONTENT_TYPES = st.sampled_from(
    [
        None,
        "text/html",
        "text/html; charset=utf-8",
        "text/html; charset=windows-1251",
        "text/html; charset=iso-8859-1",
        "text/html; charset=utf-16",
        "text/html; charset=shift_jis",
        "text/html; charset=rot13",
        "text/html; charset=nonsense",
        "application/json; charset=UTF-32",
    ]
) | st.text(max_size=40)


@given(body=st.binary(max_size=2000), content_type=CONTENT_TYPES)
@settings(max_examples=300, deadline=None)
@example(body=b"\xff\xfe\x00", content_type=None)  # a UTF-16 BOM on an odd length
@example(body=b"\xef\xbb\xbf\xff", content_type=None)  # a UTF-8 BOM, then a bad byte
@example(body=b"abc", content_type="text/html; charset=rot13")  # not a text encoding
@example(body=b"\x00" * 7, content_type="text/html; charset=utf-16")
def test_decode_body_never_raises(body: bytes, content_type: str | None) -> None:
    text, charset = decode_body(body, content_type)
    assert isinstance(text, str) and charset


plausible_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n\r "), max_size=300
)


@given(text=plausible_text, declared=st.sampled_from([None, "text/html", "text/html; charset=utf-8"]))
@settings(max_examples=300, deadline=None)
@example(text=HY_RU, declared=None)
@example(text="é", declared=None)
@example(text="\ufffd", declared=None)  # a genuine U+FFFD is not a repair
def test_valid_utf8_round_trips(text: str, declared: str | None) -> None:
    assume(not text.startswith("\ufeff"))  # that is a byte-order mark, and is consumed as one
    d = decode(text.encode("utf-8"), declared)
    assert d.text == text and d.replaced == 0 and d.problem is None
