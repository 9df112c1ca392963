"""Drivers of change on a constructed week (pure logic)."""

from __future__ import annotations

import pytest

from monitor._index.drivers import Counts, Segment, explain
from monitor.errors import InvalidArgument


def _week() -> tuple[Counts, Counts, list[Segment]]:
    # Before: a calm week. After: the dock theme's negatives go from 2 to 31.
    themes = [
        Segment("theme", "t1", "dock / charging contacts", Counts(5, 2, 2), Counts(4, 3, 31), ("sv", "hy", "bg")),
        Segment("theme", "t2", "delivery", Counts(10, 3, 6), Counts(11, 2, 9)),
        Segment("theme", "t3", "app", Counts(25, 5, 4), Counts(24, 6, 5)),
    ]
    before = Counts(40, 10, 12)
    after = Counts(39, 11, 45)
    sources = [
        Segment("source", "reddit", "Reddit", Counts(20, 5, 6), Counts(19, 5, 30)),
        Segment("source", "play", "Google Play", Counts(20, 5, 6), Counts(20, 6, 15)),
    ]
    return before, after, themes + sources


def test_the_theme_behind_a_drop_is_named_first_with_its_numbers() -> None:
    before, after, segments = _week()
    report = explain("Lumio", before, after, segments)
    assert report.msi_change == pytest.approx(100 * (39 / 84 - 40 / 52))
    assert report.falling
    top = report.drivers[0]
    assert top.key == "t1"
    # 29 of the 33 new negatives are about the dock.
    assert top.share_of_new_negative == pytest.approx(29 / 33)
    assert top.msi_effect is not None and top.msi_effect < -20
    headline = report.headline()
    assert headline.startswith("MSI fell 30 points (77 % → 46 %)")
    assert "88 % of the new negative mentions are about dock / charging contacts (sv, hy, bg)" in headline
    assert "up from 2 to 31" in headline
    # A source that carries most new negatives is named too; a flat theme is not.
    keys = [d.key for d in report.drivers]
    assert "reddit" in keys and "t3" not in keys


def test_overlapping_aspects_use_the_brand_change_as_denominator() -> None:
    before, after = Counts(10, 0, 10), Counts(10, 0, 30)
    aspects = [
        Segment("aspect", "price", "price", Counts(2, 0, 5), Counts(2, 0, 20)),
        Segment("aspect", "delivery", "delivery", Counts(3, 0, 5), Counts(3, 0, 17)),
    ]
    report = explain("B", before, after, aspects)
    shares = {d.key: d.share_of_new_negative for d in report.drivers}
    assert shares == {"price": pytest.approx(0.75), "delivery": pytest.approx(0.6)}
    assert "talk about price" in report.lines()[0]


def test_a_share_of_new_negatives_never_tops_100_percent() -> None:
    # the dock theme rose by 7 negatives while another theme fell by 2: the net rise is 5,
    # the gross rise 7; dock is 7 of the 7 new negatives, not 140 % of 5
    before, after = Counts(10, 0, 4), Counts(10, 0, 9)
    themes = [
        Segment("theme", "1", "dock", Counts(0, 0, 0), Counts(0, 0, 7)),
        Segment("theme", "2", "price", Counts(5, 0, 4), Counts(5, 0, 2)),
    ]
    aspects = [Segment("aspect", "service", "service", Counts(0, 0, 1), Counts(0, 0, 8))]
    report = explain("B", before, after, [*themes, *aspects])
    shares = {d.key: d.share_of_new_negative for d in report.drivers}
    assert shares["1"] == pytest.approx(1.0) and shares["service"] == pytest.approx(1.0)  # 7 of net 5: capped
    assert all(0 <= (d.share_of_new_negative or 0) <= 1 for d in report.drivers)
    assert "100 % of the new negative mentions are about dock" in report.headline()


def test_a_rise_in_volume_is_explained_by_added_volume() -> None:
    before, after = Counts(10, 10, 0), Counts(30, 40, 0)
    segs = [
        Segment("lang", "sv", "Swedish", Counts(5, 5, 0), Counts(20, 35, 0)),
        Segment("lang", "en", "English", Counts(5, 5, 0), Counts(10, 5, 0)),
    ]
    report = explain("B", before, after, segs)
    assert report.msi_change == 0
    assert report.drivers[0].key == "sv"
    assert report.drivers[0].share_of_added_volume == pytest.approx(45 / 50)
    assert report.headline().startswith("Mentions 20 → 70, MSI 100 %")
    assert "90 % of the added mentions are in Swedish" in report.headline()


def test_no_driver_is_said_plainly_and_bad_dimensions_are_refused() -> None:
    report = explain("B", Counts(10, 0, 10), Counts(10, 0, 10), [])
    assert "no single theme, aspect, source or language" in report.headline()
    assert report.to_dict()["drivers"] == []
    with pytest.raises(InvalidArgument, match="unknown driver dimension"):
        explain("B", Counts(), Counts(), [Segment("colour", "x", "x", Counts(), Counts())])
