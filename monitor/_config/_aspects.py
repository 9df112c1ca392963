"""``[aspects]``: which aspects mentions are tagged with, and how closely.

The built-in aspects (:data:`monitor._aspects.DEFAULT_ASPECTS`: price, delivery, quality,
service, app, staff, availability) are on unless ``defaults = false``; ``disabled`` leaves
some out; ``[[aspects.custom]]`` adds the team's own or redefines a built-in one by its name::

    [aspects]
    disabled = ["staff"]
    margin = 0.022

    [[aspects.custom]]
    name = "battery"
    label = "Battery life"
    keywords = { en = ["battery", "charge*"], sv = ["batteri*"] }
    seeds = { en = ["The battery dies within hours"], sv = ["Batteriet tar slut direkt"] }
"""

from __future__ import annotations

import hashlib
import json
import re

from pydantic import Field, field_validator, model_validator

from monitor._aspects.defaults import DEFAULT_ASPECTS, DEFAULT_MARGIN, TOP_K, Aspect
from monitor._aspects.keywords import keyword_problem
from monitor._config._fields import Plain, Strict
from monitor._hints import closest, hinted

#: What an aspect's name may look like: it is stored with every tag and typed in commands.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,39}")
#: Bumped when the tagging rule changes, so stored tags are redone.
TAGGER_VERSION = "1"
_BUILT_IN = {a.name: a for a in DEFAULT_ASPECTS}


def _check_phrases(table: dict[str, list[str]], what: str, *, keywords: bool) -> dict[str, list[str]]:
    for lang, phrases in table.items():
        if not re.fullmatch(r"[a-z]{2,3}", lang):
            raise ValueError(f"language {lang!r} is not an ISO 639-1 code like 'sv'")
        for i, phrase in enumerate(phrases):
            problem = keyword_problem(phrase) if keywords else ("is empty" if not phrase.strip() else None)
            if problem is not None:
                raise ValueError(f"{lang}[{i}]: {what} {phrase!r} {problem}")
    return table


class AspectConfig(Strict):
    """One aspect of the config's own (or a built-in one redefined by its name)."""

    name: str
    label: Plain | None = None
    #: Short sentences a customer might write about it, per language (their embeddings stand for it).
    seeds: dict[str, list[Plain]] = Field(default_factory=dict)
    #: Words and phrases that name it, per language (``*``: the word may go on).
    keywords: dict[str, list[Plain]] = Field(default_factory=dict)
    #: This aspect's own embedding margin (default: ``aspects.margin``).
    margin: float | None = Field(default=None, ge=0.0, le=1.0)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME_PATTERN.fullmatch(v):
            raise ValueError(
                f"aspect name {v!r} must be lower-case letters, digits, '-' or '_', starting with a letter"
                " (at most 40); the label people read goes in `label`"
            )
        return v

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        return _check_phrases(v, "seed phrase", keywords=False)

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        return _check_phrases(v, "keyword", keywords=True)

    @model_validator(mode="after")
    def _described(self) -> AspectConfig:
        if not any(self.seeds.values()) and not any(self.keywords.values()) and self.name not in _BUILT_IN:
            raise ValueError(f"aspect {self.name!r} needs seeds or keywords (in at least one language)")
        return self

    def spec(self) -> Aspect:
        """The aspect: a built-in one keeps what this one leaves out (its label, seeds or keywords)."""
        base = _BUILT_IN.get(self.name)
        seeds = {k: tuple(v) for k, v in self.seeds.items()} if any(self.seeds.values()) else None
        keywords = {k: tuple(v) for k, v in self.keywords.items()} if any(self.keywords.values()) else None
        return Aspect(
            name=self.name,
            label=self.label or (base.label if base else self.name.replace("_", " ").replace("-", " ").capitalize()),
            seeds=seeds if seeds is not None else (base.seeds if base else {}),
            keywords=keywords if keywords is not None else (base.keywords if base else {}),
            similarity=self.margin,
        )


class AspectsConfig(Strict):
    """Tagging mentions with the aspects they talk about."""

    enabled: bool = True
    #: Start from the built-in aspects (price, delivery, quality, service, app, staff, availability).
    defaults: bool = True
    #: Built-in aspects to leave out.
    disabled: list[str] = Field(default_factory=list)
    #: Also tag by embedding similarity to the seed phrases (off: keywords only, no model).
    embedding: bool = True
    #: How much closer to an aspect's seeds than to aspects in general a mention must be (cosine).
    margin: float = Field(default=DEFAULT_MARGIN, ge=0.0, le=1.0)
    custom: list[AspectConfig] = Field(default_factory=list)

    @field_validator("disabled")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        for name in v:
            if name not in _BUILT_IN:
                expected = f"not a built-in aspect; built-in: {', '.join(_BUILT_IN)}"
                raise ValueError(f"{name!r} is " + hinted(expected, closest(name, list(_BUILT_IN))))
        return v

    @model_validator(mode="after")
    def _consistent(self) -> AspectsConfig:
        names = [c.name for c in self.custom]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"aspect names repeat in [[aspects.custom]]: {', '.join(dup)}")
        both = sorted(set(names) & set(self.disabled))
        if both:
            raise ValueError(f"{', '.join(both)}: both disabled and defined in [[aspects.custom]]")
        return self

    def aspects(self) -> tuple[Aspect, ...]:
        """The aspects mentions are tagged with: the built-in ones kept (a redefined one in its
        place), then the config's own, in the order written."""
        if not self.enabled:
            return ()
        own = {c.name: c.spec() for c in self.custom}
        out: list[Aspect] = []
        if self.defaults:
            out += [own.pop(a.name, a) for a in DEFAULT_ASPECTS if a.name not in self.disabled]
        out += list(own.values())
        return tuple(out)

    def reference(self) -> tuple[Aspect, ...]:
        """Every aspect the embedding margin's mean runs over: the tagged ones, then the
        built-in ones left out (so switching one off does not move the others' thresholds)."""
        tagged = self.aspects()
        names = {a.name for a in tagged}
        return tagged + tuple(a for a in DEFAULT_ASPECTS if a.name not in names)

    def fingerprint(self) -> str:
        """A digest of everything that decides the tags; stored tags are redone when it changes."""

        def described(a: Aspect) -> list[object]:
            seeds = {k: list(v) for k, v in sorted(a.seeds.items())}
            return [a.name, seeds, {k: list(v) for k, v in sorted(a.keywords.items())}, a.similarity]

        data = {
            "tagger": TAGGER_VERSION,
            "top_k": TOP_K,
            "embedding": self.embedding,
            "margin": self.margin,
            "aspects": [described(a) for a in self.aspects()],
            "reference": [described(a) for a in self.reference()] if self.embedding else [],
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


__all__ = ["NAME_PATTERN", "TAGGER_VERSION", "AspectConfig", "AspectsConfig"]
