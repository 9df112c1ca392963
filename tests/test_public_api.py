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


def test_import_does_not_load_torch() -> None:
    code = "import sys, monitor; print('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
