"""The embedded model on torch (``precision`` fp32, bf16 or int8).

The converted e5-small base + merged LoRA + head, mean pooled, run by torch on the windows
and batches of :class:`~monitor._sentiment.classifier.WindowedClassifier`. Torch is imported
only when a classifier is built or scores.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Unpack, cast

from monitor._config import ModelConfig
from monitor._sentiment.classifier import Probs, ScoreCache, WindowedClassifier, WindowOptions, window_setup
from monitor.errors import ModelError

if TYPE_CHECKING:
    import torch

    from monitor._sentiment.artifacts import ModelMeta
    from monitor._sentiment.encoding import TextEncoder


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
            quantize = cast(Callable[..., torch.nn.Module], quantize_dynamic)  # untyped in torch
            q = quantize(target, names, dtype=torch.qint8, inplace=True)
        if target is module:
            return q
        module.encoder = q
        return module
    raise ModelError(f"unknown precision {precision!r} for torch (expected fp32, bf16 or int8)")


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


def load_torch(
    cfg: ModelConfig,
    precision: str,
    *,
    model_dir: Path,
    meta: ModelMeta,
    base_dir: Path,
    digest: str,
    cache: ScoreCache | None = None,
) -> EmbeddedClassifier:
    """Build the torch classifier for the shipped model (``digest``: the weights' digest)."""
    import torch

    from monitor._sentiment.model import load_trained

    torch.set_num_threads(cfg.threads)
    net = load_trained(base_dir, model_dir)
    encoder, options = window_setup(cfg, meta, model_dir, base_dir, digest, precision, cache)
    return EmbeddedClassifier(net, encoder, **options)


__all__ = ["EmbeddedClassifier", "apply_precision", "load_torch"]
