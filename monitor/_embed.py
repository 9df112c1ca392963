"""Multilingual sentence embeddings for themes and aspects.

The vectors come from the shipped model's base encoder (e5-small, the same weights the
sentiment model starts from) *without* the sentiment adapter: the adapter pulls texts apart by
polarity, while themes and aspects need them grouped by topic. Texts are embedded as e5
expects (``query: `` prefix, mean pooling over the first window of at most 128 tokens, L2
normalised), so cosine similarity is a dot product.

Importing this module imports neither torch nor numpy; :func:`load_embedder` does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from monitor.errors import ModelError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from monitor._sentiment.encoding import TextEncoder

EMBEDDING_DIM = 384


@runtime_checkable
class Embedder(Protocol):
    """Text → unit vectors; ``version`` names the weights, so stored vectors can be checked."""

    version: str
    dim: int

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One L2-normalised row per text, shape ``(len(texts), dim)``, dtype float32."""
        ...


class E5Embedder:
    """The base e5-small encoder, run with torch on the CPU."""

    dim = EMBEDDING_DIM

    def __init__(
        self, base_dir: Path, *, batch_size: int = 32, max_length: int = 128, threads: int | None = None
    ) -> None:
        import torch

        from monitor._sentiment.encoding import TextEncoder
        from monitor._sentiment.model import load_encoder

        if batch_size < 1:
            raise ModelError(f"embedding batch size must be at least 1, got {batch_size}")
        if threads is not None:
            torch.set_num_threads(threads)
        self.batch_size = batch_size
        self.max_length = max_length  # tokens embedded per text (the rest is cut off)
        self.encoder: TextEncoder = TextEncoder.from_file(base_dir / "tokenizer.json", max_length=max_length)
        self.net = load_encoder(base_dir)
        self.version = f"e5-small-base:{base_dir.name.rsplit('-', 1)[-1]}"

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        import numpy as np
        import torch

        from monitor._sentiment.encoding import length_sorted_batches, pad_batch
        from monitor._sentiment.model import mean_pool

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        seqs = self.encoder.truncated(texts)
        try:
            with torch.inference_mode():
                for batch in length_sorted_batches([len(s) for s in seqs], self.batch_size):
                    ids, mask = pad_batch([seqs[i] for i in batch], self.encoder.pad)
                    t_ids, t_mask = torch.tensor(ids), torch.tensor(mask)
                    hidden = self.net(input_ids=t_ids, attention_mask=t_mask).last_hidden_state
                    pooled = torch.nn.functional.normalize(mean_pool(hidden, t_mask), dim=-1)
                    out[batch] = pooled.float().numpy()
        except RuntimeError as exc:
            raise ModelError(f"embedding model failed: {exc}") from exc
        return out


#: Builds (or hands over) the embedder when a step first needs vectors (so one that fails to
#: load fails that step only).
EmbedderFactory = Callable[[], Embedder]


@functools.cache
def shared_embedder() -> E5Embedder:
    """The process's one base encoder (loaded on first use; themes and aspects share it)."""
    return load_embedder()


def as_factory(embedder: Embedder | EmbedderFactory | None) -> EmbedderFactory | None:
    """An embedder or a factory of one, as a factory (``None`` stays ``None``)."""
    if embedder is None or not isinstance(embedder, Embedder):
        return embedder
    given = embedder

    def use_given() -> Embedder:
        return given

    return use_given


def load_embedder(*, batch_size: int = 32, max_length: int = 128, threads: int | None = None) -> E5Embedder:
    """The base encoder of the shipped model (converted once, then cached on disk)."""
    from monitor._sentiment.convert import ensure_base

    return E5Embedder(ensure_base(), batch_size=batch_size, max_length=max_length, threads=threads)


__all__ = [
    "EMBEDDING_DIM",
    "E5Embedder",
    "Embedder",
    "EmbedderFactory",
    "as_factory",
    "load_embedder",
    "shared_embedder",
]
