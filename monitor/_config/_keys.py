"""What to say about a key the config's models do not have: the closest valid key, or where
the key belongs (a top-level key written under a ``[table]``, a key of another table, a
source option written outside ``options``), else the valid keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from monitor._hints import closest, listing
from monitor._textsafe import shown


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model inside a field's type (``X``, ``list[X]``, ``X | None``), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def model_at(root: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model that validates the table at ``loc`` (list indexes skipped), or None."""
    model = root
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        inner = _model_of(field.annotation) if field is not None else None
        if inner is None:
            return None
        model = inner
    return model


def keys_of(model: type[BaseModel]) -> list[str]:
    """The keys a table of ``model`` accepts: field names and their aliases."""
    keys: list[str] = []
    for name, field in model.model_fields.items():
        if field.exclude:
            continue  # set by the loader, not by the file
        keys.append(name)
        if isinstance(field.alias, str) and field.alias != name:
            keys.append(field.alias)
    return keys


def _tables(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """``{"[http]": HttpConfig, "[[brands]]": BrandConfig, …}``: the root's tables."""
    out: dict[str, type[BaseModel]] = {}
    for name, field in root.model_fields.items():
        inner = _model_of(field.annotation)
        if inner is not None:
            out[f"[[{name}]]" if get_origin(field.annotation) is list else f"[{name}]"] = inner
    return out


def _belongs(root: type[BaseModel], key: str, parent: Sequence[int | str], node: Any) -> str | None:
    """Where ``key`` belongs when it is valid elsewhere in the file, else None."""
    if parent and key in keys_of(root):
        return "a top-level key: move it above the first [table] of the file"
    here = model_at(root, parent)
    for table, model in _tables(root).items():
        if model is not here and key in keys_of(model):
            return f"it belongs in {table}"
    kind = node.get("kind") if isinstance(node, Mapping) else None
    if parent and parent[0] == "sources" and isinstance(kind, str):
        from monitor._sources.options import OPTION_SCHEMAS

        schema = OPTION_SCHEMAS.get(kind)
        if schema is not None and key in schema.model_fields:
            return f"it is an option of {kind} sources: write it as options = {{ {key} = … }}"
    return None


def unknown_key(root: type[BaseModel], loc: Sequence[int | str], data: Any) -> tuple[tuple[int | str, ...], str]:
    """``(where, message)`` for the unknown key at ``loc``: the table that holds it and what to do."""
    *parent, last = loc
    key = str(last)
    model = model_at(root, parent)
    if model is None:
        return tuple(loc), "unknown key"
    known = keys_of(model)
    said = repr(shown(key, 60))
    hint = closest(key, known)
    if hint is not None:
        return tuple(parent), f"unknown key {said} — did you mean {hint!r}?"
    node = data
    for part in parent:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and -len(node) <= part < len(node) else None
        else:
            node = node.get(part) if isinstance(node, Mapping) else None
    home = _belongs(root, key, parent, node)
    if home is not None:
        return tuple(parent), f"unknown key {said} — {home}"
    return tuple(parent), f"unknown key {said}; valid keys: {listing(known, 40)}"


__all__ = ["keys_of", "model_at", "unknown_key"]
