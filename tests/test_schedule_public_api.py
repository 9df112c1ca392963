"""The scheduler stands on APScheduler 3's public API only (issue 13, item 4).

A simple, checkable rule over every module in ``monitor/``: no import of a private
APScheduler name or module, no subclass of an APScheduler class, and none of the private
attribute names the old ``monitor/scheduler.py`` reached into. ``monitor/_config/`` no longer
imports APScheduler at all (schedule validation lives in :mod:`monitor._schedule.spec`).
"""

from __future__ import annotations

import ast
from pathlib import Path

MONITOR = Path(__file__).resolve().parents[1] / "monitor"

#: Private APScheduler 3 names the old scheduler used (attributes, methods, internals).
PRIVATE_NAMES = {
    "_process_jobs",
    "_main_loop",
    "_get_run_times",
    "_run_job_success",
    "_jobstore_alias",
    "_lookup_executor",
    "_lookup_jobstore",
    "_jobstores",
    "_jobstores_lock",
    "_executors",
    "_dispatch_event",
    "_modify",
    "_instances",
    "_do_submit_job",
    "_real_add_job",
    "_create_trigger",
}


def _modules() -> list[Path]:
    return sorted(p for p in MONITOR.rglob("*.py") if "migrations" not in p.parts)


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    apscheduler_names: set[str] = set()
    found: list[str] = []
    where = path.relative_to(MONITOR.parent)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "apscheduler":
            if any(part.startswith("_") for part in node.module.split(".")):
                found.append(f"{where}:{node.lineno}: private module {node.module}")
            for alias in node.names:
                apscheduler_names.add(alias.asname or alias.name)
                if alias.name.startswith("_"):
                    found.append(f"{where}:{node.lineno}: imports private {node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "apscheduler":
                    apscheduler_names.add((alias.asname or alias.name).split(".")[0])
                    if any(part.startswith("_") for part in alias.name.split(".")):
                        found.append(f"{where}:{node.lineno}: private module {alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE_NAMES:
            found.append(f"{where}:{node.lineno}: private APScheduler attribute {node.attr}")
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                root = base
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name) and root.id in apscheduler_names:
                    found.append(
                        f"{where}:{node.lineno}: class {node.name} subclasses APScheduler's {ast.unparse(base)}"
                    )
    return found


def test_no_module_uses_a_private_apscheduler_name() -> None:
    found = [v for path in _modules() for v in _violations(path)]
    assert found == []


def test_the_rule_catches_what_it_names(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from apscheduler.schedulers.blocking import BlockingScheduler\n"
        "from apscheduler.util import _private\n"
        "class S(BlockingScheduler):\n"
        "    def f(self):\n"
        "        return self._process_jobs()\n",
        encoding="utf-8",
    )
    global MONITOR
    saved, MONITOR = MONITOR, tmp_path
    try:
        found = _violations(bad)
    finally:
        MONITOR = saved
    assert len(found) == 3, found


def test_config_does_not_import_apscheduler() -> None:
    paths = sorted((MONITOR / "_config").rglob("*.py"))
    assert paths
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names} | {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        }
        assert not any(name.split(".")[0] == "apscheduler" for name in imported), (path.name, imported)


def test_no_pickled_job_store() -> None:
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        assert "SQLAlchemyJobStore" not in text, path
