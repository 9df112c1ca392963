"""``monitor model adapt`` (issue 11, part 5), the fast part: the verdict (paired bootstrap,
per language), the team's labels as the store gathers them, the routed classifier's one
version, a stored score labelling again after a revert (the scoring loop ends), the refusal
below the minimum, and one dry run of the command on the real model with tiny settings.
The end-to-end adoptions are in ``test_model_adapt_e2e.py`` (slow)."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor._adapt import adapt, revert
from monitor._api import MentionIndex
from monitor._cli import _register  # noqa: F401  (registers every command)
from monitor._cli.app import app
from monitor._config import config_from_dict
from monitor._pipeline.steps import score_step
from monitor._records import Mention
from monitor._sentiment.adapt_train import AdaptSettings, auto_epochs, fold_of
from monitor._sentiment.adapt_verdict import Gain, compare, decide, paired_bootstrap
from monitor._sentiment.adapted import ADAPTED_KEY, AdaptedRecord, RoutedClassifier, read_record
from monitor._sentiment.classifier import Probs, SentimentClassifier
from monitor.errors import ConfigError, ModelError

try:
    from adapt_workspace import START, build, reviews
    from test_rating_labels import SaysModel
except ImportError:  # tests/ is a package
    from tests.adapt_workspace import START, build, reviews
    from tests.test_rating_labels import SaysModel

runner = CliRunner()


# ---------------------------------------------------------------- the verdict (pure)


def test_a_clear_gain_is_adopted_and_its_interval_lies_above_zero() -> None:
    gold = [0, 2] * 20
    shipped = [2, 0] * 20  # always wrong
    adapted = list(gold)
    adapted[:3] = [2, 0, 2]  # three mistakes
    acc, f1 = paired_bootstrap(gold, shipped, adapted)
    assert acc.mean == pytest.approx(37 / 40) and 0.8 < acc.low <= acc.mean <= acc.high <= 1.0
    assert f1.low > 0.8
    (c,) = compare(gold, shipped, adapted, ["en"] * 40)
    verdict = decide(c)
    assert verdict.adopt and "above zero" in verdict.reason
    assert (verdict.n, verdict.shipped_accuracy, verdict.adapted_accuracy) == (40, 0.0, 37 / 40)


def test_no_gain_noise_too_few_labels_or_an_unknown_language_keep_the_shipped_model() -> None:
    rng = random.Random(5)
    gold = [rng.randrange(3) for _ in range(80)]
    shipped = [rng.randrange(3) for _ in range(80)]
    adapted = [rng.randrange(3) for _ in range(80)]
    (noise,) = [decide(c) for c in compare(gold, shipped, adapted, ["en"] * 80)]
    assert not noise.adopt and noise.accuracy_gain.low < 0 < noise.accuracy_gain.high
    assert "reaches zero" in noise.reason
    worse = decide(compare(gold, gold, shipped, ["en"] * 80)[0])  # the shipped model is right everywhere
    assert not worse.adopt and worse.reason == "worse than the shipped model"
    few = decide(compare([0, 2] * 9, [2, 0] * 9, [0, 2] * 9, ["sv"] * 18)[0])
    assert not few.adopt and few.reason == "18 labels, fewer than the 20 a language needs"
    unknown = decide(compare([0, 2] * 15, [2, 0] * 15, [0, 2] * 15, [None] * 30)[0])
    assert unknown.lang == "?" and not unknown.adopt


def test_languages_are_judged_apart_and_the_most_labelled_comes_first() -> None:
    gold = [0, 2] * 30
    langs = ["sv"] * 40 + ["tr"] * 20
    adapted = list(gold)
    shipped = [2, 0] * 20 + gold[40:]  # wrong on Swedish, right on Turkish
    by_lang = {c.lang: decide(c) for c in compare(gold, shipped, adapted, langs)}
    assert list(by_lang) == ["sv", "tr"]
    assert by_lang["sv"].adopt and not by_lang["tr"].adopt
    assert by_lang["tr"].accuracy_gain == Gain(0.0, 0.0, 0.0)
    assert json.loads(json.dumps(by_lang["sv"].to_dict()))["accuracy_gain"]["mean"] == 1.0
    with pytest.raises(ValueError, match="equally long"):
        paired_bootstrap([0], [0, 1], [0])


def test_folds_are_stratified_and_epochs_shrink_with_many_labels() -> None:
    labels = [0] * 30 + [2] * 20
    folds = fold_of(labels, ["en"] * 50, 5, seed=3)
    assert [folds.count(k) for k in range(5)] == [10] * 5
    for k in range(5):  # every fold holds both labels in proportion
        assert sum(1 for f, y in zip(folds, labels, strict=True) if f == k and y == 0) == 6
    assert fold_of(labels, ["en"] * 50, 5, seed=3) == folds  # seeded
    assert (auto_epochs(80), auto_epochs(1000), auto_epochs(2000), auto_epochs(50_000)) == (6, 6, 3, 2)


# ---------------------------------------------------------------- the team's labels (store)


def _cfg(path: Path | str, on: bool = True) -> object:
    url = path if isinstance(path, str) else f"sqlite:///{path}"
    return config_from_dict({"database_url": url, "index": {"label_from_rating": on, "min_sample": 1}})


def test_the_team_labels_are_people_s_labels_and_rated_mentions_with_words(db_url: str) -> None:
    items = [
        Mention("stars5", "lovely", published_at=START, lang="en", rating=5, rating_scale=(1, 5)),
        Mention("stars3", "it is ok", title="Meh", published_at=START, lang="sv", rating=3, rating_scale=(1, 5)),
        Mention("stars-no-words", "", published_at=START, rating=1, rating_scale=(1, 5)),
        Mention("imported", "from a file", published_at=START, label="negative"),
        Mention("plain", "no stars", published_at=START, lang="en"),
        Mention("both", "stars say good", published_at=START, lang="en", rating=9, rating_scale=(0, 10)),
    ]
    db = db_url  # SQLite and PostgreSQL alike
    with MentionIndex.open(_cfg(db)) as idx:  # type: ignore[arg-type]
        idx.add_mentions("Acme", "shop", items)
        ids = {m.external_id: m.id for m in idx.mentions("Acme", limit=10)}
        idx.set_label(ids["plain"], "positive")
        idx.set_label(ids["both"], "negative")  # a person's label wins over the stars
        got = {(t.text, t.lang, t.label, t.origin) for t in idx.store.team_labels()}
        assert got == {
            ("lovely", "en", "positive", "rating"),
            ("Meh. it is ok", "sv", "neutral", "rating"),
            ("no stars", "en", "positive", "manual"),
            ("stars say good", "en", "negative", "manual"),
        }
    with MentionIndex.open(_cfg(db, on=False)) as idx:  # type: ignore[arg-type]
        assert {t.origin for t in idx.store.team_labels()} == {"manual"}  # stars label nothing then


# ---------------------------------------------------------------- routing and versions


class Fixed(SentimentClassifier):
    """A stand-in backend that gives every text the same probabilities."""

    def __init__(self, probs: Probs, version: str) -> None:
        super().__init__(batch_size=8, cache=None)
        self.probs, self.model_id, self.model_version = probs, "mm", version

    def _score_uncached(self, texts: Sequence[str]) -> list[Probs]:
        return [self.probs for _ in texts]


def test_a_routed_classifier_routes_by_language_and_every_prediction_carries_its_one_version() -> None:
    routed = RoutedClassifier(Fixed((0.8, 0.1, 0.1), "2.0.0+a"), Fixed((0.1, 0.1, 0.8), "x"), ["en"], "2.0.0-ws1+b")
    preds = routed.predict(["a", "b", "c"], ["en", "sv", None])
    assert [p.label for p in preds] == ["positive", "negative", "negative"]
    assert {(p.model_id, p.model_version) for p in preds} == {("mm", "2.0.0-ws1+b")}
    assert [p.label for p in routed.predict(["a"])] == ["negative"]  # no language: the shipped model
    info = routed.info()
    assert (info["model_version"], info["shipped_version"], info["adapted_languages"]) == (
        "2.0.0-ws1+b",
        "2.0.0+a",
        ["en"],
    )


def test_scoring_with_a_routed_model_then_reverting_ends_and_restores_the_labels(tmp_path: Path) -> None:
    """The scoring loop asks for mentions its version has not labelled: after a revert the old
    version's stored scores must label the mentions again, or the loop would never end."""
    with MentionIndex.open(_cfg(tmp_path / "s.db")) as idx:  # type: ignore[arg-type]
        plain = [Mention(f"p{i}", f"text {i} model:positive", published_at=START, lang="en") for i in range(7)]
        idx.add_mentions("Acme", "forum", plain)
        shipped = SaysModel("2.0.0+a")
        routed = RoutedClassifier(Fixed((0.1, 0.1, 0.8), "2.0.0+a"), Fixed((0.9, 0.05, 0.05), "x"), ["en"], "ws1")
        for clf, label in ((shipped, "positive"), (routed, "negative"), (shipped, "positive")):
            step = score_step(idx, idx.config, lambda c=clf: c, batch=3)  # type: ignore[misc]
            assert step.status == "ok", step.errors
            assert idx.store.count_pending(clf.model_id, clf.model_version) == 0
            assert {m.label for m in idx.mentions("Acme", limit=10)} == {label}
        origins = {m.label_origin for m in idx.mentions("Acme", limit=10)}
        assert origins == {"says@2.0.0+a"}
        assert step.counts["scored"] == 7  # the revert scored them again, with no new rows


def test_the_adoption_record_round_trips_through_the_meta_table(tmp_path: Path) -> None:
    rec = AdaptedRecord("2.0.0-ws1+abc", "2.0.0-ws1", str(tmp_path), ["en"], "2.0.0+x", 80, "2026-12-10T00:00:00+00:00")
    with MentionIndex.open(_cfg(tmp_path / "m.db")) as idx:  # type: ignore[arg-type]
        assert read_record(idx.store) is None
        idx.store.set_meta(ADAPTED_KEY, rec.to_json())
        assert read_record(idx.store) == rec
        idx.store.delete_meta(ADAPTED_KEY)
        assert idx.store.get_meta(ADAPTED_KEY) is None


# ---------------------------------------------------------------- the command


def test_adapt_refuses_below_the_minimum_naming_the_count(tmp_path: Path) -> None:
    cfg = build(tmp_path, 12, "agree")
    res = runner.invoke(app, ["model", "adapt", "--config", str(cfg)])
    assert res.exit_code == 2, res.output
    assert "needs at least 50 labelled mentions; this workspace has 12 (0 labelled by people, 12 by their stars)" in (
        " ".join(res.output.split())
    )
    res = runner.invoke(app, ["model", "adapt", "--config", str(cfg), "--revert"])
    assert res.exit_code == 0 and "already scores with the shipped model" in res.output
    res = runner.invoke(app, ["model", "adapt", "--config", str(cfg), "--folds", "1"])
    assert res.exit_code == 2 and "--folds" in res.output
    hf = config_from_dict({"database_url": f"sqlite:///{tmp_path / 'ws.db'}", "model": {"backend": "hf"}})
    with MentionIndex.open(hf) as idx, pytest.raises(ConfigError, match="adapts the embedded model"):
        adapt(hf, idx.store, AdaptSettings())
    with pytest.raises(ModelError, match="learning rates"):
        AdaptSettings(lr=2.0).check()


@pytest.mark.model
def test_a_dry_run_cross_validates_reports_per_language_and_changes_nothing(tmp_path: Path) -> None:
    cfg = build(tmp_path, 50, "reversed")
    args = ["model", "adapt", "--config", str(cfg), "--dry-run", "--folds", "2", "--epochs", "1", "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert (report["labels"], report["origins"], report["languages"]) == (50, {"rating": 50}, {"en": 50})
    assert report["dry_run"] and report["version"] is None and report["settings"]["folds"] == 2
    (en,) = report["comparisons"]
    assert en["lang"] == "en" and en["n"] == 50
    assert en["shipped_accuracy"] <= 0.1  # the stars contradict the words the model reads
    assert set(en["accuracy_gain"]) == {"mean", "low", "high"}
    with MentionIndex.open(config_from_dict({"database_url": f"sqlite:///{tmp_path / 'ws.db'}"})) as idx:
        assert idx.store.get_meta(ADAPTED_KEY) is None
    assert not (tmp_path / "adapted-models").exists()


def test_reviews_helper_reverses_the_stars() -> None:
    rows = reviews(4, "reversed")
    assert rows[0].rating in (1, 2) and rows[1].rating in (4, 5)  # positive words, low stars


def test_the_workspace_model_loads_again_when_the_adoption_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor._config import ModelConfig
    from monitor._sentiment import adapted

    loads: list[str | None] = []

    def fake(cfg: ModelConfig, meta: adapted.MetaReader | None = None) -> SentimentClassifier:
        raw = meta.get_meta(ADAPTED_KEY) if meta is not None else None
        loads.append(raw)
        return Fixed((0.1, 0.1, 0.8), raw or "shipped")

    class Meta(dict[str, str]):
        def get_meta(self, key: str) -> str | None:
            return self.get(key)

    monkeypatch.setattr(adapted, "workspace_classifier", fake)
    meta = Meta()
    slot = adapted.WorkspaceModel(ModelConfig())
    first = slot.get(meta)
    assert slot.get(meta) is first and loads == [None]  # kept while nothing changes
    meta[ADAPTED_KEY] = "ws1"
    assert slot.get(meta).model_version == "ws1" and loads == [None, "ws1"]
    del meta[ADAPTED_KEY]
    assert slot.get(meta).model_version == "shipped" and len(loads) == 3


def test_scoring_says_what_to_do_when_the_adapted_model_s_folder_is_gone(tmp_path: Path) -> None:
    cfg = build(tmp_path, 3, "agree")
    gone = tmp_path / "adapted-models" / "2.0.0-ws1+abc"
    rec = AdaptedRecord("2.0.0-ws1+abc", "2.0.0-ws1", str(gone), ["en"], "2.0.0+x", 80, "2026-12-10T00:00:00+00:00")
    with MentionIndex.open(config_from_dict({"database_url": f"sqlite:///{tmp_path / 'ws.db'}"})) as idx:
        idx.store.set_meta(ADAPTED_KEY, rec.to_json())
    res = runner.invoke(app, ["score", "--config", str(cfg)])
    assert res.exit_code == 2
    out = " ".join(res.output.split())
    assert "the adapted model 2.0.0-ws1+abc is missing" in out and "monitor model adapt --revert" in out
    with MentionIndex.open(config_from_dict({"database_url": f"sqlite:///{tmp_path / 'ws.db'}"})) as idx:
        assert revert(idx.store) == rec and revert(idx.store) is None  # what `--revert` does first


def test_a_host_without_the_adapter_s_folder_writes_it_from_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor._sentiment.adapted import PACKED_FILES, adapter_folder, pack_folder, routed_digest
    from monitor._sentiment.artifacts import ModelMeta, artifact_digest

    monkeypatch.setenv("MONITOR_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "adapted-models" / "saved"
    for i, rel in enumerate(PACKED_FILES[:-1]):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(bytes([i]) * 100)
    ModelMeta(name="mm", version="2.0.0-ws1").write(folder)
    version = "2.0.0-ws1+" + routed_digest(artifact_digest(folder, ModelMeta.read(folder)), "2.0.0+x", ["en"])
    rec = AdaptedRecord(version, "2.0.0-ws1", str(folder), ["en"], "2.0.0+x", 80, "2026-12-10T00:00:00+00:00")
    with MentionIndex.open(_cfg(tmp_path / "m.db")) as idx:  # type: ignore[arg-type]
        idx.store.set_meta("model_adapted_files", pack_folder(folder))
        assert adapter_folder(rec, idx.store) == folder  # here: the folder itself
        (folder / "head.safetensors").unlink()  # another host: not there
        copy = adapter_folder(rec, idx.store)
        assert copy == tmp_path / "cache" / "models" / "workspace-adapters" / version
        assert (copy / "head.safetensors").read_bytes() == bytes([1]) * 100
        assert version.endswith(routed_digest(artifact_digest(copy, ModelMeta.read(copy)), "2.0.0+x", ["en"]))
        assert adapter_folder(rec, idx.store) == copy  # written once
