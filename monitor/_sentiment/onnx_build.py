"""Building the ONNX files of the embedded model: export, BERT fusions, outlier smoothing, int8.

The torch network (converted base + merged LoRA + mean pooling + head + softmax) is exported
to ONNX with dynamic batch and sequence axes, then passed through onnxruntime's BERT fusions
(fused attention, skip-layer-norm, bias-GELU). ``onnx-int8`` is that graph with its
activation outlier channels smoothed into the weights (:func:`smooth_activations`) and then
dynamically quantised (per-channel int8 weights; the word-embedding table and the head stay
as they are). :mod:`monitor._sentiment.onnx_backend` caches the files and runs them.
torch, onnx and onnxruntime are imported only inside the functions that need them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from monitor.errors import ModelError

if TYPE_CHECKING:
    import torch

    from monitor._sentiment.encoding import TextEncoder
    from monitor._sentiment.model import SentimentNet

ONNX_PRECISIONS = ("onnx-fp32", "onnx-int8")
# Bump when the export/optimisation/quantisation recipe changes: old cache entries then miss.
EXPORT_RECIPE = 1
OPSET = 17
INPUT_NAMES = ("input_ids", "attention_mask")
OUTPUT_NAME = "probs"
# onnx-int8: dynamic quantisation of these op types only. The fp16 word-embedding Gather and
# the Gemm head stay as they are.
QUANT_OP_TYPES = ("MatMul", "Attention")


def import_onnxruntime(precision: str = "onnx-fp32") -> ModuleType:
    """Import onnxruntime, or raise a :class:`ModelError` that says what to install."""
    try:
        import onnxruntime
    except ImportError as exc:
        raise ModelError(
            f"model.precision = {precision!r} needs onnxruntime, which is not installed "
            f"({exc}); install it (pip install onnxruntime onnx) or set model.precision to fp32"
        ) from exc
    module: ModuleType = onnxruntime
    return module


def onnxruntime_available() -> bool:
    """Whether onnxruntime can be imported (without importing it when it is missing)."""
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path next to ``target``, renamed onto it when the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".onnx.tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(0o644)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _below_error_from_root(record: logging.LogRecord) -> bool:
    """Drop sub-ERROR records logged on the root logger itself (not those propagated to it)."""
    return record.levelno >= logging.ERROR


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the exporter's warnings and the optimiser/quantiser's chatter, and nothing else.

    onnxruntime's optimiser logs on ``onnxruntime.*`` loggers and its quantiser calls
    ``logging.warning`` on the root logger; both are held to ERROR while the block runs.
    Every other logger (the application's own, in any thread) keeps its level.
    """
    ort = logging.getLogger("onnxruntime")
    previous = ort.level
    ort.setLevel(logging.ERROR)
    logging.root.addFilter(_below_error_from_root)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.root.removeFilter(_below_error_from_root)
        ort.setLevel(previous)


def export_fp32(net: SentimentNet, out: Path, *, num_heads: int, hidden_size: int) -> None:
    """Export ``net`` (→ softmax probabilities) to ONNX and apply onnxruntime's BERT fusions."""
    import torch
    from onnxruntime.transformers.optimizer import optimize_model

    encoder: Any = net.encoder
    # Eager attention exports as plain MatMul/Softmax, which the optimiser fuses into one
    # Attention op; the SDPA export is not fused.
    if hasattr(encoder, "set_attn_implementation"):
        encoder.set_attn_implementation("eager")
    else:  # pragma: no cover - older transformers
        encoder.config._attn_implementation = "eager"

    class Probabilities(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return torch.softmax(self.inner(input_ids, attention_mask).float(), dim=-1)

    # eval() on the wrapper too: the exporter restores the wrapper's mode afterwards, and a
    # wrapper left in training mode would switch dropout on in ``net``.
    wrapper = Probabilities(net).eval()
    ids = torch.tensor([[0, 100, 200, 300, 2], [0, 5, 6, 2, 1]])
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]])
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}, OUTPUT_NAME: {0: "batch"}}
    with tempfile.TemporaryDirectory(prefix=".export-", dir=out.parent) as tmp, _quiet():
        raw = Path(tmp) / "raw.onnx"
        torch.onnx.export(
            wrapper,
            (ids, mask),
            str(raw),
            dynamo=False,  # the TorchScript exporter: no onnxscript needed
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            dynamic_axes=axes,
            opset_version=OPSET,
        )
        opt = optimize_model(str(raw), model_type="bert", num_heads=num_heads, hidden_size=hidden_size, opt_level=0)
        opt.save_model_to_file(str(out))


def ffn_output_nodes(model_path: Path) -> list[str]:
    """Names of the FFN output projections (``layer.N.output.dense``) in an exported graph."""
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    return [
        n.name
        for n in graph.node
        if n.op_type == "MatMul" and n.name.endswith("/output/dense/MatMul") and "/attention/" not in n.name
    ]


def quantize_int8(
    src: Path,
    out: Path,
    *,
    per_channel: bool = True,
    exclude_ffn_output: bool = False,
    reduce_range: bool = False,
) -> None:
    """Dynamic int8 quantisation of the fp32 graph's MatMul and Attention weights.

    Activations are uint8, quantised per batch at run time; weights are int8, per output
    channel with ``per_channel`` (7-bit with ``reduce_range``). ``exclude_ffn_output`` keeps
    the FFN output projections in fp32, like the torch int8 path. The shipped recipe is
    :data:`INT8_OPTIONS`; the others are kept for comparisons (see the model card).
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    exclude = ffn_output_nodes(src) if exclude_ffn_output else []
    with _quiet():
        quantize_dynamic(
            str(src),
            str(out),
            per_channel=per_channel,
            reduce_range=reduce_range,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=list(QUANT_OP_TYPES),
            nodes_to_exclude=exclude,
            # the fused contrib ops have no ONNX shape inference; their outputs are float
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )


# Outlier smoothing strength per kind of projection (see ``smooth_activations``).
SMOOTH_ALPHA: dict[str, float] = {"qkv": 0.5, "attn_out": 0.5, "ffn_in": 0.5, "ffn_out": 0.5}
# The int8 settings onnx-int8 uses (chosen on dev macro-F1; see MODEL_CARD.md).
INT8_OPTIONS: dict[str, bool] = {"per_channel": True, "exclude_ffn_output": False, "reduce_range": False}


def _projection_kind(node: Any, weights: set[str]) -> str | None:
    """``qkv``, ``attn_out``, ``ffn_in`` or ``ffn_out`` for a weight projection of the fused graph."""
    if node.op_type == "Attention":
        return "qkv"
    if node.op_type != "MatMul" or node.input[1] not in weights:
        return None
    if "/attention/output/" in node.name:
        return "attn_out"
    if "/intermediate/" in node.name:
        return "ffn_in"
    if "/output/dense/" in node.name:
        return "ffn_out"
    return None


def smooth_activations(
    src: Path,
    out: Path,
    encoder: TextEncoder,
    texts: Sequence[str],
    alpha: dict[str, float] | None = None,
    *,
    batch_size: int = 16,
) -> int:
    """Outlier smoothing (SmoothQuant-style): move activation outliers into the weights.

    onnxruntime quantises each projection's input per tensor at run time, and a few hidden
    channels of this encoder (the inputs of the FFN projections above all) are 10-60x larger
    than the rest, which leaves the other channels with a handful of int8 steps. For each
    projection ``y = x W`` this inserts ``x' = x / s`` (one Mul) and stores ``W' = diag(s) W``,
    so the fp32 result is unchanged. ``s_j = max(1, (max|x_j| / median_k max|x_k|) ** a)``:
    only channels above the median are scaled down, so the result depends on which channels
    are outliers (a property of the model) more than on the calibration texts. The maxima
    come from running ``texts`` through ``src``. Returns how many projections were smoothed.
    """
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    from monitor._sentiment.encoding import length_sorted_batches, pad_batch

    ort = import_onnxruntime("onnx-int8")
    alpha = SMOOTH_ALPHA if alpha is None else alpha
    model = onnx.load(str(src))
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    targets = [(n, k) for n in graph.node if (k := _projection_kind(n, set(inits))) in alpha]
    if not targets:
        onnx.save(model, str(out))
        return 0
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    seen: set[str] = set()
    for n, _ in targets:
        if n.input[0] not in seen:
            seen.add(n.input[0])
            probe.graph.output.append(helper.make_tensor_value_info(n.input[0], onnx.TensorProto.FLOAT, None))
    so = ort.SessionOptions()
    so.log_severity_level = 3
    session = ort.InferenceSession(probe.SerializeToString(), sess_options=so, providers=["CPUExecutionProvider"])
    del probe
    names = sorted(seen)
    amax: dict[str, Any] = {}
    windows = encoder.windows(texts)
    for batch in length_sorted_batches([len(ids) for _, ids in windows], batch_size):
        ids, mask = pad_batch([windows[i][1] for i in batch], encoder.pad)
        feed = {INPUT_NAMES[0]: np.asarray(ids, dtype=np.int64), INPUT_NAMES[1]: np.asarray(mask, dtype=np.int64)}
        keep = np.asarray(mask, dtype=bool).reshape(-1)
        for name, x in zip(names, session.run(names, feed), strict=True):
            m = np.abs(x.reshape(-1, x.shape[-1])[keep]).max(axis=0)
            amax[name] = m if name not in amax else np.maximum(amax[name], m)
    del session
    for n, kind in targets:
        a = alpha[kind]
        w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)  # (in, out)
        am = np.maximum(amax[n.input[0]], 1e-6)
        scale = np.maximum(1.0, (am / np.median(am)) ** a).astype(np.float32)
        inits[n.input[1]].CopyFrom(numpy_helper.from_array(w * scale[:, None], n.input[1]))
        inv = numpy_helper.from_array((1.0 / scale).astype(np.float32), f"{n.name}/smooth_inv")
        graph.initializer.append(inv)
        smoothed = f"{n.name}/smoothed_input"
        mul = helper.make_node("Mul", [n.input[0], inv.name], [smoothed], name=f"{n.name}/smooth")
        graph.node.insert(list(graph.node).index(n), mul)
        n.input[0] = smoothed
    onnx.save(model, str(out))
    return len(targets)


def build_int8(fp32: Path, out: Path, encoder: TextEncoder) -> None:
    """fp32 graph → SmoothQuant scaling (built-in calibration texts) → dynamic int8."""
    from monitor._sentiment.calibration import CALIBRATION_TEXTS

    with tempfile.TemporaryDirectory(prefix=".int8-", dir=out.parent) as tmp:
        smoothed = Path(tmp) / "smoothed.onnx"
        smooth_activations(fp32, smoothed, encoder, CALIBRATION_TEXTS)
        quantize_int8(
            smoothed,
            out,
            per_channel=INT8_OPTIONS["per_channel"],
            exclude_ffn_output=INT8_OPTIONS["exclude_ffn_output"],
            reduce_range=INT8_OPTIONS["reduce_range"],
        )


def int8_recipe() -> str:
    """Short hash of the int8 settings and calibration texts (part of the int8 file's name)."""
    from monitor._sentiment.calibration import CALIBRATION_TEXTS

    recipe = [INT8_OPTIONS, SMOOTH_ALPHA, list(QUANT_OP_TYPES), list(CALIBRATION_TEXTS)]
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:8]


__all__ = [
    "INT8_OPTIONS",
    "ONNX_PRECISIONS",
    "SMOOTH_ALPHA",
    "atomic_path",
    "build_int8",
    "export_fp32",
    "ffn_output_nodes",
    "import_onnxruntime",
    "int8_recipe",
    "onnxruntime_available",
    "quantize_int8",
    "smooth_activations",
]
