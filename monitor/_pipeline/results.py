"""What a pipeline step and a whole pass report."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor._index.alerts import Alert
from monitor._ports import JSONObject


@dataclass
class StepResult:
    """One step: its status, the counts its Run row keeps, its errors and that row's id.

    ``details`` is what the step's log line says beyond the counts (the model version,
    where the digest went; not stored); ``duration_s`` is set by whoever ran the step.
    """

    name: str
    status: str = "ok"  # ok | partial | failed | interrupted | skipped
    counts: JSONObject = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    run_id: int | None = None
    details: JSONObject = field(default_factory=dict)
    duration_s: float | None = None


@dataclass
class PipelineResult:
    """A whole pass: its steps, the digest files written and each brand's alerts."""

    steps: list[StepResult] = field(default_factory=list)
    digest_paths: list[str] = field(default_factory=list)
    alerts: dict[str, list[Alert]] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """Not interrupted, and every step ``ok`` or ``skipped``."""
        return not self.interrupted and all(s.status in ("ok", "skipped") for s in self.steps)

    def step(self, name: str) -> StepResult | None:
        """The step called ``name``, if it ran."""
        return next((s for s in self.steps if s.name == name), None)


__all__ = ["PipelineResult", "StepResult"]
