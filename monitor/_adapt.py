"""``monitor model adapt``: learn from the team's own labels, adopt only where it helps.

1. Gather the workspace's labels (:meth:`~monitor._store.Store.team_labels`: a person's
   labels, and the stars of rated mentions); refuse below ``min_labels``.
2. Cross-validate: k adapters, each fine-tuned from the shipped model on the other folds
   (:mod:`monitor._sentiment.adapt_train`), against the shipped model on the same labels.
3. Decide per language (:mod:`monitor._sentiment.adapt_verdict`).
4. Unless ``dry_run`` or no language won: fine-tune on every label, save the model folder
   under the workspace's folder (``adapted-models/<version>/``) and record it in the store
   (:data:`~monitor._sentiment.adapted.ADAPTED_KEY`, its files under ``FILES_KEY`` for
   hosts that do not see the folder); scoring then routes the adopted
   languages to it under a new version. :func:`revert` goes back to the shipped model.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from monitor._config import Config
from monitor._labels import LABELS, MANUAL
from monitor._sentiment.adapt_train import AdaptSettings, auto_epochs
from monitor._sentiment.adapt_verdict import Comparison, adopted_languages, compare, decide
from monitor._sentiment.adapted import ADAPTED_KEY, FILES_KEY, AdaptedRecord, pack_folder, read_record, routed_digest
from monitor._store import TeamLabel
from monitor.errors import ConfigError, ModelError

MIN_LABELS = 50
ADAPTED_DIR = "adapted-models"


class AdaptStore(Protocol):
    """What adapting needs of the store: the team's labels and the meta table."""

    def team_labels(self) -> list[TeamLabel]: ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def delete_meta(self, key: str) -> None: ...


@dataclass
class AdaptReport:
    """What an adapt run found and did."""

    labels: int
    origins: dict[str, int]
    languages: dict[str, int]
    shipped_version: str
    comparisons: list[Comparison] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    version: str | None = None  # the new version when adopted
    path: str | None = None
    dry_run: bool = False
    seconds: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": self.labels,
            "origins": self.origins,
            "languages": self.languages,
            "shipped_version": self.shipped_version,
            "comparisons": [c.to_dict() for c in self.comparisons],
            "adopted": self.adopted,
            "version": self.version,
            "path": self.path,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 1),
            "settings": self.settings,
        }


def workspace_dir(cfg: Config) -> Path:
    """The workspace's folder: a SQLite database's, else the config file's, else the current one."""
    url = cfg.database_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///")).resolve().parent
    if cfg.path is not None:
        return cfg.path.parent
    return Path.cwd()


def gather(store: AdaptStore, min_labels: int) -> list[TeamLabel]:
    """The team's labels, or :class:`ConfigError` naming how many there are when they are too few."""
    labels = store.team_labels()
    if len(labels) < min_labels:
        manual = sum(1 for t in labels if t.origin == MANUAL)
        raise ConfigError(
            f"model adapt needs at least {min_labels} labelled mentions; this workspace has {len(labels)} "
            f"({manual} labelled by people, {len(labels) - manual} by their stars). "
            "Label more mentions in the dashboard, or collect more rated reviews"
        )
    return labels


def adapt(
    cfg: Config,
    store: AdaptStore,
    settings: AdaptSettings,
    *,
    min_labels: int = MIN_LABELS,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    log: Callable[[str], None] = print,
) -> AdaptReport:
    """Cross-validate an adapter on the team's labels; adopt it where it is better (not on ``dry_run``)."""
    from monitor._sentiment.adapt_train import Adapter, cross_validate, cv_steps
    from monitor._sentiment.artifacts import ModelMeta, artifact_digest, find_model_dir
    from monitor._sentiment.classifier import score_version
    from monitor._sentiment.convert import ensure_base

    settings.check()
    if cfg.model.backend != "embedded":
        raise ConfigError(f"model adapt adapts the embedded model; model.backend is {cfg.model.backend!r}")
    started = time.monotonic()
    labels = gather(store, min_labels)
    if settings.folds > len(labels):
        raise ConfigError(f"--folds {settings.folds}: more folds than the {len(labels)} labels")
    if not settings.epochs:
        settings = replace(settings, epochs=auto_epochs(len(labels)))
    model_dir = find_model_dir(cfg.model.name, cfg.model.path)
    meta = ModelMeta.read(model_dir)
    shipped_version = score_version(meta.version, artifact_digest(model_dir, meta), "fp32")
    report = AdaptReport(
        labels=len(labels),
        origins=dict(Counter(t.origin for t in labels)),
        languages=dict(Counter(t.lang or "?" for t in labels).most_common()),
        shipped_version=shipped_version,
        dry_run=dry_run,
        settings=settings.as_dict(),
    )
    ys = [LABELS.index(t.label) for t in labels]
    langs = [t.lang for t in labels]
    model = Adapter(ensure_base(), model_dir, prefix=meta.prefix, max_length=meta.max_length, s=settings)
    model.prepare([t.text for t in labels], log)
    total = cv_steps(model, len(labels)) - (model.steps(len(labels)) if dry_run else 0)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    cv = cross_validate(model, ys, langs, step)
    report.comparisons = [decide(c) for c in compare(ys, cv.shipped, cv.adapted, langs, seed=settings.seed)]
    report.adopted = adopted_languages(report.comparisons)
    if not dry_run and report.adopted:
        model.fit(list(range(len(labels))), ys, settings.seed + settings.folds, step)
        record = _publish(cfg, store, model, meta, shipped_version, report)
        report.version, report.path = record.version, record.path
    report.seconds = time.monotonic() - started
    return report


def _publish(
    cfg: Config, store: AdaptStore, model: Any, meta: Any, shipped_version: str, report: AdaptReport
) -> AdaptedRecord:
    """Save the fitted adapter as a model folder, then record its adoption in the store."""
    from monitor._sentiment.artifacts import artifact_digest

    root = workspace_dir(cfg) / ADAPTED_DIR
    work = root / ".adapting"
    try:
        if work.exists():
            shutil.rmtree(work)
        root.mkdir(parents=True, exist_ok=True)
        model.save(work)
    except OSError as exc:
        raise ModelError(f"cannot write the adapted model under {root}: {exc}") from exc
    number = 1 + sum(1 for p in root.iterdir() if p.is_dir() and "-ws" in p.name)
    meta.version = f"{meta.version}-ws{number}"
    meta.metrics = {"workspace_cv": [c.to_dict() for c in report.comparisons]}
    meta.training = {"adapted_from": shipped_version, "labels": report.labels, **report.settings}
    meta.write(work)
    digest = routed_digest(artifact_digest(work, meta), shipped_version, report.adopted)
    version = f"{meta.version}+{digest}"
    final = root / version
    try:
        if final.exists():
            shutil.rmtree(final)
        work.rename(final)
    except OSError as exc:
        raise ModelError(f"cannot move the adapted model to {final}: {exc}") from exc
    record = AdaptedRecord(
        version=version,
        model_version=meta.version,
        path=str(final),
        languages=report.adopted,
        shipped_version=shipped_version,
        labels=report.labels,
        adopted_at=datetime.now(UTC).isoformat(timespec="seconds"),
        comparisons=[c.to_dict() for c in report.comparisons],
    )
    store.set_meta(FILES_KEY, pack_folder(final))  # first: a host without the folder reads it there
    store.set_meta(ADAPTED_KEY, record.to_json())
    return record


def revert(store: AdaptStore) -> AdaptedRecord | None:
    """Go back to the shipped model; the record of the adapter dropped (``None``: none was adopted).

    Its folder stays on disk, and its scores stay in the score history."""
    record = read_record(store)
    if record is not None:
        store.delete_meta(ADAPTED_KEY)
    store.delete_meta(FILES_KEY)
    return record


__all__ = ["ADAPTED_DIR", "MIN_LABELS", "AdaptReport", "AdaptStore", "adapt", "gather", "revert", "workspace_dir"]
