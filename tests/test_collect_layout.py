"""Structure of the ``monitor._collect`` package (issue 13): layered imports, typed seams, small modules."""

from __future__ import annotations

import ast
import inspect
import typing
from pathlib import Path

import monitor._collect as collect_pkg
from monitor._collect.ports import CollectIndex, CollectStore

PKG = Path(collect_pkg.__file__).parent
#: Each module may import only the ones before it (the shards call the runner, never the reverse).
LAYERS = ["reports", "ports", "backlog", "runner", "shards", "collector"]


def _collect_imports(path: Path) -> set[str]:
    """The ``monitor._collect`` modules a file imports (absolute or relative), at any depth."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 1:
                out.update([mod] if mod else [a.name for a in node.names])
            elif mod.startswith("monitor._collect"):
                rest = mod.removeprefix("monitor._collect").lstrip(".")
                out.update([rest.split(".")[0]] if rest else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("monitor._collect."):
                    out.add(a.name.split(".")[2])
    return out


def test_collect_modules_import_only_earlier_layers() -> None:
    files = {p.stem for p in PKG.glob("*.py")} - {"__init__"}
    assert files == set(LAYERS), "a new module needs a place in LAYERS"
    for i, name in enumerate(LAYERS):
        imported = _collect_imports(PKG / f"{name}.py")
        later = imported & set(LAYERS[i:])
        assert not later, f"monitor._collect.{name} imports {sorted(later)} (a cycle or an upward import)"


def test_old_modules_are_gone() -> None:
    root = PKG.parent
    assert not (root / "collect.py").exists()
    assert not (root / "collect_shards.py").exists()


def test_collect_modules_are_small_and_sniff_no_signatures() -> None:
    for path in PKG.glob("*.py"):
        text = path.read_text()
        assert len(text.splitlines()) <= 450, f"{path.name} has {len(text.splitlines())} lines"
        tree = ast.parse(text)
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}
        assert "inspect" not in names, f"{path.name} imports inspect"
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "hasattr"]
        assert not calls, f"{path.name} probes for optional methods with hasattr"


def _hints(protocol: type) -> dict[str, dict[str, object]]:
    return {
        name: typing.get_type_hints(fn)
        for name, fn in inspect.getmembers(protocol, inspect.isfunction)
        if not name.startswith("_")
    }


def test_index_seam_returns_the_store_types_not_any() -> None:
    from monitor._store import IngestResult, SourceState

    hints = _hints(CollectStore)
    assert hints["add_mentions"]["return"] is IngestResult
    assert hints["source_state"]["return"] is SourceState
    assert typing.get_type_hints(CollectIndex.store.fget)["return"] is CollectStore  # type: ignore[attr-defined]
    for name, h in {**hints, **_hints(CollectIndex)}.items():
        assert typing.Any not in h.values(), name
        assert h.get("return") is not typing.Any, name


def test_public_names_are_exported_with_docstrings() -> None:
    for name in collect_pkg.__all__:
        obj = getattr(collect_pkg, name)
        assert obj.__doc__, f"monitor._collect.{name} has no docstring"
