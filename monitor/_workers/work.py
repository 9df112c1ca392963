"""What each task does, against the store: plain functions, no broker (tested in-process too).

Every function can run twice with the same arguments and change nothing the second time:

- :func:`collect_group` walks a host's sources holding the host's slot (one collection
  per host anywhere, the minimum interval kept between them); ingest is idempotent on
  (source, external id) and a source's cursor moves only when its walk completes;
- :func:`score_batch` scores the ids the model version has not scored (a score already
  stored is ignored);
- :func:`refresh` recomputes dirty brand-days (concurrent refreshers take disjoint days);
- :func:`themes` embeds the mentions without a vector and places them in themes (a mention
  already placed stays; run by the scoring sweep, where the model lives), then
  :func:`aspects` tags the untagged ones from those vectors (a tagged mention is skipped);
- :func:`digest` is skipped once the day's digest is written, and each delivery is made
  once (the delivery ledger).

Each records a run row as the embedded pipeline does (``collect``, ``score``, ``digest``;
``refresh`` when it refreshed something).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from monitor._collect import CollectIndex, Collector, CollectReport
from monitor._collect.shards import politeness_key
from monitor._config import Config
from monitor._http import HttpClient
from monitor._labels import counts_in_index
from monitor._liveness import process_owner
from monitor._ports import JSONObject
from monitor._records import Mention
from monitor._store import IngestResult, Store
from monitor._store import score_batches as batches
from monitor._store.hostslots import try_hold
from monitor._workers.runtime import WorkerRuntime

log = logging.getLogger("monitor._workers")

#: Mentions a sweep hands out at most in one go (the next sweep goes on).
SWEEP_LIMIT = 100_000


class RecordingStore(Store):
    """The store, noting the ids of the mentions each write added (they go to scoring)."""

    def __init__(self, store: Store) -> None:
        super().__init__(store.engine, store.tz, label_from_rating=store.label_from_rating)
        self.new_ids: list[int] = []

    def add_mentions(
        self,
        brand: str,
        source: str,
        items: Sequence[Mention],
        *,
        source_kind: str | None = None,
        now: datetime | None = None,
    ) -> IngestResult:
        res = super().add_mentions(brand, source, items, source_kind=source_kind, now=now)
        self.new_ids.extend(res.mention_ids)
        return res


@dataclass
class RecordingIndex:
    """A :class:`~monitor._collect.CollectIndex` whose store notes the new mentions' ids."""

    base: CollectIndex
    recorder: RecordingStore

    @property
    def store(self) -> RecordingStore:
        return self.recorder

    def sync_config(self, cfg: Config) -> None:
        self.base.sync_config(cfg)

    def refresh(self) -> int:
        return self.base.refresh()


@dataclass
class CollectOutcome:
    """What a collection task did: its run's counts, and the mention ids that wait for scoring
    (``errors``: one line per source not fully collected; ``sources``: each one's status)."""

    status: str
    counts: JSONObject = field(default_factory=dict)
    to_score: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)


async def _walk(cfg: Config, index: RecordingIndex, sources: Sequence[str]) -> CollectReport:
    store = index.store
    chosen = [cfg.source(n) for n in sources]
    async with HttpClient(cfg.http, validators=store, robots_store=store) as http:
        return await Collector(cfg, index, http=http, workers=1).run(chosen)


def collect_group(rt: WorkerRuntime, sources: Sequence[str], *, again: bool = False) -> CollectOutcome | None:
    """Collect ``sources`` (one host's) holding the host's slot; None when another worker holds it.

    ``again``: this task ran before and may have died after storing mentions: the sources'
    never-scored mentions go to scoring too, not only those this run added.
    """
    cfg, idx = rt.cfg, rt.index()
    key = politeness_key(cfg.source(sources[0]))
    hold = try_hold(idx.engine, key)
    if hold is None:
        return None
    recorder = RecordingStore(idx.store)
    try:
        wait = hold.wait_s(cfg.http.min_interval_s)
        if wait > 0:
            time.sleep(wait)
        report = asyncio.run(_walk(cfg, RecordingIndex(idx, recorder), sources))
    finally:
        hold.release(process_owner())
    ids = list(recorder.new_ids)
    if again:
        ids = sorted(set(ids) | set(batches.unscored_ids(idx.engine, sources, SWEEP_LIMIT)))
    counts: JSONObject = {**report.totals(), "run": report.run_id}
    statuses: dict[str, str] = {r.name: str(r.status) for r in report.sources}
    return CollectOutcome(report.status, counts, ids, report.errors(), statuses)


def record_failed_sources(rt: WorkerRuntime, sources: Sequence[str], reason: str) -> None:
    """A collection task that failed for good: its sources show it in their health (and the digest)."""
    store = rt.index().store
    for name in sources:
        try:
            store.record_source_result(name, "failed", reason)
        except Exception:
            log.exception("cannot record source %s as failed", name)


def score_batch(rt: WorkerRuntime, ids: Sequence[int]) -> JSONObject:
    """Score the mentions of ``ids`` the model version has yet to score; one run row."""
    idx = rt.index()
    store = idx.store
    run_id = store.start_run("score")
    counts: JSONObject = {"ids": len(ids), "scored": 0, "counted": 0, "unscored": 0}
    try:
        clf = rt.classifier()
        rows = batches.scoring_texts(idx.engine, ids, clf.model_id, clf.model_version)
        if rows:
            preds = clf.predict([t for _, t, _ in rows], langs=[lang for _, _, lang in rows])
            threshold = rt.cfg.model.confidence_threshold
            items = [
                (mid, p, counts_in_index(p, lang, threshold)) for (mid, _t, lang), p in zip(rows, preds, strict=True)
            ]
            new = store.add_scores(items)
            counted = sum(1 for _, _, c in items if c)
            counts.update(scored=new, counted=counted, unscored=len(items) - counted)
    except BaseException as exc:
        store.finish_run(run_id, "failed", counts, [f"{type(exc).__name__}: {exc}"])
        raise
    store.finish_run(run_id, "ok", counts, [])
    return counts


def sweep(rt: WorkerRuntime) -> list[int]:
    """Ids of mentions the model version has yet to score (a lost task's, an older version's)."""
    clf = rt.classifier()
    return batches.pending_ids(rt.index().engine, clf.model_id, clf.model_version, SWEEP_LIMIT)


def themes(rt: WorkerRuntime) -> JSONObject | None:
    """Embed the mentions without a vector and update every brand's themes (a ``themes`` run
    row); None when the worker has no embedder (themes off, or a stand-in model)."""
    from monitor._pipeline.themes import themes_step

    emb = rt.embedder()
    if emb is None:
        return None
    step = themes_step(rt.index(), rt.cfg, lambda: emb)
    return {"status": step.status, **step.counts, "errors": list(step.errors)}


def aspects(rt: WorkerRuntime) -> JSONObject | None:
    """Tag the mentions not tagged yet with their aspects (an ``aspects`` run row), reading the
    vectors the themes step stored; None when it needs an embedder this worker does not have
    (a stand-in model given without one)."""
    from monitor._pipeline.aspects import aspects_step

    factory = rt.embedder_factory
    if factory is None and rt.classifier_factory is not None and rt.cfg.aspects.embedding:
        return None
    step = aspects_step(rt.index().store, rt.cfg, embedder=factory)
    return {"status": step.status, **step.counts, "errors": list(step.errors)}


def refresh(rt: WorkerRuntime, *, alerts: bool = False) -> JSONObject:
    """Recompute the snapshots of dirty brand-days (a run row when any was): ``snapshots``;
    with ``alerts``, also every brand's alerts, as the embedded pass's refresh step does."""
    idx = rt.index()
    started = time.monotonic()
    out: JSONObject
    if alerts:
        from monitor._pipeline import refresh_step

        step, _alerts = refresh_step(idx, rt.cfg)
        out = {**step.counts, "by_brand": step.details.get("alerts", {})}
    else:
        out = {"snapshots": idx.refresh()}
    n = out["snapshots"]
    if isinstance(n, int) and n:
        run_id = idx.store.start_run("refresh")
        idx.store.finish_run(run_id, "ok", {"brand_days": n, "seconds": round(time.monotonic() - started, 3)}, [])
    return out


def digest(
    rt: WorkerRuntime,
    day: date,
    *,
    brands: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    scheduled: bool = True,
) -> JSONObject:
    """Write and deliver the digest of ``day`` (a scheduled one only while not written yet).

    ``status``, the step's ``counts`` (``html``: the file written), ``errors`` and ``details``
    (where each channel delivered).
    """
    from monitor._pipeline import digest_step, digest_written

    idx = rt.index()
    if scheduled and digest_written(idx.store, day):
        return {"status": "skipped", "counts": {"day": day.isoformat(), "reason": "already written"}}
    step, _report = digest_step(
        idx, rt.cfg, day, brands=brands, channels=channels, now=datetime.now(UTC), scheduled=scheduled
    )
    return {"status": step.status, "counts": step.counts, "errors": step.errors, "details": step.details}


__all__ = [
    "SWEEP_LIMIT",
    "CollectOutcome",
    "RecordingIndex",
    "RecordingStore",
    "aspects",
    "collect_group",
    "digest",
    "record_failed_sources",
    "refresh",
    "score_batch",
    "sweep",
    "themes",
]
