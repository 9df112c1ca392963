"""The ``hf`` backend with a tiny BertForSequenceClassification built and saved in the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor._config import ModelConfig
from monitor._sentiment.hf_backend import resolve_label_map
from monitor.errors import ModelError

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "good", "bad", "okay", "film", "the", "was"]


def _save_tiny(path: Path, id2label: dict[int, str]) -> None:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        model_max_length=16,
    )
    cfg = BertConfig(
        vocab_size=len(WORDS),
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=16,
        num_labels=len(id2label),
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(cfg).eval()
    with torch.no_grad():  # make "good" vs "bad" decisive through the pooled CLS path
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
    model.save_pretrained(str(path))
    fast.save_pretrained(str(path))


def test_label_map_resolution() -> None:
    assert resolve_label_map({0: "NEG", 1: "neu", 2: "Positive"}, {}) == [0, 1, 2]
    assert resolve_label_map({0: "LABEL_0", 1: "LABEL_1"}, {"LABEL_0": "negative", "1": "positive"}) == [0, 2]
    with pytest.raises(ModelError, match="label_map"):
        resolve_label_map({0: "LABEL_0"}, {})


def test_hf_backend_loads_local_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    _save_tiny(tmp_path, {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    from monitor._sentiment import load_classifier

    cfg = ModelConfig(
        backend="hf",
        path=str(tmp_path),
        label_map={"LABEL_0": "negative", "LABEL_1": "neutral", "LABEL_2": "positive"},
        batch_size=2,
    )
    clf = load_classifier(cfg)
    texts = ["good film", "the film was bad", "okay", "good " * 40]  # the last needs 3 windows
    preds = clf.predict(texts, ["en"] * 4)
    assert len(preds) == 4
    for p in preds:  # zeroed classifier: uniform probabilities, whatever the input
        assert abs(p.p_negative - 1 / 3) < 1e-5 and abs(p.p_positive - 1 / 3) < 1e-5
        assert p.model_id == f"hf:{tmp_path.name}" and len(p.model_version) == 12
    info = clf.info()
    assert info["backend"] == "hf" and info["labels"] == {
        "0": "negative",
        "1": "neutral",
        "2": "positive",
    }
    assert clf.predict(["good film"])[0] == preds[0]
    assert len(clf.cache) == 4


def test_hf_backend_two_class_model(tmp_path: Path) -> None:
    _save_tiny(tmp_path, {0: "NEGATIVE", 1: "POSITIVE"})
    from monitor._sentiment import load_classifier

    clf = load_classifier(ModelConfig(backend="hf", path=str(tmp_path)))
    (p,) = clf.predict(["good"])
    assert p.p_neutral == 0.0 and abs(p.p_negative + p.p_positive - 1) < 1e-6


def test_hf_backend_missing_model(tmp_path: Path) -> None:
    from monitor._sentiment import load_classifier

    with pytest.raises(ModelError, match="cannot load"):
        load_classifier(ModelConfig(backend="hf", path=str(tmp_path / "nope")))
