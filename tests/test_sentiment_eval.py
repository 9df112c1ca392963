"""The evaluation module on constructed predictions: polarity accuracy, index bias, grouping
per data set / language / source, the targets, the side-by-side report and its tables, and
the frozen-probe peer's cache and fit on a tiny data set with a stand-in encoder."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from rich.console import Console

from monitor._sentiment.data import Example, load_examples
from monitor._sentiment.evaluate import evaluate_predictions, figures
from monitor._sentiment.metrics import index_bias, msi, polarity_accuracy
from monitor._sentiment.peer import Probe, embed_data, fit_probe, load_or_fit_probe
from monitor._sentiment.sidebyside import PEER, SHIPPED, SideBySide, select_split
from monitor._sentiment.targets import targets_for, unmet
from monitor.errors import ModelError

NEG, NEU, POS = 0, 1, 2


def test_polarity_accuracy_counts_only_gold_polar_rows_and_neutral_predictions_as_wrong() -> None:
    gold = [POS, POS, NEG, NEG, NEU, NEU]
    pred = [POS, NEU, NEG, POS, NEG, POS]  # right, neutral (wrong), right, wrong pole; neutral rows ignored
    assert polarity_accuracy(gold, pred) == (0.5, 4)
    assert polarity_accuracy([NEU, NEU], [POS, NEG]) == (None, 0)
    with pytest.raises(ValueError):
        polarity_accuracy([POS], [])


def test_index_bias_is_model_msi_minus_gold_msi_in_points() -> None:
    gold = [POS, POS, POS, NEG, NEU]  # MSI 3/4 = 75 %
    pred = [POS, NEU, POS, NEG, NEG]  # MSI 2/4 = 50 %
    assert msi(gold) == 0.75 and msi(pred) == 0.5
    assert index_bias(gold, pred) == pytest.approx(-25.0)
    assert index_bias(pred, gold) == pytest.approx(25.0)
    assert index_bias(gold, [NEU] * 5) is None  # the model's MSI is undefined
    assert index_bias([NEU, NEU], [POS, NEG]) is None


def _row(label: str, lang: str, source: str, dataset: str = "mentions", domain: str = "d") -> Example:
    return Example(
        text=f"{label} {lang}", label=label, lang=lang, split="test", source=f"{source}:f.csv@abc", domain=domain,
        dataset=dataset,
    )  # fmt: skip


def test_grouping_per_data_set_language_and_source() -> None:
    rows = [
        _row("positive", "en", "a/shop", domain="web shop"),
        _row("negative", "en", "a/shop", domain="web shop"),
        _row("neutral", "en", "b/bank", domain="bank reviews"),
        _row("positive", "en", "b/bank", domain="banking app"),
        _row("positive", "hy", "c/tweets", dataset="sentiment"),
        _row("negative", "hy", "c/tweets", dataset="sentiment"),
    ]
    pred = [POS, NEU, NEU, NEG, POS, NEU]
    res = evaluate_predictions(rows, pred)
    assert list(res) == ["mentions", "sentiment"]
    m = res["mentions"]
    assert set(m.languages) == {"en"} and m.languages["en"].n == 4
    assert set(m.sources) == {("en", "a/shop"), ("en", "b/bank")}
    assert m.domains[("en", "b/bank")] == ["bank reviews", "banking app"]
    shop = m.sources[("en", "a/shop")]
    assert shop.polarity == 0.5 and shop.index_bias == pytest.approx(50.0)  # model: P=1, N=0; gold: 1 and 1
    assert shop.msi_model == 1.0 and shop.msi_gold == 0.5
    bank = m.sources[("en", "b/bank")]
    assert bank.polarity == 0.0 and bank.index_bias == pytest.approx(-100.0)
    hy = res["sentiment"].languages["hy"]
    assert hy.scores.classes == ["negative", "positive"] and hy.f1("neutral") is None  # binary gold
    assert hy.polarity == 0.5
    d = res["mentions"].as_dict()
    assert d["sources"]["en"]["b/bank"]["domains"] == ["bank reviews", "banking app"]
    assert d["languages"]["en"]["polarity_accuracy"] == 0.3333 and d["languages"]["en"]["n_polar"] == 3
    with pytest.raises(ValueError):
        evaluate_predictions(rows, pred[:-1])


def test_targets_of_issue_11() -> None:
    t = targets_for("mentions", "bg")
    assert t["macro_f1"].bound == 0.59 and t["polarity"].bound == 0.80 and t["neutral_f1"].bound == 0.60
    assert targets_for("mentions", "en")["polarity"].bound == 0.88
    assert targets_for("sentiment", "en")["macro_f1"].bound == pytest.approx(0.8327)
    assert set(targets_for("sentiment", "hy")) == {"macro_f1"}
    assert targets_for("other", "en") == {} and targets_for("sentiment", "de") == {}
    good = figures([NEG, NEU, POS, POS], [NEG, NEU, POS, POS])
    assert unmet("mentions", "en", good) == []
    biased = figures([NEG, NEG, NEU, POS, POS, POS], [NEU, NEG, NEU, POS, POS, POS])  # MSI 60 % → 75 %
    assert biased.index_bias == pytest.approx(15.0)
    assert unmet("mentions", "en", biased) == ["macro_f1", "polarity", "index_bias"]
    assert targets_for("mentions", "en")["index_bias"].text() == "±3.0"
    assert targets_for("mentions", "en")["macro_f1"].text() == "≥ .790"


def _report() -> SideBySide:
    rows = [_row("positive", "en", "a/shop"), _row("negative", "en", "a/shop"), _row("neutral", "en", "a/shop")]
    rep = SideBySide(split="test")
    rep.results[SHIPPED] = evaluate_predictions(rows, [POS, NEG, NEU])
    rep.results[PEER] = evaluate_predictions(rows, [POS, POS, POS])
    rep.models[SHIPPED] = {"model_id": "m", "model_version": "2.0.0+fp32", "seconds": 1.0}
    rep.models[PEER] = {"encoder": "e5", "max_length": 512, "train_rows": 3, "C": 1.0, "cached": True}
    return rep


def test_side_by_side_json_and_tables_mark_missed_targets() -> None:
    from monitor._cli.eval_tables import MISSED, print_report

    rep = _report()
    d = rep.as_dict()
    en = d["datasets"]["mentions"]["languages"]["en"]
    assert en["n"] == 3 and en["targets"]["macro_f1"]["bound"] == 0.79
    assert en[SHIPPED]["unmet"] == [] and en[SHIPPED]["macro_f1"] == 1.0
    assert set(en[PEER]["unmet"]) == {"macro_f1", "neutral_f1", "polarity", "index_bias"}
    assert d["datasets"]["mentions"]["sources"]["en"]["a/shop"][PEER]["index_bias"] == pytest.approx(50.0)
    json.dumps(d)  # plain JSON
    con = Console(record=True, width=100, color_system=None)  # the non-terminal width
    print_report(con, rep)
    text = con.export_text()
    lines = [line for line in text.splitlines() if line.strip().startswith("en")]
    shipped = next(line for line in lines if "2.0.0" in line)
    peer = next(line for line in lines if "peer" in line)
    target = next(line for line in lines if "target" in line)
    assert MISSED not in shipped and peer.count(MISSED) == 4
    assert "≥ .790" in target and "±3.0" in target
    assert "per source" in text and "a/shop" in text and "C=1.0" in text
    rep.results[SHIPPED]["mentions"].sources[("en", "a-rather-long-owner/an-even-longer-repository")] = rep.results[
        SHIPPED
    ]["mentions"].sources[("en", "a/shop")]
    rep.results[PEER]["mentions"].sources[("en", "a-rather-long-owner/an-even-longer-repository")] = rep.results[PEER][
        "mentions"
    ].sources[("en", "a/shop")]
    con = Console(record=True, width=100, color_system=None)
    print_report(con, rep)
    rows = [line for line in con.export_text().splitlines() if "…" in line]  # the long source, ellipsised
    assert len(rows) == 2 and "2.0.0" in rows[0] and "peer" in rows[1] and "+50.0" in rows[1]  # nothing cut


def test_select_split_keeps_unsplit_data_whole() -> None:
    rows = [
        Example("a", "positive", "en", "train", dataset="x"),
        Example("b", "positive", "en", "test", dataset="x"),
        Example("c", "positive", "en", None, dataset="y"),
    ]
    assert select_split(rows, "test") == [1, 2]
    assert select_split(rows, "all") == [0, 1, 2] == select_split(rows, None)


# -- the peer, with a stand-in encoder -------------------------------------------------------


class WordVectors:
    """A stand-in encoder: hashed word counts, L2-normalised (deterministic, no model)."""

    version = "stand-in:1"
    dim = 64
    max_length = 512

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dim] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


WORDS = {"positive": "great lovely happy", "negative": "awful broken angry", "neutral": "opens monday address"}


def _tiny_set(folder: Path, n: int = 12) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "sv"):
        rows = []
        for i in range(n):
            for label, words in WORDS.items():
                split = "train" if i < n - 4 else "dev" if i < n - 2 else "test"
                rows.append({"text": f"{words} {words.split()[i % 3]} item{i}", "label": label, "lang": lang,
                             "split": split, "source": f"o/{lang}:x@1", "domain": "shop"})  # fmt: skip
        (folder / f"{lang}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder


def test_peer_embeddings_are_cached_per_file_and_keyed_by_its_content(tmp_path: Path) -> None:
    data_dir, cache = _tiny_set(tmp_path / "mentions"), tmp_path / "cache"
    enc = WordVectors()
    seen: list[tuple[int, int]] = []
    first = embed_data([data_dir], enc, cache=cache, progress=lambda d, t: seen.append((d, t)))
    assert first.embedded_now == 72 and enc.calls == 72 and seen[-1] == (72, 72)
    assert [r.text for r in first.rows] == [r.text for r in load_examples(data_dir)]
    assert first.vectors.shape == (72, 64)
    again = embed_data([data_dir], enc, cache=cache)
    assert again.embedded_now == 0 and enc.calls == 72
    assert np.array_equal(first.vectors, again.vectors)
    with (data_dir / "sv.jsonl").open("a", encoding="utf-8") as fh:  # a changed file is embedded again
        fh.write(json.dumps({"text": "great news", "label": "positive", "lang": "sv", "split": "test"}) + "\n")
    changed = embed_data([data_dir], enc, cache=cache)
    assert changed.embedded_now == 37 and len(changed.rows) == 73


def test_peer_fits_on_train_chooses_c_on_dev_and_caches_the_probe(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    data_dir, cache = _tiny_set(tmp_path / "mentions"), tmp_path / "cache"
    enc = WordVectors()
    data = embed_data([data_dir], enc, cache=cache)
    logs: list[str] = []
    probe, cached = load_or_fit_probe(data, enc, cache=cache, grid=(0.01, 10.0), log=logs.append)
    assert not cached and len(logs) == 2 and probe.C in (0.01, 10.0)
    assert set(probe.dev_macro_f1) == {"mentions/en", "mentions/sv"}
    assert probe.train_rows == 48
    test = [i for i, r in enumerate(data.rows) if r.split == "test"]
    pred = probe.predict(data.vectors[test])
    assert sum(p == data.rows[i].y for p, i in zip(pred, test, strict=True)) / len(test) >= 0.9
    again, cached = load_or_fit_probe(data, enc, cache=cache, grid=(0.01, 10.0))
    assert cached and again.C == probe.C and np.allclose(again.coef, probe.coef)
    assert again.predict(data.vectors[test]) == pred


def test_peer_refuses_data_without_train_or_dev_rows(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    f = tmp_path / "d" / "en.jsonl"
    f.parent.mkdir()
    f.write_text(json.dumps({"text": "great", "label": "positive", "lang": "en", "split": "test"}) + "\n")
    data = embed_data([f], WordVectors(), cache=tmp_path / "cache")
    with pytest.raises(ModelError, match="needs 'train' and 'dev' rows"):
        fit_probe(data)


def test_probe_predicts_two_and_three_classes() -> None:
    x = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    three = Probe(1.0, np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]), np.zeros(3), [0, 1, 2])
    assert three.predict(x) == [0, 2]
    two = Probe(1.0, np.array([[-1.0, 1.0]]), np.zeros(1), [0, 2])
    assert two.predict(x) == [0, 2]


def test_targets_agree_with_the_pinned_history() -> None:
    """The targets shown in the report are the ones recorded beside the gate's pins."""
    from monitor._sentiment.targets import MENTIONS_MACRO_F1, MODEL_1_3_0_SENTIMENT

    pinned = json.loads((Path(__file__).with_name("eval_baseline.json")).read_text(encoding="utf-8"))
    assert pinned["mentions"]["issue_11_targets"] == MENTIONS_MACRO_F1
    assert pinned["model_1_3_0"]["sentiment_macro_f1"] == MODEL_1_3_0_SENTIMENT
    for pin in (pinned, pinned["mentions"]):  # every language carries all three pins
        langs = set(pin["min_macro_f1"])
        assert set(pin["min_polarity_accuracy"]) == set(pin["max_abs_index_bias"]) == langs
