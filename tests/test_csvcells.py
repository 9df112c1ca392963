"""CSV formula neutralisation round-trips exactly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from monitor._csvcells import FORMULA_STARTS, neutralise, restore


def test_formula_cells_are_neutralised() -> None:
    for start in FORMULA_STARTS:
        cell = neutralise(f'{start}HYPERLINK("http://x")')
        assert cell.startswith("'")
    assert neutralise("Great product") == "Great product"
    assert neutralise("'quoted") == "''quoted"


@given(st.text())
def test_restore_inverts_neutralise(value: str) -> None:
    cell = neutralise(value)
    assert not cell.startswith(FORMULA_STARTS)
    assert restore(cell) == value
