"""The whole pass: collect → score → tag aspects → refresh index and alerts → digest (when due, or forced)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from monitor._config import Config
from monitor._embed import EmbedderFactory, as_factory, shared_embedder
from monitor._pipeline.aspects import aspects_step
from monitor._pipeline.due import digest_written, due_report_day
from monitor._pipeline.outcome import log_step
from monitor._pipeline.ports import ClassifierFactory, CollectFn
from monitor._pipeline.results import PipelineResult, StepResult
from monitor._pipeline.steps import check_stop, collect_step, digest_step, refresh_step, score_step
from monitor._pipeline.themes import themes_step
from monitor._sentiment.adapted import MetaReader
from monitor._sentiment.classifier import Classifier
from monitor.errors import Interrupted

if TYPE_CHECKING:
    from monitor._api import MentionIndex
    from monitor._embed import Embedder

log = logging.getLogger("monitor._pipeline")

#: ``auto``: the digest when due; ``force``: the digest of ``digest_day`` (default today) now; ``skip``.
DigestMode = Literal["auto", "force", "skip"]


def _factory(cfg: Config, classifier: Classifier | None, meta: MetaReader) -> ClassifierFactory:
    """The given model, or the workspace's (the configured one, or its adapted one), loaded when scoring starts."""
    if classifier is not None:
        given = classifier

        def use_given() -> Classifier:
            return given

        return use_given
    from monitor._sentiment.adapted import workspace_classifier

    model_cfg = cfg.model

    def load_configured() -> Classifier:
        return workspace_classifier(model_cfg, meta)

    return load_configured


def run_once(
    cfg: Config,
    *,
    idx: MentionIndex | None = None,
    classifier: Classifier | None = None,
    now: datetime | None = None,
    stop: threading.Event | None = None,
    digest: DigestMode = "auto",
    digest_day: date | None = None,
    collect: bool = True,
    collect_fn: CollectFn | None = None,
    out_dir: str | None = None,
    on_step: Callable[[StepResult], None] | None = None,
    relax_loopback: bool = False,
    embedder: Embedder | EmbedderFactory | None = None,
) -> PipelineResult:
    """collect → score → tag aspects → refresh index and alerts → digest (when due, or ``force``).

    ``idx`` defaults to the config's database (opened and closed here); ``classifier`` to
    the configured model, loaded when scoring starts; ``embedder`` to the base encoder,
    loaded when there are mentions to tag with aspects. Each step ends with its outcome line
    in the log (:mod:`monitor._pipeline.outcome`).

    The themes step (after scoring, when ``themes.enabled``) embeds with ``embedder``, by
    default the base encoder; a caller that brings its own ``classifier`` (a stand-in
    model) and no ``embedder`` gets no themes step.
    """
    own = idx is None
    given_factory = as_factory(embedder)
    if idx is None:
        from monitor._api import MentionIndex

        idx = MentionIndex.open(cfg)
    load = _factory(cfg, classifier, idx.store)
    result = PipelineResult()
    started = time.monotonic()

    def done(step: StepResult) -> None:
        nonlocal started
        step.duration_s = time.monotonic() - started  # the steps run one after the other
        started = time.monotonic()
        log_step(step)
        result.steps.append(step)
        if on_step is not None:
            on_step(step)

    try:
        if collect:
            done(collect_step(idx, cfg, stop=stop, collect_fn=collect_fn, relax_loopback=relax_loopback))
            check_stop(stop)
        done(score_step(idx, cfg, load, stop=stop))
        check_stop(stop)
        embed = given_factory or (shared_embedder if classifier is None else None)
        if cfg.themes.enabled and embed is not None:
            done(themes_step(idx, cfg, embed, now=now, stop=stop))  # stores the new mentions' vectors
            check_stop(stop)
        done(aspects_step(idx.store, cfg, embedder=given_factory, stop=stop))  # reads them
        check_stop(stop)
        at = now or datetime.now(UTC)
        refresh, result.alerts = refresh_step(idx, cfg, now=at)
        done(refresh)
        check_stop(stop)
        if digest != "skip":
            runs = idx.store
            day: date | None
            if digest == "force":
                day = digest_day or at.astimezone(ZoneInfo(cfg.index.timezone)).date()
            else:
                day = digest_day or due_report_day(at, cfg.digest, lambda d: digest_written(runs, d))
            if day is None:
                done(StepResult("digest", status="skipped", counts={"reason": "not due"}))
            else:
                step, report = digest_step(idx, cfg, day, now=at, out_dir=out_dir, scheduled=digest == "auto")
                if report is not None:
                    result.digest_paths.append(str(report.files.html))
                done(step)
    except Interrupted:
        result.interrupted = True
        log.warning("run interrupted: stopped after the current write")
    finally:
        if own:
            idx.close()
    return result


__all__ = ["DigestMode", "run_once"]
