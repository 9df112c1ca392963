"""CSV cells that a spreadsheet will not run as formulas, and their exact way back.

Excel, LibreOffice and Google Sheets treat a cell starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return as a formula (CSV injection). As OWASP recommends, such a cell
is written with a leading apostrophe, which spreadsheets show as text. A cell that already
starts with an apostrophe gets one more, so :func:`restore` undoes :func:`neutralise`
exactly and an export re-imports to the same text.
"""

from __future__ import annotations

#: First characters that make a spreadsheet evaluate a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"


def neutralise(value: str) -> str:
    """``value`` as a cell no spreadsheet evaluates."""
    if value.startswith((*FORMULA_STARTS, _ESCAPE)):
        return _ESCAPE + value
    return value


def restore(cell: str) -> str:
    """The value :func:`neutralise` was given for ``cell`` (a cell it did not write is unchanged)."""
    if cell.startswith(_ESCAPE) and cell[1:].startswith((*FORMULA_STARTS, _ESCAPE)):
        return cell[1:]
    return cell


__all__ = ["FORMULA_STARTS", "neutralise", "restore"]
