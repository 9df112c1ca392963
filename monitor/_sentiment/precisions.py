"""Which precision ``auto`` runs: the model's measured precision table, per CPU class.

``monitor model precisions`` (:mod:`~monitor._sentiment.precision_measure`) scores the dev
split in every precision on the machine it runs on and stores, under that machine's CPU class
(:func:`cpu_class`), each precision's dev macro-F1 per language, its change against fp32 and
its speed (texts per CPU-second). :func:`choose_auto` picks, for the CPU at hand, the fastest
precision whose dev macro-F1 is within :data:`TOLERANCE_POINTS` of fp32 in every language,
among those this CPU and this install can run; an unmeasured CPU class gets the model's
``auto_precision`` (fp32 unless a model says otherwise).

Pure logic over plain dicts (the table is JSON in the model's ``config.json``): no torch,
no onnxruntime, no file access.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from monitor.errors import ModelError

#: A lossy precision passes when no language's dev macro-F1 falls more than this below fp32.
TOLERANCE_POINTS = 0.5
#: The precisions a table may hold (the ``model.precision`` values besides ``auto``).
MEASURABLE = ("fp32", "onnx-fp32", "bf16", "int8", "onnx-int8")
#: CPU classes, most capable first. The class names how int8/bf16 arithmetic runs, which
#: decides both the speed and (for int8 without VNNI, whose 16-bit sums saturate) the labels.
CPU_CLASSES = ("amx", "avx512-vnni", "avx-vnni", "avx2", "other")
#: CPU flags of native bf16 matmul instructions (AVX-512 BF16, AMX).
FAST_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
#: The flags :func:`cpu_class` and the benchmark report.
REPORTED_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")


def cpu_class(flags: Iterable[str]) -> str:
    """The CPU class of a flag set: ``amx``, ``avx512-vnni``, ``avx-vnni``, ``avx2`` or ``other``.

    AVX-512 without VNNI counts as ``avx2``: its int8 path is the same saturating one.
    """
    f = frozenset(flags)
    if "amx_int8" in f:
        return "amx"
    if "avx512_vnni" in f:
        return "avx512-vnni"
    if "avx_vnni" in f:
        return "avx-vnni"
    if "avx2" in f:
        return "avx2"
    return "other"


@dataclass(frozen=True)
class AutoChoice:
    """What ``auto`` runs on a CPU, and why (shown by ``monitor model info`` and the dashboard)."""

    precision: str
    cpu_class: str
    reason: str
    measured: bool  # False: no table for this CPU class, the fallback was used

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "cpu_class": self.cpu_class,
            "reason": self.reason,
            "measured": self.measured,
        }


def worst_delta(result: Mapping[str, Any]) -> tuple[str, float] | None:
    """The language whose dev macro-F1 fell most against fp32, and by how many points."""
    delta = result.get("delta_points")
    if not isinstance(delta, Mapping) or not delta:
        return None
    lang = min(delta, key=lambda k: float(delta[k]))
    return str(lang), float(delta[lang])


def passes(result: Mapping[str, Any], tolerance: float = TOLERANCE_POINTS) -> bool:
    """Whether a precision's dev macro-F1 is within ``tolerance`` points of fp32 in every language."""
    worst = worst_delta(result)
    return worst is not None and worst[1] >= -tolerance - 1e-9


def runnable(precision: str, flags: frozenset[str], onnx_available: bool) -> str | None:
    """Why this CPU/install cannot run ``precision`` well, or None when it can."""
    if precision.startswith("onnx-") and not onnx_available:
        return "onnxruntime is not installed"
    if precision == "bf16" and not FAST_BF16_FLAGS & flags:
        return "this CPU has no native bf16"
    return None


def _speed(result: Mapping[str, Any]) -> float:
    value = result.get("texts_per_cpu_second")
    return float(value) if isinstance(value, int | float) else 0.0


def _fmt_delta(worst: tuple[str, float] | None) -> str:
    return "not measured" if worst is None else f"worst {worst[0]} {worst[1]:+.2f}"


def choose_auto(
    table: Mapping[str, Any] | None,
    flags: Iterable[str],
    *,
    onnx_available: bool,
    fallback: str = "fp32",
    tolerance: float = TOLERANCE_POINTS,
) -> AutoChoice:
    """The fastest precision measured within ``tolerance`` of fp32 on this CPU's class.

    ``table`` is the model's ``precisions`` (CPU class → measurement). Without a measurement
    for this class, ``fallback`` (the model's ``auto_precision``) is returned with
    ``measured=False``; the loader then maps fp32 to onnx-fp32 when onnxruntime is there
    (the same numbers). fp32 always qualifies, so a measured class always has a choice.
    """
    f = frozenset(flags)
    klass = cpu_class(f)
    entry = (table or {}).get(klass)
    results = entry.get("results") if isinstance(entry, Mapping) else None
    if not isinstance(results, Mapping) or not results:
        reason = f"no precision table for CPU class {klass}; {fallback} (the model's default)"
        return AutoChoice(fallback, klass, reason, measured=False)
    candidates: list[tuple[float, str]] = []
    rejected: list[str] = []
    for precision, result in results.items():
        if precision not in MEASURABLE or not isinstance(result, Mapping):
            continue
        why_not = runnable(precision, f, onnx_available)
        if why_not:
            rejected.append(f"{precision}: {why_not}")
        elif precision in ("fp32", "onnx-fp32") or passes(result, tolerance):
            candidates.append((_speed(result), precision))
        else:
            rejected.append(f"{precision}: {_fmt_delta(worst_delta(result))} points")
    if not candidates:
        candidates = [(0.0, "fp32")]
    speed, best = max(candidates, key=lambda c: (c[0], c[1] == "fp32"))
    fp32_speed = max(
        (_speed(r) for p, r in results.items() if p in ("fp32", "onnx-fp32") and isinstance(r, Mapping)), default=0.0
    )
    gain = f", {speed / fp32_speed:.2f}× the faster fp32 runtime per CPU-second" if fp32_speed and speed else ""
    reason = f"fastest on {klass} within {tolerance:g} point of fp32 dev macro-F1 in every language{gain}" + (
        f"; not chosen: {'; '.join(rejected)}" if rejected else ""
    )
    return AutoChoice(best, klass, reason, measured=True)


def check_table(table: object, where: str) -> dict[str, Any]:
    """Validate a ``precisions`` table read from ``config.json`` (raise :class:`ModelError`)."""
    if not isinstance(table, dict):
        raise ModelError(f"{where}: 'precisions' must be an object of CPU class → measurement")
    for klass, entry in table.items():
        if klass not in CPU_CLASSES:
            raise ModelError(
                f"{where}: unknown CPU class {klass!r} in 'precisions' (expected {', '.join(CPU_CLASSES)})"
            )
        results = entry.get("results") if isinstance(entry, dict) else None
        if not isinstance(results, dict):
            raise ModelError(f"{where}: precisions[{klass!r}] has no 'results' object")
        for precision, result in results.items():
            if precision not in MEASURABLE:
                raise ModelError(f"{where}: precisions[{klass!r}]: unknown precision {precision!r}")
            if not isinstance(result, dict) or not isinstance(result.get("delta_points"), dict):
                raise ModelError(f"{where}: precisions[{klass!r}][{precision!r}] has no 'delta_points' object")
    return table


__all__ = [
    "CPU_CLASSES",
    "FAST_BF16_FLAGS",
    "MEASURABLE",
    "REPORTED_FLAGS",
    "TOLERANCE_POINTS",
    "AutoChoice",
    "check_table",
    "choose_auto",
    "cpu_class",
    "passes",
    "runnable",
    "worst_delta",
]
