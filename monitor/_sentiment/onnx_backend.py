"""The embedded model on ONNX Runtime (``precision = "onnx-fp32"`` or ``"onnx-int8"``).

The files :mod:`~monitor._sentiment.onnx_build` builds (exported once, fused; ``onnx-int8``
smoothed and quantised) are cached next to the converted base, under
``<cache>/onnx/<model>-<key>/``, where the key hashes the base's SHA-256, the shipped adapter,
head, labels and settings, the export recipe and the onnxruntime/torch/transformers
versions; the int8 file's name also carries a hash of its recipe and calibration texts.
Later loads only open the cached file: neither torch nor transformers is imported.

Inputs are exactly the torch path's: same tokenizer, same windows for long texts, same
length-sorted batches with dynamic padding, same Armenian binary handling
(:class:`~monitor._sentiment.classifier.WindowedClassifier`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

from monitor._cache_dirs import cache_area
from monitor._config import ModelConfig
from monitor._records import LABELS
from monitor._sentiment.classifier import ScoreCache, WindowedClassifier, WindowOptions, window_setup
from monitor._sentiment.onnx_build import (
    EXPORT_RECIPE,
    INPUT_NAMES,
    ONNX_PRECISIONS,
    OPSET,
    OUTPUT_NAME,
    atomic_path,
    build_int8,
    export_fp32,
    import_onnxruntime,
    int8_recipe,
    onnxruntime_available,
    quantize_int8,
)
from monitor.errors import ModelError

if TYPE_CHECKING:
    from monitor._sentiment.artifacts import ModelMeta
    from monitor._sentiment.encoding import TextEncoder
    from monitor._sentiment.model import SentimentNet

# The files whose bytes decide the exported weights (besides the base).
KEY_FILES = ("labels.json", "head.safetensors", "adapter/adapter_model.safetensors", "adapter/adapter_config.json")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "none"


def cache_key(base_dir: Path, model_dir: Path, meta: ModelMeta) -> str:
    """Hash of everything the exported graph depends on (base, adapter/head, settings, versions)."""
    from monitor._sentiment.artifacts import BEHAVIOUR_FIELDS

    h = hashlib.sha256()
    done = base_dir / "DONE"
    base_sha = done.read_text(encoding="utf-8").strip() if done.is_file() else base_dir.name
    settings = {k: getattr(meta, k) for k in BEHAVIOUR_FIELDS}
    head = {
        "recipe": EXPORT_RECIPE,
        "opset": OPSET,
        "base": base_sha,
        "settings": settings,
        "onnxruntime": _version("onnxruntime"),
        "torch": _version("torch"),
        "transformers": _version("transformers"),
    }
    h.update(json.dumps(head, sort_keys=True).encode())
    for rel in KEY_FILES:
        p = model_dir / rel
        if p.is_file():
            h.update(rel.encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:16]


def onnx_file(folder: Path, precision: str) -> Path:
    """``fp32.onnx``, or ``int8-<recipe>.onnx``, in the model's cache folder."""
    if precision == "onnx-int8":
        return folder / f"int8-{int8_recipe()}.onnx"
    return folder / "fp32.onnx"


def onnx_dir(base_dir: Path, model_dir: Path, meta: ModelMeta, root: Path | None = None) -> Path:
    """The cache folder for this model's ONNX files (``<cache>/onnx/<name>-<key>``)."""
    if root is None:
        root = cache_area("onnx")
    return root / f"{meta.name}-{cache_key(base_dir, model_dir, meta)}"


def ensure_onnx(
    precision: str,
    base_dir: Path,
    model_dir: Path,
    meta: ModelMeta,
    *,
    root: Path | None = None,
    load_net: Callable[[], SentimentNet] | None = None,
) -> Path:
    """Return the cached ``.onnx`` file for ``precision``, exporting/quantising it first if needed."""
    if precision not in ONNX_PRECISIONS:
        raise ModelError(f"unknown ONNX precision {precision!r} (expected {' or '.join(ONNX_PRECISIONS)})")
    folder = onnx_dir(base_dir, model_dir, meta, root)
    fp32 = folder / "fp32.onnx"
    target = onnx_file(folder, precision)
    if target.is_file():
        return target
    try:
        if not fp32.is_file():
            if load_net is None:
                from monitor._sentiment.model import load_trained

                def load_net() -> SentimentNet:
                    return load_trained(base_dir, model_dir)

            cfg = json.loads((base_dir / "config.json").read_text(encoding="utf-8"))
            net = load_net()
            with atomic_path(fp32) as tmp:
                export_fp32(net, tmp, num_heads=int(cfg["num_attention_heads"]), hidden_size=int(cfg["hidden_size"]))
            del net
        if precision == "onnx-int8":
            from monitor._sentiment.encoding import TextEncoder

            encoder = TextEncoder.from_file(base_dir / "tokenizer.json", prefix=meta.prefix, max_length=meta.max_length)
            with atomic_path(target) as tmp:
                build_int8(fp32, tmp, encoder)
    except ModelError:
        raise
    except Exception as exc:  # the exporter, optimiser and quantiser raise many kinds
        raise ModelError(f"cannot build the ONNX model for precision {precision!r} in {folder}: {exc}") from exc
    return target


def make_session(path: Path, threads: int, precision: str = "onnx-fp32") -> Any:
    """An onnxruntime CPU session: ``threads`` intra-op threads, all graph optimisations."""
    ort = import_onnxruntime(precision)
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3  # errors only
    try:
        return ort.InferenceSession(str(path), sess_options=so, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime's own exception types
        raise ModelError(f"onnxruntime cannot open {path}: {exc} (delete the file to rebuild it)") from exc


class OnnxClassifier(WindowedClassifier):
    """The embedded model run by onnxruntime (same inputs and outputs as the torch path)."""

    runtime = "onnxruntime"

    def __init__(self, session: Any, encoder: TextEncoder, **options: Unpack[WindowOptions]) -> None:
        super().__init__(encoder, **options)
        self.session = session

    def _batch_probs(self, ids: list[list[int]], mask: list[list[int]]) -> list[list[float]]:
        import numpy as np

        feed = {
            INPUT_NAMES[0]: np.asarray(ids, dtype=np.int64),
            INPUT_NAMES[1]: np.asarray(mask, dtype=np.int64),
        }
        try:
            (probs,) = self.session.run([OUTPUT_NAME], feed)
        except Exception as exc:  # onnxruntime's own exception types
            raise ModelError(f"sentiment model (onnxruntime) failed while scoring: {exc}") from exc
        if probs.shape != (len(ids), len(LABELS)):
            raise ModelError(f"the ONNX model returned shape {probs.shape}, expected ({len(ids)}, {len(LABELS)})")
        out: list[list[float]] = probs.astype(np.float32).tolist()
        return out


def load_onnx(
    cfg: ModelConfig,
    precision: str,
    *,
    model_dir: Path,
    meta: ModelMeta,
    base_dir: Path,
    digest: str,
    cache: ScoreCache | None = None,
) -> OnnxClassifier:
    """Build the ONNX classifier for the shipped model (exporting it on first use).

    ``digest`` is the weights' :func:`~monitor._sentiment.artifacts.artifact_digest`.
    """
    import_onnxruntime(precision)  # fail before any export work when it is missing
    path = ensure_onnx(precision, base_dir, model_dir, meta)
    session = make_session(path, cfg.threads, precision)
    encoder, options = window_setup(cfg, meta, model_dir, base_dir, digest, precision, cache, onnx_file=str(path))
    return OnnxClassifier(session, encoder, **options)


__all__ = [
    "ONNX_PRECISIONS",
    "OnnxClassifier",
    "cache_key",
    "ensure_onnx",
    "import_onnxruntime",
    "load_onnx",
    "make_session",
    "onnxruntime_available",
    "quantize_int8",
]
