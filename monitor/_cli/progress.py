"""The collect command's live display: one line per source, its name kept readable."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.markup import escape
from rich.progress import ProgressColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Column

from monitor._cli.tables import NAME_WIDTH, middle_ellipsis
from monitor._textsafe import printable


def progress_columns(names: Sequence[str]) -> tuple[ProgressColumn, ...]:
    """The collect display's columns: every source name whole, or middle-ellipsised at
    :data:`NAME_WIDTH` cells (all at one width), then its kind, then the counts, which wrap."""
    width = min(max((cell_len(printable(n)) for n in names), default=8), NAME_WIDTH) + len(" (hackernews)")
    return (
        SpinnerColumn(),
        TextColumn("{task.description}", table_column=Column(no_wrap=True, width=width)),
        TextColumn("{task.fields[info]}", table_column=Column(overflow="fold", ratio=1)),
        TimeElapsedColumn(table_column=Column(no_wrap=True)),
    )


def progress_label(name: str, kind: str) -> str:
    """A source's label (rich markup) in the collect display: its name (see
    :func:`progress_columns`) and kind."""
    return f"{escape(middle_ellipsis(printable(name), NAME_WIDTH))} [dim]({escape(printable(kind))})[/]"


__all__ = ["progress_columns", "progress_label"]
