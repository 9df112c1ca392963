"""A workspace's adapted model (``monitor model adapt``): its record, and the classifier that routes to it.

An adoption is recorded in the store's ``meta`` table under :data:`ADAPTED_KEY` as JSON
(:class:`AdaptedRecord`): the folder holding the adapter and head, the languages it won,
and its version. :func:`workspace_classifier` builds what scores the workspace: the shipped
model alone when nothing is adopted, else a :class:`RoutedClassifier` that sends the
adopted languages to the adapter and the rest to the shipped model. Every prediction of a
routed classifier carries the routed classifier's one version (``2.1.0-ws1+<digest>``), so
the scoring loop, which asks the store for mentions this version has not scored, ends.
:class:`WorkspaceModel` reloads when the record changes (``monitor run``, workers).

This module imports no backend: the adapter runs on torch, imported when it is built.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from monitor._config import ModelConfig
from monitor._records import Prediction
from monitor._sentiment.classifier import (
    Classifier,
    ScoreCache,
    SentimentClassifier,
    drop_neutral,
    make_prediction,
    score_version,
)
from monitor.errors import ModelError

log = logging.getLogger(__name__)

ADAPTED_KEY = "model_adapted"  # meta key: the adopted adapter's record (JSON), absent when none
FILES_KEY = "model_adapted_files"  # meta key: its files (JSON of base64), for hosts without the folder
PACKED_FILES = (
    "labels.json",
    "head.safetensors",
    "adapter/adapter_config.json",
    "adapter/adapter_model.safetensors",
    "config.json",  # last: a folder holding it is whole
)


class MetaReader(Protocol):
    """Where the adoption is recorded (the store's ``meta`` table)."""

    def get_meta(self, key: str) -> str | None: ...


@dataclass(frozen=True)
class AdaptedRecord:
    """An adopted adapter: where it is, which languages it scores, its version and how it won."""

    version: str  # the score version every prediction carries: ``2.1.0-ws1+<digest>``
    model_version: str  # its model folder's version, ``2.1.0-ws1``
    path: str  # the model folder (adapter/, head.safetensors, config.json)
    languages: list[str]
    shipped_version: str  # the shipped model's score version it was compared with
    labels: int
    adopted_at: str
    comparisons: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> AdaptedRecord:
        try:
            data = json.loads(raw)
            return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        except (json.JSONDecodeError, TypeError) as exc:
            raise ModelError(
                f"meta {ADAPTED_KEY!r} holds no adapted-model record ({exc}); run `monitor model adapt --revert`"
            ) from exc


def read_record(meta: MetaReader) -> AdaptedRecord | None:
    """The adopted adapter's record, or ``None`` when the workspace scores with the shipped model."""
    raw = meta.get_meta(ADAPTED_KEY)
    return AdaptedRecord.from_json(raw) if raw else None


def routed_digest(adapter_digest: str, shipped_version: str, languages: Sequence[str]) -> str:
    """Short SHA-256 of what a routed classifier computes: the adapter, the shipped model, the languages."""
    h = hashlib.sha256(json.dumps([adapter_digest, shipped_version, sorted(languages)]).encode())
    return h.hexdigest()[:12]


class RoutedClassifier(SentimentClassifier):
    """The adapter for the adopted languages, the shipped model for the others; one version for both."""

    def __init__(
        self, shipped: SentimentClassifier, adapted: SentimentClassifier, languages: Sequence[str], version: str
    ) -> None:
        super().__init__(batch_size=shipped.batch_size, cache=ScoreCache(max_items=1))
        self.shipped = shipped
        self.adapted = adapted
        self.languages = frozenset(languages)
        self.model_id = shipped.model_id
        self.model_version = version
        self.binary_languages = shipped.binary_languages

    def predict(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[Prediction]:
        if isinstance(texts, str):
            raise ModelError("predict() takes a list of texts, not a single string")
        if langs is not None and len(langs) != len(texts):
            raise ModelError(f"predict() got {len(texts)} texts but {len(langs)} languages")
        chosen = [langs is not None and langs[i] in self.languages for i in range(len(texts))]
        probs: list[Any] = [None] * len(texts)
        for use, clf in ((True, self.adapted), (False, self.shipped)):
            idx = [i for i, c in enumerate(chosen) if c is use]
            if idx:
                for i, p in zip(idx, clf.predict_proba([texts[i] for i in idx]), strict=True):
                    probs[i] = p
        out = []
        for i, p in enumerate(probs):
            lang = langs[i] if langs is not None else None
            q = drop_neutral(p) if lang in self.binary_languages else p
            out.append(make_prediction(q, self.model_id, self.model_version))
        return out

    def predict_proba(self, texts: Sequence[str]) -> list[tuple[float, float, float]]:
        """Without languages, every text is the shipped model's."""
        return self.shipped.predict_proba(texts)

    def info(self) -> dict[str, Any]:
        return {
            **self.shipped.info(),
            "model_version": self.model_version,
            "shipped_version": self.shipped.model_version,
            "adapted_languages": sorted(self.languages),
            "adapted_dir": self.adapted.info().get("model_dir"),
        }


def pack_folder(folder: Path) -> str:
    """The adapter folder's files as one JSON text (base64), kept in the store beside the record."""
    return json.dumps({rel: base64.b64encode((folder / rel).read_bytes()).decode("ascii") for rel in PACKED_FILES})


def _whole(folder: Path) -> bool:
    return all((folder / rel).is_file() for rel in PACKED_FILES)


def _unpack(raw: str, target: Path) -> None:
    from monitor._cache_dirs import publish_folder

    files = json.loads(raw)

    def fill(tmp: Path) -> None:
        for rel in PACKED_FILES:
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(base64.b64decode(files[rel]))

    publish_folder(target, fill, marker="config.json")


def adapter_folder(record: AdaptedRecord, meta: MetaReader | None = None) -> Path:
    """The adapter's model folder: where it was saved, else (another host) a copy written from
    the store into the cache; :class:`ModelError` saying what to do when neither is there."""
    folder = Path(record.path)
    if _whole(folder):
        return folder
    from monitor._cache_dirs import cache_area

    copy = cache_area("models") / "workspace-adapters" / record.version
    if _whole(copy):
        return copy
    raw = meta.get_meta(FILES_KEY) if meta is not None else None
    if raw:
        try:
            _unpack(raw, copy)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(
                f"cannot write the adapted model {record.version} from the database to {copy}: {exc}"
            ) from exc
        log.info("adapted model %s written from the database to %s", record.version, copy)
        return copy
    raise ModelError(
        f"the adapted model {record.version} is missing: {folder} does not hold it, nor does the database "
        "(restore the folder, or go back to the shipped model with `monitor model adapt --revert`)"
    )


def load_adapter(
    cfg: ModelConfig, record: AdaptedRecord, meta: MetaReader | None = None, cache: ScoreCache | None = None
) -> SentimentClassifier:
    """The adapter's own classifier on torch (the precision ``cfg`` asks for; ONNX ones run as torch's)."""
    from monitor._sentiment.artifacts import ModelMeta, artifact_digest
    from monitor._sentiment.convert import ensure_base
    from monitor._sentiment.loader import resolve_precision
    from monitor._sentiment.torch_backend import load_torch

    folder = adapter_folder(record, meta)
    model_meta = ModelMeta.read(folder)
    digest = artifact_digest(folder, model_meta)
    if routed_digest(digest, record.shipped_version, record.languages) != record.version.partition("+")[2]:
        raise ModelError(f"{folder} does not hold the adapted model {record.version} (its weights differ)")
    precision = resolve_precision(cfg.precision, model_meta.auto_precision, onnx_available=False)
    return load_torch(
        cfg,
        precision.removeprefix("onnx-"),
        model_dir=folder,
        meta=model_meta,
        base_dir=ensure_base(),
        digest=digest,
        cache=cache,
    )


def workspace_classifier(cfg: ModelConfig, meta: MetaReader | None = None) -> SentimentClassifier:
    """The classifier that scores this workspace: the shipped model, routed to an adopted adapter if any."""
    from monitor._sentiment import load_classifier  # the package's name: what callers (and tests) replace

    record = read_record(meta) if meta is not None else None
    if record is not None and cfg.backend != "embedded":
        log.warning("model.backend = %s: the adapted model %s is not used", cfg.backend, record.version)
        record = None
    if record is not None:
        adapter_folder(record, meta)  # a missing folder fails before any model loads
    shipped = load_classifier(cfg)
    if record is None:
        return shipped
    adapter = load_adapter(cfg, record, meta)
    precision = str(shipped.info().get("precision", "fp32"))
    version = score_version(record.model_version, record.version.partition("+")[2], precision)
    return RoutedClassifier(shipped, adapter, record.languages, version)


class WorkspaceModel:
    """The workspace's classifier, loaded once and loaded again when the adoption record changes."""

    def __init__(self, cfg: ModelConfig) -> None:
        self.cfg = cfg
        self._raw: str | None = None
        self._clf: Classifier | None = None
        self._lock = threading.Lock()

    def get(self, meta: MetaReader) -> Classifier:
        raw = meta.get_meta(ADAPTED_KEY)
        with self._lock:
            if self._clf is None or raw != self._raw:
                if self._clf is not None:
                    log.info("the workspace's model changed; loading it again")
                self._clf = workspace_classifier(self.cfg, meta)
                self._raw = raw
            return self._clf


__all__ = [
    "ADAPTED_KEY",
    "FILES_KEY",
    "PACKED_FILES",
    "AdaptedRecord",
    "MetaReader",
    "RoutedClassifier",
    "WorkspaceModel",
    "adapter_folder",
    "load_adapter",
    "pack_folder",
    "read_record",
    "routed_digest",
    "workspace_classifier",
]
