"""Choose and build the sentiment classifier ``[model]`` configures.

``load_classifier(cfg)``: the ``hf`` backend (:mod:`~monitor._sentiment.hf_backend`) or the
embedded model, on torch (:mod:`~monitor._sentiment.torch_backend`) or ONNX Runtime
(:mod:`~monitor._sentiment.onnx_backend`) as ``model.precision`` resolves. Backends are
imported only when chosen, so importing this module imports neither torch nor onnxruntime.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from monitor._config import ModelConfig
from monitor._sentiment.classifier import ScoreCache, SentimentClassifier, WindowedClassifier
from monitor._sentiment.precisions import FAST_BF16_FLAGS, AutoChoice, choose_auto
from monitor.errors import ModelError

if TYPE_CHECKING:
    from monitor._sentiment.artifacts import ModelMeta

log = logging.getLogger(__name__)


def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags as Linux lists them (``avx2``, ``avx512_bf16``, …); empty elsewhere."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return frozenset()
    for line in info.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):  # x86, ARM
            return frozenset(value.split())
    return frozenset()


def cpu_summary() -> str:
    """One line for a benchmark's header: the CPU model, its cores and the features that matter here."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    flags = cpu_flags()
    feats = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8", "neon") if f in flags]
    return f"CPU: {model}; {os.cpu_count()} cores; features: {' '.join(feats) or 'none of avx2/avx512/amx'}"


def cpu_has_fast_bf16() -> bool:
    """True when the CPU has native bf16 matmul instructions (AVX-512 BF16 or AMX)."""
    return bool(FAST_BF16_FLAGS & cpu_flags())


# ``auto`` runs these precisions on onnxruntime when it is installed: the same network and
# the same numbers (dev predictions identical to torch fp32), faster and lighter to load.
AUTO_RUNTIME = {"fp32": "onnx-fp32"}


def resolve_precision(requested: str, auto_choice: str, *, onnx_available: bool | None = None) -> str:
    """``auto`` → the model's measured choice, on the fastest runtime that gives the same numbers.

    bf16 is demoted to fp32 where the CPU would emulate it; fp32 runs on onnxruntime when it
    is installed (:data:`AUTO_RUNTIME`), and an ONNX choice falls back to torch fp32 when it
    is not. An explicit precision is returned as it is.
    """
    if requested != "auto":
        return requested
    choice = auto_choice
    if choice == "bf16" and not cpu_has_fast_bf16():
        choice = "fp32"
    if onnx_available is None:
        from monitor._sentiment.onnx_build import onnxruntime_available

        onnx_available = onnxruntime_available()
    if onnx_available:
        return AUTO_RUNTIME.get(choice, choice)
    return "fp32" if choice.startswith("onnx-") else choice


def auto_choice(
    meta: ModelMeta, flags: frozenset[str] | None = None, *, onnx_available: bool | None = None
) -> AutoChoice:
    """What ``auto`` picks for this model on this CPU (its precision table, else ``auto_precision``)."""
    if onnx_available is None:
        from monitor._sentiment.onnx_build import onnxruntime_available

        onnx_available = onnxruntime_available()
    return choose_auto(
        meta.precisions,
        cpu_flags() if flags is None else flags,
        onnx_available=onnx_available,
        fallback=meta.auto_precision,
    )


def load_embedded(cfg: ModelConfig, cache: ScoreCache | None = None) -> WindowedClassifier:
    """Build the embedded classifier from the shipped model directory (torch or onnxruntime)."""
    from monitor._sentiment.artifacts import ModelMeta, artifact_digest, find_model_dir
    from monitor._sentiment.convert import ensure_base

    model_dir = find_model_dir(cfg.name, cfg.path)
    meta = ModelMeta.read(model_dir)
    choice = auto_choice(meta) if cfg.precision == "auto" else None
    precision = resolve_precision(cfg.precision, choice.precision if choice else meta.auto_precision)
    if precision.startswith("onnx-"):
        from monitor._sentiment.onnx_backend import import_onnxruntime

        import_onnxruntime(precision)  # a missing onnxruntime fails here, before any work
    base = ensure_base()
    if meta.base_sha256 and not base.name.endswith(meta.base_sha256[:16]):
        raise ModelError(f"{model_dir} was trained on base {meta.base_sha256[:16]}, not {base.name}")
    digest = artifact_digest(model_dir, meta)
    if precision.startswith("onnx-"):
        from monitor._sentiment.onnx_backend import load_onnx

        try:
            clf: WindowedClassifier = load_onnx(
                cfg, precision, model_dir=model_dir, meta=meta, base_dir=base, digest=digest, cache=cache
            )
            return _with_choice(clf, choice)
        except ModelError as exc:
            if cfg.precision != "auto":
                raise
            log.warning("precision auto: %s; using torch fp32 instead", exc)
            precision = "fp32"

    from monitor._sentiment.torch_backend import load_torch

    clf = load_torch(cfg, precision, model_dir=model_dir, meta=meta, base_dir=base, digest=digest, cache=cache)
    return _with_choice(clf, choice)


def _with_choice(clf: WindowedClassifier, choice: AutoChoice | None) -> WindowedClassifier:
    """Record in ``info()`` what ``auto`` chose and why."""
    if choice is not None:
        clf.extra_info["auto"] = choice.as_dict()
    return clf


def load_classifier(cfg: ModelConfig | None = None, cache: ScoreCache | None = None) -> SentimentClassifier:
    """Build the classifier ``cfg.backend`` names (``embedded`` default, or ``hf``)."""
    cfg = cfg or ModelConfig()
    if cfg.backend == "hf":
        from monitor._sentiment.hf_backend import load_hf

        return load_hf(cfg, cache=cache)
    return load_embedded(cfg, cache=cache)


__all__ = [
    "AUTO_RUNTIME",
    "FAST_BF16_FLAGS",
    "auto_choice",
    "cpu_flags",
    "cpu_has_fast_bf16",
    "load_classifier",
    "load_embedded",
    "resolve_precision",
]
