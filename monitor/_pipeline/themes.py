"""The themes step: embed the mentions that have no vector yet, then update every brand's themes.

It runs after scoring (``monitor run --once``, and the scheduler's collect jobs); the vectors
it stores (:class:`~monitor._store.vectors.MentionVectors`) are every reader's, themes and
aspects alike. A ``stop`` event ends it after the current batch's write.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from monitor._config import Config
from monitor._embed import EmbedderFactory, shared_embedder
from monitor._pipeline.results import StepResult
from monitor._pipeline.steps import check_stop, log_failure
from monitor._store import Engine, Store
from monitor._store.vectors import MentionVectors
from monitor.errors import Interrupted

if TYPE_CHECKING:
    from monitor._embed import Embedder


class ThemesIndex(Protocol):
    """The index as the themes step sees it: its engine, its store (runs, brand ids), its brands."""

    @property
    def engine(self) -> Engine: ...

    @property
    def store(self) -> Store: ...

    def brands(self) -> list[str]: ...


def embed_missing(
    vectors: MentionVectors, embedder: Embedder, *, batch: int = 256, stop: threading.Event | None = None
) -> int:
    """Embed and store every mention without a vector of the embedder's version; how many."""
    done = 0
    while True:
        check_stop(stop)
        rows = vectors.missing_vectors(batch)
        if not rows:
            return done
        vectors.store_vectors([i for i, _t, _l in rows], embedder.embed([t for _i, t, _l in rows]))
        done += len(rows)
        if len(rows) < batch:
            return done


def themes_step(
    idx: ThemesIndex,
    cfg: Config,
    load: EmbedderFactory,
    *,
    now: datetime | None = None,
    stop: threading.Event | None = None,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> StepResult:
    """Embed new mentions, then update each brand's themes (one run row, kind ``themes``)."""
    from monitor._themes.update import update_themes

    step = StepResult("themes")
    run_id = idx.store.start_run("themes")
    step.run_id = run_id
    counts = {"embedded": 0, "assigned": 0, "new_themes": 0, "unfitted": 0, "themes": 0}
    names = dict(aliases) if aliases is not None else {b.name: list(b.aliases) for b in cfg.brands}
    try:
        embedder = load()
        step.details["embedder"] = embedder.version
        vectors = MentionVectors(idx.engine, embedder.version, embedder.dim)
        counts["embedded"] = embed_missing(vectors, embedder, stop=stop)
        at = now or datetime.now(UTC)
        for brand in idx.brands():
            check_stop(stop)
            brand_id = idx.store.brand_id(brand)
            if brand_id is None:
                continue
            run = update_themes(
                idx.engine,
                brand_id,
                brand,
                names.get(brand, []),
                version=embedder.version,
                dim=embedder.dim,
                now=at,
                window_days=cfg.themes.window_days,
            )
            counts["assigned"] += run.assigned
            counts["new_themes"] += run.new_themes
            counts["unfitted"] += run.unfitted
            counts["themes"] += run.themes
    except Interrupted:
        step.status = "interrupted"
    except Exception as exc:
        log_failure("themes failed", exc)
        step.status, step.errors = "failed", [f"{type(exc).__name__}: {exc}"]
    step.counts = dict(counts)
    idx.store.finish_run(run_id, step.status, step.counts, step.errors)
    if step.status == "interrupted":
        raise Interrupted
    return step


__all__ = ["EmbedderFactory", "ThemesIndex", "embed_missing", "shared_embedder", "themes_step"]
