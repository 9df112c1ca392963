"""The import graph of the ``monitor`` package has no cycles (issue 13, item 5).

The graph is built from each module's AST: every ``import``/``from … import`` anywhere in
the module (function-level imports included), except those under ``if TYPE_CHECKING:``.
``from package import name`` points at the submodule when ``name`` is one, otherwise at the
package. Importing a submodule also runs its parents' ``__init__``; that implicit edge is
not counted (a package re-exporting its own submodules is not a cycle).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "monitor"

# Cycles tolerated for now (a cycle is tolerated only while all of its modules lie inside
# one entry); none are left.
KNOWN_CYCLES: list[frozenset[str]] = []


def module_names(root: Path = ROOT, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of ``package`` under ``root``: dotted name → file."""
    out: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements at any depth, skipping the bodies of ``if TYPE_CHECKING:``."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The longest module of ours that ``name`` is or lies inside."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in modules:
            return candidate
    return None


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ours that module ``name`` (file ``path``) imports, outside TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        for target in targets:
            owner = _owner(target, modules)
            if owner is not None and owner != name:
                out.add(owner)
    return out


def import_graph(root: Path = ROOT, package: str = PACKAGE) -> dict[str, set[str]]:
    """Module → the modules of the package it imports."""
    modules = module_names(root, package)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[frozenset[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_the_cycle_finder_finds_cycles_through_function_level_imports(tmp_path: Path) -> None:
    """The checker itself: a lazy import closes a cycle; a TYPE_CHECKING import does not."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from pkg.a import A\n")
    (pkg / "a.py").write_text("def f():\n    from pkg.sub import b\n    return b\nclass A: ...\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("from .. import a\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import d\n")
    (pkg / "d.py").write_text("import pkg.c\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.sub.b"] == {"pkg.a"} and graph["pkg.a"] == {"pkg.sub.b"}
    assert graph["pkg.c"] == set() and graph["pkg.d"] == {"pkg.c"}
    assert graph["pkg"] == {"pkg.a"}
    assert cycles(graph) == [frozenset({"pkg.a", "pkg.sub.b"})]


def test_the_monitor_package_has_no_import_cycles() -> None:
    found = cycles(import_graph())
    unknown = [sorted(c) for c in found if not any(c <= known for known in KNOWN_CYCLES)]
    assert not unknown, f"import cycles: {unknown}"


SENTIMENT_BACKENDS = {
    "monitor._sentiment.torch_backend",
    "monitor._sentiment.onnx_backend",
    "monitor._sentiment.onnx_build",
    "monitor._sentiment.hf_backend",
}


def test_the_sentiment_layers() -> None:
    """The interface imports no backend; backends import no loader; labels and cache folders are light."""
    graph = import_graph()
    assert not graph["monitor._sentiment.classifier"] & (SENTIMENT_BACKENDS | {"monitor._sentiment.loader"})
    for backend in SENTIMENT_BACKENDS:
        assert "monitor._sentiment.loader" not in graph[backend], backend
    assert graph["monitor._labels"] <= {"monitor.errors"}  # the label rules: pure, on a leaf
    assert graph["monitor.errors"] == set()
    assert graph["monitor._cache_dirs"] == set()
    for user in (
        "monitor._langid",
        "monitor._cache_admin",
        "monitor._sentiment.onnx_backend",
        "monitor._sentiment.convert",
    ):
        assert "monitor._cache_dirs" in graph[user], user
    assert "monitor._sentiment.convert" not in graph["monitor._langid"]


def _private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{node.module}.{alias.name}"
        for node in _import_nodes(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE)
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


MY_AREA = ["monitor._cache_admin", "monitor._langid", "monitor._cache_dirs", "monitor._labels"]


@pytest.mark.parametrize("module", MY_AREA + sorted(m for m in module_names() if m.startswith("monitor._sentiment")))
def test_no_private_names_across_modules(module: str) -> None:
    assert _private_imports(module_names()[module]) == []


def test_cache_folders_are_computed_in_one_module() -> None:
    """Only ``monitor._cache_dirs`` reads the cache environment or spells out ``.cache``."""
    offenders = [
        name
        for name, path in module_names().items()
        if name != "monitor._cache_dirs"
        and any(s in path.read_text(encoding="utf-8") for s in ('"MONITOR_CACHE_DIR"', "XDG_CACHE_HOME", '".cache"'))
    ]
    assert offenders == []


# Leaf modules lower layers may import without importing the rest of their package: the
# config validates schedules (``_schedule.spec``) and per-kind options (``_sources.options``).
LEAF_MODULES = ("monitor._schedule.spec", "monitor._sources.options")


def component_graph() -> dict[str, set[str]]:
    """The import graph between the package's parts (top-level modules and packages)."""

    def part(module: str) -> str:
        for leaf in LEAF_MODULES:
            if module == leaf or module.startswith(leaf + "."):
                return leaf
        return ".".join(module.split(".")[:2])

    out: dict[str, set[str]] = {}
    for module, deps in import_graph().items():
        if module == PACKAGE or module.endswith("__main__"):
            continue  # the API's re-exports and the CLI entry sit on top of everything
        src = part(module)
        out.setdefault(src, set()).update(part(d) for d in deps if part(d) not in (src, PACKAGE))
    return out


def test_the_packages_form_layers() -> None:
    """No two parts import each other, even through different modules: the layout reads as layers."""
    assert cycles(component_graph()) == []
    graph = component_graph()
    # The flow, bottom up: the store never imports collection, scoring, the digest or the CLI.
    for low, high in [
        ("monitor._store", "monitor._collect"),
        ("monitor._store", "monitor._sentiment"),
        ("monitor._store", "monitor._digest"),
        ("monitor._collect", "monitor._pipeline"),
        ("monitor._pipeline", "monitor._schedule"),
        ("monitor._api", "monitor._cli"),
        ("monitor._index", "monitor._store"),
    ]:
        reach, todo = set(), [low]
        while todo:
            for d in graph.get(todo.pop(), ()):
                if d not in reach:
                    reach.add(d)
                    todo.append(d)
        assert high not in reach, f"{low} reaches {high}"


def test_every_module_is_under_450_lines() -> None:
    """Small modules with names that say what they hold (issue 13): none over 450 lines."""
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in module_names().items()}
    big = {name: n for name, n in sizes.items() if n > 450 and "migrations.versions" not in name}
    assert big == {}
