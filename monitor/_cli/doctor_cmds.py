"""``monitor doctor``: one line per check (ok / warn / fail) and the fix for each that is not ok."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from monitor._cli.app import app
from monitor._cli.common import ConfigOpt, console, escape, handle_errors

if TYPE_CHECKING:
    from monitor._doctor import Check, Seams

#: The doctor's I/O (tests substitute a fake model loader); None: the real one.
make_seams: Callable[[], Seams] | None = None

TAGS = {"ok": "[green]ok  [/]", "warn": "[yellow]warn[/]", "fail": "[bold red]fail[/]"}
INDENT = " " * 6


def format_check(check: Check) -> str:
    """``fail  database: … → fix: …`` as rich markup, every configured or scraped value escaped.

    One line per check; only a config error keeps its list of problems, one per line.
    """
    text = check.detail if check.area == "config" else " ".join(check.detail.split())
    detail = escape(text, keep_newlines=True).replace("\n", "\n" + INDENT)
    line = f"{TAGS[check.status]}  [bold]{escape(check.label)}[/]: {detail}"
    if check.status != "ok" and check.fix:
        line += ("\n" + INDENT if "\n" in text else " ") + f"[cyan]→ fix:[/] {escape(check.fix)}"
    return line


@app.command("doctor")
@handle_errors
def doctor_cmd(
    config: Path | None = ConfigOpt,
    network: bool = typer.Option(
        False, "--network", help="Also fetch each source's robots.txt and page (tells unreachable from blocked)."
    ),
    send_test: bool = typer.Option(
        False, "--send-test", help="Also send a test message on each configured smtp/webhook channel."
    ),
) -> None:
    """Check the config, database, broker (distributed mode), model, caches, sources and delivery; print what to fix.

    Exit code: 0 nothing failed (warnings allowed), 1 a check failed, 2 no usable config.
    """
    from monitor._doctor import run_doctor

    def show(check: Check) -> None:
        console.print(format_check(check), highlight=False, soft_wrap=True)

    seams = make_seams() if make_seams is not None else None
    report = run_doctor(config, network=network, send_test=send_test, seams=seams, on_check=show)
    ok = len(report.checks) - report.failed - report.warnings
    summary = f"{ok} ok, {report.warnings} warning(s), {report.failed} failed"
    if not report.config_loaded:
        summary += "; nothing else was checked without a config"
    console.print(summary, highlight=False, soft_wrap=True, markup=False)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


__all__ = ["doctor_cmd", "format_check"]
