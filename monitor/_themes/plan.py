"""One update of a brand's themes, decided on plain arrays (pure).

Given the brand's window of mentions (their centred vectors, and for each its theme, ``None``
when it was looked at and fitted none, ``-1`` when new) and its stored themes:

1. each theme's centroid becomes the mean of its members in the window (a theme with none
   keeps its stored centroid);
2. each new mention joins the closest theme if its cosine reaches :data:`~monitor._themes.cluster.ASSIGN`;
3. the mentions that fit no theme (new ones and those left over before) are clustered
   (:func:`~monitor._themes.cluster.discover`, on an even sample of at most
   :data:`~monitor._themes.cluster.MAX_SAMPLE`); a group whose centroid is within
   :data:`~monitor._themes.cluster.MERGE` of a theme joins it, any other group big enough
   becomes a new theme; the rest of the pool then joins the closest of all the themes when
   close enough, and stays unfitted otherwise.

A mention once assigned keeps its theme: ids, and what a theme holds, stay put from day to day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from monitor._themes.cluster import ASSIGN, MAX_SAMPLE, MERGE, MIN_SHARE, MIN_SIZE, discover, nearest, sample, unit

if TYPE_CHECKING:
    from numpy.typing import NDArray

NEW = -1  # a window row never looked at


@dataclass
class Plan:
    """What an update does.

    ``centroids``: every existing theme's new centroid; ``new``: the new themes' centroids;
    ``assign``: ``(row, theme id, new theme index, cosine)`` for each row whose state changes
    (both ``None``: looked at, fits none); ``members``: each row's final class, ``("theme",
    id)``, ``("new", k)`` or ``None``, for naming.
    """

    centroids: dict[int, NDArray[np.float32]] = field(default_factory=dict)
    new: list[NDArray[np.float32]] = field(default_factory=list)
    assign: list[tuple[int, int | None, int | None, float | None]] = field(default_factory=list)
    members: list[tuple[str, int] | None] = field(default_factory=list)


def plan_update(
    x: NDArray[np.float32],
    states: Sequence[int | None],
    themes: Sequence[tuple[int, NDArray[np.float32]]],
    *,
    assign: float = ASSIGN,
    merge: float = MERGE,
    min_size: int = MIN_SIZE,
    max_sample: int = MAX_SAMPLE,
) -> Plan:
    """The update of one brand's themes (see the module); ``x`` centred unit rows."""
    plan = Plan()
    members: list[tuple[str, int] | None] = [("theme", s) if s is not None and s != NEW else None for s in states]
    state = np.array([NEW if s is None or s == NEW else s for s in states], dtype=np.int64)
    is_new = np.array([s == NEW for s in states], dtype=bool)
    ids = [tid for tid, _c in themes]
    for tid, stored in themes:
        rows = np.flatnonzero((state == tid) & ~is_new)
        plan.centroids[tid] = unit(x[rows].mean(axis=0)) if len(rows) else stored.astype(np.float32)
    cents = np.array([plan.centroids[t] for t in ids], dtype=np.float32).reshape(len(ids), x.shape[1])

    # 2. new mentions join the closest theme when close enough
    new_rows = np.flatnonzero(is_new)
    best, sims = nearest(x[new_rows], cents)
    fits = sims >= assign
    for r, b, s in zip(new_rows[fits], best[fits], sims[fits], strict=True):
        plan.assign.append((int(r), ids[int(b)], None, float(s)))
        members[int(r)] = ("theme", ids[int(b)])

    # 3. the pool: whatever fits no theme
    unfitted = np.array([s is None for s in states], dtype=bool)
    pool = np.concatenate([new_rows[~fits], np.flatnonzero(unfitted)])
    pool.sort()
    placed: dict[int, tuple[int | None, int | None, float]] = {}
    group_cents: list[NDArray[np.float32]] = []
    if len(pool) >= min_size:
        picked = pool[sample(len(pool), max_sample)]
        need = max(min_size, math.ceil(MIN_SHARE * len(picked)))
        for g in discover(x[picked], min_size=need):
            rows = picked[g]
            c = unit(x[rows].mean(axis=0))
            b, s = nearest(c[None, :], cents)
            if len(ids) and s[0] >= merge:
                target: tuple[int | None, int | None] = (ids[int(b[0])], None)
            else:
                target = (None, len(plan.new))
                plan.new.append(c)
                group_cents.append(c)
            for r in rows:
                placed[int(r)] = (*target, float(x[r] @ (c if target[1] is not None else cents[int(b[0])])))
    # the rest of the pool joins the closest of all the themes, old and new, when close enough
    every = np.vstack([cents, *[g[None, :] for g in group_cents]]) if group_cents else cents
    rest = np.array([r for r in pool if int(r) not in placed], dtype=np.intp)
    best, sims = nearest(x[rest], every)
    for r, b, s in zip(rest, best, sims, strict=True):
        if s >= assign:
            placed[int(r)] = (ids[int(b)], None, float(s)) if b < len(ids) else (None, int(b) - len(ids), float(s))
    for row in pool:
        r = int(row)
        if r in placed:
            theme_id, k, cos = placed[r]
            plan.assign.append((r, theme_id, k, cos))
            members[r] = ("theme", theme_id) if theme_id is not None else ("new", k if k is not None else 0)
        elif is_new[r]:
            plan.assign.append((r, None, None, None))  # looked at: fits none (yet)
    plan.members = members
    return plan


__all__ = ["NEW", "Plan", "plan_update"]
