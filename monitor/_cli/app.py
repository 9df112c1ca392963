"""The typer application every command module registers on."""

from __future__ import annotations

import typer

import monitor

app = typer.Typer(
    name="monitor",
    help="mention-monitor: collect online mentions, score their sentiment, "
    "compute the mention-satisfaction index and send a daily digest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click's own help layout: a flag shows no <bool> metavar, help text is shown as written
    # (no rich markup eats "[http]"), and a usage error is one line.
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"mention-monitor {monitor.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    pass
