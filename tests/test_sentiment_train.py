"""``monitor model train`` on a tiny data set: reproducible, early stopping, safe output folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor._cli import _register  # noqa: F401  (registers the commands)
from monitor._cli.app import app
from monitor._config import ModelConfig
from monitor._sentiment.train import TrainSettings, train
from monitor.errors import ModelError

pytestmark = [pytest.mark.model]

ROWS = {
    "en": {
        "positive": [
            "I love this phone, the camera is amazing.",
            "Great service and friendly staff, thank you!",
            "Best pizza in town, we will be back.",
            "Fast delivery and the quality is excellent.",
            "Wonderful hotel, spotless rooms and a lovely view.",
        ],
        "negative": [
            "Terrible service, nobody answered my emails.",
            "The battery died after two days, awful product.",
            "Rude staff and cold food, never again.",
            "My parcel is lost and support does not care.",
            "Worst airline ever, four hours of delay and no apology.",
        ],
        "neutral": [
            "The store opens at nine on Mondays.",
            "What is the weight of the new model?",
            "They announced a press conference for Tuesday.",
            "Is the flight to Oslo still on schedule?",
            "The package contains a charger and a cable.",
        ],
    },
    "hy": {
        "positive": [
            "Շատ լավ ծառայություն է, շնորհակալություն։",
            "Հրաշալի ֆիլմ էր, խորհուրդ եմ տալիս։",
            "Անձնակազմը շատ բարեհամբույր էր։",
        ],
        "negative": [
            "Սարսափելի ծառայություն էր, այլևս չեմ գնա։",
            "Շատ վատ որակ, փողս կորավ։",
            "Ոչ ոք չպատասխանեց, ամոթ է։",
        ],
    },
}


def _write_data(folder: Path) -> Path:
    """One JSON-lines file per language: the first rows of each class train, the last two are dev."""
    folder.mkdir()
    for lang, by_label in ROWS.items():
        lines = []
        for label, texts in by_label.items():
            for i, text in enumerate(texts):
                split = "dev" if i >= len(texts) - 2 else "train"
                lines.append(json.dumps({"text": text, "label": label, "lang": lang, "split": split}))
        (folder / f"{lang}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_data(tmp_path_factory.mktemp("train") / "data")


ARTIFACTS = ("head.safetensors", "adapter/adapter_model.safetensors", "adapter/adapter_config.json", "labels.json")


def _artifact_bytes(folder: Path) -> dict[str, bytes]:
    return {rel: (folder / rel).read_bytes() for rel in ARTIFACTS}


def test_cli_training_is_seeded_reproducible_and_loads(data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["model", "train", "--data", str(data), "--epochs", "2", "--batch-size", "4", "--patience", "0"]
    args += ["--lora-rank", "4"]
    first = runner.invoke(app, [*args, "--out", str(tmp_path / "m1"), "--name", "tiny"])
    assert first.exit_code == 0, first.output
    assert "epoch 1/2" in first.output and "epoch 2/2" in first.output
    assert "dev macro-F1 en" in first.output and " hy " in first.output
    second = runner.invoke(app, [*args, "--out", str(tmp_path / "m2"), "--name", "tiny"])
    assert second.exit_code == 0, second.output
    assert _artifact_bytes(tmp_path / "m1") == _artifact_bytes(tmp_path / "m2")
    assert not any(p.name.endswith(".training") for p in tmp_path.iterdir())

    meta = json.loads((tmp_path / "m1" / "config.json").read_text())
    assert meta["name"] == "tiny" and meta["training"]["epochs_run"] == 2
    assert [h["epoch"] for h in meta["training"]["history"]] == [0, 1, 2]
    assert meta["training"]["patience"] == 0 and meta["binary_languages"] == []  # three classes everywhere
    assert meta["lora"]["r"] == 4 and meta["lora"]["lora_alpha"] == 8
    adapter = json.loads((tmp_path / "m1" / "adapter" / "adapter_config.json").read_text())
    assert adapter["r"] == 4 and adapter["target_modules"] == sorted(adapter["target_modules"])
    assert len(adapter["target_modules"]) == 4  # query, key, value, dense: the same bytes every run

    from monitor._sentiment import load_classifier

    clf = load_classifier(ModelConfig(name="tiny", path=str(tmp_path / "m1"), precision="fp32"))
    preds = clf.predict(["Great service, thank you!", "Շատ վատ որակ։"], langs=["en", "hy"])
    assert [p.model_id for p in preds] == ["tiny", "tiny"]
    # Armenian is trained on two classes (its data has no neutral) but scored on three
    assert all(abs(p.p_negative + p.p_neutral + p.p_positive - 1) < 1e-5 for p in preds)
    assert preds[1].p_neutral > 0.0


def test_weight_average_is_the_mean_of_the_snapshots() -> None:
    import torch

    from monitor._sentiment.train import WeightAverage

    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    avg = WeightAverage([w])
    with pytest.raises(ModelError):
        avg.apply()
    for epoch, value in enumerate(([1.0, 2.0], [3.0, 6.0], [5.0, 1.0]), 1):
        with torch.no_grad():
            w.copy_(torch.tensor(value))
        avg.add(epoch)
    avg.apply()
    assert w.tolist() == [3.0, 3.0] and avg.epochs == [1, 2, 3]


def test_weight_averaging_is_evaluated_and_recorded(data: Path, tmp_path: Path) -> None:
    s = TrainSettings(epochs=3, batch_size=4, probe_steps=20, patience=0, swa_from=2)
    logs: list[str] = []
    result = train(data, tmp_path / "m", s, name="tiny", log=logs.append)
    assert [h["epoch"] for h in result["history"]] == [0, 1, 2, 3, "average of epochs 2-3"]
    assert any(line.startswith("average of epochs 2-3 dev macro-F1 en") for line in logs)
    meta = json.loads((tmp_path / "m" / "config.json").read_text())
    assert meta["training"]["kept"] == result["kept"]
    averaged = result["history"][-1]["dev_macro_f1"]["mean"]
    best = max(h["dev_macro_f1"]["mean"] for h in result["history"][:-1])
    assert result["kept"] == ("average of epochs 2-3" if averaged > best else f"epoch {result['best_epoch']}")


def test_patience_stops_when_dev_does_not_improve(data: Path, tmp_path: Path) -> None:
    # A learning rate too small to change any prediction: the dev mean stays at the probe's.
    s = TrainSettings(epochs=3, batch_size=4, lr=1e-9, head_lr=1e-9, patience=1, probe_steps=50)
    logs: list[str] = []
    result = train(data, tmp_path / "m", s, name="tiny", log=logs.append)
    assert result["best_epoch"] == 0
    assert [h["epoch"] for h in result["history"]] == [0, 1]
    assert any("stopping" in line for line in logs)
    meta = json.loads((tmp_path / "m" / "config.json").read_text())
    assert meta["training"]["epochs_run"] == 1 and meta["training"]["best_epoch"] == 0


def test_interrupted_training_keeps_the_model_already_there(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import monitor._sentiment.train as train_mod

    out = tmp_path / "model"
    s = TrainSettings(epochs=1, batch_size=4, probe_steps=20, patience=0)
    train(data, out, s, name="tiny", log=lambda _m: None)
    before = _artifact_bytes(out) | {"config.json": (out / "config.json").read_bytes()}
    (out / "MODEL_CARD.md").write_text("# tiny\n", encoding="utf-8")

    calls: list[int] = []
    real = train_mod._dev_eval

    def interrupt_after_probe(*args: Any) -> dict[str, float]:
        calls.append(1)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(train_mod, "_dev_eval", interrupt_after_probe)
    with pytest.raises(KeyboardInterrupt):
        settings = TrainSettings(epochs=2, batch_size=4, probe_steps=20, seed=7)
        train(data, out, settings, name="tiny", log=lambda _m: None)
    assert _artifact_bytes(out) | {"config.json": (out / "config.json").read_bytes()} == before
    work = tmp_path / ".model.training"
    assert (work / "head.safetensors").is_file()  # the best checkpoint so far (the probe)

    monkeypatch.setattr(train_mod, "_dev_eval", real)
    train(data, out, TrainSettings(epochs=1, batch_size=4, probe_steps=20, seed=7), name="tiny", log=lambda _m: None)
    assert not work.exists()
    assert (out / "MODEL_CARD.md").read_text(encoding="utf-8") == "# tiny\n"  # the card is carried over
    assert json.loads((out / "config.json").read_text())["training"]["seed"] == 7


def test_refuses_an_out_folder_that_holds_no_model(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "notes"
    out.mkdir()
    (out / "todo.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ModelError, match=r"no model config\.json"):
        train(data, out, TrainSettings(epochs=1), log=lambda _m: None)
    assert (out / "todo.txt").read_text(encoding="utf-8") == "keep me"
    assert not (tmp_path / ".notes.training").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "0"], "epochs must be at least 1"),
        (["--batch-size", "0"], "batch_size must be at least 1"),
        (["--patience", "-1"], "patience must not be negative"),
        (["--hy-repeat", "0"], "repeat for 'hy' must be at least 1"),
        (["--limit-per-language", "0"], "limit_per_language must be at least 1"),
        (["--head-lr", "0"], "learning rates must lie in (0, 1), not lr=0.0005 head_lr=0.0"),
        (["--lora-rank", "0"], "LoRA rank must be a whole number from 1 to 256, not 0"),
        (["--lr", "2"], "learning rates must lie in (0, 1), not lr=2.0"),
    ],
)
def test_cli_rejects_bad_settings_before_loading_anything(
    data: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["model", "train", "--data", str(data), "--out", str(tmp_path / "m"), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "m").exists() and not (tmp_path / ".m.training").exists()


def test_freeze_layers_beyond_the_encoder_is_refused_before_any_folder_is_made(data: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="freeze_layers must be below the encoder's 12 layers, not 12"):
        train(data, tmp_path / "m", TrainSettings(freeze_layers=12), log=lambda _m: None)
    assert not (tmp_path / ".m.training").exists()


def test_data_without_dev_rows_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "en.jsonl").write_text(json.dumps({"text": "ok", "label": "neutral", "split": "train"}) + "\n")
    with pytest.raises(ModelError, match="no rows with split 'train' and 'dev'"):
        train(folder, tmp_path / "m", TrainSettings(epochs=1), log=lambda _m: None)
    assert not (tmp_path / ".m.training").exists()
