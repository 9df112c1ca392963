"""What a worker process keeps between tasks: its config, its index and its model.

``monitor worker`` installs a :class:`WorkerRuntime` before Celery forks its pool; each
pool process then opens its own database connections (:meth:`WorkerRuntime.index`) and
loads the model once, at its first scoring task, and keeps it for its life
(:meth:`WorkerRuntime.classifier`). Both are per process: a forked child never uses its
parent's connections (``worker_process_init`` drops them, and the owner's pid is checked).
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from monitor._config import Config
from monitor.errors import ConfigError, SchedulerError

if TYPE_CHECKING:
    from monitor._api import MentionIndex
    from monitor._embed import Embedder
    from monitor._sentiment.adapted import WorkspaceModel
    from monitor._sentiment.classifier import Classifier

log = logging.getLogger(__name__)

#: Builds the model (the configured one by default; ``--classifier module:callable`` in tests).
ClassifierFactory = Callable[[], "Classifier"]


def resolve_factory(ref: str) -> ClassifierFactory:
    """``"package.module:callable"`` → that callable (it takes no argument and returns a Classifier)."""
    module, _, name = ref.partition(":")
    if not module or not name:
        raise ConfigError(f"--classifier {ref!r}: expected package.module:callable")
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"--classifier {ref!r}: cannot import it: {exc}") from None
    if not callable(found):
        raise ConfigError(f"--classifier {ref!r} is not callable")
    factory: ClassifierFactory = found
    return factory


@dataclass
class WorkerRuntime:
    """One worker's config, and per pool process its index and model."""

    cfg: Config
    classifier_factory: ClassifierFactory | None = None
    #: The themes step's embedder (default: the base encoder, unless the model is a stand-in).
    embedder_factory: Callable[[], Embedder] | None = None
    _pid: int = 0
    _idx: MentionIndex | None = None
    _clf: Classifier | None = None
    _model: WorkspaceModel | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _own(self) -> None:
        """Forget what a parent process opened (a forked child must not share its connections)."""
        if self._pid != os.getpid():
            self._pid, self._idx, self._clf, self._model = os.getpid(), None, None, None

    def index(self) -> MentionIndex:
        """This process's index on the shared database (opened at first use; migrated by the worker)."""
        from monitor._api import MentionIndex

        with self._lock:
            self._own()
            if self._idx is None:
                self._idx = MentionIndex.open(self.cfg, migrate=False)
            return self._idx

    def classifier(self) -> Classifier:
        """This process's model, loaded at its first scoring task and kept; loaded again when the
        workspace adopts an adapted model or reverts (``monitor model adapt``)."""
        if self.classifier_factory is None:
            store = self.index().store  # before the lock: index() takes it too
        with self._lock:
            self._own()
            if self.classifier_factory is not None:
                clf = self._clf if self._clf is not None else self.classifier_factory()
            else:
                if self._model is None:
                    from monitor._sentiment.adapted import WorkspaceModel

                    self._model = WorkspaceModel(self.cfg.model)
                clf = self._model.get(store)
            if clf is not self._clf:
                log.info("model %s@%s loaded in process %d", clf.model_id, clf.model_version, self._pid)
                self._clf = clf
            return clf

    def embedder(self) -> Embedder | None:
        """This process's embedder for the themes step (loaded once, at its first use); None when
        themes are off, or the model is a stand-in given without an embedder."""
        if not self.cfg.themes.enabled:
            return None
        if self.embedder_factory is not None:
            return self.embedder_factory()
        if self.classifier_factory is not None:
            return None
        from monitor._pipeline.themes import shared_embedder

        return shared_embedder()

    def forget(self) -> None:
        """Drop this process's handles (after a fork, or at exit)."""
        with self._lock:
            if self._idx is not None and self._pid == os.getpid():
                self._idx.close()
            self._pid, self._idx, self._clf, self._model = os.getpid(), None, None, None


_runtime: WorkerRuntime | None = None


def install(rt: WorkerRuntime | None) -> None:
    """Make ``rt`` what this process's tasks use (None: uninstall)."""
    global _runtime
    _runtime = rt


def current() -> WorkerRuntime:
    """The installed runtime; tasks run only inside ``monitor worker``."""
    if _runtime is None:
        raise SchedulerError("monitor tasks run only inside `monitor worker` (no worker runtime installed)")
    return _runtime


def process_init(**_kwargs: object) -> None:
    """Celery's ``worker_process_init``: a new pool process starts without its parent's handles."""
    if _runtime is not None:
        _runtime._own()


__all__ = ["ClassifierFactory", "WorkerRuntime", "current", "install", "process_init", "resolve_factory"]
