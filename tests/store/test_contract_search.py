"""Store contract, text search: the mentions listing's text filter through the trigram
index — found and not found, every script's case, the other filters and keyset paging,
retention, hostile queries — SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from monitor._records import Mention
from monitor._search import body, parse_query
from monitor._store import Store, listings, search, searchwalk
from monitor._store.listings import MentionFilter
from monitor._store.tables import MENTION_T as M
from monitor._store.tables import SEARCH_T
from monitor.errors import InvalidArgument
from tests.store.conftest import T0, pred


def found(store: Store, text: str, brand: str | None = None, **filters: object) -> list[str]:
    """External ids of the mentions the listing finds for ``text``, newest first."""
    bid = store.brand_id(brand) if brand else None
    f = MentionFilter(text=text, **filters)  # type: ignore[arg-type]
    return [m.external_id for m in listings.mentions(store.engine, bid, brand, f, 1000)]


@pytest.fixture(params=["index", "walk"])
def cap(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways a search reads: the ids the index found (few hold the words), or the
    listing's own walk checking each row (many do: forced with a cap of 1)."""
    if request.param == "walk":
        monkeypatch.setattr(listings, "SEARCH_CAP", 1)
    return str(request.param)


SCRIPTS = [
    ("en1", "The battery is weak", None, "en"),
    ("en2", "BATTERY life: great", "Weekend review", "en"),
    ("tr1", "İSTANBUL'da mağaza çok güzel", None, "tr"),
    ("tr2", "Istanbul şubesi kapalı", None, "tr"),
    ("tr3", "IŞIK çok zayıf", None, "tr"),
    ("tr4", "ışık yok", None, "tr"),
    ("hy1", "ՀԱՅԱՍՏԱՆՈՒՄ խանութը լավն է", None, "hy"),
    ("hy2", "Հայաստանի առաքումը դանդաղ է", None, "hy"),
    ("bg1", "ТЕЛЕФОНЪТ е добър", None, "bg"),
    ("bg2", "телефон без ъгъл", None, "bg"),
    ("sv1", "Straße och ÅTERKÖP", None, "sv"),
]


def seed_scripts(store: Store) -> None:
    rows = [
        Mention(x, text, title=title, published_at=T0 + timedelta(minutes=i), lang=lang)
        for i, (x, text, title, lang) in enumerate(SCRIPTS)
    ]
    store.add_mentions("Acme", "reviews", rows)


def test_words_are_found_in_any_case_in_every_script(store: Store, cap: str) -> None:
    seed_scripts(store)
    assert found(store, "battery") == ["en2", "en1"]
    assert found(store, "BaTtErY WEAK") == ["en1"]  # every word, any order
    assert found(store, "weak battery") == ["en1"]
    assert found(store, "weekend great") == ["en2"]  # the title counts
    assert found(store, "batt") == ["en2", "en1"]  # inside a longer word
    # Turkish: İ/i and I/ı are one letter to the search, whatever the case
    assert found(store, "istanbul") == ["tr2", "tr1"]
    assert found(store, "İSTANBUL") == ["tr2", "tr1"]
    assert found(store, "ışık") == ["tr4", "tr3"]
    assert found(store, "IŞIK") == ["tr4", "tr3"]
    assert found(store, "MAĞAZA") == ["tr1"]
    # Armenian and Cyrillic (Bulgarian) case folding
    assert found(store, "հայաստան") == ["hy2", "hy1"]
    assert found(store, "ՀԱՅԱՍՏԱՆԻ") == ["hy2"]
    assert found(store, "телефон") == ["bg2", "bg1"]
    assert found(store, "ТЕЛЕФОНЪТ") == ["bg1"]
    assert found(store, "ЪГЪЛ") == ["bg2"]
    assert found(store, "återköp strasse") == ["sv1"]  # Swedish å kept; ß folds to ss
    assert found(store, "aterkop") == []  # accents are not removed


def test_words_found_nowhere_and_short_words(store: Store, cap: str) -> None:
    seed_scripts(store)
    assert found(store, "zzzz-nowhere") == []
    assert found(store, "battery nowhere") == []  # one word missing: no match
    assert found(store, "is") == ["tr2", "tr1", "en1"]  # a short word alone is read row by row
    assert found(store, "is battery") == ["en1"]
    assert found(store, "E") == [x for x, text, title, _ in reversed(SCRIPTS) if "e" in body(title, text)]
    assert found(store, "   ") == found(store, "") == [x for x, *_ in reversed(SCRIPTS)]  # no words: no filter


def test_search_combines_with_the_other_filters_and_pages_by_keyset(store: Store, cap: str) -> None:
    acme, beta = [], []
    for i in range(24):
        lang = ("en", "sv")[i % 2]
        text = f"cable {'broken' if i % 3 == 0 else 'fine'} #{i}"
        m = Mention(f"a{i}", text, published_at=T0 + timedelta(hours=i), lang=lang)
        (acme if i % 4 else beta).append(m)
    a_ids = store.add_mentions("Acme", "reviews", acme).mention_ids
    store.add_mentions("Beta", "reviews", beta)
    store.add_mentions("Acme", "forum", [Mention("other", "no such word", published_at=T0)], source_kind="rss")
    store.add_scores(
        [
            (mid, pred("negative" if "broken" in m.text else "positive"), True)
            for mid, m in zip(a_ids, acme, strict=True)
        ],
        now=T0,
    )
    every = found(store, "cable")
    assert every == [f"a{i}" for i in reversed(range(24))]  # every brand, newest first
    assert found(store, "cable", "Acme") == [f"a{i}" for i in reversed(range(24)) if i % 4]
    assert found(store, "cable", "Acme", lang="sv") == [f"a{i}" for i in reversed(range(24)) if i % 4 and i % 2]
    assert found(store, "cable broken", "Acme", sentiment="negative") == [f"a{i}" for i in (21, 18, 15, 9, 6, 3)]
    assert found(store, "cable", "Acme", sentiment="positive", lang="en") == [f"a{i}" for i in (22, 14, 10, 2)]
    window = {"since": T0 + timedelta(hours=5), "until": T0 + timedelta(hours=9)}
    assert found(store, "cable", None, **window) == ["a8", "a7", "a6", "a5"]
    assert found(store, "cable", "Acme", source="rss") == []
    strongest = found(store, "broken", "Acme", sentiment="negative", strongest=True)
    assert sorted(strongest) == ["a15", "a18", "a21", "a3", "a6", "a9"]
    # keyset paging: pages of 5 cover the matches exactly once, in order
    seen: list[str] = []
    after = None
    while True:
        page = listings.mentions(store.engine, None, None, MentionFilter(text="CABLE", after=after), 5)
        seen += [m.external_id for m in page]
        if len(page) < 5:
            break
        after = listings.parse_cursor(page[-1].cursor)
    assert seen == every


def test_retention_removes_mentions_from_the_index(store: Store) -> None:
    old = [Mention(f"old{i}", f"warranty claim {i}", published_at=T0 - timedelta(days=90 + i)) for i in range(3)]
    new = [Mention(f"new{i}", f"warranty ok {i}", published_at=T0 - timedelta(days=i)) for i in range(2)]
    store.add_mentions("Acme", "reviews", old + new)
    assert len(found(store, "warranty")) == 5
    assert store.apply_retention(30, 365, now=T0)["mentions"] == 3
    assert found(store, "warranty") == ["new0", "new1"]
    assert found(store, "claim") == []
    query = parse_query("warranty")
    assert query is not None
    with store.engine.connect() as conn:
        ids = set(conn.execute(select(M.c.id)).scalars())
        assert set(search.candidates(conn, query, 100) or []) == ids  # the index itself forgot them
        assert conn.execute(select(func.count()).select_from(SEARCH_T)).scalar_one() == len(ids)


HOSTILE = [
    'say "hello" now',
    "a*b wildcard",
    "NEAR(x, y) here",
    "-minus sign",
    "key:value pair",
    "this OR that",
    "50%_off \\backslash",
    "body:battery column",
    "({[ brackets ]})",
    "^caret AND NOT x",
]


#: What a user may type that FTS5 (or LIKE) would read as syntax: each is searched as text.
QUERIES = [
    '"',
    '"hello"',
    "*",
    "a*",
    "NEAR(",
    "NEAR(x,",
    "-",
    "-minus",
    ":",
    "key:",
    "body:battery",
    "OR",
    "this OR",
    "AND NOT",
    "%",
    "_off",
    "50%",
    "\\",
    "({[",
    "^caret",
    '"unbalanced',
    "x\x00y",
    "\ud800",
]


def test_hostile_queries_are_searched_as_text(store: Store, cap: str) -> None:
    rows = [Mention(f"h{i}", t, published_at=T0 + timedelta(minutes=i)) for i, t in enumerate(HOSTILE)]
    store.add_mentions("Acme", "reviews", rows)
    for query in QUERIES:
        parsed = parse_query(query)
        words = parsed.words if parsed else ()
        expected = [f"h{i}" for i in reversed(range(len(HOSTILE))) if all(w in body(None, HOSTILE[i]) for w in words)]
        assert found(store, query) == expected, query
    assert found(store, '"hello"') == ["h0"] and found(store, "NEAR(x,") == ["h2"] and found(store, "50%_") == ["h6"]


def test_a_query_too_long_or_of_too_many_words_is_refused_clearly(store: Store) -> None:
    seed_scripts(store)
    assert found(store, "x" * 200) == []
    with pytest.raises(InvalidArgument, match="201 characters long; at most 200"):
        found(store, "x" * 201)
    with pytest.raises(InvalidArgument, match="11 words; at most 10"):
        found(store, " ".join(f"w{i:02d}" for i in range(11)))


def seed_walk(store: Store) -> list[tuple[str, str, object]]:
    """Two brands, 40 mentions over 20 hours, ties on the hour (two mentions share each time)
    so a budget's edge falls between equal times; returns (external id, text, time)."""
    words = ["ab cd", "xy", "Ab-12", "zz top", "tab", "ÅB"]
    made: dict[str, list[Mention]] = {"Acme": [], "Beta": []}
    for i in range(40):
        brand = "Beta" if i % 5 == 0 else "Acme"
        made[brand].append(Mention(f"w{i}", f"{words[i % len(words)]} {i}", published_at=T0 + timedelta(hours=i // 2)))
    for brand, rows in made.items():
        store.add_mentions(brand, "reviews", rows)
    return [(m.external_id, m.text, m.published_at) for rows in made.values() for m in rows]


def search_all(store: Store, text: str, brand: str | None, limit: int, budget: int | None) -> tuple[list[str], int]:
    """Every match of ``text``, page after page as the dashboard goes (full page: after its
    last row; stopped early: after where the search stopped); and how many calls stopped early."""
    bid = store.brand_id(brand) if brand else None
    seen: list[str] = []
    after, partial = None, 0
    for _ in range(200):
        page = listings.mentions(store.engine, bid, brand, MentionFilter(text=text, after=after), limit, budget)
        assert len(page) <= limit
        seen += [m.external_id for m in page]
        if page.resume_after is not None:
            partial += 1
            assert page.partial and page.searched_to is not None and len(page) < limit
            assert all(m.published_at >= page.searched_to for m in page)  # nothing older than the edge
            after = listings.parse_cursor(page.resume_after)
        elif len(page) == limit:
            after = listings.parse_cursor(page[-1].cursor)
        else:
            assert page.searched_to is None and not page.partial
            return seen, partial
    raise AssertionError("the search never finished")


def expected(store: Store, made: list[tuple[str, str, object]], text: str, brand: str | None) -> list[str]:
    """The matches by Python's own test, newest first (equal times: the larger id first)."""
    with store.engine.connect() as conn:
        ids = {r.external_id: r.id for r in conn.execute(select(M.c.external_id, M.c.id))}
    words = text.casefold().split()
    keep = [(at, ids[x], x) for x, t, at in made if all(w in body(None, t) for w in words)]
    keep = [k for k in keep if brand is None or (int(k[2][1:]) % 5 == 0) == (brand == "Beta")]
    return [x for *_, x in sorted(keep, reverse=True)]  # type: ignore[type-var]


@pytest.mark.parametrize("brand", [None, "Acme"])
@pytest.mark.parametrize(
    ("text", "budget", "limit", "first"), [("ab", 3, 4, 1000), ("B", 9, 10, 2), ("q", 8, 9, 1), ("xy", 1, 2, 1000)]
)
def test_a_short_search_stops_at_its_budget_and_continues_without_gaps(
    store: Store, monkeypatch: pytest.MonkeyPatch, brand: str | None, text: str, budget: int, limit: int, first: int
) -> None:
    monkeypatch.setattr(searchwalk, "FIRST_STEP", first)  # a brand's walk in one step, or a first step and the rest
    monkeypatch.setattr(searchwalk, "_UNION", first)  # the brands' walks in one statement, or one each
    made = seed_walk(store)
    seen, partial = search_all(store, text, brand, limit, budget)
    assert seen == expected(store, made, text, brand)  # exactly the matches, newest first, once each
    assert partial > 0  # the budget was too small to finish in one call
    whole, none_partial = search_all(store, text, brand, 1000, 50_000)
    assert whole == seen and none_partial == 0  # a budget covering every mention: one call, complete


def test_a_search_out_of_time_stops_after_its_step_and_continues(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    made = seed_walk(store)
    monkeypatch.setattr(listings, "SEARCH_SECONDS", 0.0)  # the default budget, but no time for a second step
    monkeypatch.setattr(searchwalk, "FIRST_STEP", 2)
    seen, partial = search_all(store, "ab", "Acme", 5, None)
    assert seen == expected(store, made, "ab", "Acme") and partial >= 10  # 32 mentions, 2 a request
    monkeypatch.setattr(listings, "SEARCH_SECONDS", 60.0)
    assert search_all(store, "ab", "Acme", 5, None) == (seen, 0)  # time enough: steps of 2, 4, 8, … in one call


def test_a_budget_reads_exactly_that_many_mentions_of_the_brand(store: Store) -> None:
    made = seed_walk(store)
    acme = sorted(((at, x) for x, _, at in made if int(x[1:]) % 5), key=lambda k: (k[0], int(k[1][1:])), reverse=True)
    bid = store.brand_id("Acme")
    page = listings.mentions(store.engine, bid, "Acme", MentionFilter(text="q"), 10, 7)  # "q" is nowhere
    assert list(page) == [] and page.searched_to == acme[6][0]  # stopped at the 7th newest mention
    stopped = listings.parse_cursor(page.resume_after or "")
    assert stopped is not None and stopped[0] == acme[6][0]
    with store.engine.connect() as conn:
        assert conn.execute(select(M.c.external_id).where(M.c.id == stopped[1])).scalar_one() == acme[6][1]


def test_a_long_word_in_many_mentions_walks_with_the_budget_too(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    made = seed_walk(store)
    monkeypatch.setattr(listings, "SEARCH_CAP", 2)  # more than 2 hold "top": the index hands over to the walk
    seen, partial = search_all(store, "TOP", None, 2, 4)
    assert seen == expected(store, made, "top", None) and partial > 0
    monkeypatch.setattr(listings, "SEARCH_CAP", 1000)  # few hold it: read by id, exact in one call
    assert search_all(store, "TOP", None, 2, 4) == (seen, 0)


def test_a_short_search_keeps_the_other_filters_and_the_confident_order_reads_everything(store: Store) -> None:
    made = seed_walk(store)
    since = T0 + timedelta(hours=5)
    bid = store.brand_id("Acme")
    page = listings.mentions(store.engine, bid, "Acme", MentionFilter(text="ab", since=since), 100, 3)
    assert page.partial and all(m.published_at >= since for m in page)
    want = [x for x, t, at in made if "ab" in body(None, t) and at >= since and int(x[1:]) % 5]  # type: ignore[operator]
    seen: list[str] = []
    after = None
    while True:
        page = listings.mentions(store.engine, bid, "Acme", MentionFilter(text="ab", since=since, after=after), 100, 3)
        seen += [m.external_id for m in page]
        if not page.partial:
            break
        after = listings.parse_cursor(page.resume_after or "")
    assert sorted(seen) == sorted(want) and len(seen) == len(set(seen))
    with store.engine.connect() as conn:
        ids = list(conn.execute(select(M.c.id)).scalars())
    store.add_scores([(mid, pred("negative"), True) for mid in ids], now=T0)
    f = MentionFilter(text="ab", sentiment="negative", strongest=True)
    strongest = listings.mentions(store.engine, None, None, f, 100, 1)  # most confident first: no budget
    assert not strongest.partial and len(strongest) == len([x for x, t, _ in made if "ab" in body(None, t)])
