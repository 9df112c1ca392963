"""The ONNX Runtime path (precision onnx-fp32 / onnx-int8): same answers as torch, cached export."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from monitor._config import ModelConfig
from monitor.errors import ModelError
from tests.test_sentiment_model import CLEAR

MODEL = "mm-e5-small-sentiment"
TEXTS = [t for lang in CLEAR for t, _ in CLEAR[lang]]
LANGS = [lang for lang in CLEAR for _ in CLEAR[lang]]
GOLD = [label for lang in CLEAR for _, label in CLEAR[lang]]
LONG = " ".join(
    [
        "Fantastisk service, personalen var jättetrevlig och maten var underbar!",
        "Men leveransen tog två veckor och kartongen var trasig när den kom.",
        "Vi kommer ändå att beställa igen, kvaliteten är mycket bra.",
    ]
    * 12
)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    mp = pytest.MonkeyPatch()
    mp.setenv("HF_HUB_OFFLINE", "1")
    yield mp
    mp.undo()


def _load(precision: str) -> Any:
    pytest.importorskip("onnxruntime")
    from monitor._sentiment import load_classifier

    return load_classifier(ModelConfig(precision=precision))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def torch_fp32(monkeypatch_module: Any) -> Any:
    return _load("fp32")


@pytest.fixture(scope="module")
def onnx_fp32(monkeypatch_module: Any) -> Any:
    return _load("onnx-fp32")


@pytest.fixture(scope="module")
def onnx_int8(monkeypatch_module: Any) -> Any:
    return _load("onnx-int8")


def _max_diff(a: list[tuple[float, float, float]], b: list[tuple[float, float, float]]) -> float:
    return max(abs(x - y) for pa, pb in zip(a, b, strict=True) for x, y in zip(pa, pb, strict=True))


@pytest.mark.model
def test_fp32_matches_torch_in_every_language(torch_fp32: Any, onnx_fp32: Any) -> None:
    assert onnx_fp32.info()["runtime"] == "onnxruntime" and onnx_fp32.precision == "onnx-fp32"
    assert _max_diff(onnx_fp32.predict_proba(TEXTS), torch_fp32.predict_proba(TEXTS)) < 1e-4
    preds = onnx_fp32.predict(TEXTS, LANGS)
    assert [p.label for p in preds] == GOLD
    hy = [p for p, lang in zip(preds, LANGS, strict=True) if lang == "hy"]
    assert all(p.p_neutral > 0.0 for p in hy)  # Armenian has three classes since model 2.0
    assert all(p.model_id == MODEL and p.model_version == torch_fp32.model_version for p in preds)


@pytest.mark.model
def test_int8_gives_the_same_labels_on_clear_sentences(torch_fp32: Any, onnx_int8: Any) -> None:
    assert onnx_int8.precision == "onnx-int8"
    # int8 moves a few labels, so its scores carry their own version (fp32's stay apart)
    assert onnx_int8.model_version == torch_fp32.model_version + ".onnx-int8"
    fp32 = torch_fp32.predict_proba(TEXTS)
    labels = [p.label for p in onnx_int8.predict(TEXTS, LANGS)]
    # Where fp32 is sure (its top class ahead by 0.3 or more), int8 gives the same label; a
    # near-tie may tip either way (model 2.1.0 puts the Armenian negative at 0.56 / 0.44).
    tops = [sorted(p, reverse=True) for p in fp32]
    sure = [i for i, top in enumerate(tops) if top[0] - top[1] >= 0.3]
    assert len(sure) >= len(TEXTS) - 2
    assert [labels[i] for i in sure] == [GOLD[i] for i in sure]
    # Probabilities move up to 0.15 with model 1.2.0 (adapter in every layer).
    assert _max_diff(onnx_int8.predict_proba(TEXTS), fp32) < 0.2


@pytest.mark.model
def test_long_text_windows_and_padding_match_torch(torch_fp32: Any, onnx_fp32: Any, onnx_int8: Any) -> None:
    windows = onnx_fp32.encoder.windows([LONG])
    assert len(windows) > 2 and all(len(ids) <= onnx_fp32.encoder.max_length for _, ids in windows)
    batch = [LONG, *TEXTS]  # one batch mixing a long text's windows with short texts (padding)
    got = onnx_fp32.predict_proba(batch)
    assert _max_diff(got, torch_fp32.predict_proba(batch)) < 1e-4
    alone = [onnx_fp32._score_uncached([t])[0] for t in batch[:3]]
    assert _max_diff(got[:3], alone) < 1e-5  # padding does not leak into the scores
    # praise, a complaint, praise again: positive or (balanced, model 2.0's semantics) neutral
    assert torch_fp32.predict([LONG])[0].label in ("positive", "neutral")
    # int8 over the same windows: close to fp32, and never the wrong pole. Its label is not
    # pinned to fp32's: a balanced text sits near the neutral/positive tie, and int8 kernels
    # differ by CPU (on an AVX2-only EPYC fp32 gave neutral .573 / positive .417, int8 .489 / .501)
    assert _max_diff(onnx_int8.predict_proba([LONG]), torch_fp32.predict_proba([LONG])) < 0.2
    assert onnx_int8.predict([LONG])[0].label in ("positive", "neutral")


@pytest.mark.model
def test_export_is_cached_and_reused(tmp_path: Path, monkeypatch_module: Any) -> None:
    pytest.importorskip("onnxruntime")
    from monitor._sentiment import onnx_backend as ob
    from monitor._sentiment.artifacts import ModelMeta, find_model_dir
    from monitor._sentiment.convert import ensure_base
    from monitor._sentiment.model import load_trained

    base = ensure_base()
    model_dir = find_model_dir(MODEL)
    meta = ModelMeta.read(model_dir)
    loads: list[int] = []

    def load_net() -> Any:
        loads.append(1)
        return load_trained(base, model_dir)

    def no_export() -> Any:
        raise AssertionError("exported again although the cache holds the file")

    fp32 = ob.ensure_onnx("onnx-fp32", base, model_dir, meta, root=tmp_path, load_net=load_net)
    assert loads == [1] and fp32.name == "fp32.onnx" and fp32.parent.parent == tmp_path
    stamp = fp32.stat().st_mtime_ns
    assert ob.ensure_onnx("onnx-fp32", base, model_dir, meta, root=tmp_path, load_net=no_export) == fp32
    assert fp32.stat().st_mtime_ns == stamp
    # int8 is built from the cached fp32 graph, without loading the torch network again
    int8 = ob.ensure_onnx("onnx-int8", base, model_dir, meta, root=tmp_path, load_net=no_export)
    assert int8.name.startswith("int8-") and int8.parent == fp32.parent
    assert sorted(p.name for p in fp32.parent.iterdir()) == sorted([fp32.name, int8.name])  # no temp files left
    session = ob.make_session(int8, threads=1)
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask"]


@pytest.mark.model
def test_load_uses_the_cache(onnx_fp32: Any, onnx_int8: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor._sentiment import onnx_backend as ob

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached file should have been used")

    monkeypatch.setattr(ob, "export_fp32", boom)
    monkeypatch.setattr(ob, "build_int8", boom)
    for clf in (onnx_fp32, onnx_int8):
        again = _load(clf.precision)
        assert again.info()["onnx_file"] == clf.info()["onnx_file"]


def test_missing_onnxruntime_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor._sentiment import load_classifier
    from monitor._sentiment.loader import resolve_precision

    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` fail
    with pytest.raises(ModelError, match=r"'onnx-int8' needs onnxruntime.*pip install onnxruntime"):
        load_classifier(ModelConfig(precision="onnx-int8"))
    assert resolve_precision("auto", "fp32") == "fp32"  # auto falls back to torch


def test_config_accepts_the_onnx_precisions() -> None:
    from pydantic import ValidationError

    assert ModelConfig(precision="onnx-fp32").precision == "onnx-fp32"
    assert ModelConfig(precision="onnx-int8").precision == "onnx-int8"
    with pytest.raises(ValidationError):
        ModelConfig(precision="onnx-fp16")  # type: ignore[arg-type]


def _fake_model(tmp_path: Path) -> tuple[Path, Path, Any]:
    from monitor._sentiment.artifacts import ModelMeta

    base = tmp_path / "base" / "e5-small-0000000000000000"
    base.mkdir(parents=True)
    (base / "DONE").write_text("0" * 64 + "\n", encoding="utf-8")
    (base / "config.json").write_text('{"num_attention_heads": 12, "hidden_size": 384}', encoding="utf-8")
    model = tmp_path / "model"
    (model / "adapter").mkdir(parents=True)
    for rel in ("labels.json", "head.safetensors", "adapter/adapter_model.safetensors", "adapter/adapter_config.json"):
        (model / rel).write_bytes(b"v1")
    return base, model, ModelMeta(name="fake")


def test_cache_key_follows_adapter_head_and_onnxruntime_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor._sentiment import onnx_backend as ob

    base, model, meta = _fake_model(tmp_path)
    key = ob.cache_key(base, model, meta)
    assert ob.cache_key(base, model, meta) == key
    other = tmp_path / "other"
    shutil.copytree(model, other)
    assert ob.cache_key(base, other, meta) == key  # content, not location
    for rel in ("head.safetensors", "adapter/adapter_model.safetensors", "adapter/adapter_config.json"):
        (other / rel).write_bytes(b"v2")
        assert ob.cache_key(base, other, meta) != key, rel
        (other / rel).write_bytes(b"v1")
    real = ob._version
    monkeypatch.setattr(ob, "_version", lambda dist: "0.0.0" if dist == "onnxruntime" else real(dist))
    assert ob.cache_key(base, model, meta) != key
    assert ob.onnx_dir(base, model, meta, tmp_path / "c").name.startswith("fake-")


def test_export_failure_is_a_model_error(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    from monitor._sentiment import onnx_backend as ob

    base, model, meta = _fake_model(tmp_path)

    def broken() -> Any:
        raise RuntimeError("no weights here")

    with pytest.raises(ModelError, match=r"cannot build the ONNX model for precision 'onnx-fp32'.*no weights here"):
        ob.ensure_onnx("onnx-fp32", base, model, meta, root=tmp_path / "cache", load_net=broken)
    with pytest.raises(ModelError, match="unknown ONNX precision"):
        ob.ensure_onnx("onnx-fp16", base, model, meta, root=tmp_path / "cache")
    folder = ob.onnx_dir(base, model, meta, tmp_path / "cache")
    assert not folder.exists() or not any(folder.iterdir())


def test_export_quiets_onnxruntime_chatter_but_not_the_application(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from monitor._sentiment.onnx_build import _quiet

    app_log = logging.getLogger("monitor._collect")
    caplog.set_level(logging.INFO)
    with _quiet():
        logging.warning("quantiser chatter on the root logger")
        logging.getLogger("onnxruntime.transformers.fusion_attention").warning("fusion chatter")
        app_log.warning("a source failed")
        logging.error("a real error on the root logger")
    logging.warning("root warning after the export")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["a source failed", "a real error on the root logger", "root warning after the export"]
    assert logging.getLogger("onnxruntime").level == logging.NOTSET
