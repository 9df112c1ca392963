"""The public API: everything in ``monitor.__all__`` resolves, and importing is light."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing
from pathlib import Path

import monitor


def test_all_names_resolve_and_are_documented() -> None:
    for name in monitor.__all__:
        obj = getattr(monitor, name)
        if name != "__version__":
            assert (getattr(obj, "__doc__", None) or "").strip(), f"monitor.{name} has no docstring"


def test_all_is_complete() -> None:
    """Every public attribute of ``monitor`` (submodules aside) is in ``__all__``, once."""
    public = {name for name, obj in vars(monitor).items() if not name.startswith("_") and not inspect.ismodule(obj)}
    assert public - set(monitor.__all__) == set()
    assert len(monitor.__all__) == len(set(monitor.__all__))
    assert set(monitor.__all__) <= set(dir(monitor))  # the lazily loaded names too


def test_every_type_the_api_returns_is_exported() -> None:
    """The result types named in ``MentionIndex``'s public signatures are ``monitor`` names."""
    hints = {
        name: typing.get_type_hints(method)["return"]
        for name, method in vars(monitor.MentionIndex).items()
        if inspect.isfunction(method) and not name.startswith("_")
    }
    returned: set[type] = set()
    todo = list(hints.values())
    while todo:
        hint = todo.pop()
        origin = typing.get_origin(hint)
        if origin is not None:
            todo.extend(typing.get_args(hint))
            hint = origin
        if isinstance(hint, type) and hint.__module__.startswith("monitor"):
            returned.add(hint)
    assert {t.__name__ for t in returned} >= {"ResultList", "Point", "BreakdownRow", "BrandFigures", "RunRecord"}
    assert sorted(t.__name__ for t in returned if getattr(monitor, t.__name__, None) is not t) == []


def _public_methods(cls: type) -> dict[str, object]:
    """Public functions and properties a class of this package defines (its own and inherited ones)."""
    out: dict[str, object] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("monitor"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            if isinstance(value, property):
                out[name] = value.fget
            elif isinstance(value, (classmethod, staticmethod)):
                out[name] = value.__func__
            elif inspect.isfunction(value):
                out[name] = value
    return out


def test_public_methods_of_exported_classes_are_documented() -> None:
    undocumented = []
    for name in monitor.__all__:
        obj = getattr(monitor, name)
        if not inspect.isclass(obj):
            continue
        for method, func in _public_methods(obj).items():
            if not (inspect.getdoc(func) or "").strip():
                undocumented.append(f"{name}.{method}")
    assert undocumented == []


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
        if info.name.startswith(("monitor._http", "monitor._store.migrations")):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == info.name:
                if name.startswith("_") or info.name == "monitor._cli.common":  # CommandInterrupted unwinds the CLI
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


def test_modules_that_are_not_api_are_private() -> None:
    """httpx's layout: the API is ``monitor`` (and ``monitor.errors``); every other module is ``_name``."""
    package = Path(monitor.__file__).parent
    public = {"__init__.py", "__main__.py", "errors.py"}
    exposed = sorted(
        p.name
        for p in package.iterdir()
        if not p.name.startswith(("_", "."))
        and p.name not in public
        and (p.suffix == ".py" or (p.is_dir() and any(p.rglob("*.py"))))
    )
    assert exposed == []
    for name in monitor.__all__:
        obj = getattr(monitor, name)
        module = getattr(obj, "__module__", "monitor")
        assert module == "monitor" or module.startswith(("monitor._", "monitor.errors")), (name, module)
