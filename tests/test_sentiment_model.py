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


def _gate(result: Any, pinned: dict[str, Any]) -> dict[str, Any]:
    """What misses the pin, per figure: macro-F1, polarity accuracy and |index bias| per language."""
    langs = result.languages
    assert set(langs) == set(pinned["min_macro_f1"])
    return {
        name: failed
        for name, failed in {
            "macro-F1 (got, floor)": {
                lang: (round(f.macro_f1, 4), pinned["min_macro_f1"][lang])
                for lang, f in langs.items()
                if f.macro_f1 < pinned["min_macro_f1"][lang]
            },
            "polarity accuracy (got, floor)": {
                lang: (round(f.polarity, 4), pinned["min_polarity_accuracy"][lang])
                for lang, f in langs.items()
                if f.polarity < pinned["min_polarity_accuracy"][lang]
            },
            "index bias in points (got, largest |bias|)": {
                lang: (round(f.index_bias, 2), pinned["max_abs_index_bias"][lang])
                for lang, f in langs.items()
                if abs(f.index_bias) > pinned["max_abs_index_bias"][lang]
            },
        }.items()
        if failed
    }


def test_evaluation_gate(clf: Any, shared_dir: Path) -> None:
    """The older test split: no language below its pinned macro-F1 and polarity accuracy, nor
    beyond its pinned index bias (2.0's measured figures, with the pin's tolerances)."""
    from monitor._sentiment.data import load_examples
    from monitor._sentiment.evaluate import evaluate

    pinned = json.loads(BASELINE.read_text(encoding="utf-8"))
    rows = load_examples(shared_dir / "data" / "sentiment", split="test")
    missed = _gate(evaluate(clf, rows)["sentiment"], pinned)
    assert not missed, f"below the pinned evaluation gate: {missed}"


def test_evaluation_gate_on_brand_mentions(clf: Any, shared_dir: Path) -> None:
    """The review and brand-mention test split (model 2.0's domain): the same pins, and no
    language whose neutral class collapses."""
    from monitor._sentiment.data import load_examples
    from monitor._sentiment.evaluate import evaluate

    pinned = json.loads(BASELINE.read_text(encoding="utf-8"))["mentions"]
    rows = load_examples(shared_dir / "data" / "mentions", split="test")
    result = evaluate(clf, rows)["mentions"]
    missed = _gate(result, pinned)
    assert not missed, f"below the pinned evaluation gate: {missed}"
    neutral = {lang: round(f.f1("neutral") or 0.0, 3) for lang, f in result.languages.items()}
    assert all(f > 0.5 for f in neutral.values()), f"neutral collapsed somewhere: {neutral}"


def _tiny_split_set(folder: Path) -> Path:
    """CLEAR's sentences (and a neutral one per language) as train, dev and test rows."""
    neutral = {
        "en": "The shop opens at nine on Monday.",
        "sv": "Butiken öppnar klockan nio på måndag.",
        "tr": "Mağaza pazartesi saat dokuzda açılıyor.",
        "bg": "Магазинът отваря в девет в понеделник.",
        "hy": "Խանութը բացվում է երկուշաբթի ժամը ինը։",
    }
    folder.mkdir(parents=True)
    for lang, pairs in CLEAR.items():
        rows = []
        for split, tail in (("train", ""), ("train", " …"), ("dev", " ."), ("test", " !")):
            for text, label in [*pairs, *([(neutral[lang], "neutral")] if lang != "hy" else [])]:
                rows.append({"text": text + tail, "label": label, "lang": lang, "split": split,
                             "source": f"tests/{lang}:x@1", "domain": "hand-written"})  # fmt: skip
        (folder / f"{lang}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    return folder


def test_cli_eval_side_by_side_with_the_peer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--data twice, --peer, --json: both models per data set, language and source, targets
    beside them; the second run takes the peer's embeddings and probe from the cache."""
    pytest.importorskip("sklearn")
    from typer.testing import CliRunner

    from monitor._cache_dirs import cache_dir
    from monitor._cli import _register  # noqa: F401  (registers every command)
    from monitor._cli.app import app

    real = cache_dir()
    cache = tmp_path / "cache"
    cache.mkdir()
    for area in ("base", "onnx"):  # the converted base and ONNX exports are reused, not rebuilt
        if (real / area).is_dir():
            (cache / area).symlink_to(real / area, target_is_directory=True)
    monkeypatch.setenv("MONITOR_CACHE_DIR", str(cache))
    mentions = _tiny_split_set(tmp_path / "mentions")
    other = tmp_path / "other"
    other.mkdir()
    (other / "en.jsonl").write_text((mentions / "en.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    runner = CliRunner()
    args = ["model", "eval", "--data", str(mentions), "--data", str(other), "--peer", "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out["datasets"]) == {"mentions", "other"} and out["split"] == "test"
    peer = out["models"]["peer"]
    assert peer["C"] in (0.3, 1.0, 3.0, 10.0) and peer["train_rows"] == 2 * (4 * 3 + 2) + 2 * 3 and not peer["cached"]
    en = out["datasets"]["mentions"]["languages"]["en"]
    assert en["n"] == 3 and en["targets"]["macro_f1"]["bound"] == 0.79
    assert en["shipped"]["n_polar"] == 2 and en["shipped"]["polarity_accuracy"] == 1.0  # CLEAR's sentences
    assert isinstance(en["shipped"]["unmet"], list) and "polarity_accuracy" in en["peer"]
    hy = out["datasets"]["mentions"]["languages"]["hy"]
    assert hy["shipped"]["classes"] == ["negative", "positive"] and hy["shipped"]["n_polar"] == 2
    assert out["datasets"]["mentions"]["sources"]["sv"]["tests/sv"]["domains"] == ["hand-written"]
    assert out["datasets"]["other"]["languages"]["en"]["targets"] == {}
    assert any(p.suffix == ".npy" for p in (cache / "eval" / "embeddings").rglob("*"))
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["models"]["peer"]["cached"] is True
    assert "(0 new)" in res.stderr
    res = runner.invoke(app, ["model", "eval", "--data", str(mentions), "--peer"])  # the tables
    assert res.exit_code == 0, res.output
    assert "mentions, test split: per language" in res.stdout and "peer" in res.stdout and "target" in res.stdout


def test_cli_eval_json_and_info(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from monitor._cli import _register  # noqa: F401  (registers every command)
    from monitor._cli.app import app

    f = tmp_path / "tiny.jsonl"
    rows = [{"text": t, "label": g, "lang": lang} for lang in CLEAR for t, g in CLEAR[lang]]
    rows.append({"text": "What a wonderful, lovely day, I am so happy!", "label": "positive"})  # no lang
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["model", "eval", "--data", str(f), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    (data,) = out["datasets"].values()
    assert sum(v["n"] for v in data["languages"].values()) == len(rows) == data["overall"]["shipped"]["n"]
    assert set(data["languages"]) >= set(CLEAR)
    assert {"accuracy", "macro_f1", "n", "polarity_accuracy", "index_bias"} <= set(data["languages"]["hy"]["shipped"])
    assert "peer" not in out["models"]
    res = runner.invoke(app, ["model", "eval", "--data", str(f), "--peer"])
    assert res.exit_code != 0 and "needs 'train' and 'dev' rows" in res.output
    res = runner.invoke(app, ["model", "info", "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["model_id"] == "mm-e5-small-sentiment"
    # auto says what it chose on this CPU and why; the measured tables are listed
    assert info["auto"]["precision"] in ("fp32", "onnx-fp32", "bf16", "int8", "onnx-int8")
    assert info["auto"]["reason"] and "avx512-vnni" in info["precision_tables"]


@pytest.mark.slow
def test_side_by_side_on_both_test_splits_matches_the_gate(shared_dir: Path) -> None:
    """The full report (both data sets, the peer trained on both train splits): the shipped
    model's figures are the gate's measured ones, and every language has the peer beside it."""
    pytest.importorskip("sklearn")
    from monitor._cli.eval_cmds import run_eval

    pinned = json.loads(BASELINE.read_text(encoding="utf-8"))
    data = shared_dir / "data"
    report = run_eval([data / "sentiment", data / "mentions"], split="test", peer=True, precision="fp32")
    for ds, pin in (("sentiment", pinned), ("mentions", pinned["mentions"])):
        shipped, peer = report.results["shipped"][ds], report.results["peer"][ds]
        assert set(peer.languages) == set(shipped.languages) == set(pin["measured_macro_f1"])
        for lang, f in shipped.languages.items():
            assert round(f.macro_f1, 4) == pin["measured_macro_f1"][lang], (ds, lang)
            assert round(f.polarity, 4) == pin["measured_polarity_accuracy"][lang], (ds, lang)
            assert round(f.index_bias, 2) == pin["measured_index_bias"][lang], (ds, lang)
        assert peer.sources.keys() == shipped.sources.keys()
