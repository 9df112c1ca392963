"""Tagging mentions with aspects: keyword seeds plus embedding similarity (pure, no I/O).

A mention talks about an aspect when its text holds one of the aspect's keywords
(:mod:`monitor._aspects.keywords`), or when its sentence vector is closer to the aspect's
seed phrases than to the seed phrases of aspects in general by at least a **margin**:

* each aspect's *closeness* is the mean cosine similarity of the mention to its
  :data:`TOP_K` most similar seed phrases (seeds of every language: the encoder is
  cross-lingual, so a Turkish seed speaks for an Armenian mention too);
* the *margin* is that closeness minus the mean closeness over the reference aspects (the
  built-in ones plus the config's own, switched off or not, so switching one off does not
  move the others' thresholds). The e5 encoder puts any two texts at a cosine of 0.8 or
  more; the margin measures what is particular to the aspect.

The margin threshold (:data:`DEFAULT_MARGIN`) was chosen on the development half of the
hand-labelled set shipped in ``tests/data/aspects/`` and measured on its test half
(``benchmarks/aspects.py``). The tagger takes vectors, it does not make them: the pipeline
step hands it the stored mention vectors (or embeds them), and :func:`compile_aspects`
takes the seed phrases' vectors from whatever embeds them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from monitor._aspects.defaults import DEFAULT_MARGIN, TOP_K, Aspect
from monitor._aspects.keywords import KeywordIndex
from monitor.errors import InvalidArgument

if TYPE_CHECKING:
    from numpy.typing import NDArray


#: Text → unit row vectors (``Embedder.embed``).
EmbedFn = Callable[[Sequence[str]], "NDArray[np.float32]"]


@dataclass(frozen=True, slots=True)
class AspectTag:
    """One aspect a mention talks about: ``score`` is the embedding margin (``None``: not
    measured), ``keyword`` the keyword that named it (``None``: the embedding alone)."""

    aspect: str
    score: float | None
    keyword: str | None


@dataclass(frozen=True)
class AspectModel:
    """Compiled aspects: keywords, seed vectors, thresholds (see the module docstring)."""

    aspects: tuple[Aspect, ...]  # the ones tagged with, in report order
    reference: tuple[Aspect, ...]  # every aspect the margin's mean runs over (``aspects`` included)
    keywords: KeywordIndex
    seed_vectors: NDArray[np.float32] | None  # (seeds, dim), ``None``: keywords only
    seed_owner: NDArray[np.intp]  # the reference aspect each seed row belongs to
    margins: NDArray[np.float32]  # per tagged aspect

    @property
    def names(self) -> tuple[str, ...]:
        """The tagged aspects' names, in report order."""
        return tuple(a.name for a in self.aspects)

    @property
    def uses_vectors(self) -> bool:
        """Whether tagging needs mention vectors."""
        return self.seed_vectors is not None


def compile_aspects(
    aspects: Sequence[Aspect],
    embed: EmbedFn | None,
    *,
    margin: float = DEFAULT_MARGIN,
    reference: Sequence[Aspect] = (),
) -> AspectModel:
    """The model that tags ``aspects``: ``embed`` turns every seed phrase into a vector
    (``None``: keywords only); ``reference`` adds the aspects the margin's mean also runs
    over (each name once; the tagged ones always count)."""
    ref = list(aspects)
    seen = {a.name for a in aspects}
    for a in reference:
        if a.name not in seen:
            seen.add(a.name)
            ref.append(a)
    margins = np.array([a.similarity if a.similarity is not None else margin for a in aspects], dtype=np.float32)
    owner: list[int] = []
    texts: list[str] = []
    for i, a in enumerate(ref):
        for lang in sorted(a.seeds):
            for seed in a.seeds[lang]:
                owner.append(i)
                texts.append(seed)
    vectors = None
    if embed is not None and texts:
        vectors = np.asarray(embed(texts), dtype=np.float32)
        if vectors.shape[0] != len(texts):
            raise InvalidArgument(f"embedding gave {vectors.shape[0]} vectors for {len(texts)} seed phrases")
    return AspectModel(
        aspects=tuple(aspects),
        reference=tuple(ref),
        keywords=KeywordIndex.of(list(aspects)),
        seed_vectors=vectors,
        seed_owner=np.array(owner, dtype=np.intp),
        margins=margins,
    )


def margins_of(model: AspectModel, vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    """Each mention's margin per tagged aspect, shape ``(mentions, aspects)``."""
    if model.seed_vectors is None:
        raise InvalidArgument("these aspects were compiled without seed vectors (keywords only)")
    sims = np.asarray(vectors, dtype=np.float32) @ model.seed_vectors.T
    closeness = np.empty((sims.shape[0], len(model.reference)), dtype=np.float32)
    for i in range(len(model.reference)):
        own = sims[:, model.seed_owner == i]
        if own.shape[1] == 0:
            closeness[:, i] = np.nan
            continue
        k = min(TOP_K, own.shape[1])
        closeness[:, i] = np.sort(own, axis=1)[:, -k:].mean(axis=1)
    baseline = np.nanmean(closeness, axis=1, keepdims=True)
    out: NDArray[np.float32] = (closeness - baseline)[:, : len(model.aspects)]
    return out


def tag(
    model: AspectModel,
    texts: Sequence[str],
    langs: Sequence[str | None],
    vectors: NDArray[np.float32] | None = None,
) -> list[tuple[AspectTag, ...]]:
    """The aspects each text talks about, in the model's order (see the module docstring).

    ``vectors`` (one unit row per text) are needed unless the model is keywords only."""
    if len(langs) != len(texts):
        raise InvalidArgument(f"{len(texts)} texts but {len(langs)} languages")
    scores: NDArray[np.float32] | None = None
    if model.uses_vectors:
        if vectors is None or len(vectors) != len(texts):
            got = "none" if vectors is None else str(len(vectors))
            raise InvalidArgument(f"{len(texts)} texts need as many vectors, got {got}")
        scores = margins_of(model, vectors) if len(texts) else None
    out: list[tuple[AspectTag, ...]] = []
    for row, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        hits = model.keywords.hits(text, lang)
        tags: list[AspectTag] = []
        for j, a in enumerate(model.aspects):
            score = float(scores[row, j]) if scores is not None and not np.isnan(scores[row, j]) else None
            if hits[j] is not None or (score is not None and score >= model.margins[j]):
                tags.append(AspectTag(a.name, None if score is None else round(score, 4), hits[j]))
        out.append(tuple(tags))
    return out


__all__ = ["DEFAULT_MARGIN", "TOP_K", "AspectModel", "AspectTag", "EmbedFn", "compile_aspects", "margins_of", "tag"]
