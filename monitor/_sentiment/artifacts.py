"""Where the shipped model lives and what its ``config.json`` says (no torch here).

A model directory holds ``config.json`` (this module's :class:`ModelMeta`), ``labels.json``,
``head.safetensors``, ``adapter/`` (a peft LoRA adapter) and ``MODEL_CARD.md``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from monitor._records import LABELS
from monitor.errors import ModelError

META_FILE = "config.json"
ARTIFACT_FILES = ("labels.json", "head.safetensors", "adapter/adapter_model.safetensors")
# The settings that change what the model computes (part of the digest and the ONNX cache key).
BEHAVIOUR_FIELDS = ("base_sha256", "prefix", "max_length", "pooling", "labels", "binary_languages")


@dataclass
class ModelMeta:
    """The shipped model's settings, read from and written to ``config.json``."""

    name: str
    version: str = "1.0.0"
    base_sha256: str = ""
    prefix: str = "query: "
    max_length: int = 128
    pooling: str = "mean"
    labels: list[str] = field(default_factory=lambda: list(LABELS))
    lora: dict[str, Any] = field(default_factory=dict)
    #: What ``auto`` runs where this model has no precision table for the CPU's class.
    auto_precision: str = "fp32"
    #: CPU class → dev measurement of every precision (``monitor model precisions --write``;
    #: see :mod:`~monitor._sentiment.precisions`). Reset when new weights are trained.
    precisions: dict[str, Any] = field(default_factory=dict)
    binary_languages: list[str] = field(default_factory=list)
    supported_languages: list[str] = field(default_factory=lambda: ["hy", "sv", "tr", "bg", "en"])
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, model_dir: Path) -> ModelMeta:
        path = model_dir / META_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ModelError(f"{path}: cannot read model config ({exc.strerror})") from exc
        except json.JSONDecodeError as exc:
            raise ModelError(f"{path}: not valid JSON ({exc})") from exc
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "precisions" in known:
            from monitor._sentiment.precisions import check_table

            known["precisions"] = check_table(known["precisions"], str(path))
        try:
            return cls(**known)
        except TypeError as exc:
            raise ModelError(f"{path}: unexpected model config ({exc})") from exc

    def write(self, model_dir: Path) -> None:
        model_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"
        (model_dir / META_FILE).write_text(text, encoding="utf-8")


def repo_models_dir() -> Path:
    """``models/`` at the repository root (where an editable install finds the shipped model)."""
    import monitor

    return Path(monitor.__file__).resolve().parent.parent / "models"


def candidate_dirs(name: str, path: str | None = None) -> list[Path]:
    """Directories searched for model ``name``: an explicit path first, then the usual places."""
    if path:
        p = Path(path).expanduser()
        return [p, p / name]
    from monitor._cache_dirs import cache_area

    dirs = []
    env = os.environ.get("MONITOR_MODELS_DIR")
    if env:
        dirs.append(Path(env).expanduser() / name)
    dirs += [repo_models_dir() / name, cache_area("models") / name, Path.cwd() / "models" / name]
    return dirs


def find_model_dir(name: str, path: str | None = None) -> Path:
    """Return the first candidate directory holding a model ``config.json``."""
    tried = candidate_dirs(name, path)
    for d in tried:
        if (d / META_FILE).is_file() and (d / "head.safetensors").is_file():
            return d
    raise ModelError(
        f"sentiment model {name!r} not found; looked in: "
        + ", ".join(str(d) for d in tried)
        + " (set model.path in the config, or train one with `monitor model train`)"
    )


def artifact_digest(model_dir: Path, meta: ModelMeta) -> str:
    """Short SHA-256 over the weights and the settings that change outputs (not the metrics)."""
    h = hashlib.sha256()
    settings = {k: getattr(meta, k) for k in BEHAVIOUR_FIELDS}
    h.update(json.dumps(settings, sort_keys=True).encode())
    for rel in ARTIFACT_FILES:
        p = model_dir / rel
        if p.is_file():
            h.update(rel.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


__all__ = ["BEHAVIOUR_FIELDS", "ModelMeta", "artifact_digest", "candidate_dirs", "find_model_dir", "repo_models_dir"]
