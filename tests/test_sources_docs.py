"""Every source kind documents its options with a config snippet that validates."""

from __future__ import annotations

import re
import textwrap
import tomllib

import pytest

from monitor._config import config_from_dict
from monitor._sources.base import get_source, kinds


@pytest.mark.parametrize("kind", kinds())
def test_module_docstring_has_a_valid_toml_snippet(kind: str) -> None:
    doc = get_source(kind).doc
    m = re.search(r"Config[^\n]*::\n\n((?:    .*\n|\n)+)", doc + "\n")
    assert m, f"{kind}: no 'Config::' block in the module docstring"
    snippet = textwrap.dedent(m.group(1))
    data = tomllib.loads(snippet)
    brands = {s.get("brand") for s in data["sources"] if s.get("brand")}
    data["brands"] = [{"name": b} for b in brands]
    cfg = config_from_dict(data)
    assert cfg.sources[0].kind == kind
    assert "Options" in doc or "options" in doc
