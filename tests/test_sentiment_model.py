"""The shipped model: loads offline, labels clear sentences, and passes the evaluation gate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from monitor._config import ModelConfig

pytestmark = [
    pytest.mark.model,
    pytest.mark.filterwarnings("ignore:.*torch.ao.quantization.*:DeprecationWarning"),
]

BASELINE = Path(__file__).with_name("eval_baseline.json")

CLEAR = {
    "en": [
        ("I love this phone, the camera is amazing and the battery lasts all day!", "positive"),
        ("Terrible service, they lost my luggage and nobody helped. Never again.", "negative"),
    ],
    "sv": [
        ("Fantastisk service, personalen var jättetrevlig och maten var underbar!", "positive"),
        ("Usel kundtjänst, ingen svarar och paketet är fortfarande borta. Aldrig mer.", "negative"),
    ],
    "tr": [
        ("Harika bir ürün, çok memnun kaldım, herkese tavsiye ederim!", "positive"),
        ("Berbat bir hizmet, param çöpe gitti, kesinlikle tavsiye etmiyorum.", "negative"),
    ],
    "bg": [
        ("Страхотен филм, много ми хареса, препоръчвам го на всички!", "positive"),
        ("Ужасно обслужване, чакахме цял час и храната беше студена.", "negative"),
    ],
    "hy": [
        ("Շատ լավ ծառայություն է, անձնակազմը հրաշալի էր, շնորհակալություն։", "positive"),
        ("Սարսափելի ծառայություն էր, այլևս երբեք չեմ գնա այնտեղ։", "negative"),
    ],
}


@pytest.fixture(scope="module")
def clf(monkeypatch_module: Any) -> Any:
    from monitor._sentiment import load_classifier

    monkeypatch_module.setenv("HF_HUB_OFFLINE", "1")
    return load_classifier(ModelConfig())


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_shipped_model_is_small_and_complete() -> None:
    from monitor._sentiment.artifacts import find_model_dir, repo_models_dir

    d = find_model_dir("mm-e5-small-sentiment")
    assert d == repo_models_dir() / "mm-e5-small-sentiment"
    files = [p for p in d.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 3_000_000
    names = {p.relative_to(d).as_posix() for p in files}
    assert {
        "config.json",
        "labels.json",
        "head.safetensors",
        "MODEL_CARD.md",
        "adapter/adapter_model.safetensors",
        "adapter/adapter_config.json",
    } <= names


def test_clear_sentences_in_every_language(clf: Any) -> None:
    texts = [t for lang in CLEAR for t, _ in CLEAR[lang]]
    langs = [lang for lang in CLEAR for _ in CLEAR[lang]]
    gold = [label for lang in CLEAR for _, label in CLEAR[lang]]
    preds = clf.predict(texts, langs)
    wrong = [(t, p.label, g) for t, p, g in zip(texts, preds, gold, strict=True) if p.label != g]
    assert not wrong
    assert all(p.model_id == "mm-e5-small-sentiment" and "+" in p.model_version for p in preds)
    assert all(abs(p.p_negative + p.p_neutral + p.p_positive - 1) < 1e-4 for p in preds)


def test_long_text_windows_and_cache(clf: Any) -> None:
    long = " ".join(["Fantastisk service, personalen var jättetrevlig och maten var underbar!"] * 30)
    windows = clf.encoder.windows([long])
    assert len(windows) > 1 and all(len(ids) <= clf.encoder.max_length for _, ids in windows)
    (p,) = clf.predict([long])
    assert p.label == "positive"
    hits = clf.cache.hits
    clf.predict([long])
    assert clf.cache.hits == hits + 1


def test_evaluation_gate(clf: Any, shared_dir: Path) -> None:
    """Macro-F1 per language on the test split must not fall below the pinned baseline."""
    from monitor._sentiment.data import load_examples
    from monitor._sentiment.evaluate import evaluate

    pinned = json.loads(BASELINE.read_text(encoding="utf-8"))
    rows = load_examples(shared_dir / "data" / "sentiment", split="test")
    result = evaluate(clf, rows)
    below = {
        lang: (round(s.macro_f1, 4), pinned["min_macro_f1"][lang])
        for lang, s in result["languages"].items()
        if s.macro_f1 < pinned["min_macro_f1"][lang]
    }
    assert set(result["languages"]) == set(pinned["min_macro_f1"])
    assert not below, f"macro-F1 below the pinned baseline (got, floor): {below}"


def test_evaluation_gate_on_brand_mentions(clf: Any, shared_dir: Path) -> None:
    """The review and brand-mention test split (model 2.0's domain): no language below its pinned floor."""
    from monitor._sentiment.data import load_examples
    from monitor._sentiment.evaluate import evaluate

    pinned = json.loads(BASELINE.read_text(encoding="utf-8"))["mentions"]
    rows = load_examples(shared_dir / "data" / "mentions", split="test")
    result = evaluate(clf, rows)
    assert set(result["languages"]) == set(pinned["min_macro_f1"])
    below = {
        lang: (round(s.macro_f1, 4), pinned["min_macro_f1"][lang])
        for lang, s in result["languages"].items()
        if s.macro_f1 < pinned["min_macro_f1"][lang]
    }
    assert not below, f"macro-F1 below the pinned baseline (got, floor): {below}"
    neutral = {lang: round(s.f1["neutral"], 3) for lang, s in result["languages"].items()}
    assert all(f > 0.5 for f in neutral.values()), f"neutral collapsed somewhere: {neutral}"


def test_cli_eval_json_and_info(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from monitor._cli import model_cmds  # noqa: F401  (registers the commands)
    from monitor._cli.app import app

    f = tmp_path / "tiny.jsonl"
    rows = [{"text": t, "label": g, "lang": lang} for lang in CLEAR for t, g in CLEAR[lang]]
    rows.append({"text": "What a wonderful, lovely day, I am so happy!", "label": "positive"})  # no lang
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["model", "eval", "--data", str(f), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["overall"]["n"] == len(rows)
    assert set(out["languages"]) >= set(CLEAR)
    assert {"accuracy", "macro_f1", "n"} <= set(out["languages"]["hy"])
    res = runner.invoke(app, ["model", "info", "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["model_id"] == "mm-e5-small-sentiment"
    # auto says what it chose on this CPU and why; the measured tables are listed
    assert info["auto"]["precision"] in ("fp32", "onnx-fp32", "bf16", "int8", "onnx-int8")
    assert info["auto"]["reason"] and "avx512-vnni" in info["precision_tables"]
