"""The typer application every command module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="monitor",
    help="mention-monitor: collect online mentions, score their sentiment, "
    "compute the mention-satisfaction index and send a daily digest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
