"""Fuzzing every kind's ``parse`` with inputs shaped like its format (hypothesis).

Only the project's own exceptions (:class:`MonitorError`, normally ``ParseError``) may
escape, whatever the input; parse never hangs (a deadline per example); whatever it
returns is a list of well-formed :class:`Mention`. The default run is quick (tens of
examples per kind); ``-m slow`` runs the deep variant.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor._records import Mention
from monitor._sources.base import get_source
from monitor.errors import MonitorError

URL = "https://example.com/page"
FAST = settings(
    max_examples=60, deadline=timedelta(seconds=10), suppress_health_check=[HealthCheck.too_slow], derandomize=False
)
DEEP = settings(max_examples=300, deadline=timedelta(seconds=10), suppress_health_check=list(HealthCheck))

# -- hostile scalars and shapes -------------------------------------------------------------

nasty_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "\x00",
            "a\x00b",
            "\u202e\u200b",
            "<script>alert(1)</script>",
            "&amp;&#0;&#x110000;&#xd800;",
            "2024-13-45T99:99:99Z",
            "9999-12-31T23:59:59+14:00",
            "0001-01-01T00:00:00-14:00",
            "1e309",
            "NaN",
            "-0",
            "99999999999999999999",
            "Լումիո Лумио İı",
            "\ud800",  # a lone surrogate, as json.loads gives for "\\ud800"
        ]
    ),
)
scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30, max_value=10**400),
    st.integers(max_value=-(10**30)),
    st.floats(allow_nan=True, allow_infinity=True),
    nasty_text,
)
anything = st.recursive(
    scalar,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(nasty_text, kids, max_size=3),
    max_leaves=8,
)


def shaped(required: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]]) -> Any:
    """A dict with the format's keys, each value plausible or of a wrong type."""
    return st.fixed_dictionaries(
        {k: v | anything for k, v in required.items()}, optional={k: v | anything for k, v in optional.items()}
    )


def deep_nest(depth: int) -> Any:
    """A comment thread ``depth`` replies deep (each level refers to the next once)."""
    inner: Any = {"kind": "Listing", "data": {"children": []}}
    for i in range(depth):
        comment = {"kind": "t1", "data": {"id": str(i), "body": "x", "replies": inner}}
        inner = {"kind": "Listing", "data": {"children": [comment]}}
    return inner


def jsonish(value: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    def dump(v: Any) -> bytes:
        return json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")

    return value.map(dump)


# -- per-kind strategies ---------------------------------------------------------------------

account = shaped({"acct": nasty_text}, {"username": nasty_text, "followers_count": scalar})
status = shaped(
    {"id": st.text(max_size=5) | st.integers(), "content": nasty_text},
    {
        "account": account,
        "created_at": nasty_text,
        "url": nasty_text,
        "language": nasty_text,
        "spoiler_text": nasty_text,
        "tags": st.lists(shaped({"name": nasty_text}, {}), max_size=2),
        "reblog": shaped({"id": nasty_text, "content": nasty_text}, {"account": account}),
        "reblogs_count": scalar,
    },
)
mastodon = jsonish(st.lists(status, max_size=4) | st.fixed_dictionaries({"statuses": st.lists(status, max_size=4)}))

thing_data = shaped(
    {"id": nasty_text},
    {
        "name": nasty_text,
        "title": nasty_text,
        "selftext": nasty_text,
        "body": nasty_text,
        "permalink": nasty_text,
        "created_utc": scalar,
        "author": nasty_text,
        "link_id": nasty_text,
        "link_permalink": nasty_text,
        "score": scalar,
        "children": st.lists(nasty_text, max_size=3),
        "replies": st.just(""),
    },
)
thing = st.fixed_dictionaries(
    {"kind": st.sampled_from(["t1", "t3", "more", "Listing"]) | nasty_text, "data": thing_data}
)
listing = st.fixed_dictionaries(
    {"kind": st.just("Listing"), "data": shaped({"children": st.lists(thing, max_size=4)}, {"after": nasty_text})}
)
reddit = jsonish(listing | st.lists(listing, max_size=2) | st.integers(1, 150).map(deep_nest))

hit = shaped(
    {"objectID": nasty_text},
    {
        "comment_text": nasty_text,
        "story_text": nasty_text,
        "title": nasty_text,
        "story_title": nasty_text,
        "url": nasty_text,
        "author": nasty_text,
        "created_at_i": scalar,
        "created_at": nasty_text,
        "_tags": st.lists(nasty_text, max_size=3),
        "points": scalar,
    },
)
hackernews = jsonish(
    shaped({"hits": st.lists(hit, max_size=4)}, {"page": scalar, "nbPages": scalar})
    | st.lists(st.fixed_dictionaries({"reply": shaped({"hits": st.lists(hit, max_size=3)}, {})}), max_size=2)
)

facet = shaped(
    {"index": shaped({"byteStart": scalar, "byteEnd": scalar}, {})},
    {"features": st.lists(shaped({"$type": st.just("app.bsky.richtext.facet#link"), "uri": nasty_text}, {}))},
)
post = shaped(
    {"uri": st.just("at://did:plc:x/app.bsky.feed.post/abc") | nasty_text, "record": shaped({"text": nasty_text}, {})},
    {
        "author": shaped({"handle": nasty_text}, {"displayName": nasty_text, "did": nasty_text}),
        "indexedAt": nasty_text,
        "likeCount": scalar,
    },
)
post_with_facets = post.flatmap(
    lambda p: st.lists(facet, max_size=3).map(
        lambda fs: {**p, "record": {**p["record"], "facets": fs}} if isinstance(p.get("record"), dict) else p
    )
)
bluesky = jsonish(
    shaped(
        {"posts": st.lists(post_with_facets, max_size=4)},
        {
            "cursor": nasty_text,
            "feed": st.lists(
                shaped({"post": post}, {"reason": shaped({"$type": st.just("x#reasonRepost")}, {"by": account})}),
                max_size=3,
            ),
        },
    )
)

label = st.fixed_dictionaries({"label": nasty_text | scalar})
entry = shaped(
    {"id": label, "im:rating": label},
    {
        "content": label,
        "title": label,
        "author": shaped({"name": label}, {}),
        "updated": label,
        "im:version": label,
        "im:voteCount": label,
        "link": shaped({"attributes": shaped({"href": nasty_text}, {})}, {}),
    },
)
appstore = jsonish(st.fixed_dictionaries({"feed": shaped({"entry": st.lists(entry, max_size=4) | entry}, {})}))

snippet = shaped(
    {"textOriginal": nasty_text},
    {
        "textDisplay": nasty_text,
        "videoId": nasty_text,
        "authorDisplayName": nasty_text,
        "publishedAt": nasty_text,
        "likeCount": scalar,
        "parentId": nasty_text,
        "authorChannelId": shaped({"value": nasty_text}, {}),
    },
)
comment = shaped({"id": nasty_text, "snippet": snippet}, {})
thread = shaped(
    {
        "kind": st.just("youtube#commentThread"),
        "snippet": shaped({"topLevelComment": comment}, {"totalReplyCount": scalar}),
    },
    {"replies": shaped({"comments": st.lists(comment, max_size=2)}, {})},
)
youtube = jsonish(shaped({"items": st.lists(thread | comment, max_size=4)}, {"nextPageToken": nasty_text}))

# markup: random tags and attributes, entities, JSON-LD and microdata fragments
tag_name = st.sampled_from(["div", "p", "span", "a", "time", "h3", "script", "style", "b", "li", "table", "svg", "x-y"])
attr = st.tuples(
    st.sampled_from(["class", "id", "href", "datetime", "itemprop", "itemscope", "itemtype", "content", "lang", "rel"]),
    st.sampled_from(["r", "s", "next", "review", "reviewBody", "https://schema.org/Review", "ratingValue", "5", ""])
    | nasty_text,
)
open_tag = st.tuples(tag_name, st.lists(attr, max_size=3)).map(
    lambda t: "<" + t[0] + "".join(f' {k}="{v.replace(chr(34), "")}"' for k, v in t[1]) + ">"
)
ld_review = shaped(
    {"@type": st.sampled_from(["Review", "Product", "AggregateRating"]) | anything},
    {
        "reviewBody": nasty_text,
        "reviewRating": shaped({"ratingValue": scalar}, {"bestRating": scalar, "worstRating": scalar}),
        "author": anything,
        "datePublished": nasty_text,
        "@id": nasty_text,
        "review": anything,
        "itemReviewed": anything,
    },
)
ld_block = ld_review.map(lambda v: f'<script type="application/ld+json">{json.dumps(v)}</script>')
markup = st.lists(
    open_tag
    | tag_name.map(lambda t: f"</{t}>")
    | nasty_text
    | ld_block
    | st.sampled_from(["&amp;", "&lt;div&gt;", "<!--", "-->", "<![CDATA[", "]]>", "<br/>", "\x00"]),
    max_size=25,
).map("".join)

xml_item = st.tuples(nasty_text, nasty_text, nasty_text, st.sampled_from(["", "&amp;", "&lt;b&gt;x&lt;/b&gt;", "&x;"]))
rss_doc = st.tuples(
    st.sampled_from(
        ["", '<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="windows-1251"?>'],
    ),
    st.sampled_from(["", '<!DOCTYPE r [<!ENTITY x "boom">]>']),
    st.lists(xml_item, max_size=4),
    st.sampled_from(["rss", "atom", "rdf"]),
).map(
    lambda t: (
        t[0]
        + t[1]
        + {
            "rss": '<rss version="2.0"><channel><title>t</title>{}</channel></rss>',
            "atom": '<feed xmlns="http://www.w3.org/2005/Atom">{}</feed>',
            "rdf": '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">{}</rdf:RDF>',
        }[t[3]].format(
            "".join(
                f"<item><title>{a}</title><description>{b}{d}</description><guid>{c}</guid><pubDate>{a}</pubDate></item>"
                for a, b, c, d in t[2]
            )
        )
    )
)

HTML_OPTIONS = st.fixed_dictionaries(
    {"item": st.sampled_from(["div", "div.r", "[itemscope]", "li", "p"])},
    optional={
        "text": st.sampled_from(["p", "span", ".s", "div"]),
        "title": st.sampled_from(["h3", "b"]),
        "author": st.just("a"),
        "date": st.just("time"),
        "date_attr": st.just("datetime"),
        "date_format": st.sampled_from(["%d %B %Y", ["%Y-%m-%d", "%B %d, %Y"]]),
        "rating": st.just(".s"),
        "rating_pattern": st.just(r"(?P<value>\d+(?:[.,]\d+)?)(?: of (?P<best>\d+))?"),
        "rating_divisor": st.sampled_from([10, 0.5]),
        "link": st.just("a"),
        "id_attr": st.just("id"),
        "next": st.just("a[rel=next]"),
    },
)
CONTENT_TYPES = st.sampled_from(
    [None, "text/html", "text/html; charset=utf-8", "text/html; charset=windows-1251", "application/json; charset=x"]
)
ENCODINGS = st.sampled_from(["utf-8", "utf-16-le", "cp1251", "latin-1"])


def encoded(text: st.SearchStrategy[str]) -> st.SearchStrategy[bytes | str]:
    """Text as given, or encoded in a charset (unencodable characters replaced)."""
    return st.one_of(
        text,
        st.tuples(text, ENCODINGS).map(lambda t: t[0].encode(t[1], "replace")),
    )


INPUTS: dict[str, st.SearchStrategy[Any]] = {
    "mastodon": mastodon,
    "reddit": reddit,
    "hackernews": hackernews,
    "bluesky": bluesky,
    "appstore": appstore,
    "youtube": youtube,
    "reviews": encoded(markup),
    "html": encoded(markup),
    "rss": encoded(rss_doc),
}


def check(kind: str, body: bytes | str, options: dict[str, Any] | None, content_type: str | None) -> None:
    try:
        out = get_source(kind).parse(body, URL, options, content_type=content_type)
    except MonitorError:
        return  # the project's own errors are the contract; anything else fails the test
    assert isinstance(out, list)
    for m in out:
        assert isinstance(m, Mention)
        assert isinstance(m.external_id, str) and isinstance(m.text, str)
        assert m.published_at is None or m.published_at.tzinfo is not None


def test_every_kind_is_fuzzed() -> None:
    from monitor._sources.base import kinds

    assert set(INPUTS) == set(kinds())


@pytest.mark.parametrize("kind", sorted(INPUTS))
@FAST
@given(data=st.data())
def test_fuzz_parse(kind: str, data: st.DataObject) -> None:
    body = data.draw(INPUTS[kind], label="body")
    options = data.draw(HTML_OPTIONS, label="options") if kind == "html" else None
    check(kind, body, options, data.draw(CONTENT_TYPES, label="content_type"))


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(INPUTS))
@DEEP
@given(data=st.data())
def test_fuzz_parse_deep(kind: str, data: st.DataObject) -> None:
    body = data.draw(INPUTS[kind], label="body")
    options = data.draw(HTML_OPTIONS, label="options") if kind == "html" else None
    check(kind, body, options, data.draw(CONTENT_TYPES, label="content_type"))
