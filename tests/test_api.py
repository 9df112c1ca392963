"""MentionIndex: periods, filters, compare, mentions, alerts, pandas."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from monitor.api import MentionIndex
from monitor.records import Mention

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def idx(db_url: str) -> MentionIndex:
    idx = MentionIndex.open(db_url)
    items = []
    for d in range(14):
        for j in range(4):
            label = "positive" if j < 2 else ("negative" if d >= 10 and j == 3 else "neutral")
            items.append(
                Mention(
                    f"{d}-{j}",
                    f"day {d} mention {j} about acme",
                    published_at=T0 + timedelta(days=d),
                    lang="sv" if j % 2 else "en",
                    label=label,
                )
            )  # type: ignore[arg-type]
    idx.add_mentions("Acme", "reviews-site", items, source_kind="reviews")
    idx.add_mentions(
        "Rival", "hn", [Mention("x", "rival is ok", published_at=T0, label="positive")], source_kind="hackernews"
    )
    return idx


def test_by_day_week_month_and_all(idx: MentionIndex) -> None:
    days = idx.satisfaction("Acme", date(2026, 11, 2), date(2026, 11, 15), by="day")
    assert len(days) == 14 and all(p.volume == 4 for p in days)
    weeks = idx.satisfaction("Acme", date(2026, 11, 2), date(2026, 11, 15), by="week")
    assert [p.period_start for p in weeks] == [date(2026, 11, 2), date(2026, 11, 9)]
    assert weeks[0].negative == 0 and weeks[1].negative == 4
    month = idx.satisfaction("Acme", date(2026, 11, 1), date(2026, 11, 30), by="month")
    assert len(month) == 1 and month[0].volume == 56 and month[0].msi == pytest.approx(28 / 32)
    everything = idx.satisfaction("Acme", date(2026, 11, 1), date(2026, 11, 30), by=None)
    assert everything[0].period_start == date(2026, 11, 1) and everything[0].low_sample is False


def test_filters_by_source_and_language(idx: MentionIndex) -> None:
    sv = idx.satisfaction("Acme", date(2026, 11, 2), date(2026, 11, 15), by=None, lang="sv")[0]
    assert sv.volume == 28
    assert idx.satisfaction("Acme", date(2026, 11, 2), date(2026, 11, 15), by=None, source="reviews")[0].volume == 56
    assert idx.satisfaction("Acme", date(2026, 11, 2), date(2026, 11, 15), by=None, source="hn")[0].volume == 0
    kinds = dict(idx.breakdown("Acme", date(2026, 11, 2), date(2026, 11, 15), by="lang"))
    assert kinds["en"].volume == 28


def test_compare_share_of_voice(idx: MentionIndex) -> None:
    res = {r.brand: r for r in idx.compare(["Acme", "Rival"], date(2026, 11, 1), date(2026, 11, 30))}
    assert res["Acme"].share_of_voice == pytest.approx(56 / 57)
    assert res["Rival"].msi == 1.0 and res["Rival"].low_sample


def test_mentions_listing(idx: MentionIndex) -> None:
    neg = idx.mentions("Acme", sentiment="negative", limit=50)
    assert len(neg) == 4 and all(m.label == "negative" for m in neg)
    assert neg[0].published_at >= neg[-1].published_at
    assert len(idx.mentions("Acme", lang="sv", since=date(2026, 11, 15), limit=50)) == 2
    df = idx.mentions("Acme", limit=3).to_pandas()
    assert list(df["brand"]) == ["Acme"] * 3


def test_alerts_fire_with_numbers(db_url: str) -> None:
    idx = MentionIndex.open(db_url)
    at = datetime(2026, 11, 20, 12, tzinfo=UTC)
    items = []
    for d in range(1, 8):  # a calm week: 10 mentions a day, 9 positive
        for j in range(10):
            items.append(
                Mention(
                    f"{d}-{j}",
                    f"calm {d} {j} acme",
                    published_at=at - timedelta(days=d, hours=1),
                    label="positive" if j else "negative",
                )
            )
    for j in range(60):  # today: a storm of negatives
        items.append(
            Mention(
                f"s{j}",
                f"storm {j} acme broke",
                published_at=at - timedelta(hours=2),
                label="negative" if j % 6 else "positive",
            )
        )
    idx.add_mentions("Acme", "s", items)
    kinds = {a.kind: a for a in idx.alerts("Acme", at=at)}
    assert set(kinds) == {"msi_below_bar", "msi_drop", "volume_spike", "negative_spike"}
    assert kinds["volume_spike"].numbers["count"] == 60
    assert kinds["volume_spike"].numbers["mean"] == pytest.approx(10)
    assert "60 mentions" in kinds["volume_spike"].message
    assert idx.alerts("Acme", at=at - timedelta(days=3)) == []


def test_snapshot_and_rollup_paths_agree(idx: MentionIndex) -> None:
    from monitor.store.tables import DirtyDay

    args = [("Acme", date(2026, 11, 1), date(2026, 11, 30), by) for by in ("day", "week", None)]
    via_snapshots = [idx.satisfaction(*a[:3], by=a[3]) for a in args]  # type: ignore[arg-type]
    via_snapshots.append(idx.satisfaction("Acme", date(2026, 11, 1), date(2026, 11, 30), by=None, lang="sv"))
    via_snapshots.append(idx.breakdown("Acme", date(2026, 11, 1), date(2026, 11, 30), by="source"))
    with idx.engine.begin() as conn:  # a dirty day in the window forces the rollup path
        conn.execute(DirtyDay.__table__.insert().values(brand_id=idx.store.brand_id("Acme"), day=date(2026, 11, 5)))  # type: ignore[attr-defined]
    via_rollups = [idx.satisfaction(*a[:3], by=a[3]) for a in args]  # type: ignore[arg-type]
    via_rollups.append(idx.satisfaction("Acme", date(2026, 11, 1), date(2026, 11, 30), by=None, lang="sv"))
    via_rollups.append(idx.breakdown("Acme", date(2026, 11, 1), date(2026, 11, 30), by="source"))
    assert via_snapshots == via_rollups
