"""The torch network: converted e5 encoder (+ LoRA) → mean pooling → 3-class linear head.

Importing this module imports torch; the rest of ``monitor`` imports it lazily.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

from monitor._records import LABELS
from monitor.errors import ModelError

WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"
DEFAULT_LORA: dict[str, Any] = {
    "r": 8,
    "lora_alpha": 16,
    "lora_dropout": 0.1,
    "target_modules": ["query", "value"],
}


def load_encoder(base_dir: Path) -> nn.Module:
    """Build a float32 ``BertModel`` (no pooler) from the converted base, without random init."""
    from safetensors import safe_open
    from transformers import BertConfig, BertModel

    state: dict[str, torch.Tensor] = {}
    try:
        config = BertConfig.from_json_file(str(base_dir / "config.json"))
        with safe_open(str(base_dir / "model.safetensors"), framework="pt") as f:
            for key in f.keys():  # noqa: SIM118  (safe_open is not a mapping)
                t = f.get_tensor(key)
                # The 250k-row word embedding stays fp16 (its stored values are fp16 anyway):
                # lookups are promoted to fp32 when the position embeddings are added.
                state[key] = t if key == WORD_EMBEDDINGS else t.float()
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load the converted base model from {base_dir}: {exc}") from exc
    with torch.device("meta"):
        model = BertModel(config, add_pooling_layer=False)
    model.load_state_dict(state, strict=True, assign=True)
    emb = model.embeddings
    n = config.max_position_embeddings
    emb.register_buffer("position_ids", torch.arange(n).expand((1, -1)), persistent=False)
    emb.register_buffer("token_type_ids", torch.zeros((1, n), dtype=torch.long), persistent=False)
    model.eval()  # type: ignore[no-untyped-call]
    return model


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token states over the attention mask."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)


class SentimentNet(nn.Module):
    """Encoder + mean pooling + dropout + linear head over :data:`LABELS`."""

    def __init__(self, encoder: nn.Module, hidden: int = 384, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, len(LABELS))

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        return mean_pool(out.last_hidden_state, attention_mask)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.head(self.dropout(self.pooled(input_ids, attention_mask)))
        return logits


def add_lora(encoder: nn.Module, lora: dict[str, Any]) -> nn.Module:
    """Wrap the encoder with a fresh peft LoRA adapter."""
    from peft import LoraConfig, get_peft_model

    with warnings.catch_warnings():
        # peft calls transformers' deprecated ``is_gradient_checkpointing``
        warnings.simplefilter("ignore", FutureWarning)
        return get_peft_model(encoder, LoraConfig(**lora))


def save_artifacts(net: SentimentNet, out: Path, base_name: str) -> None:
    """Write ``adapter/``, ``head.safetensors`` and ``labels.json`` into ``out``."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    enc: Any = net.encoder
    if not hasattr(enc, "save_pretrained") or not hasattr(enc, "peft_config"):
        raise ModelError("the encoder carries no LoRA adapter to save")
    cfg = enc.peft_config["default"]
    cfg.base_model_name_or_path = base_name
    if isinstance(cfg.target_modules, set | list):  # peft keeps a set: written sorted, same weights give same bytes
        cfg.target_modules = sorted(cfg.target_modules)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # peft warns that the base is not on the hub
        enc.save_pretrained(str(out / "adapter"))
    (out / "adapter" / "README.md").unlink(missing_ok=True)  # peft's empty card template
    head = {k: v.detach().float().contiguous() for k, v in net.head.state_dict().items()}
    save_file(head, str(out / "head.safetensors"))
    labels = {str(i): label for i, label in enumerate(LABELS)}
    (out / "labels.json").write_text(json.dumps(labels, indent=2) + "\n", encoding="utf-8")
    for p in out.rglob("*"):
        if p.is_file():
            p.chmod(0o644)  # safetensors writes 0600; these files are meant to be shared


def load_trained(base_dir: Path, model_dir: Path, *, merge: bool = True) -> SentimentNet:
    """Load the base + the shipped adapter and head; merge LoRA into the weights for speed."""
    from peft import PeftModel
    from safetensors.torch import load_file

    encoder = load_encoder(base_dir)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peft_model: Any = PeftModel.from_pretrained(encoder, str(model_dir / "adapter"))
        head = load_file(str(model_dir / "head.safetensors"))
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"cannot load the sentiment adapter/head from {model_dir}: {exc}") from exc
    enc = peft_model.merge_and_unload() if merge else peft_model
    net = SentimentNet(enc, hidden=int(head["weight"].shape[1]))
    net.head.load_state_dict(head)
    return net.eval()


__all__ = [
    "DEFAULT_LORA",
    "SentimentNet",
    "add_lora",
    "load_encoder",
    "load_trained",
    "mean_pool",
    "save_artifacts",
]
