"""One brand's theme update against the store: read its window, plan (pure), name, write.

:func:`update_themes` is what the pipeline's themes step runs for each brand after the new
mentions' vectors are stored; it is idempotent (a second run finds nothing new to place).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor._store import Engine
from monitor._store import themes as theme_store
from monitor._themes.cluster import centre, sample
from monitor._themes.plan import plan_update
from monitor._themes.terms import brand_words, distinctive_terms, gist

#: Where a theme whose terms are all stop words gets its name from.
UNNAMED = "theme"
#: Themes are named from at most this many of the window's mentions (spread evenly): term
#: statistics settle long before, and reading and tokenising every text of a big window costs.
NAMING_SAMPLE = 10_000


@dataclass(frozen=True, slots=True)
class ThemeRun:
    """What one brand's update did: the window's size, mentions placed, themes created, left unfitted."""

    brand: str
    window: int
    assigned: int
    new_themes: int
    unfitted: int
    themes: int


def _unique(name: str, taken: set[str]) -> str:
    out, n = name, 2
    while out in taken:
        out, n = f"{name} ({n})", n + 1
    taken.add(out)
    return out


def update_themes(
    engine: Engine,
    brand_id: int,
    brand: str,
    names: Iterable[str],
    *,
    version: str,
    dim: int,
    now: datetime,
    window_days: int = 30,
) -> ThemeRun:
    """Place the brand's new mentions (those with a vector of ``version`` published in the last
    ``window_days``) in its themes, create the themes that appear, renew terms and centroids."""
    win = theme_store.window(engine, brand_id, now - timedelta(days=window_days), version, dim)
    stored = theme_store.brand_themes(engine, brand_id)
    if not win.ids:
        return ThemeRun(brand, 0, 0, 0, 0, len(stored))
    usable = [(t.id, t.centroid) for t in stored if t.version == version and t.centroid.shape == (dim,)]
    x = centre(win.vectors, win.langs, win.kinds)
    plan = plan_update(x, win.theme_ids, usable)

    named = sample(len(win.ids), NAMING_SAMPLE)
    read = theme_store.texts(engine, [win.ids[int(r)] for r in named])
    terms = distinctive_terms(
        [(plan.members[int(r)], win.langs[int(r)], read.get(win.ids[int(r)], "")) for r in named],
        exclude=brand_words([brand, *names]),
    )
    volume: dict[tuple[str, int], Counter[str]] = {}
    for m, lang in zip(plan.members, win.langs, strict=True):
        if m is not None:
            volume.setdefault(m, Counter())[lang or ""] += 1
    writes = theme_store.ThemeWrites()
    taken = {t.name for t in stored}
    for k, c in enumerate(plan.new):
        t = terms.get(("new", k), {})
        g = gist(t, volume.get(("new", k), Counter()))
        name = _unique(g or f"{UNNAMED} {len(stored) + k + 1}", taken)
        writes.new.append(theme_store.NewTheme(name=name, gist=g, terms=t, centroid=c))
    added = Counter(tid for _r, tid, _k, _s in plan.assign if tid is not None)
    for old in stored:
        key = ("theme", old.id)
        if key not in volume or old.id not in plan.centroids:
            continue  # no member in the window: as it was
        now_terms = terms.get(key, old.terms)
        writes.changed.append(
            theme_store.ThemeUpdate(
                old.id,
                gist(now_terms, volume[key]) or old.gist,
                now_terms,
                plan.centroids[old.id],
                added.get(old.id, 0),
            )
        )
    writes.assign = [(win.ids[r], tid, k, s) for r, tid, k, s in plan.assign]
    theme_store.save(engine, brand_id, version, writes, now=now)
    placed = sum(1 for _r, tid, k, _s in plan.assign if tid is not None or k is not None)
    return ThemeRun(
        brand=brand,
        window=len(win.ids),
        assigned=placed,
        new_themes=len(plan.new),
        unfitted=sum(1 for m in plan.members if m is None),
        themes=len(stored) + len(plan.new),
    )


__all__ = ["NAMING_SAMPLE", "UNNAMED", "ThemeRun", "update_themes"]
