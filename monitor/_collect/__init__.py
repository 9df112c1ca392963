"""Collection: every enabled source → pages → mentions → brands → languages → the store.

Layers (each imports only those above it, so there is no cycle):

- :mod:`~monitor._collect.reports` — what a run reports (:class:`SourceReport`, :class:`CollectReport`);
- :mod:`~monitor._collect.ports` — the seams: the index (:class:`CollectIndex`) with its store,
  progress (:class:`ProgressSink`);
- :mod:`~monitor._collect.backlog` — the cursor of a walk stopped at ``max_pages``;
- :mod:`~monitor._collect.runner` — :class:`SourceRunner`: walks sources in one process and stores them;
- :mod:`~monitor._collect.shards` — worker processes, each running a :class:`SourceRunner`;
- :mod:`~monitor._collect.collector` — :class:`Collector`: a run (its Run record), in this
  process or spread over workers; :func:`collect` / :func:`collect_async`.
"""

from .collector import Collector, CollectorOptions, collect, collect_async, select_sources
from .ports import CollectIndex, CollectStore, ProgressSink
from .reports import CollectReport, SourceReport
from .runner import SourceRunner

__all__ = [
    "CollectIndex",
    "CollectReport",
    "CollectStore",
    "Collector",
    "CollectorOptions",
    "ProgressSink",
    "SourceReport",
    "SourceRunner",
    "collect",
    "collect_async",
    "select_sources",
]
