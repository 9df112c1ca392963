"""What a collection run reports: one :class:`SourceReport` per source, one :class:`CollectReport` per run."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor._health import NOTHING_READ, WalkStatus, status_line
from monitor._ports import JSONObject


@dataclass
class SourceReport:
    """What happened to one source in one run."""

    name: str
    kind: str
    status: WalkStatus = "ok"  # the words: monitor._health
    #: What happened, without the status word (``cannot connect to shop.example:443 (connection refused) …``).
    reason: str | None = None
    pages: int = 0
    fetched: int = 0
    new: int = 0
    duplicate: int = 0
    sightings: int = 0
    unmatched: int = 0
    #: Items not stored because they are unusable (see :mod:`monitor._mention_rules`).
    skipped: int = 0
    #: Items stored without an unusable part (an impossible rating).
    repaired: int = 0
    #: Why items were skipped or repaired: reason → how many.
    skip_reasons: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    elapsed_s: float = 0.0

    def skip_note(self) -> str | None:
        """``skipped 1 of 12 items: no text, title or rating ×1`` (``None``: nothing skipped)."""
        if not self.skip_reasons:
            return None
        why = ", ".join(f"{reason} ×{n}" for reason, n in sorted(self.skip_reasons.items()))
        head = f"skipped {self.skipped} of {self.fetched} items"
        if self.repaired:
            head += f", kept {self.repaired} without a bad rating"
        return f"{head}: {why}"

    def counts(self) -> JSONObject:
        """The report as the JSON the Run record keeps."""
        return {
            "status": self.status,
            "reason": self.reason,
            "pages": self.pages,
            "fetched": self.fetched,
            "new": self.new,
            "duplicate": self.duplicate,
            "sightings": self.sightings,
            "unmatched": self.unmatched,
            "skipped": self.skipped,
            "repaired": self.repaired,
            "skip_reasons": dict(self.skip_reasons),
            "errors": self.errors,
            "elapsed_s": round(self.elapsed_s, 3),
        }


@dataclass
class CollectReport:
    """A whole run: per-source reports and the Run record's id."""

    run_id: int | None
    sources: list[SourceReport] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def status(self) -> str:
        """``ok`` (every source ok or unchanged), ``failed`` (no source read anything: each
        was blocked, unreachable or failed), else ``partial`` (some read nothing, or some
        stored only part of what they had)."""
        bad = [s for s in self.sources if s.status in NOTHING_READ]
        if not bad and all(s.status in ("ok", "not_modified") for s in self.sources):
            return "ok"
        return "failed" if len(bad) == len(self.sources) else "partial"

    def totals(self) -> dict[str, int]:
        """Counts summed over the sources."""
        s = self.sources
        return {
            "pages": sum(r.pages for r in s),
            "fetched": sum(r.fetched for r in s),
            "new": sum(r.new for r in s),
            "duplicate": sum(r.duplicate for r in s),
            "sightings": sum(r.sightings for r in s),
            "unmatched": sum(r.unmatched for r in s),
            "skipped": sum(r.skipped for r in s),
            "repaired": sum(r.repaired for r in s),
            "errors": sum(r.errors for r in s),
        }

    def errors(self) -> list[str]:
        """One line per source that was not fully collected: ``name: status: reason``."""
        return [
            f"{s.name}: {status_line(s.status, s.reason)}"
            for s in self.sources
            if s.status not in ("ok", "not_modified")
        ]


__all__ = ["CollectReport", "SourceReport"]
