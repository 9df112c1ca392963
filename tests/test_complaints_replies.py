"""A reply from the brand's own account marks a complaint answered: on the recorded Reddit,
YouTube and Mastodon responses in ../shared/fixtures, and through a real collection run.

(The recorded App Store feed carries no developer responses — Apple's public reviews feed
has none — so the ``appstore`` source cannot see them.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from monitor._api import MentionIndex
from monitor._collect import collect
from monitor._config import Secrets, config_from_dict
from monitor._records import BrandReply, Mention
from monitor._replies import BrandAccounts, brand_replies, home_of, normalise
from monitor._sources import mastodon, reddit, youtube

try:
    from test_http_localserver import Handler, LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import Handler, LocalServer, Reply

pytestmark = pytest.mark.shared

FIX = Path(os.environ.get("MONITOR_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared")) / "fixtures"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def body(rel: str) -> bytes:
    path = FIX / rel
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path.read_bytes()


def at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


# The thread's comments by u/avboden and the comments they answer (parent, reply time).
AVBODEN = {
    "t1_cu5tgzu": at(1439816644),
    "t1_cu5tnfu": at(1439817132),
    "t1_cu5ui8o": at(1439818777),  # "what's the name of the song he's playing?" → "Darude, Sandstorm."
    "t1_cu603ef": at(1439830634),
}


def test_reddit_thread_replies_by_the_brand_account() -> None:
    ms = reddit.parse(body("social-json/reddit_comments_thread_3hahrw_with_more.json"), "https://www.reddit.com/x")
    by_id = {m.external_id: m for m in ms}
    assert by_id["t1_cu5uj5q"].reply_to == "t1_cu5ui8o" and by_id["t3_3hahrw"].reply_to is None
    assert by_id["t1_cu5pebp"].reply_to == "t3_3hahrw"  # a top-level comment answers the post
    accounts = BrandAccounts.of({"Drums": ["u/AvBoden"], "Other": ["u/nobody"]})
    got = brand_replies(ms, accounts, home=None, now=NOW)
    assert {r.parent: r.at for r in got} == AVBODEN and {r.brand for r in got} == {"Drums"}
    assert brand_replies(ms, BrandAccounts.of({"Drums": []}), home=None, now=NOW) == []


def test_youtube_replies_from_the_brand_channel_and_the_earliest_answer_wins(tmp_path: Path) -> None:
    ms = youtube.parse(body("social-json/youtube_comments_by_parent_page1.json"), "https://yt/comments")
    parent = "Ugw5zYU6n9pmIgAZWvN4AaABAg"
    assert {m.reply_to for m in ms} == {parent} and {m.author_id for m in ms} == {"UCNvMBmCASzTNNX8lW3JRMbw"}
    accounts = BrandAccounts.of({"Acme": ["UCNvMBmCASzTNNX8lW3JRMbw"]})
    replies = brand_replies(ms, accounts, home=None, now=NOW)
    first = datetime(2019, 12, 1, 4, 46, 20, tzinfo=UTC)
    assert sorted(r.at for r in replies) == [first, datetime(2019, 12, 1, 4, 46, 31, tzinfo=UTC)]
    assert brand_replies(ms, BrandAccounts.of({"Acme": ["kun liu2"]}), home=None, now=NOW) == []
    with MentionIndex.open(f"sqlite:///{tmp_path / 'm.db'}") as idx:
        published = datetime(2019, 12, 1, 4, 0, tzinfo=UTC)
        mid = idx.add_mention(
            brand="Acme", source="yt", external_id=parent, text="Why?", published_at=published, label="negative"
        )
        idx.mark_answered(mid, by="ana", at=datetime(2019, 12, 1, 5, 0, tzinfo=UTC))
        assert idx.store.mark_replied("yt", list(reversed(replies))) == 1  # the reply came before ana's note
        c = idx.complaint(mid, at=NOW)
        assert c is not None and (c.answered_at, c.answered_by, c.response_s) == (first, "source", 46 * 60 + 20)
        assert idx.store.mark_replied("yt", replies) == 0  # seen again: nothing changes
        assert idx.store.mark_replied("other-source", replies) == 0  # another source's ids are other items
        assert idx.store.mark_replied("yt", [BrandReply(parent, "Rival", first)]) == 0  # not Rival's mention


def cassette_page(n: int) -> bytes:
    pages = yaml.safe_load(body("cassettes/mastodon_social_tag_ichbinhanna_4pages_maxid_paging.vcr.yml"))
    return str(pages["http_interactions"][n]["response"]["body"]["string"]).encode()


def test_mastodon_reply_by_account_url_or_handle(tmp_path: Path) -> None:
    ms = mastodon.parse(cassette_page(2), "https://mastodon.social/api/v1/timelines/tag/ichbinhanna")
    reply_at = datetime(2025, 4, 1, 16, 21, 21, tzinfo=UTC)
    for account in ("https://nfdi.social/@nfdi4culture", "@NFDI4Culture@nfdi.social"):
        got = brand_replies(ms, BrandAccounts.of({"NFDI": [account]}), home="mastodon.social", now=NOW)
        assert BrandReply("114252113192392999", "NFDI", reply_at) in got, account
    # a local account (no instance in its acct) is the source's instance's
    local = Mention("2", "Sorry!", author="acme", reply_to="1", published_at=reply_at)
    assert brand_replies([local], BrandAccounts.of({"A": ["acme@mastodon.social"]}), home="mastodon.social", now=NOW)
    assert not brand_replies([local], BrandAccounts.of({"A": ["acme@other.social"]}), home="mastodon.social", now=NOW)
    assert home_of("https://Mastodon.Social/") == "mastodon.social" and home_of(None) is None
    assert normalise("https://nfdi.social/@X/") == "https://nfdi.social/@x" and normalise("@A@b.c") == "a@b.c"
    with MentionIndex.open(f"sqlite:///{tmp_path / 'm.db'}") as idx:
        parent = next(m for m in ms if m.external_id == "114252113192392999")
        idx.add_mentions("NFDI", "masto", [parent], source_kind="mastodon")
        replies = brand_replies(ms, BrandAccounts.of({"NFDI": ["@nfdi4culture@nfdi.social"]}), home=None, now=NOW)
        assert idx.store.mark_replied("masto", replies) == 1


# -- through a collection run over loopback HTTP ------------------------------------------


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def test_a_collection_run_marks_the_answered_complaints(server: LocalServer, tmp_path: Path) -> None:
    thread = body("social-json/reddit_comments_thread_3hahrw_with_more.json")

    def route(h: Handler) -> Reply:
        return Reply(body=thread.decode(), headers={"Content-Type": "application/json"})

    server.routes["/r/funny/comments.json"] = route
    cfg = config_from_dict(
        {
            "database_url": f"sqlite:///{tmp_path / 'm.db'}",
            "brands": [{"name": "Drums", "accounts": ["u/avboden"]}, {"name": "Tuba", "accounts": ["u/kalitarios"]}],
            "sources": [
                {
                    "name": "funny",
                    "kind": "reddit",
                    "brand": "Drums",
                    "url": server.base,
                    "options": {"subreddit": "funny", "listing": "comments"},
                }
            ],
            "http": {"contact": "t@example.com", "min_interval_s": 0, "retries": 0, "allow_private_addresses": True},
        }
    )
    with MentionIndex.open(cfg) as idx:
        report = collect(cfg, idx, secrets=Secrets(_env_file=None))
        assert report.sources[0].status == "ok" and report.sources[0].new > 200
        ids = {m.external_id: m.id for m in idx.mentions("Drums", limit=1000)}
        question = ids["t1_cu5ui8o"]
        idx.relabel([question, ids["t1_cu5x3k9"]], "negative", by="ana")  # no model here: a person's labels
        as_of = datetime(2015, 8, 20, tzinfo=UTC)
        c = idx.complaint(question, at=as_of)
        assert c is not None and c.reasons == ("question",)
        assert (c.answered_at, c.answered_by, c.response_s) == (AVBODEN["t1_cu5ui8o"], "source", 53)
        answered = idx.complaints("Drums", status="answered", since="2015-08-01", at=as_of)
        assert [x.id for x in answered] == [question]
        # the other relabelled comment has no reply from the brand and no cue: not a complaint
        assert idx.complaint(ids["t1_cu5x3k9"], at=as_of) is None
        # kalitarios's account is Tuba's, and the source is bound to Drums: no answer from Tuba
        assert idx.complaints("Drums", status="all", since="2015-08-01", at=as_of) == answered
        assert json.loads(json.dumps(answered.to_dicts()))[0]["answered_by"] == "source"
