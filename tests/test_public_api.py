"""The public API: everything in ``monitor.__all__`` resolves, and importing is light."""

from __future__ import annotations

import subprocess
import sys

import monitor


def test_all_names_resolve_and_are_documented() -> None:
    for name in monitor.__all__:
        obj = getattr(monitor, name)
        if name != "__version__":
            assert (getattr(obj, "__doc__", None) or "").strip(), f"monitor.{name} has no docstring"


def test_errors_share_one_base() -> None:
    errors = [
        getattr(monitor, n) for n in monitor.__all__ if n.endswith("Error") or n in ("SourceBlocked", "FetchFailed")
    ]
    assert errors and all(issubclass(e, monitor.MonitorError) for e in errors)


def test_every_exception_class_of_the_package_is_in_the_hierarchy() -> None:
    """Every exception class a public module defines derives from MonitorError and is in errors.py
    (the HTTP layer's private control flow, which never leaves ``HttpClient.fetch``, aside)."""
    import importlib
    import inspect
    import pkgutil

    import monitor.errors

    outside = []
    for info in pkgutil.walk_packages(monitor.__path__, "monitor."):
        if info.name == "monitor.errors" or info.name.endswith("__main__"):
            continue
        if info.name.startswith(("monitor.http", "monitor.store.migrations")):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == info.name:
                if name.startswith("_") or info.name == "monitor.cli.common":  # CommandInterrupted unwinds the CLI
                    continue
                outside.append(f"{info.name}.{name}")
    assert outside == [], "exceptions belong in monitor/errors.py: " + ", ".join(outside)
    for name in monitor.errors.__all__:
        assert issubclass(getattr(monitor.errors, name), monitor.errors.MonitorError), name


def test_version_comes_from_the_package_metadata() -> None:
    from importlib.metadata import version

    assert monitor.__version__ == version("mention-monitor")


def test_import_does_not_load_torch() -> None:
    code = "import sys, monitor; print('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
