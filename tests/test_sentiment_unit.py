"""Fast tests of the sentiment package's logic: no real model, a tiny tokenizer and net."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from monitor._labels import counts_in_index
from monitor._records import Prediction
from monitor._sentiment.classifier import (
    ScoreCache,
    drop_neutral,
    make_prediction,
    text_key,
)
from monitor._sentiment.data import load_examples
from monitor._sentiment.e5file import dequantize_q4_0
from monitor._sentiment.encoding import length_sorted_batches, pad_batch
from monitor._sentiment.loader import resolve_precision
from monitor._sentiment.metrics import score
from monitor.errors import ModelError

pytestmark = pytest.mark.filterwarnings("ignore:.*torch.ao.quantization.*:DeprecationWarning")


def test_import_does_not_load_torch() -> None:
    code = "import monitor, monitor._sentiment, monitor._cli.model_cmds, sys;print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_q4_0_dequantisation() -> None:
    import numpy as np

    d = np.float16(0.5).tobytes()
    qs = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))  # low nibble j, high nibble 15-j
    w = dequantize_q4_0(d + qs, 0, 32)
    assert w[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert w[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_text_key_is_nfc_insensitive() -> None:
    assert text_key("I\u0307stanbul") == text_key("İstanbul")
    assert text_key("a") != text_key("b")


def test_score_cache_lru() -> None:
    c = ScoreCache(max_items=2)
    c.put("v1", "a", (1.0, 0.0, 0.0))
    c.put("v1", "b", (0.0, 1.0, 0.0))
    assert c.get("v1", "a") == (1.0, 0.0, 0.0)
    c.put("v1", "c", (0.0, 0.0, 1.0))  # evicts b, the least recently used
    assert c.get("v1", "b") is None
    assert c.get("v2", "a") is None  # another model version never shares scores
    assert len(c) == 2


def test_threshold_and_language_rule() -> None:
    p = make_prediction((0.2, 0.3, 0.5), "m", "1")
    assert p.label == "positive" and p.confidence == 0.5
    assert counts_in_index(p, "sv", 0.5)
    assert not counts_in_index(p, "sv", 0.6)
    assert not counts_in_index(p, "de", 0.0)
    assert counts_in_index(p, None, 0.0)


def test_drop_neutral_renormalises() -> None:
    assert drop_neutral((0.2, 0.6, 0.2)) == (0.5, 0.0, 0.5)
    q = drop_neutral((0.1, 0.5, 0.4))
    assert q[1] == 0.0 and abs(q[0] + q[2] - 1) < 1e-9 and q[2] > q[0]


def test_precision_auto_falls_back_without_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    import monitor._sentiment.loader as c

    monkeypatch.setattr(c, "cpu_has_fast_bf16", lambda: False)
    assert resolve_precision("auto", "bf16", onnx_available=False) == "fp32"
    assert resolve_precision("auto", "int8", onnx_available=False) == "int8"
    assert resolve_precision("bf16", "fp32") == "bf16"


def test_precision_auto_takes_bf16_where_the_cpu_has_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import monitor._sentiment.loader as c

    monkeypatch.setattr(c, "cpu_has_fast_bf16", lambda: True)
    assert resolve_precision("auto", "bf16", onnx_available=True) == "bf16"  # torch: onnx has no bf16 path
    assert resolve_precision("auto", "fp32", onnx_available=True) == "onnx-fp32"


def test_precision_auto_prefers_onnxruntime_for_fp32() -> None:
    assert resolve_precision("auto", "fp32", onnx_available=True) == "onnx-fp32"
    assert resolve_precision("auto", "fp32", onnx_available=False) == "fp32"
    assert resolve_precision("auto", "int8", onnx_available=True) == "int8"  # torch int8 is its own recipe
    assert resolve_precision("auto", "onnx-int8", onnx_available=True) == "onnx-int8"
    assert resolve_precision("auto", "onnx-int8", onnx_available=False) == "fp32"
    assert resolve_precision("fp32", "onnx-fp32", onnx_available=True) == "fp32"  # explicit wins


def test_score_version_keeps_lossy_precisions_apart() -> None:
    from monitor._sentiment.classifier import score_version

    assert score_version("1.2.0", "abc", "fp32") == score_version("1.2.0", "abc", "onnx-fp32") == "1.2.0+abc"
    versions = {score_version("1.2.0", "abc", p) for p in ("fp32", "bf16", "int8", "onnx-int8")}
    assert len(versions) == 4 and "1.2.0+abc.bf16" in versions


def test_metrics_binary_gold_uses_present_classes() -> None:
    s = score([0, 0, 2, 2], [0, 1, 2, 2])
    assert s.classes == ["negative", "positive"]
    assert s.accuracy == 0.75
    # F1 negative = 2/3, positive = 1.0; neutral (absent from gold) is not averaged
    assert abs(s.macro_f1 - (2 / 3 + 1.0) / 2) < 1e-9
    assert s.confusion[0] == [1, 1, 0]


def test_batches_sorted_and_padded() -> None:
    batches = length_sorted_batches([3, 9, 1, 7], 2)
    assert batches == [[1, 3], [0, 2]]
    ids, mask = pad_batch([[5, 6, 7], [8]], 0)
    assert ids == [[5, 6, 7], [8, 0, 0]] and mask == [[1, 1, 1], [1, 0, 0]]


def test_load_examples_reports_bad_line(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text(json.dumps({"text": "ok", "label": "positive"}) + "\n" + '{"text": "no label"}\n')
    with pytest.raises(ModelError, match=r"x.jsonl:2"):
        load_examples(f)
    f.write_text(json.dumps({"text": "ok", "label": "great"}) + "\n")
    with pytest.raises(ModelError, match="not one of"):
        load_examples(f)


# -- a tiny word-level tokenizer and a fake network: windows, batching, cache --------------


def _tiny_encoder(max_length: int = 8) -> object:
    from tokenizers import Tokenizer, models, pre_tokenizers

    from monitor._sentiment.encoding import TextEncoder

    words = ["<s>", "<pad>", "</s>", "<unk>", "query", ":", "good", "bad", "meh", "x"]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    return TextEncoder(tok, max_length=max_length)


def test_windows_split_long_text_and_repeat_prefix() -> None:
    enc: object = _tiny_encoder(max_length=8)
    wins = enc.windows(["good", "good " * 9])  # type: ignore[attr-defined]
    assert wins[0] == (0, [0, 4, 5, 6, 2])
    long = [ids for i, ids in wins if i == 1]
    assert len(long) == 3  # 9 words, 4 per window (8 - <s> - </s> - 2 prefix tokens)
    assert all(ids[:3] == [0, 4, 5] and ids[-1] == 2 and len(ids) <= 8 for ids in long)


class _CountingNet:
    """Stands in for the torch network: 'good' tokens push positive, 'bad' negative."""

    def __init__(self) -> None:
        import torch

        self.rows_seen = 0
        self.torch = torch

    def eval(self) -> _CountingNet:
        return self

    def float(self) -> _CountingNet:
        return self

    def __call__(self, ids: object, mask: object) -> object:
        t = self.torch
        x = ids  # type: ignore[assignment]
        self.rows_seen += int(x.shape[0])  # type: ignore[attr-defined]
        good = (x == 6).sum(1).float()  # type: ignore[operator]
        bad = (x == 7).sum(1).float()  # type: ignore[operator]
        return t.stack([bad * 3, t.ones_like(good), good * 3], dim=1)


def _fake_classifier(max_length: int = 8) -> tuple[object, _CountingNet]:
    from monitor._sentiment.torch_backend import EmbeddedClassifier

    net = _CountingNet()
    clf = EmbeddedClassifier(
        net,  # type: ignore[arg-type]
        _tiny_encoder(max_length),  # type: ignore[arg-type]
        model_id="fake",
        model_version="0",
        binary_languages=["hy"],
        batch_size=2,
    )
    return clf, net


def test_predict_labels_batches_and_caches() -> None:
    clf, net = _fake_classifier()
    preds = clf.predict(["good good", "bad", "meh", "good good"], ["en", "en", "en", "en"])  # type: ignore[attr-defined]
    assert [p.label for p in preds] == ["positive", "negative", "neutral", "positive"]
    assert all(isinstance(p, Prediction) and p.model_id == "fake" for p in preds)
    assert net.rows_seen == 3  # the duplicate text was scored once
    again = clf.predict(["bad", "good good"])  # type: ignore[attr-defined]
    assert net.rows_seen == 3  # both cached: never scored twice by the same version
    assert again[0] == preds[1]


def test_windows_average_probabilities() -> None:
    clf, _ = _fake_classifier(max_length=8)
    # 4 'good' then 4 'bad': two windows, one positive and one negative, equal weight
    (p,) = clf.predict_proba(["good good good good bad bad bad bad"])  # type: ignore[attr-defined]
    assert abs(p[0] - p[2]) < 1e-6 and p[1] < 0.01


def test_binary_language_drops_neutral() -> None:
    clf, _ = _fake_classifier()
    en, hy = clf.predict(["meh good", "meh good"], ["en", "hy"])  # type: ignore[attr-defined]
    assert en.p_neutral > 0 and hy.p_neutral == 0.0 and hy.label == "positive"


def test_predict_rejects_bad_arguments() -> None:
    clf, _ = _fake_classifier()
    with pytest.raises(ModelError, match="list of texts"):
        clf.predict("good")  # type: ignore[attr-defined]
    with pytest.raises(ModelError, match="languages"):
        clf.predict(["good"], ["en", "sv"])  # type: ignore[attr-defined]
