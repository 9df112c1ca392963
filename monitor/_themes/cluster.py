"""The geometry of themes: the language-centred space, assignment to centroids, and the
discovery of new groups (average-linkage agglomerative clustering). Pure numpy/scipy.

**Why centre per language and source kind.** The base e5 encoder puts the same topic in
five languages close, but texts of one language closer still (on the demo story the mean
cosine of two mentions is 0.87 within a language and 0.83 across), and texts of one genre
too: a titled store review and a social post about the same broken dock sit far apart.
Subtracting the mean vector of each language, and within it of each source kind (reviews,
rss, mastodon …; shrunk towards the wider mean when a group has few mentions), removes
those offsets and the "robot vacuum review" that every mention shares, and leaves what a
mention says: after centring, clusters hold all five languages and every kind of source.
Centred per language alone, the demo story's groups were genres (the dock problem split
over four groups, reviews apart from posts); centred per kind as well, 22 of its 32
complaints fall in one group.

**Thresholds, chosen on the demo story** (``benchmarks/themes.py`` reprints them):
:data:`CUT` (average linkage's cosine distance at which groups stop merging) gives a
handful of themes, the firmware/dock problem one of them; :data:`ASSIGN` (the cosine to a
centroid a new mention needs to join a theme) is about the 10th percentile of the cosines
of the groups' own members to their centroid; :data:`MERGE` (a newly found group this
close to an existing theme is that theme) is above every cosine between two distinct
themes' centroids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

#: Average-linkage cut (cosine distance in the centred space).
CUT = 0.96
#: Cosine to a theme's centroid that a mention needs to join it.
ASSIGN = 0.30
#: A new group whose centroid is this close to an existing theme's joins that theme.
MERGE = 0.25
#: The fewest mentions of a new theme, and the share of the pool it must hold at least.
MIN_SIZE = 5
MIN_SHARE = 0.01
#: At most this many mentions are clustered at once (a sample, evenly spread, of a bigger pool).
MAX_SAMPLE = 3000
#: A language's mean is shrunk towards the brand's overall mean as if this many mentions were the overall's.
SHRINK = 5.0


def unit_rows(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def unit(v: NDArray[np.float32]) -> NDArray[np.float32]:
    """``v`` scaled to unit length."""
    n = float(np.linalg.norm(v))
    return (v / n if n > 0 else v).astype(np.float32)


def centre(
    vectors: NDArray[np.float32], langs: Sequence[str | None], kinds: Sequence[str | None] | None = None
) -> NDArray[np.float32]:
    """Each row minus the (shrunk) mean of its language and source kind, then unit length.

    The means nest: a language's is shrunk towards the brand's, a (language, kind)'s towards
    its language's, each by :data:`SHRINK` pseudo-mentions, so a kind with few mentions in a
    language is centred on little more than that language's mean.
    """
    if len(vectors) == 0:
        return vectors.astype(np.float32)
    overall = vectors.mean(axis=0)
    by_lang = np.array([lang or "" for lang in langs])
    by_kind = np.array([k or "" for k in kinds] if kinds is not None else [""] * len(vectors))
    out = np.empty_like(vectors, dtype=np.float32)
    for lang in np.unique(by_lang):
        rows = by_lang == lang
        lang_mean = (vectors[rows].sum(axis=0) + SHRINK * overall) / (float(rows.sum()) + SHRINK)
        for kind in np.unique(by_kind[rows]):
            sub = rows & (by_kind == kind)
            mean = (vectors[sub].sum(axis=0) + SHRINK * lang_mean) / (float(sub.sum()) + SHRINK)
            out[sub] = vectors[sub] - mean
    return unit_rows(out)


def nearest(x: NDArray[np.float32], centroids: NDArray[np.float32]) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
    """Each row's closest centroid and its cosine (``-1`` and ``-inf`` when there is none)."""
    if len(centroids) == 0 or len(x) == 0:
        return np.full(len(x), -1, dtype=np.intp), np.full(len(x), -np.inf, dtype=np.float32)
    sims = x @ centroids.T
    best = sims.argmax(axis=1)
    return best, sims[np.arange(len(x)), best].astype(np.float32)


def sample(n: int, limit: int) -> NDArray[np.intp]:
    """``limit`` indices of ``range(n)`` spread evenly (all of them when ``n <= limit``)."""
    if n <= limit:
        return np.arange(n, dtype=np.intp)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(np.intp))


def discover(x: NDArray[np.float32], *, cut: float = CUT, min_size: int = MIN_SIZE) -> list[NDArray[np.intp]]:
    """Groups among the rows of ``x`` (unit vectors): average-linkage clusters cut at cosine
    distance ``cut``, those of at least ``min_size`` rows, biggest first (indices into ``x``)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    if len(x) < max(2, min_size):
        return []
    # cosine distances through one matrix product (scipy's pdist loops pair by pair)
    sims = x.astype(np.float32) @ x.astype(np.float32).T
    upper = np.triu_indices(len(x), k=1)
    distances = np.clip(1.0 - sims[upper], 0.0, 2.0).astype(np.float64)
    del sims
    z = linkage(distances, method="average")
    labels = fcluster(z, t=cut, criterion="distance")
    groups = [np.flatnonzero(labels == k) for k in np.unique(labels)]
    groups = [g for g in groups if len(g) >= min_size]
    groups.sort(key=lambda g: (-len(g), int(g[0])))
    return groups


__all__ = [
    "ASSIGN",
    "CUT",
    "MAX_SAMPLE",
    "MERGE",
    "MIN_SHARE",
    "MIN_SIZE",
    "SHRINK",
    "centre",
    "discover",
    "nearest",
    "sample",
    "unit",
    "unit_rows",
]
