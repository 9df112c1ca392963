"""What ``monitor verify`` reports, and the pure comparisons behind it.

The database side (reading rollups, snapshots and mentions, repairing) lives in
:mod:`monitor._store.verify`; this module only compares what was stored with what was
recounted and describes the differences.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from monitor._mention_rules import MIN_DEDUP_CHARS, normalise_for_hash

Key = tuple[Any, ...]
ROLLUP_KEYS = ("brand", "day", "source", "lang", "label", "origin")
RATING_KEYS = ("brand", "day", "source", "lang", "worst", "best", "value")
SNAPSHOT_EXACT = ("positive", "neutral", "negative", "unscored", "volume", "low_sample", "csat_n", "nps_n")
SNAPSHOT_FLOATS = ("msi", "msi_low", "msi_high", "net_sentiment", "csat", "nps")


@dataclass(frozen=True, slots=True)
class RollupDifference:
    """A rollup counter whose stored value is not what the mentions add up to."""

    table: str  # daily_rollup | rating_rollup
    key: dict[str, str | float]
    stored: int
    recounted: int


@dataclass(frozen=True, slots=True)
class SnapshotDifference:
    """A stored index snapshot that differs from the one its day's mentions give.

    ``fields`` maps each differing column to ``[stored, recomputed]``; a snapshot that is
    missing or should not exist has ``fields == {"row": ["missing" | "present", ...]}``.
    """

    brand: str
    day: date
    scope: str
    scope_value: str
    fields: dict[str, list[Any]]


@dataclass(frozen=True, slots=True)
class DuplicateMention:
    """One text stored as several mentions of a brand from different sources.

    Cross-source de-duplication should have made all but the first a sighting of it.
    """

    brand: str
    content_hash: str
    mention_ids: list[int]
    sources: list[str]


@dataclass(frozen=True, slots=True)
class RunningRun:
    """A run row still marked ``running`` (its process may be alive, or was killed)."""

    id: int
    kind: str
    started_at: datetime
    age_s: float


@dataclass(slots=True)
class VerifyReport:
    """Everything ``monitor verify`` found; ``ok`` when there is nothing to report."""

    rollups: list[RollupDifference] = field(default_factory=list)
    snapshots: list[SnapshotDifference] = field(default_factory=list)
    duplicates: list[DuplicateMention] = field(default_factory=list)
    running_runs: list[RunningRun] = field(default_factory=list)
    days_checked: int = 0  # brand-days whose rollups and snapshots were compared
    days_skipped_retention: int = 0  # brand-days some of whose raw mentions retention removed
    days_skipped_dirty: int = 0  # brand-days whose snapshot awaits a refresh (rollups still compared)
    mentions: int = 0
    repaired: dict[str, int] = field(default_factory=dict)  # what --repair rebuilt
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing differs: no rollup, snapshot, duplicate or open run reported."""
        return not (self.rollups or self.snapshots or self.duplicates or self.running_runs)

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""

        def enc(v: Any) -> Any:
            if isinstance(v, (date, datetime)):
                return v.isoformat()
            if isinstance(v, dict):
                return {k: enc(x) for k, x in v.items()}
            if isinstance(v, list):
                return [enc(x) for x in v]
            return v

        d = {k: enc(v) for k, v in asdict(self).items()}
        d["ok"] = self.ok
        return d


def compare_counters(
    table: str, names: Sequence[str], stored: Mapping[Key, int], recounted: Mapping[Key, int]
) -> list[RollupDifference]:
    """Differences between two counters (zero and absent are the same), in key order."""
    out = []
    for k in sorted(set(stored) | set(recounted), key=repr):
        s, r = int(stored.get(k, 0)), int(recounted.get(k, 0))
        if s != r:
            key = {n: (v.isoformat() if isinstance(v, date) else v) for n, v in zip(names, k, strict=True)}
            out.append(RollupDifference(table, key, s, r))
    return out


def _same_float(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def snapshot_fields(stored: Mapping[str, Any], expected: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The columns in which a stored snapshot row differs from the recomputed one."""
    out: dict[str, list[Any]] = {}
    for c in SNAPSHOT_EXACT:
        if stored[c] != expected[c]:
            out[c] = [stored[c], expected[c]]
    for c in SNAPSHOT_FLOATS:
        if not _same_float(stored[c], expected[c]):
            out[c] = [stored[c], expected[c]]
    if json.loads(stored["model_versions"] or "[]") != json.loads(expected["model_versions"]):
        out["model_versions"] = [stored["model_versions"], expected["model_versions"]]
    return out


def is_dedupable(text: str | None, title: str | None) -> bool:
    """Whether the store merges this mention's text across sources (as ``Store._row`` decides)."""
    return len(normalise_for_hash((text or "").strip() or (title or ""))) >= MIN_DEDUP_CHARS


def duplicate_ids(mentions: Iterable[tuple[int, int, str | None, str | None]]) -> list[int]:
    """Of ``(id, source_id, text, title)`` sharing one brand and content hash, the ids that break
    the de-duplication invariant (de-duplicable texts from more than one source); else []."""
    kept = [(mid, sid) for mid, sid, text, title in mentions if is_dedupable(text, title)]
    if len({sid for _, sid in kept}) < 2:
        return []
    return sorted(mid for mid, _ in kept)


__all__ = [
    "DuplicateMention",
    "RollupDifference",
    "RunningRun",
    "SnapshotDifference",
    "VerifyReport",
    "compare_counters",
    "duplicate_ids",
    "is_dedupable",
    "snapshot_fields",
]
