"""MentionIndex: periods, filters, compare, mentions, alerts, pandas."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor import (
    BrandFigures,
    BreakdownRow,
    ConfigError,
    InvalidArgument,
    InvalidLabel,
    Point,
    ResultList,
    RunRecord,
    SourceOverview,
    StorageError,
    UnknownBrand,
)
from monitor._api import MentionIndex
from monitor._records import Mention

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
    from monitor._store.tables import DirtyDay

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


# -- errors: UnknownBrand, InvalidArgument, InvalidLabel ---------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda i: i.satisfaction("Nope"),
        lambda i: i.breakdown("Nope"),
        lambda i: i.compare(["Acme", "Nope"]),
        lambda i: i.mentions("Nope"),
        lambda i: i.alerts("Nope"),
        lambda i: i.snapshots("Nope"),
    ],
)
def test_an_unknown_brand_raises_unknown_brand(idx: MentionIndex, call: Any) -> None:
    with pytest.raises(UnknownBrand, match=r"^unknown brand 'Nope'\. Brands: Acme, Rival$") as exc:
        call(idx)
    assert exc.value.brand == "Nope" and exc.value.known == ("Acme", "Rival")
    assert isinstance(exc.value, ConfigError) and isinstance(exc.value, LookupError)  # old except clauses


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda i: i.satisfaction("Acme", by="year"), "by='year'"),
        (lambda i: i.breakdown("Acme", by="week"), "by='week'"),
        (lambda i: i.satisfaction("Acme", start="2026-13-01"), "start='2026-13-01' is not a date"),
        (lambda i: i.satisfaction("Acme", start=date(2026, 11, 5), end=date(2026, 11, 4)), "end .* is before start"),
        (lambda i: i.snapshots("Acme", end="yesterday"), "end='yesterday' is not a date"),
        (lambda i: i.compare([]), "at least one brand"),
        (lambda i: i.mentions("Acme", order="loudest"), "order='loudest'"),
        (lambda i: i.mentions("Acme", limit=0), "limit must be at least 1"),
        (lambda i: i.mentions("Acme", since="last week"), "since='last week' is not a date"),
        (lambda i: i.alerts("Acme", at=datetime(2026, 11, 5)), "timezone-aware"),
    ],
)
def test_a_bad_argument_raises_invalid_argument(idx: MentionIndex, call: Any, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message) as exc:
        call(idx)
    assert isinstance(exc.value, ConfigError) and isinstance(exc.value, ValueError)  # old except clauses
    assert not isinstance(exc.value, InvalidLabel)


def test_open_refuses_what_is_neither_a_url_nor_a_config(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="neither a database URL nor a config file"):
        MentionIndex.open(str(tmp_path / "missing"))


def test_a_bad_label_raises_invalid_label_everywhere(idx: MentionIndex) -> None:
    mid = idx.mentions("Acme", limit=1)[0].id
    calls = [
        lambda: idx.add_mention(brand="Acme", source="s", external_id="new", text="x", published_at=T0, label="great"),
        lambda: idx.set_label(mid, "great"),
        lambda: idx.store.set_label(mid, "great"),
    ]
    for call in calls:
        with pytest.raises(InvalidLabel, match="label 'great' is not one of negative, neutral, positive") as exc:
            call()
        assert isinstance(exc.value, StorageError) and isinstance(exc.value, InvalidArgument)  # old except clauses
    with pytest.raises(
        InvalidLabel, match="sentiment='great': expected one of negative, neutral, positive or 'unscored'"
    ):
        idx.mentions("Acme", sentiment="great")
    assert idx.mentions("Acme", sentiment="unscored") == []


# -- typed reads -------------------------------------------------------------------------


def test_runs_and_sources_are_typed_records(idx: MentionIndex) -> None:
    rid = idx.store.start_run("collect")
    idx.store.finish_run(rid, "partial", {"new": 3}, ["one source failed"])
    [run] = idx.recent_runs(limit=5, kind="collect")
    assert isinstance(run, RunRecord) and isinstance(idx.recent_runs(), ResultList)
    assert (run.id, run.kind, run.status, run.counts, run.errors) == (
        rid,
        "collect",
        "partial",
        {"new": 3},
        ["one source failed"],
    )
    assert run.finished_at is not None and run.duration_s is not None
    [as_dict] = idx.recent_runs(limit=1).to_dicts()
    assert set(as_dict) == {f.name for f in fields(RunRecord)}
    assert isinstance(as_dict["started_at"], str) and json.dumps(as_dict)

    overview = {s.name: s for s in idx.sources_overview()}
    assert set(overview) == {"hn", "reviews-site"}
    site = overview["reviews-site"]
    assert isinstance(site, SourceOverview) and (site.kind, site.brand, site.status) == ("reviews", None, "never")
    rows = idx.sources_overview().to_dicts()
    assert [r["name"] for r in rows] == ["hn", "reviews-site"] and json.dumps(rows)
    assert set(rows[0]) == {f.name for f in fields(SourceOverview)}


def test_compare_returns_declared_fields(idx: MentionIndex) -> None:
    point_fields = [f.name for f in fields(Point) if f.name != "period_start"]
    assert [f.name for f in fields(BrandFigures)] == ["brand", "share_of_voice", *point_fields]
    assert not hasattr(BrandFigures, "__getattr__")
    res = idx.compare(["Acme", "Rival"], date(2026, 11, 1), date(2026, 11, 30))
    acme = res[0]
    with pytest.raises(AttributeError):
        acme.period_start  # noqa: B018 - a window has no single period start
    assert res.to_dicts()[0] == {
        "brand": "Acme",
        "share_of_voice": pytest.approx(56 / 57),
        **{k: getattr(acme, k) for k in point_fields},
    }


def test_breakdown_rows_unpack_and_convert(idx: MentionIndex) -> None:
    rows = idx.breakdown("Acme", date(2026, 11, 2), date(2026, 11, 15), by="lang")
    assert all(isinstance(r, BreakdownRow) for r in rows)
    key, point = rows[0]
    assert (key, point) == (rows[0].key, rows[0].point) and rows[0] == (key, point)
    assert rows.to_dicts()[0] == {"key": key, **point.to_dict()}
