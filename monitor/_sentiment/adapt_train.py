"""Fine-tune the shipped model on a workspace's labels (``monitor model adapt``), in torch.

The shipped LoRA adapter and head are the starting point. Only the adapter's upper layers
(from ``freeze_layers``) and the head train, with a small learning rate, for a few epochs:
the lower layers' outputs are computed once for every label and reused by every fold of
the cross-validation and by the final fit, so one fit costs a fraction of a full pass.
Examples are truncated to the model's ``max_length`` as in training; both models are
compared on the same truncated inputs. Seeded: the same labels give the same adapter.

torch, peft and transformers are imported inside the functions that use them.
"""

from __future__ import annotations

import json
import random
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from monitor.errors import ModelError

#: ``progress(steps done, steps in all)`` of the whole adapt run.
Progress = Callable[[int, int], None]
_LAYER = re.compile(r"\.layer\.(\d+)\.")


@dataclass
class AdaptSettings:
    """What decides an adapter (recorded with it)."""

    folds: int = 5
    epochs: int = 0  # 0: as many as the labels allow (:func:`auto_epochs`)
    batch_size: int = 8
    lr: float = 1e-3  # the LoRA adapter's upper layers
    head_lr: float = 1e-2
    weight_decay: float = 0.01
    freeze_layers: int = 8  # layers 0..7 keep the shipped adapter and run once per label
    seed: int = 13
    threads: int = 1  # small batches: a second thread gains little, and costs much on a busy CPU

    def check(self) -> None:
        """Raise :class:`ModelError` naming the first setting that cannot adapt a model."""
        if self.epochs < 0:
            raise ModelError(f"adapt setting epochs must not be negative, not {self.epochs}")
        for name in ("batch_size", "threads"):
            if getattr(self, name) < 1:
                raise ModelError(f"adapt setting {name} must be at least 1, not {getattr(self, name)}")
        if self.folds < 2:
            raise ModelError(f"--folds must be at least 2, not {self.folds}")
        if not 0 <= self.freeze_layers < 12:
            raise ModelError(f"adapt setting freeze_layers must lie in 0..11, not {self.freeze_layers}")
        if not 0 < self.lr < 1 or not 0 < self.head_lr < 1:
            raise ModelError(f"learning rates must lie in (0, 1), not lr={self.lr} head_lr={self.head_lr}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def auto_epochs(n: int) -> int:
    """Epochs for ``n`` labels: 6 up to 1,000 labels, fewer above (at least 2), so a 5-fold run
    stays near 30,000 example passes (minutes on one core)."""
    return max(2, min(6, 6000 // max(n, 1)))


def fold_of(labels: Sequence[int], langs: Sequence[str | None], folds: int, seed: int) -> list[int]:
    """Each example's fold, stratified by language and label (shuffled, then dealt round-robin)."""
    rng = random.Random(seed)
    groups: dict[tuple[str, int], list[int]] = {}
    for i, (y, lang) in enumerate(zip(labels, langs, strict=True)):
        groups.setdefault((lang or "", y), []).append(i)
    out = [0] * len(labels)
    k = 0
    for key in sorted(groups):
        idx = groups[key]
        rng.shuffle(idx)
        for i in idx:
            out[i] = k % folds
            k += 1
    return out


class Adapter:
    """The shipped model, ready to be fine-tuned again and again from the same start."""

    def __init__(self, base_dir: Path, model_dir: Path, *, prefix: str, max_length: int, s: AdaptSettings) -> None:
        import torch
        from peft import PeftModel
        from safetensors.torch import load_file

        from monitor._sentiment.encoding import TextEncoder
        from monitor._sentiment.model import SentimentNet, load_encoder
        from monitor._sentiment.train_steps import find_bert

        s.check()
        torch.set_num_threads(s.threads)
        self.s = s
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                peft: Any = PeftModel.from_pretrained(
                    load_encoder(base_dir), str(model_dir / "adapter"), is_trainable=True
                )
            head = load_file(str(model_dir / "head.safetensors"))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot load the sentiment adapter/head from {model_dir}: {exc}") from exc
        self.net = SentimentNet(peft, hidden=int(head["weight"].shape[1]))
        self.net.head.load_state_dict(head)
        self.bert = find_bert(self.net.encoder)
        upper: list[Any] = []
        for name, p in self.net.encoder.named_parameters():
            layer = _LAYER.search(name)
            p.requires_grad = "lora_" in name and layer is not None and int(layer.group(1)) >= s.freeze_layers
            if p.requires_grad:
                upper.append(p)
        if not upper:
            raise ModelError(f"{model_dir}: the adapter has no LoRA weights above layer {s.freeze_layers}")
        self.lora_params = upper
        self.trainable = upper + list(self.net.head.parameters())
        self.start = [p.detach().clone() for p in self.trainable]
        self.base_name = json.loads((model_dir / "adapter" / "adapter_config.json").read_text(encoding="utf-8")).get(
            "base_model_name_or_path", ""
        )
        self.encoder = TextEncoder.from_file(base_dir / "tokenizer.json", prefix=prefix, max_length=max_length)
        self.ids: list[list[int]] = []
        self.states: list[Any] = []

    def prepare(self, texts: Sequence[str], log: Callable[[str], None]) -> None:
        """Tokenise the labelled texts and run the frozen lower layers once over them."""
        from monitor._sentiment.train_steps import lower_states

        self.ids = self.encoder.truncated(texts)
        if self.s.freeze_layers:
            self.states = lower_states(self.bert, self.ids, self.s.freeze_layers, self.encoder.pad, log)

    def reset(self) -> None:
        """Back to the shipped adapter and head."""
        import torch

        with torch.no_grad():
            for p, p0 in zip(self.trainable, self.start, strict=True):
                p.copy_(p0)

    def steps(self, n: int) -> int:
        """Optimiser steps of one fit on ``n`` examples."""
        return self.s.epochs * -(-n // self.s.batch_size)

    def fit(self, rows: Sequence[int], labels: Sequence[int], seed: int, progress: Callable[[], None]) -> None:
        """Fine-tune from the shipped weights on ``rows`` (indices into the prepared texts)."""
        import torch

        from monitor._sentiment.train import bucketed_batches

        self.reset()
        torch.manual_seed(seed)
        rng = random.Random(seed)
        opt = torch.optim.AdamW(
            [
                {"params": self.lora_params, "lr": self.s.lr},
                {"params": list(self.net.head.parameters()), "lr": self.s.head_lr},
            ],
            weight_decay=self.s.weight_decay,
        )
        total = self.steps(len(rows))
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: max(0.0, (total - k) / total))
        ys = torch.tensor([labels[i] for i in rows])
        self.net.train()
        for _ in range(self.s.epochs):
            for batch in bucketed_batches([len(self.ids[i]) for i in rows], self.s.batch_size, rng):
                logits = self._logits([rows[b] for b in batch])
                loss = torch.nn.functional.cross_entropy(logits, ys[batch])
                loss.backward()  # type: ignore[no-untyped-call]
                torch.nn.utils.clip_grad_norm_(self.trainable, 1.0)
                opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
                progress()
        self.net.eval()

    def predict(self, rows: Sequence[int]) -> list[int]:
        """The label index the current weights give each of ``rows``."""
        import torch

        from monitor._sentiment.encoding import length_sorted_batches

        self.net.eval()
        out = [0] * len(rows)
        with torch.no_grad():
            for batch in length_sorted_batches([len(self.ids[i]) for i in rows], 64):
                logits = self._logits([rows[b] for b in batch])
                for b, k in zip(batch, logits.argmax(-1).tolist(), strict=True):
                    out[b] = int(k)
        return out

    def _logits(self, items: Sequence[int]) -> Any:
        import torch

        from monitor._sentiment.train_steps import forward_batch

        width = max(len(self.ids[i]) for i in items)
        m = torch.zeros((len(items), width), dtype=torch.long)
        for row, i in enumerate(items):
            m[row, : len(self.ids[i])] = 1
        states = self.states if self.s.freeze_layers else None
        return forward_batch(self.net, self.bert, self.encoder.pad, self.ids, states, items, m, self.s.freeze_layers)

    def save(self, out: Path) -> None:
        """Write the current adapter and head as a model folder's weights (``adapter/``, ``head.safetensors``)."""
        from monitor._sentiment.model import save_artifacts

        save_artifacts(self.net, out, base_name=self.base_name)


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold predictions: the shipped model's and the adapters' (each trained without its fold)."""

    shipped: list[int]
    adapted: list[int]
    folds: list[int]


def cross_validate(
    model: Adapter, labels: Sequence[int], langs: Sequence[str | None], progress: Callable[[], None]
) -> CrossValidation:
    """k-fold cross-validation of the adapter against the shipped model on the prepared texts."""
    s = model.s
    everything = list(range(len(labels)))
    model.reset()
    shipped = model.predict(everything)
    folds = fold_of(labels, langs, s.folds, s.seed)
    adapted = [0] * len(labels)
    for k in range(s.folds):
        train = [i for i in everything if folds[i] != k]
        held = [i for i in everything if folds[i] == k]
        if not held:
            continue
        model.fit(train, labels, s.seed + k, progress)
        for i, y in zip(held, model.predict(held), strict=True):
            adapted[i] = y
    return CrossValidation(shipped, adapted, folds)


def cv_steps(model: Adapter, n: int) -> int:
    """Optimiser steps of a cross-validation on ``n`` labels plus the final fit on all of them."""
    held = [n // model.s.folds + (1 if k < n % model.s.folds else 0) for k in range(model.s.folds)]
    return sum(model.steps(n - h) for h in held) + model.steps(n)


__all__ = [
    "AdaptSettings",
    "Adapter",
    "CrossValidation",
    "Progress",
    "auto_epochs",
    "cross_validate",
    "cv_steps",
    "fold_of",
]
