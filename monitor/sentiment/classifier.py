"""The one inference interface: ``SentimentClassifier.predict(texts, langs) -> [Prediction]``.

Torch (or onnxruntime) is imported only when a classifier is built. Shared by every backend:
a content-hash cache (a text is never scored twice by the same model version). Shared by the
embedded model's runtimes (torch, and onnxruntime in ``onnx_backend``): token windows,
length-sorted batches with dynamic padding, and the configured thread count.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Required, TypedDict, Unpack

from monitor.config import SUPPORTED_LANGUAGES, ModelConfig
from monitor.errors import ModelError
from monitor.records import LABELS, Prediction

if TYPE_CHECKING:
    import torch

    from monitor.sentiment.artifacts import ModelMeta
    from monitor.sentiment.encoding import TextEncoder

Probs = tuple[float, float, float]
log = logging.getLogger(__name__)


def text_key(text: str) -> str:
    """Content hash of a text (after NFC, so composed and decomposed forms share a key)."""
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()


class ScoreCache:
    """In-process LRU of probabilities keyed by ``(model version, content hash)``."""

    def __init__(self, max_items: int = 100_000) -> None:
        self.max_items = max_items
        self._data: OrderedDict[tuple[str, str], Probs] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, version: str, key: str) -> Probs | None:
        item = self._data.get((version, key))
        if item is None:
            self.misses += 1
            return None
        self._data.move_to_end((version, key))
        self.hits += 1
        return item

    def put(self, version: str, key: str, probs: Probs) -> None:
        self._data[(version, key)] = probs
        self._data.move_to_end((version, key))
        while len(self._data) > self.max_items:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


def counts_in_index(
    pred: Prediction,
    lang: str | None,
    threshold: float,
    supported: Sequence[str] = SUPPORTED_LANGUAGES,
) -> bool:
    """Whether a score counts in the index: confidence ≥ threshold, and a supported language.

    An unknown language (``None``) counts, as in the pipeline's scoring step.
    """
    return (lang is None or lang in supported) and pred.confidence >= threshold


def make_prediction(probs: Sequence[float], model_id: str, model_version: str) -> Prediction:
    """Build a :class:`Prediction` from probabilities in :data:`LABELS` order."""
    p = [float(x) for x in probs]
    best = max(range(len(LABELS)), key=lambda k: p[k])
    return Prediction(LABELS[best], p[0], p[1], p[2], model_id, model_version)


def drop_neutral(probs: Sequence[float]) -> Probs:
    """Renormalise over negative/positive (for languages trained as binary only)."""
    s = probs[0] + probs[2]
    if s <= 0:
        return (0.5, 0.0, 0.5)
    return (probs[0] / s, 0.0, probs[2] / s)


class SentimentClassifier:
    """The interface both backends share: cache, per-language settings, :class:`Prediction`.

    Subclasses implement ``_score_uncached`` (texts → probabilities in :data:`LABELS` order).
    """

    model_id: str
    model_version: str
    binary_languages: frozenset[str] = frozenset()

    def __init__(self, *, batch_size: int, cache: ScoreCache | None) -> None:
        self.batch_size = batch_size
        self.cache = cache if cache is not None else ScoreCache()

    def _score_uncached(self, texts: Sequence[str]) -> list[Probs]:
        raise NotImplementedError

    def predict_proba(self, texts: Sequence[str]) -> list[Probs]:
        """Probabilities per text in :data:`LABELS` order (cached by content hash)."""
        keys = [text_key(t) for t in texts]
        out: list[Probs | None] = [self.cache.get(self.model_version, k) for k in keys]
        todo: dict[str, int] = {}
        for i, (k, p) in enumerate(zip(keys, out, strict=True)):
            if p is None and k not in todo:
                todo[k] = i
        if todo:
            idx = list(todo.values())
            scored = self._score_uncached([texts[i] for i in idx])
            for i, probs in zip(idx, scored, strict=True):
                self.cache.put(self.model_version, keys[i], probs)
            fresh = dict(zip(todo, scored, strict=True))
            out = [p if p is not None else fresh[k] for k, p in zip(keys, out, strict=True)]
        return [p for p in out if p is not None]

    def predict(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[Prediction]:
        """Label each text; ``langs`` (ISO 639-1, optional) applies per-language settings."""
        if isinstance(texts, str):
            raise ModelError("predict() takes a list of texts, not a single string")
        if langs is not None and len(langs) != len(texts):
            raise ModelError(f"predict() got {len(texts)} texts but {len(langs)} languages")
        probs = self.predict_proba(texts)
        preds = []
        for i, p in enumerate(probs):
            lang = langs[i] if langs is not None else None
            q = drop_neutral(p) if lang in self.binary_languages else p
            preds.append(make_prediction(q, self.model_id, self.model_version))
        return preds

    def info(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "model_version": self.model_version}


def cpu_has_fast_bf16() -> bool:
    """True when the CPU has native bf16 matmul instructions (AVX-512 BF16 or AMX)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


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
        from monitor.sentiment.onnx_backend import onnxruntime_available

        onnx_available = onnxruntime_available()
    if onnx_available:
        return AUTO_RUNTIME.get(choice, choice)
    return "fp32" if choice.startswith("onnx-") else choice


# Precisions whose scores are interchangeable (same labels on every dev text, probabilities
# within 5e-6): they share a score version, so switching between them rescores nothing.
FP32_PRECISIONS = frozenset({"fp32", "onnx-fp32"})


def score_version(version: str, digest: str, precision: str) -> str:
    """The version stored with every score: model version, weights digest, and any lossy precision.

    ``1.2.0+5a5ec439df93`` for fp32 on either runtime, ``1.2.0+5a5ec439df93.onnx-int8`` for
    int8: bf16/int8 move a few labels, so their scores are kept apart from fp32's (a switch
    of precision rescores, and an index records which precision it counted).
    """
    base = f"{version}+{digest}"
    return base if precision in FP32_PRECISIONS else f"{base}.{precision}"


def apply_precision(module: torch.nn.Module, precision: str) -> torch.nn.Module:
    """Return the module in the requested precision (fp32, bf16 weights, or dynamic int8)."""
    import torch

    if precision == "fp32":
        return module  # already fp32 (apart from the fp16 word-embedding table)
    if precision == "bf16":
        return module.to(torch.bfloat16)
    if precision == "int8":
        try:
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic
        except ImportError as exc:
            raise ModelError("this torch build has no dynamic int8 quantisation") from exc
        target = getattr(module, "encoder", module)  # the small head stays fp32
        # Per-channel weights; the FFN output projections stay fp32: their inputs (GELU
        # activations) have outliers that per-tensor activation quantisation cannot hold.
        names = {
            n: per_channel_dynamic_qconfig
            for n, m in target.named_modules()
            if isinstance(m, torch.nn.Linear) and not (n.endswith("output.dense") and "attention" not in n)
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao.quantization deprecation notices
            q = quantize_dynamic(target, names, dtype=torch.qint8, inplace=True)
        if target is module:
            return q
        module.encoder = q
        return module
    raise ModelError(f"unknown precision {precision!r} for torch (expected fp32, bf16 or int8)")


class WindowOptions(TypedDict, total=False):
    """The settings every embedded runtime takes (see :class:`WindowedClassifier`)."""

    model_id: Required[str]
    model_version: Required[str]
    precision: str
    batch_size: int
    binary_languages: Sequence[str]
    cache: ScoreCache | None
    extra_info: dict[str, Any] | None


class WindowedClassifier(SentimentClassifier):
    """Scores token windows of the shipped model; the runtime (torch or ONNX) fills ``_batch_probs``.

    Shared by every runtime: the tokenizer's windows, length-sorted batches with dynamic
    padding, and window probabilities averaged back into one row per text (weighted by
    window length).
    """

    runtime = "torch"

    def __init__(
        self,
        encoder: TextEncoder,
        *,
        model_id: str,
        model_version: str,
        precision: str = "fp32",
        batch_size: int = 32,
        binary_languages: Sequence[str] = (),
        cache: ScoreCache | None = None,
        extra_info: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(batch_size=batch_size, cache=cache)
        self.encoder = encoder
        self.model_id = model_id
        self.model_version = model_version
        self.precision = precision
        self.binary_languages = frozenset(binary_languages)
        self._extra = extra_info or {}

    def _batch_probs(self, ids: list[list[int]], mask: list[list[int]]) -> list[list[float]]:
        """Probabilities (rows in :data:`LABELS` order) for one padded batch of windows."""
        raise NotImplementedError

    def _score_uncached(self, texts: Sequence[str]) -> list[Probs]:
        from monitor.sentiment.encoding import length_sorted_batches, pad_batch

        windows = self.encoder.windows(texts)
        lengths = [len(ids) for _, ids in windows]
        rows: list[list[float]] = [[] for _ in windows]
        for batch in length_sorted_batches(lengths, self.batch_size):
            ids, mask = pad_batch([windows[i][1] for i in batch], self.encoder.pad)
            for i, row in zip(batch, self._batch_probs(ids, mask), strict=True):
                rows[i] = row
        # average windows, weighted by their length, back into one row per text
        sums = [[0.0, 0.0, 0.0] for _ in texts]
        weights = [0.0] * len(texts)
        for (ti, window), row in zip(windows, rows, strict=True):
            w = float(len(window))
            weights[ti] += w
            for k in range(len(LABELS)):
                sums[ti][k] += w * row[k]
        return [(s[0] / w, s[1] / w, s[2] / w) for s, w in zip(sums, weights, strict=True)]

    def info(self) -> dict[str, Any]:
        return {
            **super().info(),
            "backend": "embedded",
            "runtime": self.runtime,
            "precision": self.precision,
            "max_length": self.encoder.max_length,
            "batch_size": self.batch_size,
            "binary_languages": sorted(self.binary_languages),
            "cached_texts": len(self.cache),
            **self._extra,
        }


class EmbeddedClassifier(WindowedClassifier):
    """The embedded model in torch: converted e5-small + merged LoRA + head, mean pooled."""

    def __init__(self, net: torch.nn.Module, encoder: TextEncoder, **options: Unpack[WindowOptions]) -> None:
        super().__init__(encoder, **options)
        self.net = apply_precision(net.eval(), self.precision)

    def _batch_probs(self, ids: list[list[int]], mask: list[list[int]]) -> list[list[float]]:
        import torch

        logits = self.net(torch.tensor(ids), torch.tensor(mask))
        probs: list[list[float]] = torch.softmax(logits.float(), dim=-1).tolist()
        return probs

    def _score_uncached(self, texts: Sequence[str]) -> list[Probs]:
        import torch

        try:
            with torch.inference_mode():
                return super()._score_uncached(texts)
        except RuntimeError as exc:
            raise ModelError(f"sentiment model failed while scoring: {exc}") from exc


def load_embedded(cfg: ModelConfig, cache: ScoreCache | None = None) -> WindowedClassifier:
    """Build the embedded classifier from the shipped model directory (torch or onnxruntime)."""
    from monitor.sentiment.artifacts import ModelMeta, artifact_digest, find_model_dir
    from monitor.sentiment.convert import ensure_base

    model_dir = find_model_dir(cfg.name, cfg.path)
    meta = ModelMeta.read(model_dir)
    precision = resolve_precision(cfg.precision, meta.auto_precision)
    if precision.startswith("onnx-"):
        from monitor.sentiment.onnx_backend import import_onnxruntime

        import_onnxruntime(precision)  # a missing onnxruntime fails here, before any work
    base = ensure_base()
    if meta.base_sha256 and not base.name.endswith(meta.base_sha256[:16]):
        raise ModelError(f"{model_dir} was trained on base {meta.base_sha256[:16]}, not {base.name}")
    digest = artifact_digest(model_dir, meta)
    if precision.startswith("onnx-"):
        from monitor.sentiment.onnx_backend import load_onnx

        try:
            return load_onnx(cfg, precision, model_dir=model_dir, meta=meta, base_dir=base, digest=digest, cache=cache)
        except ModelError as exc:
            if cfg.precision != "auto":
                raise
            log.warning("precision auto: %s; using torch fp32 instead", exc)
            precision = "fp32"

    import torch

    from monitor.sentiment.model import load_trained

    torch.set_num_threads(cfg.threads)
    net = load_trained(base, model_dir)
    encoder, options = window_setup(cfg, meta, model_dir, base, digest, precision, cache)
    return EmbeddedClassifier(net, encoder, **options)


def window_setup(
    cfg: ModelConfig,
    meta: ModelMeta,
    model_dir: Path,
    base: Path,
    digest: str,
    precision: str,
    cache: ScoreCache | None,
    **info: Any,
) -> tuple[TextEncoder, WindowOptions]:
    """The shipped model's tokenizer windows and settings, for any runtime (``info``: extra ``info()`` keys).

    The score version is derived here, from the weights' ``digest`` and the precision the
    runtime actually runs (:func:`score_version`).
    """
    from monitor.sentiment.encoding import TextEncoder

    encoder = TextEncoder.from_file(base / "tokenizer.json", prefix=meta.prefix, max_length=meta.max_length)
    return encoder, WindowOptions(
        model_id=meta.name,
        model_version=score_version(meta.version, digest, precision),
        precision=precision,
        batch_size=cfg.batch_size,
        binary_languages=meta.binary_languages,
        cache=cache,
        extra_info={"model_dir": str(model_dir), "base_dir": str(base), **info, "threads": cfg.threads},
    )


def load_classifier(cfg: ModelConfig | None = None, cache: ScoreCache | None = None) -> SentimentClassifier:
    """Build the classifier ``cfg.backend`` names (``embedded`` default, or ``hf``)."""
    cfg = cfg or ModelConfig()
    if cfg.backend == "hf":
        from monitor.sentiment.hf_backend import load_hf

        return load_hf(cfg, cache=cache)
    return load_embedded(cfg, cache=cache)


__all__ = [
    "EmbeddedClassifier",
    "ScoreCache",
    "SentimentClassifier",
    "WindowedClassifier",
    "counts_in_index",
    "load_classifier",
    "make_prediction",
    "score_version",
    "text_key",
]
