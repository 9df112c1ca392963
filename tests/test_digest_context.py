"""Gathering the digest's figures from a real MentionIndex (SQLite)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor._api import MentionIndex
from monitor._config import config_from_dict
from monitor._digest.context import build_digest
from monitor._index.periods import day_bounds_utc
from monitor._records import Prediction

TZ = "Europe/Stockholm"
DAY = date(2026, 11, 3)


@pytest.fixture
def idx(tmp_path):
    cfg = config_from_dict(
        {
            "database_url": f"sqlite:///{tmp_path / 'd.db'}",
            "brands": [{"name": "Acme"}, {"name": "Rival"}, {"name": "Quiet"}],
            "index": {"timezone": TZ},
        }
    )
    with MentionIndex.open(cfg) as i:
        yield i


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=ZoneInfo(TZ))


def test_windows_top_mentions_breakdowns_and_voice(idx) -> None:
    # Acme: the digest day has 3 positive, 2 negative (one from a person), 1 neutral.
    rows = [
        ("p1", "Fantastiskt bra", "sv", "positive", 0.95, DAY, 9),
        ("p2", "Çok memnunum", "tr", "positive", 0.80, DAY, 10),
        ("p3", "Love it", "en", "positive", 0.99, DAY, 11),
        ("n1", "Ужасно", "bg", "negative", 0.97, DAY, 12),
        ("u1", "Is it any good?", "en", "neutral", 0.9, DAY, 13),
        ("y1", "Bra igår", "sv", "positive", 0.9, DAY - timedelta(days=1), 9),
        ("old", "Old news", "en", "negative", 0.9, DAY - timedelta(days=20), 9),
        ("late", "Next day", "en", "negative", 0.9, DAY + timedelta(days=1), 0),  # after the day: excluded
    ]
    ids = {}
    for ext, text, lang, _label, _p, day, hour in rows:
        ids[ext] = idx.add_mention(
            brand="Acme",
            source="shop",
            external_id=ext,
            text=text,
            published_at=at(day, hour),
            lang=lang,
            source_kind="reviews",
        )
    scores = []
    for ext, _text, _lang, label, p, _day, _hour in rows:
        probs = {
            "negative": (p, (1 - p) / 2, (1 - p) / 2),
            "positive": ((1 - p) / 2, (1 - p) / 2, p),
            "neutral": ((1 - p) / 2, p, (1 - p) / 2),
        }[label]
        scores.append((ids[ext], Prediction(label, *probs, "m", "1"), True))
    idx.store.add_scores(scores)
    idx.refresh()
    manual = idx.add_mention(
        brand="Acme",
        source="forum",
        external_id="h1",
        text="Person says bad",
        published_at=at(DAY, 14),
        lang="sv",
        label="negative",
        source_kind="rss",
    )
    assert manual
    idx.add_mention(
        brand="Rival",
        source="shop2",
        external_id="r1",
        text="Rival ok",
        published_at=at(DAY, 9),
        lang="en",
        label="positive",
        source_kind="reviews",
    )

    d = build_digest(
        idx, ["Acme"], DAY, tz=TZ, all_brands=["Acme", "Rival"], now=datetime(2026, 11, 4, 7, 0, tzinfo=UTC)
    )
    b = d.brands[0]
    assert (b.today.positive, b.today.negative, b.today.neutral) == (3, 2, 1)
    assert b.today.msi == pytest.approx(3 / 5)
    assert b.today.low_sample is True
    assert b.yesterday.positive == 1
    assert b.week.volume == 7 and b.month.volume == 8
    assert len(b.series) == 30 and b.series[-1].day == DAY and b.series[-1].volume == 6
    assert b.series[-1].week_msi == pytest.approx(4 / 6)
    # Most negative: the person's label (certain) first, then by probability.
    assert [m.excerpt for m in b.most_negative] == ["Person says bad", "Ужасно"]
    assert [m.excerpt for m in b.most_positive] == ["Love it", "Fantastiskt bra", "Çok memnunum"]
    assert b.most_negative[1].lang == "bg"
    assert {r.key for r in b.by_source} == {"reviews", "rss"}
    assert {r.key for r in b.by_lang} == {"sv", "tr", "en", "bg"}
    assert b.share_today == pytest.approx(6 / 7)
    assert [v.brand for v in d.voice] == ["Acme", "Rival"]
    assert d.partial_day is False


def test_empty_day_and_unscored_only_brand(idx) -> None:
    idx.add_mention(brand="Quiet", source="feed", external_id="q1", text="Բարև", published_at=at(DAY, 9), lang="hy")
    idx.add_mention(brand="Quiet", source="feed", external_id="q2", text="Hej", published_at=at(DAY, 10), lang="sv")
    d = build_digest(idx, ["Acme", "Quiet"], DAY, tz=TZ)
    acme, quiet = d.brands
    assert acme.today.volume == 0 and acme.today.msi is None and acme.most_negative == ()
    assert all(p.volume == 0 for p in acme.series)
    assert quiet.today.unscored == 2 and quiet.today.msi is None
    assert quiet.most_negative == () and quiet.most_positive == ()


def test_source_problems_are_listed(idx) -> None:
    idx.sync_config(
        config_from_dict(
            {
                "brands": [{"name": "Acme"}],
                "sources": [
                    {"name": "good", "kind": "rss", "url": "https://a.example/feed"},
                    {"name": "walled", "kind": "reviews", "brand": "Acme", "url": "https://b.example/r"},
                ],
            }
        )
    )
    idx.store.record_source_result("good", "ok")
    idx.store.record_source_result("walled", "blocked", "blocked: HTTP 403 (captcha page)")
    d = build_digest(idx, ["Acme"], DAY, tz=TZ)
    assert [(s.name, s.status, s.reason) for s in d.source_problems] == [
        ("walled", "blocked", "HTTP 403 (captcha page)")
    ]
    assert d.sources_total == 2


def test_day_bounds_follow_the_local_calendar() -> None:
    start, end = day_bounds_utc(date(2026, 3, 29), ZoneInfo(TZ))  # 23-hour day (spring forward)
    assert (end - start) == timedelta(hours=23)
    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
