"""The ``hf`` backend: any ``AutoModelForSequenceClassification`` by hub name or local path.

``model.label_map`` maps the model's own labels (``id2label`` names, or ids as strings) onto
``negative``/``neutral``/``positive``; without it, common names (neg/neu/pos…) are recognised.
Labels that map to the same class have their probabilities summed; a two-class model gives
``p_neutral = 0``.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from monitor._config import ModelConfig
from monitor._records import LABELS
from monitor._sentiment.classifier import Probs, ScoreCache, SentimentClassifier
from monitor.errors import ModelError

_ALIASES: dict[str, str] = {
    "negative": "negative", "neg": "negative",
    "neutral": "neutral", "neu": "neutral", "none": "neutral",
    "positive": "positive", "pos": "positive",
}  # fmt: skip


def resolve_label_map(id2label: Mapping[int, str], label_map: Mapping[str, str]) -> list[int]:
    """For each model output id, the index in :data:`LABELS` it contributes to."""
    out: list[int] = []
    for i in range(len(id2label)):
        name = str(id2label[i])
        target = label_map.get(name, label_map.get(str(i)))
        if target is None:
            target = _ALIASES.get(name.strip().lower())
        if target not in LABELS:
            raise ModelError(
                f"model label {name!r} (id {i}) maps to no sentiment class; set model.label_map, "
                f'e.g. {{"{name}" = "negative"}} (targets: {", ".join(LABELS)})'
            )
        out.append(LABELS.index(target))
    return out


class HFClassifier(SentimentClassifier):
    """A transformers sequence classifier behind the :class:`SentimentClassifier` interface."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        label_index: Sequence[int],
        model_id: str,
        model_version: str,
        batch_size: int = 32,
        max_length: int = 512,
        cache: ScoreCache | None = None,
    ) -> None:
        super().__init__(batch_size=batch_size, cache=cache)
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.label_index = list(label_index)
        self.model_id = model_id
        self.model_version = model_version
        self.max_length = max_length

    def _score_uncached(self, texts: Sequence[str]) -> list[Probs]:
        import torch

        from monitor._sentiment.encoding import length_sorted_batches

        enc = self.tokenizer(
            list(texts),
            truncation=True,
            max_length=self.max_length,
            return_overflowing_tokens=True,
        )
        owners: list[int] = list(enc.get("overflow_to_sample_mapping", range(len(texts))))
        windows: list[list[int]] = enc["input_ids"]
        sums = [[0.0] * len(LABELS) for _ in texts]
        weights = [0.0] * len(texts)
        pad = self.tokenizer.pad_token_id or 0
        try:
            with torch.inference_mode():
                for batch in length_sorted_batches([len(w) for w in windows], self.batch_size):
                    width = max(len(windows[i]) for i in batch)
                    ids = torch.full((len(batch), width), pad, dtype=torch.long)
                    mask = torch.zeros((len(batch), width), dtype=torch.long)
                    for r, i in enumerate(batch):
                        ids[r, : len(windows[i])] = torch.tensor(windows[i])
                        mask[r, : len(windows[i])] = 1
                    logits = self.model(input_ids=ids, attention_mask=mask).logits
                    for r, row in zip(batch, torch.softmax(logits.float(), -1).tolist(), strict=True):
                        w = float(len(windows[r]))
                        t = owners[r]
                        weights[t] += w
                        for j, p in enumerate(row):
                            sums[t][self.label_index[j]] += w * p
        except RuntimeError as exc:
            raise ModelError(f"hf model {self.model_id} failed while scoring: {exc}") from exc
        return [(s[0] / w, s[1] / w, s[2] / w) for s, w in zip(sums, weights, strict=True)]

    def info(self) -> dict[str, Any]:
        return {
            **super().info(),
            "backend": "hf",
            "labels": {str(i): LABELS[k] for i, k in enumerate(self.label_index)},
            "max_length": self.max_length,
            "batch_size": self.batch_size,
            "cached_texts": len(self.cache),
        }


def _version(model: Any, where: str) -> str:
    commit = getattr(model.config, "_commit_hash", None)
    if commit:
        return str(commit)[:12]
    h = hashlib.sha256()
    p = Path(where)
    for f in sorted(p.glob("*.safetensors")) + sorted(p.glob("*.bin")) + sorted(p.glob("config.json")):
        with open(f, "rb") as fh:
            while block := fh.read(1 << 20):
                h.update(block)
    return h.hexdigest()[:12]


def load_hf(cfg: ModelConfig, cache: ScoreCache | None = None) -> HFClassifier:
    """Load the model named by ``cfg.path`` (local) or ``cfg.name`` (hub cache / download)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    where = cfg.path or cfg.name
    if cfg.path is not None and not Path(cfg.path).expanduser().is_dir():
        raise ModelError(f"cannot load Hugging Face model: {cfg.path} is not a directory")
    where = str(Path(where).expanduser()) if cfg.path is not None else where
    bar = hf_logging.is_progress_bar_enabled()
    enable_bar, disable_bar = (
        cast(Callable[[], None], f) for f in (hf_logging.enable_progress_bar, hf_logging.disable_progress_bar)
    )
    disable_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            tokenizer = AutoTokenizer.from_pretrained(where)
            model = AutoModelForSequenceClassification.from_pretrained(where)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load Hugging Face model {where!r}: {exc}") from exc
    finally:
        if bar:
            enable_bar()
    torch.set_num_threads(cfg.threads)
    label_index = resolve_label_map(model.config.id2label, cfg.label_map)
    max_length = min(
        int(getattr(tokenizer, "model_max_length", 512) or 512),
        int(getattr(model.config, "max_position_embeddings", 512) or 512),
        512,
    )
    return HFClassifier(
        model,
        tokenizer,
        label_index=label_index,
        model_id=f"hf:{cfg.name}" if cfg.path is None else f"hf:{Path(where).name}",
        model_version=_version(model, where),
        batch_size=cfg.batch_size,
        max_length=max_length,
        cache=cache,
    )


__all__ = ["HFClassifier", "load_hf", "resolve_label_map"]
