"""The classifier interface: the :class:`Classifier` Protocol and what every backend shares.

``Classifier`` is the seam the pipeline, scheduler and CLI score through:
``predict(texts, langs) -> [Prediction]`` plus the model identity. :class:`SentimentClassifier`
is the base the backends build on: a content-hash cache (a text is never scored twice by the
same model version) and per-language settings. :class:`WindowedClassifier` is shared by the
embedded model's runtimes (``torch_backend``, ``onnx_backend``): token windows,
length-sorted batches with dynamic padding, and the score version.

This module imports no backend, torch or onnxruntime; :mod:`monitor._sentiment.loader`
chooses and builds a backend.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Required, TypedDict, runtime_checkable

from monitor._config import ModelConfig
from monitor._records import LABELS, Prediction
from monitor.errors import ModelError

if TYPE_CHECKING:
    from monitor._sentiment.artifacts import ModelMeta
    from monitor._sentiment.encoding import TextEncoder

Probs = tuple[float, float, float]


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


@runtime_checkable
class Classifier(Protocol):
    """What scoring needs from a sentiment model, whichever backend runs it."""

    model_id: str
    model_version: str

    def predict(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[Prediction]:
        """One :class:`Prediction` per text; ``langs`` (ISO 639-1) applies per-language settings."""
        ...

    def info(self) -> dict[str, object]:
        """What ``monitor model info`` shows (backend, precision, settings)."""
        ...


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
        """What the model is (id, version, and the backend's details) as a JSON-ready dict."""
        return {"model_id": self.model_id, "model_version": self.model_version}


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
        self.extra_info = extra_info or {}

    def _batch_probs(self, ids: list[list[int]], mask: list[list[int]]) -> list[list[float]]:
        """Probabilities (rows in :data:`LABELS` order) for one padded batch of windows."""
        raise NotImplementedError

    def _score_uncached(self, texts: Sequence[str]) -> list[Probs]:
        from monitor._sentiment.encoding import length_sorted_batches, pad_batch

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
            **self.extra_info,
        }


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
    from monitor._sentiment.encoding import TextEncoder

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


__all__ = [
    "FP32_PRECISIONS",
    "Classifier",
    "Probs",
    "ScoreCache",
    "SentimentClassifier",
    "WindowOptions",
    "WindowedClassifier",
    "drop_neutral",
    "make_prediction",
    "score_version",
    "text_key",
    "window_setup",
]
