"""Import every command module so its commands register on the app."""

from __future__ import annotations

import importlib
import contextlib

for _name in ("core", "model_cmds", "collect_cmds", "run_cmds"):
    with contextlib.suppress(ModuleNotFoundError):
        importlib.import_module(f"monitor.cli.{_name}")
