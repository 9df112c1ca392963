"""Import every command module so its commands register on the app."""

from __future__ import annotations

import contextlib
import importlib

for _name in ("core", "model_cmds", "collect_cmds", "run_cmds"):
    with contextlib.suppress(ModuleNotFoundError):
        importlib.import_module(f"monitor.cli.{_name}")
