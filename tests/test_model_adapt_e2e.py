"""``monitor model adapt`` end to end on generated SQLite workspaces and the real model (slow):

* 80 English reviews whose stars contradict their words: the team's labels disagree with
  the shipped model, so the adapter wins the cross-validation, is adopted as a new version,
  every mention is scored again (the shipped model's scores kept as history), the adapted
  model agrees with the team where the shipped one did not, also on reviews it never saw,
  ``monitor score`` then has nothing to do, and ``--revert`` brings the shipped model back;
* 80 reviews with random stars: nothing to learn, the shipped model is kept.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor._api import MentionIndex
from monitor._cache_dirs import cache_area
from monitor._cli import _register  # noqa: F401  (registers every command)
from monitor._cli.app import app
from monitor._config import config_from_dict
from monitor._labels import label_from_rating
from monitor._sentiment.adapted import ADAPTED_KEY, read_record
from monitor._sentiment.artifacts import ModelMeta, repo_models_dir

try:
    from adapt_workspace import build
except ImportError:  # tests/ is a package
    from tests.adapt_workspace import build

pytestmark = [pytest.mark.model, pytest.mark.slow]
runner = CliRunner()
SHIPPED = ModelMeta.read(repo_models_dir() / "mm-e5-small-sentiment").version


def _open(folder: Path) -> MentionIndex:
    return MentionIndex.open(config_from_dict({"database_url": f"sqlite:///{folder / 'ws.db'}"}))


def _scores(idx: MentionIndex) -> dict[str, dict[str, str]]:
    """``{model_version: {external_id: label}}``: the score history."""
    out: dict[str, dict[str, str]] = {}
    with idx.store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT m.external_id, s.model_version, s.label FROM score s JOIN mention m ON m.id = s.mention_id"
        ).all()
    for ext, version, label in rows:
        out.setdefault(version, {})[ext] = label
    return out


def test_a_team_whose_stars_contradict_the_words_gets_an_adapted_model(tmp_path: Path) -> None:
    cfg = build(tmp_path, 80, "reversed", unrated=10)
    assert runner.invoke(app, ["score", "--config", str(cfg)]).exit_code == 0  # the shipped model first
    res = runner.invoke(app, ["model", "adapt", "--config", str(cfg), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    (en,) = report["comparisons"]
    assert en["adopt"] and report["adopted"] == ["en"]
    assert en["shipped_accuracy"] <= 0.1 and en["adapted_accuracy"] >= 0.9
    assert en["accuracy_gain"]["low"] > 0.5 and en["macro_f1_gain"]["low"] > 0.5
    version = report["version"]
    assert version.startswith(f"{SHIPPED}-ws1+") and Path(report["path"]) == tmp_path / "adapted-models" / version
    assert (Path(report["path"]) / "adapter" / "adapter_model.safetensors").is_file()
    print(
        f"\nreversed stars: CV accuracy shipped {en['shipped_accuracy']:.3f} → adapted "
        f"{en['adapted_accuracy']:.3f} in {report['seconds']:.0f} s"
    )

    with _open(tmp_path) as idx:
        record = read_record(idx.store)
        assert record is not None and record.version == version and record.languages == ["en"]
        scores = _scores(idx)
        shipped = next(v for v in scores if v.startswith(f"{SHIPPED}+"))
        # the adapted model's score version: its version and the precision it ran (".bf16" where native)
        scored = next(v for v in scores if v.startswith(version))
        assert set(scores) == {shipped, scored}  # the shipped model's scores kept as history
        stars = {
            m.external_id: label_from_rating((m.rating - 1) / 4)
            for m in idx.mentions("Acme", limit=200)
            if m.rating is not None
        }
        agree = {v: sum(scores[v][e] == lab for e, lab in stars.items()) / len(stars) for v in (shipped, scored)}
        assert agree[shipped] <= 0.1 and agree[scored] >= 0.9
        unseen = [e for e in scores[scored] if e.startswith("u")]  # never labelled: the words' opposite now
        assert len(unseen) == 10
        assert sum(scores[scored][e] != scores[shipped][e] for e in unseen) >= 8
        labels = {m.external_id: (m.label, m.label_origin) for m in idx.mentions("Acme", limit=200)}
        assert all(origin == f"mm-e5-small-sentiment@{scored}" for e, (_, origin) in labels.items() if e in unseen)

    res = runner.invoke(app, ["score", "--config", str(cfg)])
    assert res.exit_code == 0 and f"scored 0 mentions with mm-e5-small-sentiment {version}" in " ".join(
        res.output.split()
    )
    res = runner.invoke(app, ["model", "info", "--config", str(cfg), "--json"])  # what scores this workspace
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["model_version"].startswith(version) and info["adapted_languages"] == ["en"]
    assert info["shipped_version"] == shipped and "from 80 of the team's labels (en)" in info["adopted"]

    saved = Path(report["path"])  # a host that does not see the folder writes it from the database
    saved.rename(tmp_path / "elsewhere")
    copy = cache_area("models") / "workspace-adapters" / version
    try:
        res = runner.invoke(app, ["score", "--config", str(cfg)])
        assert res.exit_code == 0 and (copy / "adapter" / "adapter_model.safetensors").is_file()
        assert f"scored 0 mentions with mm-e5-small-sentiment {version}" in " ".join(res.output.split())
    finally:
        shutil.rmtree(copy, ignore_errors=True)
        (tmp_path / "elsewhere").rename(saved)

    res = runner.invoke(app, ["model", "adapt", "--config", str(cfg), "--revert"])
    assert res.exit_code == 0, res.output
    assert f"dropped the adapted model {version}" in res.output
    with _open(tmp_path) as idx:
        assert idx.store.get_meta(ADAPTED_KEY) is None and idx.store.get_meta("model_adapted_files") is None
        origins = {m.label_origin for m in idx.mentions("Acme", limit=200) if m.external_id.startswith("u")}
        assert origins == {f"mm-e5-small-sentiment@{shipped}"}
        assert set(_scores(idx)) == {shipped, scored}  # both kept
    assert (tmp_path / "adapted-models" / version).is_dir()


def test_random_stars_teach_nothing_and_the_shipped_model_is_kept(tmp_path: Path) -> None:
    cfg = build(tmp_path, 80, "random", seed=7)
    res = runner.invoke(app, ["model", "adapt", "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "kept the shipped model" in out and "en: keep the shipped model: " in out
    with _open(tmp_path) as idx:
        assert idx.store.get_meta(ADAPTED_KEY) is None
    assert not any((tmp_path / "adapted-models").glob("*-ws*"))
