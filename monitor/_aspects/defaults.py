"""The built-in aspects a marketing team knows, each described in the five languages.

Every aspect has **seed phrases** (short sentences a customer might write about it; their
embeddings stand for the aspect, across languages) and **keywords** (words and phrases
that name it: matched on folded text at word boundaries, ``*`` = the word may go on, as
Swedish, Turkish, Bulgarian and Armenian add endings). They live as data in
``monitor/data/aspects.toml``, read once at import. A config can switch any of them off,
redefine one by its name or add its own (``[aspects]``, :mod:`monitor._config._aspects`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Seed phrases averaged per aspect (the closest ones to the mention): see :mod:`monitor._aspects.tagger`.
TOP_K = 3
#: A mention's closeness to an aspect must exceed the reference mean by this much (cosine);
#: chosen on the dev half of ``tests/data/aspects/``.
DEFAULT_MARGIN = 0.022
#: What a language-keyed table holds: language code → phrases.
PerLanguage = Mapping[str, tuple[str, ...]]
#: The built-in aspects' definitions.
DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "data" / "aspects.toml"


@dataclass(frozen=True, slots=True)
class Aspect:
    """One aspect: its key, the label people read, seeds and keywords per language.

    ``similarity`` overrides the configured embedding margin for this aspect (``None``: the
    shared one)."""

    name: str
    label: str
    seeds: PerLanguage
    keywords: PerLanguage
    similarity: float | None = None
    description: str = field(default="", compare=False)


def _per_language(table: Any) -> dict[str, tuple[str, ...]]:
    return {str(lang): tuple(str(p) for p in phrases) for lang, phrases in dict(table or {}).items()}


def read_aspects(path: Path) -> tuple[Aspect, ...]:
    """The ``[[aspect]]`` tables of a TOML file, in order."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Aspect(
            name=str(a["name"]),
            label=str(a["label"]),
            seeds=_per_language(a.get("seeds")),
            keywords=_per_language(a.get("keywords")),
            description=str(a.get("description", "")),
        )
        for a in data["aspect"]
    )


#: The built-in aspects, in the order reports list them: price, delivery, quality, service,
#: app, staff, availability.
DEFAULT_ASPECTS: tuple[Aspect, ...] = read_aspects(DEFAULTS_FILE)

__all__ = ["DEFAULTS_FILE", "DEFAULT_ASPECTS", "DEFAULT_MARGIN", "TOP_K", "Aspect", "PerLanguage", "read_aspects"]
