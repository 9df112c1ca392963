"""Import every command module so its commands register on the app."""

from __future__ import annotations

from monitor._cli import (
    adapt_cmds,
    aspects_cmds,
    check_cmds,
    collect_cmds,
    complaints_cmds,
    core,
    doctor_cmds,
    eval_cmds,
    model_cmds,
    run_cmds,
    serve_cmds,
    themes_cmds,
    worker_cmds,
)

__all__ = [
    "adapt_cmds",
    "aspects_cmds",
    "check_cmds",
    "collect_cmds",
    "complaints_cmds",
    "core",
    "doctor_cmds",
    "eval_cmds",
    "model_cmds",
    "run_cmds",
    "serve_cmds",
    "themes_cmds",
    "worker_cmds",
]
