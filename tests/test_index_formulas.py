"""Index math against hand-computed cases and properties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor._index import formulas as f
from monitor._index.points import make_point


def test_wilson_known_value() -> None:
    lo, hi = f.wilson_interval(8, 10)  # type: ignore[misc]
    assert lo == pytest.approx(0.4902, abs=1e-4)
    assert hi == pytest.approx(0.9433, abs=1e-4)


def test_wilson_at_zero_and_at_n() -> None:
    lo, hi = f.wilson_interval(0, 10)  # type: ignore[misc]
    assert lo == 0.0
    assert hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = f.wilson_interval(10, 10)  # type: ignore[misc]
    assert lo == pytest.approx(0.7225, abs=1e-4)
    assert hi == 1.0


def test_wilson_n_zero_is_undefined() -> None:
    assert f.wilson_interval(0, 0) is None
    assert f.msi(0, 0) is None


def test_wilson_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError):
        f.wilson_interval(3, 2)


def test_msi_excludes_neutral_and_flags_low_sample() -> None:
    p = make_point(date(2026, 11, 1), positive=20, neutral=50, negative=9, unscored=4, ratings=[], min_sample=30)
    assert p.msi == pytest.approx(20 / 29)
    assert p.low_sample is True  # P + N = 29 < 30
    assert p.volume == 83
    assert p.net_sentiment == pytest.approx((20 - 9) / 79)  # unscored not in the denominator
    p2 = make_point(date(2026, 11, 1), 21, 0, 9, 0, [], 30)
    assert p2.low_sample is False
    assert p2.msi_low is not None and p2.msi_high is not None
    assert p2.msi_low <= p2.msi <= p2.msi_high  # type: ignore[operator]


def test_csat_on_five_and_ten_point_scales() -> None:
    # 1–5: 4 and 5 are satisfied ((4-1)/4 = 0.75), 3 is not.
    assert f.csat([(1, 5, 5, 2), (1, 5, 4, 1), (1, 5, 3, 1)]) == (0.75, 4)
    # 1–10: 8 → 7/9 = 0.78 satisfied; 7 → 6/9 = 0.67 not.
    assert f.csat([(1, 10, 8, 1), (1, 10, 7, 1)]) == (0.5, 2)
    # half stars: 4.5 on 1-5 is satisfied, 3.5 is not
    assert f.csat([(1, 5, 4.5, 1), (1, 5, 3.5, 1)]) == (0.5, 2)
    assert f.csat([]) == (None, 0)


def test_nps_counts_only_zero_to_ten_scales() -> None:
    hist = [(0, 10, 10, 5), (0, 10, 9, 1), (0, 10, 8, 2), (0, 10, 6, 1), (0, 10, 0, 1), (1, 5, 5, 7)]
    value, n = f.nps(hist)
    assert n == 10
    assert value == pytest.approx((6 - 2) / 10)
    assert f.nps([(1, 5, 5, 3)]) == (None, 0)


def test_normalise_rating_rejects_bad_scales() -> None:
    assert f.normalise_rating(3, 1, 5) == 0.5
    with pytest.raises(ValueError):
        f.normalise_rating(6, 1, 5)
    with pytest.raises(ValueError):
        f.normalise_rating(1, 5, 5)


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_msi_inside_its_wilson_interval(pos: int, neg: int) -> None:
    p = make_point(date(2026, 1, 1), pos, 0, neg, 0, [], 30)
    if pos + neg == 0:
        assert p.msi is None and p.msi_low is None
    else:
        assert 0.0 <= p.msi_low <= p.msi <= p.msi_high <= 1.0  # type: ignore[operator]


@given(st.lists(st.floats(0, 100, allow_nan=False), max_size=20))
def test_mean_std_non_negative(values: list[float]) -> None:
    m, s = f.mean_std(values)
    assert s >= 0
    if values:
        assert min(values) - 1e-9 <= m <= max(values) + 1e-9
