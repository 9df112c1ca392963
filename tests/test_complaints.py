"""Complaints awaiting an answer: the rule in five languages, the figures, the API (issue 14, part 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from monitor import AnswerState, Complaint, ComplaintFigures, InvalidArgument, ResultList, UnknownBrand
from monitor._api import MentionIndex
from monitor._complaints import (
    ADDRESSED,
    LOW_RATING,
    QUESTION,
    REQUEST,
    BrandNames,
    account_user,
    is_complaint,
    parse_duration,
    reasons,
)
from monitor._config import config_from_dict
from monitor._index.complaints import figures
from monitor._records import Mention
from monitor.errors import ConfigError, UnknownLanguage, UnknownSource

LUMIO = BrandNames.of("Lumio", ["Lumio Home"], ["@LumioHelp@mastodon.social", "u/LumioSupport"])

# -- the rule, language by language -------------------------------------------------------

CASES = [
    # (lang, text, the reasons the rule gives)
    ("en", "Lumio, why does the dock stop charging?", (QUESTION,)),
    ("en", "Please replace my dock, it died after the update", (REQUEST,)),
    ("en", "I want a refund for this Lumio dock", (REQUEST,)),
    ("en", "Lumio your firmware broke my dock", (ADDRESSED,)),
    ("en", "@lumiohelp the dock is dead", (ADDRESSED,)),
    ("en", "The Lumio dock is dead after the update", ()),
    ("en", "Lumio size is all wrong for my desk", ()),  # Turkish "size" (to you) is not English
    ("sv", "Varför laddar inte dockan längre? Lumio", (QUESTION,)),
    ("sv", "Snälla, laga dockan. Den dog efter uppdateringen", (REQUEST,)),
    ("sv", "Jag vill ha återbetalningen nu", (REQUEST,)),
    ("sv", "Lumio, ni har förstört min docka", (ADDRESSED,)),
    ("sv", "Det är för sent för Lumio, dockan är död", ()),  # Turkish "sen" (you) is not Swedish
    ("tr", "Lumio şarj istasyonu neden çalışmıyor?", (QUESTION,)),
    ("tr", "Şarj istasyonu hâlâ çalışmıyor mu", (QUESTION,)),  # the particle, no question mark
    ("tr", "Lütfen şarj istasyonunu değiştirin", (REQUEST,)),
    ("tr", "Paramın iadesini istiyorum", (REQUEST,)),
    ("tr", "Lumio, sizin güncellemeniz cihazımı bozdu", (ADDRESSED,)),
    ("tr", "Lumio şarj istasyonu güncellemeden sonra bozuldu", ()),
    ("bg", "Защо докът спря да зарежда?", (QUESTION,)),
    ("bg", "Докът работи ли изобщо", (QUESTION,)),  # the particle ли
    ("bg", "Моля, сменете дока ми", (REQUEST,)),
    ("bg", "Върнете ми парите за този док", (REQUEST,)),
    ("bg", "Lumio, вие развалихте дока ми", (ADDRESSED,)),
    ("bg", "Докът на Lumio умря след обновлението", ()),
    ("hy", "Ինչու՞ է լիցքավորիչը դադարել աշխատել", (QUESTION,)),  # ՞ over the stressed vowel
    ("hy", "Խնդրում եմ, փոխարինեք լիցքավորիչը", (REQUEST,)),
    ("hy", "Վերադարձրեք իմ գումարս", (REQUEST,)),
    ("hy", "Lumio, դուք փչացրել եք իմ լիցքավորիչը", (ADDRESSED,)),
    ("hy", "Lumio-ի լիցքավորիչը թարմացումից հետո փչացավ", ()),
]


@pytest.mark.parametrize(("lang", "text", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_the_rule_reads_each_language(lang: str, text: str, expected: tuple[str, ...]) -> None:
    assert reasons(text, LUMIO, lang=lang) == expected


def test_every_language_has_a_question_a_request_an_address_and_a_plain_complaint() -> None:
    for lang in ("en", "sv", "tr", "bg", "hy"):
        got = {r for c in CASES if c[0] == lang for r in c[2]}
        assert got == {QUESTION, REQUEST, ADDRESSED}, lang
        assert any(c[0] == lang and c[2] == () for c in CASES), lang


def test_unknown_language_reads_every_language_and_particles_need_their_language() -> None:
    assert reasons("Lütfen yardım edin", LUMIO, lang=None) == (REQUEST,)
    assert reasons("моля", LUMIO, lang="de") == (REQUEST,)
    assert reasons("Çalışmıyor mu", LUMIO, lang=None) == ()  # "mi/mu" is a question only in Turkish
    assert reasons("Lumio, snälla!", LUMIO, lang="en") == ()  # a Swedish text mislabelled English…
    assert reasons("Lumio, please!", LUMIO, lang="sv") == (REQUEST,)  # …but English cues apply everywhere


def test_low_rating_is_at_most_two_stars_of_five() -> None:
    assert reasons("meh", LUMIO, rating_norm=0.0) == (LOW_RATING,)
    assert reasons("meh", LUMIO, rating_norm=0.25) == (LOW_RATING,)  # 2 stars
    assert reasons("meh", LUMIO, rating_norm=0.374) == (LOW_RATING,)
    assert reasons("meh", LUMIO, rating_norm=0.375) == ()  # rounds to 3 stars
    assert reasons("meh", LUMIO, rating_norm=0.5) == ()
    both = reasons("Why?", LUMIO, title="Refund please", rating_norm=0.0)
    assert both == (LOW_RATING, QUESTION, REQUEST)


def test_handles_and_is_complaint() -> None:
    assert [account_user(a) for a in ("@Acme@mastodon.social", "https://h.social/@acme", "u/Acme", "/u/acme")] == [
        "acme"
    ] * 4
    assert LUMIO.handles == ("lumiohelp", "lumiosupport", "lumio", "lumiohome")
    assert reasons("@LumioHome broken", LUMIO, lang="en") == (ADDRESSED,)
    assert reasons("email@lumio.com broken", LUMIO, lang="en") == ()  # an address, not a handle at a word start
    assert is_complaint("negative", (QUESTION,), answered=False)
    assert is_complaint("negative", (), answered=True)  # the brand answered: it asked for one
    assert not is_complaint("negative", (), answered=False)
    assert not is_complaint("neutral", (QUESTION,), answered=True)


def test_durations_and_the_config_target() -> None:
    assert parse_duration("3d") == timedelta(days=3)
    assert parse_duration(" 36h ") == timedelta(hours=36)
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("1w") == timedelta(weeks=1)
    for bad in ("", "3", "3 days", "0d", "-1d", "400d", "1.5d"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert config_from_dict({}).complaints.target == timedelta(days=3)
    assert config_from_dict({"complaints": {"answer_within": "36h"}}).complaints.target == timedelta(hours=36)
    with pytest.raises(ConfigError, match=r"complaints\.answer_within.*'soon' is not a duration"):
        config_from_dict({"complaints": {"answer_within": "soon"}})


# -- the figures (pure) -------------------------------------------------------------------

AT = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


@dataclass(frozen=True)
class W:
    brand: str
    source: str
    published_at: datetime
    answered_at: datetime | None = None


def test_figures_as_of_an_instant() -> None:
    items = [
        W("A", "s1", AT - 100 * H),  # open, overdue (100 h > 72 h)
        W("A", "s1", AT - 10 * H),  # open, still within the target: not due
        W("A", "s1", AT - 50 * H, AT - 40 * H),  # answered in 10 h
        W("A", "s2", AT - 200 * H, AT - 100 * H),  # answered in 100 h: late
        W("A", "s2", AT - 30 * H, AT + H),  # answered after AT: open as of AT
        W("A", "s2", AT + H),  # published after AT: not yet a complaint
        W("B", "s1", AT - 5 * H, AT - 6 * H),  # answer stamped before the mention: 0
    ]
    out = {(f.brand, f.source): f for f in figures(items, AT, timedelta(days=3))}
    assert list(out) == [("A", None), ("A", "s1"), ("A", "s2"), ("B", None), ("B", "s1")]
    a = out[("A", None)]
    assert (a.complaints, a.open, a.answered, a.overdue, a.due, a.answered_in_time) == (5, 3, 2, 1, 3, 1)
    assert a.oldest_open_s == 100 * 3600
    assert a.answered_in_time_share == pytest.approx(1 / 3)
    assert a.median_response_s == (10 + 100) / 2 * 3600
    s1 = out[("A", "s1")]
    assert (s1.open, s1.overdue, s1.due, s1.answered_in_time_share) == (2, 1, 2, 0.5)
    s2 = out[("A", "s2")]
    assert (s2.open, s2.answered, s2.overdue, s2.oldest_open_s) == (1, 1, 0, 30 * 3600)
    assert s2.answered_in_time_share == 0.0
    b = out[("B", None)]
    assert b.median_response_s == 0 and b.answered_in_time_share == 1.0 and b.oldest_open_s is None
    # a day later the in-target complaint is overdue too, and the late answer exists
    later = {(f.brand, f.source): f for f in figures(items, AT + 24 * H, timedelta(days=3))}
    assert later[("A", "s1")].overdue == 1 and later[("A", "s2")].answered == 2
    assert figures([], AT, timedelta(days=3)) == []


# -- the API ------------------------------------------------------------------------------

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def idx(db_url: str) -> MentionIndex:
    cfg = config_from_dict(
        {
            "database_url": db_url,
            "brands": [
                {"name": "Lumio", "aliases": ["Lumio"], "accounts": ["@LumioHelp"]},
                {"name": "Rival"},
            ],
            "complaints": {"answer_within": "2d"},
        }
    )
    index = MentionIndex.open(cfg)
    texts = [
        ("q-en", "Lumio, why does your dock stop charging?", "en", "negative", None),
        ("plain-en", "The Lumio dock is dead", "en", "negative", None),
        ("req-sv", "Snälla Lumio, laga dockan", "sv", "negative", None),
        ("q-tr", "Lumio şarj istasyonu neden çalışmıyor?", "tr", "negative", None),
        ("req-bg", "Моля, върнете ми парите", "bg", "negative", None),
        ("q-hy", "Ինչու՞ չի աշխատում", "hy", "negative", None),
        ("happy", "Lumio, do you ship to Norway? Love it", "en", "positive", None),
        ("review", "Dock died", "en", "negative", 2.0),
    ]
    index.add_mentions(
        "Lumio",
        "masto",
        [
            Mention(
                ext,
                text,
                published_at=T0 + i * H,
                lang=lang,
                label=label,  # type: ignore[arg-type]
                rating=rating,
                rating_scale=(1, 5) if rating else None,
            )
            for i, (ext, text, lang, label, rating) in enumerate(texts)
        ],
        source_kind="mastodon",
    )
    rival = [Mention("r1", "Rival, refund please", published_at=T0, label="negative")]
    index.add_mentions("Rival", "shop", rival, source_kind="reviews")
    index.clock = lambda: T0 + timedelta(days=3)
    return index


def ids(index: MentionIndex, rows: ResultList[Complaint]) -> list[str]:
    by_id = {m.id: m.external_id for b in index.brands() for m in index.mentions(b, limit=100)}
    return [by_id[c.id] for c in rows]


def test_open_complaints_with_their_age(idx: MentionIndex) -> None:
    got = idx.complaints("Lumio")
    assert ids(idx, got) == ["review", "q-hy", "req-bg", "q-tr", "req-sv", "q-en"]  # newest first
    assert isinstance(got, ResultList) and all(isinstance(c, Complaint) for c in got)
    first = got[-1]
    assert first.reasons == ("question", "addressed") and first.age_s == 72 * 3600 and first.overdue
    assert got[0].reasons == ("low rating",) and got[0].age_s == (72 - 7) * 3600
    assert ids(idx, idx.complaints("Lumio", order="oldest"))[0] == "q-en"
    # r1 and q-en share an instant: the later id first
    assert ids(idx, idx.complaints()) == ["review", "q-hy", "req-bg", "q-tr", "req-sv", "r1", "q-en"]
    # ageing with the injected clock: a day earlier, only those older than 2 days are overdue
    idx.clock = lambda: T0 + timedelta(days=2, hours=4)  # req-bg (T0 + 4 h) is exactly 2 days old: not late yet
    assert [c.overdue for c in idx.complaints("Lumio", order="oldest")] == [True, True, True, False, False, False]
    # as of an instant before some were published, those do not exist yet
    assert ids(idx, idx.complaints("Lumio", at=T0 + 2.5 * H)) == ["req-sv", "q-en"]


def test_filters_and_keyset_pages(idx: MentionIndex) -> None:
    assert ids(idx, idx.complaints("Lumio", lang="sv")) == ["req-sv"]
    assert ids(idx, idx.complaints(source="reviews")) == ["r1"]
    assert ids(idx, idx.complaints("Lumio", since=(T0 + 4 * H).isoformat())) == ["review", "q-hy", "req-bg"]
    assert idx.complaints("Lumio", since="2026-12-05") == []
    pages, after = [], None
    while True:
        page = idx.complaints("Lumio", limit=4, after=after, order="oldest")
        pages.append(ids(idx, page))
        if len(page) < 4:
            break
        after = page[-1].cursor
    assert pages == [["q-en", "req-sv", "q-tr", "req-bg"], ["q-hy", "review"]]


def test_mark_answered_and_the_figures(idx: MentionIndex) -> None:
    oldest = idx.complaints("Lumio", order="oldest")
    q_en, req_sv = (next(c for c in oldest if c.lang == lang) for lang in ("en", "sv"))
    state = idx.mark_answered(q_en.id, by="ana", at=T0 + 5 * H)
    assert state == AnswerState(q_en.id, T0 + 5 * H, "ana", changed=True)
    assert idx.mark_answered(q_en.id, by="bo", at=T0 + 9 * H).changed is False  # the earlier answer stays
    assert idx.mark_answered(q_en.id, by="bo", at=T0 + 4 * H).answered_by == "bo"  # an earlier one wins
    idx.mark_answered(req_sv.id, by="cli")  # now: 3 days after T0, later than the 2-day target
    answered = idx.complaints("Lumio", status="answered")
    assert {c.id: (c.answered_by, c.response_s) for c in answered} == {
        q_en.id: ("bo", 4 * 3600),
        req_sv.id: ("cli", (72 - 2) * 3600),
    }
    assert len(idx.complaints("Lumio", status="all")) == 6 and len(idx.complaints("Lumio")) == 4
    figs = {(f.brand, f.source): f for f in idx.complaint_figures()}
    assert all(isinstance(f, ComplaintFigures) for f in figs.values())
    lumio = figs[("Lumio", None)]
    assert (lumio.complaints, lumio.open, lumio.answered, lumio.due, lumio.answered_in_time) == (6, 4, 2, 6, 1)
    assert lumio.answered_in_time_share == pytest.approx(1 / 6)
    assert lumio.median_response_s == (4 + 70) / 2 * 3600 and lumio.target_s == 2 * 86400
    assert lumio.oldest_open_s == (72 - 3) * 3600  # q-tr, published at T0 + 3 h
    assert figs[("Lumio", "masto")].complaints == 6 and figs[("Rival", "shop")].open == 1
    assert [f.brand for f in idx.complaint_figures("Rival")] == ["Rival", "Rival"]
    # as of an instant before the answers, both were open
    before = idx.complaint_figures("Lumio", at=T0 + 8 * H)[0]
    assert before.answered == 1 and before.open == 5  # q-en's answer (T0 + 4 h) existed then
    # un-mark: open again; a plain negative mention marked answered becomes a complaint
    assert idx.unmark_answered(req_sv.id) == AnswerState(req_sv.id, None, None, changed=True)
    plain = next(m for m in idx.mentions("Lumio", limit=100) if m.external_id == "plain-en")
    assert idx.complaint(plain.id) is None
    idx.mark_answered(plain.id, by="ana", at=T0 + 2 * H)
    got = idx.complaint(plain.id)
    assert got is not None and got.reasons == () and got.response_s == 3600
    df = idx.complaints("Lumio", status="all").to_pandas()
    assert {"id", "brand", "source", "reasons", "age_s", "answered_at", "response_s", "overdue"} <= set(df.columns)


def test_a_complaint_relabelled_positive_is_no_complaint(idx: MentionIndex) -> None:
    c = idx.complaints("Lumio")[0]
    idx.relabel([c.id], "positive", by="ana")
    assert c.id not in {x.id for x in idx.complaints("Lumio", status="all")}


def test_the_brands_own_words_are_no_complaint(idx: MentionIndex) -> None:
    own = Mention("own", "Sorry! Could you DM us, please?", author="@LumioHelp", published_at=T0, label="negative")
    other = Mention("other", "Could you DM me, please?", author="someone", published_at=T0, label="negative")
    idx.add_mentions("Lumio", "masto", [own, other])
    texts = {c.text for c in idx.complaints("Lumio")}
    assert other.text in texts and own.text not in texts


def test_bad_arguments_get_clear_errors(idx: MentionIndex) -> None:
    with pytest.raises(UnknownBrand, match="did you mean 'Lumio'"):
        idx.complaints("Lumo")
    with pytest.raises(InvalidArgument, match=r"status='opne'.*did you mean 'open'"):
        idx.complaints(status="opne")
    with pytest.raises(InvalidArgument, match=r"order='old'.*did you mean 'oldest'"):
        idx.complaints(order="old")
    with pytest.raises(UnknownSource, match="did you mean 'masto'"):
        idx.complaints(source="mast")
    with pytest.raises(UnknownLanguage):
        idx.complaints(lang="swedish")
    with pytest.raises(InvalidArgument, match="not a complaint's cursor"):
        idx.complaints(after="yesterday")
    with pytest.raises(InvalidArgument, match="timezone-aware"):
        idx.complaints(at=datetime(2026, 12, 1))
    with pytest.raises(InvalidArgument, match="no mention with id 999"):
        idx.mark_answered(999)
    with pytest.raises(InvalidArgument, match="no mention with id 999"):
        idx.unmark_answered(999)
    c = idx.complaints("Lumio")[-1]
    with pytest.raises(InvalidArgument, match="cannot come before it"):
        idx.mark_answered(c.id, at=c.published_at - H)
    with pytest.raises(InvalidArgument, match="in the future"):
        idx.mark_answered(c.id, at=T0 + timedelta(days=9))
    with pytest.raises(InvalidArgument, match="kept for the brand's replies"):
        idx.mark_answered(c.id, by="source")
    assert idx.complaint(c.id) is not None and idx.complaint(c.id).answered_at is None  # type: ignore[union-attr]


def test_the_brands_replies_mark_answered_on_both_databases(idx: MentionIndex) -> None:
    from monitor._records import BrandReply

    long = "Lumio, why does the new dock stop charging every single night after the firmware update?"
    idx.add_mentions("Lumio", "masto", [Mention("dup-1", long, published_at=T0, label="negative")])
    res = idx.add_mentions("Lumio", "forum", [Mention("dup-2", long, published_at=T0, label="negative")])
    assert res.sightings == 1  # the same words at another source: a sighting of the first
    reply_at = T0 + 2 * H
    replies = [
        BrandReply("q-en", "Lumio", reply_at),
        BrandReply("q-tr", "Rival", reply_at),  # another brand's account: not Lumio's answer
        BrandReply("nowhere", "Lumio", reply_at),
        BrandReply("dup-2", "Lumio", reply_at),  # answered at the forum, where it was sighted
    ]
    assert idx.store.mark_replied("masto", replies) == 1
    assert idx.store.mark_replied("forum", replies) == 1
    assert idx.store.mark_replied("masto", replies) == 0  # seen again: nothing changes
    answered = {c.text: (c.answered_at, c.answered_by) for c in idx.complaints("Lumio", status="answered")}
    assert answered == {
        "Lumio, why does your dock stop charging?": (reply_at, "source"),
        long: (reply_at, "source"),
    }
