"""The torch steps of training (:mod:`monitor._sentiment.train`): frozen layers, linear probe, weight average.

torch and transformers are imported inside the functions that use them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from monitor.errors import ModelError


def find_bert(encoder: Any) -> Any:
    """The BertModel inside a peft wrapper (or the model itself)."""
    inner = encoder
    while not hasattr(inner, "embeddings") and hasattr(inner, "model"):
        inner = inner.model
    if hasattr(inner, "get_base_model"):
        inner = inner.get_base_model()
    if not hasattr(inner, "embeddings"):
        raise ModelError("cannot find the BertModel inside the encoder")
    return inner


def layer_mask(bert: Any, h: Any, m: Any) -> Any:
    from transformers.masking_utils import create_bidirectional_mask

    return create_bidirectional_mask(config=bert.config, inputs_embeds=h, attention_mask=m)


def run_upper_layers(bert: Any, h: Any, m: Any, k: int) -> Any:
    """Run layers ``k..`` (with their LoRA adapters) on cached layer-``k`` states."""
    am = layer_mask(bert, h, m)
    for layer in bert.encoder.layer[k:]:
        h = layer(h, am)
    return h


def lower_states(bert: Any, ids: Sequence[Sequence[int]], k: int, pad: int, log: Callable[[str], None]) -> list[Any]:
    """Hidden states after the frozen layers ``0..k-1`` for every example (computed once)."""
    import torch

    from monitor._sentiment.encoding import length_sorted_batches, pad_batch

    t0 = time.monotonic()
    out: list[Any] = [None] * len(ids)
    was_training = bert.training
    bert.eval()
    with torch.no_grad():
        for batch in length_sorted_batches([len(x) for x in ids], 64):
            x, m = pad_batch([ids[i] for i in batch], pad)
            xt, mt = torch.tensor(x), torch.tensor(m)
            h = bert.embeddings(input_ids=xt)
            am = layer_mask(bert, h, mt)
            for layer in bert.encoder.layer[:k]:
                h = layer(h, am)
            for row, i in enumerate(batch):
                out[i] = h[row, : len(ids[i])].clone()
    bert.train(was_training)
    log(f"cached layer-{k} states of {len(ids)} examples ({time.monotonic() - t0:.0f} s)")
    return out


def frozen_features(bert: Any, states: list[Any] | None, ids: Sequence[Sequence[int]], k: int, pad: int) -> Any:
    """Mean-pooled outputs of the (still unadapted) encoder for every training example."""
    import torch

    from monitor._sentiment.encoding import length_sorted_batches, pad_batch
    from monitor._sentiment.model import mean_pool

    out = torch.empty((len(ids), bert.config.hidden_size))
    bert.eval()
    with torch.no_grad():
        for batch in length_sorted_batches([len(x) for x in ids], 64):
            x, m = pad_batch([ids[i] for i in batch], pad)
            mt = torch.tensor(m)
            if states is not None:
                h = torch.zeros((len(batch), mt.shape[1], bert.config.hidden_size))
                for row, i in enumerate(batch):
                    h[row, : len(ids[i])] = states[i]
                h = run_upper_layers(bert, h, mt, k)
            else:
                h = bert(input_ids=torch.tensor(x), attention_mask=mt).last_hidden_state
            out[batch] = mean_pool(h, mt)
    return out


def forward_batch(
    net: Any,
    bert: Any,
    pad: int,
    ids: Sequence[Sequence[int]],
    states: list[Any] | None,
    batch: Sequence[int],
    m: Any,
    k: int,
) -> Any:
    """Logits of one training batch: from cached layer-``k`` states when given, else from token ids."""
    import torch

    from monitor._sentiment.model import mean_pool

    width = int(m.shape[1])
    if states is not None:
        h = torch.zeros((len(batch), width, states[batch[0]].shape[-1]))
        for row, i in enumerate(batch):
            h[row, : len(ids[i])] = states[i]
        h = run_upper_layers(bert, h, m, k)
        return net.head(net.dropout(mean_pool(h, m)))
    x = torch.full((len(batch), width), pad, dtype=torch.long)
    for row, i in enumerate(batch):
        x[row, : len(ids[i])] = torch.tensor(ids[i])
    return net(x, m)


def probe_head(head: Any, feats: Any, ys: Any, binary: Any, weight: Any, steps: int, seed: int) -> None:
    """Fit the linear head alone on frozen features (full batch): LP before FT (LP-FT)."""
    import torch

    torch.manual_seed(seed)
    opt = torch.optim.Adam(head.parameters(), lr=1e-2, weight_decay=1e-4)
    neutral_mask = torch.tensor([0.0, float("-inf"), 0.0])
    for _ in range(steps):
        logits = head(feats)
        logits = torch.where(binary[:, None], logits + neutral_mask, logits)
        loss = torch.nn.functional.cross_entropy(logits, ys, weight=weight)
        opt.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        opt.step()


class WeightAverage:
    """Running sum of a set of parameters at chosen epochs; :meth:`apply` loads their mean."""

    def __init__(self, params: Sequence[Any]) -> None:
        self.params = list(params)
        self.sums: list[Any] | None = None
        self.epochs: list[int] = []

    def add(self, epoch: int) -> None:
        if self.sums is None:
            self.sums = [p.detach().clone() for p in self.params]
        else:
            for acc, p in zip(self.sums, self.params, strict=True):
                acc.add_(p.detach())
        self.epochs.append(epoch)

    def apply(self) -> None:
        """Overwrite the parameters with the mean of the added snapshots."""
        import torch

        if self.sums is None:
            raise ModelError("no weights were added to the average")
        with torch.no_grad():
            for acc, p in zip(self.sums, self.params, strict=True):
                p.copy_(acc / len(self.epochs))


__all__ = [
    "WeightAverage",
    "find_bert",
    "forward_batch",
    "frozen_features",
    "layer_mask",
    "lower_states",
    "probe_head",
    "run_upper_layers",
]
