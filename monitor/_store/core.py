"""The :class:`Store`: every write (and the small reads writers need) over one engine.

Each concern lives in its own module (registry, ingest, labels, the stars' labels, scores,
source state, runs, meta, rollups, shared robots.txt files, complaints' answers, aspect tags); the Store
joins them over one engine and index timezone. It implements every port of
:mod:`monitor._ports` (the store as collection, scoring and the scheduled jobs see it).
"""

from __future__ import annotations

from datetime import datetime

from monitor._records import AggregateRating
from monitor._store import listings, ratings
from monitor._store.answers import AnswersStore
from monitor._store.aspects import AspectsStore
from monitor._store.ingest import IngestStore
from monitor._store.labels import LabelsStore
from monitor._store.rating_labels import RatingLabelsStore
from monitor._store.relabels import RelabelsStore
from monitor._store.robots_files import RobotsFilesStore
from monitor._store.rollups import RollupsStore
from monitor._store.runs import RunsStore
from monitor._store.scores import ScoresStore
from monitor._store.sources_state import SourcesStateStore
from monitor._store.team_labels import TeamLabelsStore


class Store(
    IngestStore,
    RelabelsStore,
    RatingLabelsStore,
    LabelsStore,
    AnswersStore,
    AspectsStore,
    ScoresStore,
    SourcesStateStore,
    RunsStore,
    RollupsStore,
    RobotsFilesStore,
    TeamLabelsStore,
):
    """All writes (and the small reads writers need) over one engine."""

    def recent_runs(self, limit: int = 20, kind: str | None = None) -> list[listings.RunRecord]:
        """The latest runs (of ``kind`` when given), newest first."""
        return listings.recent_runs(self.engine, limit, kind)

    def record_rating(self, source: str, rating: AggregateRating, *, at: datetime, url: str | None = None) -> None:
        """Keep a page's AggregateRating as ``source``'s snapshot of ``at``'s local day (its last reading wins)."""
        ratings.record(self.engine, self.tz, source, rating, at, url)
