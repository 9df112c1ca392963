"""The typed seams (issue 13): store ports implemented by Store, no guesses in the pipeline."""

from __future__ import annotations

import ast
import inspect
import typing
from pathlib import Path

import monitor._pipeline as pipeline_pkg
from monitor import _ports as ports
from monitor._api import MentionIndex
from monitor._collect.ports import CollectIndex
from monitor._pipeline.ports import AlertsIndex, CollectFn, ScoreIndex
from monitor._store import Store

STORE_PORTS = [
    ports.RunLog,
    ports.CollectStore,
    ports.ScoreStore,
    ports.MetaStore,
    ports.RetentionStore,
    ports.AspectStore,
]
INDEX_PORTS = [CollectIndex, ScoreIndex, AlertsIndex, CollectFn]
COLLECTOR_FACING = [
    "known_external_ids",
    "source_state",
    "record_source_result",
    "http_validators",
    "set_http_validators",
    "start_run",
    "finish_run",
    "pending_scoring",
    "count_pending",
    "add_scores",
    "apply_retention",
]


def _members(protocol: type) -> dict[str, object]:
    return {
        name: member
        for name, member in inspect.getmembers(protocol)
        if (not name.startswith("_") or name == "__call__")
        and (inspect.isfunction(member) or isinstance(member, property))
    }


def test_collector_facing_state_lives_on_the_store_not_the_index() -> None:
    for name in COLLECTOR_FACING:
        assert not hasattr(MentionIndex, name), f"MentionIndex.{name} is back"
        assert callable(getattr(Store, name)), f"Store.{name} is missing"


def test_store_implements_every_method_of_every_store_port() -> None:
    for port in STORE_PORTS:
        for name in _members(port):
            assert hasattr(Store, name) or name == "engine", f"Store lacks {port.__name__}.{name}"


def test_ports_say_their_types_not_any() -> None:
    for port in STORE_PORTS + INDEX_PORTS:
        for name, member in _members(port).items():
            fn = member.fget if isinstance(member, property) else member
            hints = typing.get_type_hints(fn)
            assert typing.Any not in hints.values(), f"{port.__name__}.{name}"
            assert "return" in hints, f"{port.__name__}.{name} has no return type"


def test_pipeline_modules_are_small_and_guess_nothing() -> None:
    for path in Path(pipeline_pkg.__file__).parent.glob("*.py"):
        text = path.read_text()
        assert len(text.splitlines()) <= 450, f"{path.name} has {len(text.splitlines())} lines"
        tree = ast.parse(text)
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}
        assert "inspect" not in names and "Any" not in names, f"{path.name} sniffs or takes Any"
        probes = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and getattr(n.func, "id", None) in ("hasattr", "getattr", "callable")
        ]
        assert not probes, f"{path.name} probes objects ({len(probes)}×)"
