"""MentionIndex.drivers on a constructed fortnight, in SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from monitor._api import MentionIndex
from monitor._config import config_from_dict
from monitor._index.drivers import DriverReport
from monitor._records import Mention
from monitor.errors import InvalidArgument, UnknownBrand

WEEK1 = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)  # Monday
WEEK2 = WEEK1 + timedelta(days=7)


@pytest.fixture
def idx(db_url: str) -> MentionIndex:
    cfg = config_from_dict(
        {"database_url": db_url, "brands": [{"name": "Lumio"}], "index": {"timezone": "Europe/Stockholm"}}
    )
    index = MentionIndex.open(cfg)
    rows: list[tuple[str, str, str, str, datetime]] = []  # (source, lang, label, text, when)
    for week, start in ((1, WEEK1), (2, WEEK2)):
        for i in range(10):
            rows.append(("shop", "en", "positive", f"w{week} great robot {i}", start + timedelta(hours=i)))
        for i in range(4):
            rows.append(("shop", "en", "negative", f"w{week} late delivery {i}", start + timedelta(hours=i)))
        for i in range(3):
            rows.append(("masto", "sv", "positive", f"w{week} bra {i}", start + timedelta(hours=i)))
    for i in range(16):  # the second week's problem: Swedish negatives on Mastodon
        rows.append(("masto", "sv", "negative", f"dockan laddar inte {i}", WEEK2 + timedelta(hours=30 + i)))
    for source, kind in (("shop", "reviews"), ("masto", "mastodon")):
        index.add_mentions(
            "Lumio",
            source,
            [
                Mention(f"{n}", text, published_at=when, lang=lang, label=label)  # type: ignore[arg-type]
                for n, (src, lang, label, text, when) in enumerate(rows)
                if src == source
            ],
            source_kind=kind,
        )
    return index


def test_the_source_and_language_behind_a_drop(idx: MentionIndex) -> None:
    report = idx.drivers("Lumio", end=date(2026, 11, 29), days=7)
    assert isinstance(report, DriverReport)
    assert (report.before.positive, report.before.negative) == (13, 4)
    assert (report.after.positive, report.after.negative) == (13, 20)
    assert report.msi_change == pytest.approx(100 * (13 / 33 - 13 / 17))
    named = {(d.dimension, d.key): d for d in report.drivers}
    assert named[("source", "mastodon")].share_of_new_negative == pytest.approx(1.0)
    assert named[("lang", "sv")].share_of_new_negative == pytest.approx(1.0)
    assert ("source", "reviews") not in named  # unchanged: not a driver
    assert "100 % of the new negative mentions" in report.headline()
    assert report.headline().startswith("MSI fell 37 points (76 % → 39 %)")
    assert "are in Swedish" in " ".join(report.lines())
    frame = report.to_pandas()
    assert set(frame["key"]) == {"mastodon", "sv"}


def test_a_quiet_week_has_no_driver_and_bad_arguments_are_named(idx: MentionIndex) -> None:
    report = idx.drivers("Lumio", end="2026-11-22", days=7)  # week 1 against an empty week
    assert report.before.total == 0 and report.after.total == 17
    with pytest.raises(InvalidArgument, match="days"):
        idx.drivers("Lumio", days=0)
    with pytest.raises(InvalidArgument, match="limit"):
        idx.drivers("Lumio", limit=0)
    with pytest.raises(UnknownBrand):
        idx.drivers("Lumo")


def test_a_day_against_the_daily_average_of_the_week_before(idx: MentionIndex) -> None:
    report = idx.drivers("Lumio", end=date(2026, 11, 23), days=1, baseline_days=7)
    assert report.before.positive == pytest.approx(13 / 7) and report.before.negative == pytest.approx(4 / 7)
    assert (report.after.positive, report.after.negative) == (13, 4)
    assert report.window == "the day against the daily average of the 7 days before"
    assert report.to_dict()["baseline_days"] == 7
    with pytest.raises(InvalidArgument, match="baseline_days"):
        idx.drivers("Lumio", baseline_days=400)


def test_alerts_carry_their_drivers(idx: MentionIndex) -> None:
    alerts = idx.alerts("Lumio", at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    fired = [a for a in alerts if a.kind != "model_disagrees"]
    assert fired, [a.kind for a in alerts]
    for a in fired:
        assert any("are in Swedish" in line for line in a.drivers), a.drivers
        assert any("come from Mastodon" in line for line in a.drivers), a.drivers
        assert a.to_dict()["drivers"] == list(a.drivers)
    plain = idx.alerts("Lumio", at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC), drivers=False)  # the dashboard's
    assert [(a.kind, a.numbers) for a in plain] == [(a.kind, a.numbers) for a in alerts]
    assert all(a.drivers == () for a in plain)


def test_an_aspect_behind_a_drop_counted_on_the_brand_alone(db_url: str) -> None:
    """Aspect drivers read the brand's own tags in each period (a competitor's move is not
    the brand's), through the pipeline's aspects step (keywords only)."""
    from monitor._pipeline.aspects import aspects_step

    cfg = config_from_dict(
        {
            "database_url": db_url,
            "brands": [{"name": "Lumio"}, {"name": "Brisa"}],
            "index": {"timezone": "Europe/Stockholm"},
            "aspects": {"embedding": False},
        }
    )
    with MentionIndex.open(cfg) as index:
        rows = [("Lumio", "positive", f"great robot {i}", WEEK1 + timedelta(hours=i)) for i in range(10)]
        rows += [("Lumio", "positive", f"great robot again {i}", WEEK2 + timedelta(hours=i)) for i in range(10)]
        rows += [("Lumio", "negative", f"the delivery was late {i}", WEEK2 + timedelta(hours=i)) for i in range(6)]
        rows += [("Brisa", "negative", f"the price is too high {i}", WEEK2 + timedelta(hours=i)) for i in range(9)]
        for brand in ("Lumio", "Brisa"):
            index.add_mentions(
                brand,
                "shop",
                [
                    Mention(f"{brand}{n}", text, published_at=when, lang="en", label=label)  # type: ignore[arg-type]
                    for n, (b, label, text, when) in enumerate(rows)
                    if b == brand
                ],
                source_kind="reviews",
            )
        assert aspects_step(index.store, cfg).status == "ok"
        report = index.drivers("Lumio", end=date(2026, 11, 29), days=7)
        named = {(d.dimension, d.key): d for d in report.drivers}
        delivery = named[("aspect", "delivery")]
        assert (delivery.before.negative, delivery.after.negative) == (0, 6)
        assert delivery.name == "Delivery" and delivery.share_of_new_negative == pytest.approx(1.0)
        assert ("aspect", "price") not in named  # Brisa's price complaints are not Lumio's
