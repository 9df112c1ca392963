"""``auto`` precision: the measured table per CPU class, the choice, and ``monitor model precisions``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor._cli import _register  # noqa: F401  (registers the commands)
from monitor._cli.app import app
from monitor._sentiment.artifacts import ModelMeta, repo_models_dir
from monitor._sentiment.loader import auto_choice, resolve_precision
from monitor._sentiment.precisions import check_table, choose_auto, cpu_class, passes
from monitor._sentiment.train import carried_meta
from monitor.errors import ModelError

VNNI = frozenset({"avx2", "avx512f", "avx512_vnni", "avx512_bf16"})
VNNI_NO_BF16 = frozenset({"avx2", "avx512f", "avx512_vnni"})
AVX2 = frozenset({"avx2", "fma"})


def result(speed: float, **delta: float) -> dict[str, Any]:
    return {"texts_per_cpu_second": speed, "delta_points": {"en": 0.0, "sv": 0.0, **delta}}


def entry(**results: dict[str, Any]) -> dict[str, Any]:
    return {"measured": "2025-01-01", "results": results}


TABLE: dict[str, Any] = {
    "avx512-vnni": entry(
        fp32=result(10.0),
        **{"onnx-fp32": result(11.0), "onnx-int8": result(33.0, sv=-0.4), "int8": result(25.0)},
        bf16=result(28.0, en=-0.51),
    ),
    "avx2": entry(fp32=result(10.0), **{"onnx-fp32": result(10.5), "onnx-int8": result(16.0, en=-1.2)}),
}


def test_cpu_classes_follow_the_int8_instruction_set() -> None:
    assert cpu_class(VNNI) == "avx512-vnni"
    assert cpu_class(VNNI | {"amx_int8", "amx_bf16"}) == "amx"
    assert cpu_class({"avx2", "avx_vnni"}) == "avx-vnni"
    assert cpu_class({"avx2", "avx512f", "avx512bw"}) == "avx2"  # no VNNI: the saturating int8 path
    assert cpu_class(AVX2) == "avx2"
    assert cpu_class(set()) == "other"
    assert cpu_class({"neon", "asimd"}) == "other"


def test_auto_picks_the_fastest_precision_within_half_a_point() -> None:
    c = choose_auto(TABLE, VNNI, onnx_available=True)
    assert (c.precision, c.cpu_class, c.measured) == ("onnx-int8", "avx512-vnni", True)
    assert "3.00× the faster fp32 runtime" in c.reason and "bf16: worst en -0.51" in c.reason
    # bf16 loses 0.51 > 0.5 in en: never chosen, even though it is faster than int8
    assert passes(TABLE["avx512-vnni"]["results"]["onnx-int8"])
    assert not passes(TABLE["avx512-vnni"]["results"]["bf16"])
    assert passes(result(1.0, en=-0.5)) and passes(result(1.0, en=+3.0))


def test_auto_falls_back_when_the_runtime_or_the_cpu_cannot_run_the_winner() -> None:
    # without onnxruntime: the fastest torch precision that passes
    c = choose_auto(TABLE, VNNI, onnx_available=False)
    assert c.precision == "int8" and "onnxruntime is not installed" in c.reason
    # a passing bf16 is skipped on a CPU without native bf16
    table = {"avx512-vnni": entry(fp32=result(10.0), bf16=result(30.0), int8=result(20.0))}
    assert choose_auto(table, VNNI, onnx_available=True).precision == "bf16"
    c = choose_auto(table, VNNI_NO_BF16, onnx_available=True)
    assert c.precision == "int8" and "no native bf16" in c.reason


def test_avx2_uses_its_own_table_and_unmeasured_classes_the_fallback() -> None:
    c = choose_auto(TABLE, AVX2, onnx_available=True)
    assert c.precision == "onnx-fp32" and "onnx-int8: worst en -1.20" in c.reason
    for flags in ({"avx2", "avx_vnni"}, set(), {"amx_int8", "avx512_vnni"}):
        c = choose_auto(TABLE, flags, onnx_available=True)
        assert (c.precision, c.measured) == ("fp32", False) and "no precision table" in c.reason
    assert choose_auto({}, VNNI, onnx_available=True, fallback="bf16").precision == "bf16"
    # only lossy precisions that fail: fp32 stays
    only = {"avx2": entry(fp32=result(10.0), int8=result(20.0, sv=-2.0))}
    assert choose_auto(only, AVX2, onnx_available=False).precision == "fp32"
    # the loader still maps fp32 onto onnxruntime (the same numbers) when it is installed
    assert resolve_precision("auto", "fp32", onnx_available=True) == "onnx-fp32"


def test_table_round_trips_through_the_model_config(tmp_path: Path) -> None:
    meta = ModelMeta(name="m", precisions=TABLE)
    meta.write(tmp_path)
    back = ModelMeta.read(tmp_path)
    assert back.precisions == TABLE
    assert auto_choice(back, VNNI, onnx_available=True).precision == "onnx-int8"
    assert auto_choice(back, AVX2, onnx_available=True).precision == "onnx-fp32"
    old = json.loads((tmp_path / "config.json").read_text())
    del old["precisions"]  # a model written before the table existed
    (tmp_path / "config.json").write_text(json.dumps(old))
    assert ModelMeta.read(tmp_path).precisions == {}
    assert auto_choice(ModelMeta.read(tmp_path), VNNI, onnx_available=False).precision == "fp32"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([], "must be an object"),
        ({"avx9000": entry(fp32=result(1.0))}, "unknown CPU class 'avx9000'"),
        ({"avx2": {"measured": "x"}}, "has no 'results'"),
        ({"avx2": entry(fp64=result(1.0))}, "unknown precision 'fp64'"),
        ({"avx2": entry(fp32={"texts_per_cpu_second": 1})}, "no 'delta_points'"),
    ],
)
def test_a_bad_table_is_refused_with_its_place(tmp_path: Path, table: Any, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        check_table(table, "x")
    (tmp_path / "config.json").write_text(json.dumps({"name": "m", "precisions": table}))
    with pytest.raises(ModelError, match=r"config\.json"):
        ModelMeta.read(tmp_path)


def test_new_weights_drop_the_old_precision_table(tmp_path: Path) -> None:
    ModelMeta(name="m", version="2.0.0", auto_precision="onnx-int8", precisions=TABLE, metrics={"x": 1}).write(tmp_path)
    meta = carried_meta(tmp_path, "m2")
    assert (meta.name, meta.version) == ("m2", "2.0.0")  # carried over
    assert (meta.precisions, meta.auto_precision, meta.metrics) == ({}, "fp32", {})  # measured on other weights
    assert carried_meta(tmp_path / "none", "fresh").precisions == {}


def test_shipped_model_has_a_valid_table() -> None:
    meta = ModelMeta.read(repo_models_dir() / "mm-e5-small-sentiment")
    assert meta.precisions, "models/mm-e5-small-sentiment/config.json has no precision table"
    for entry_ in meta.precisions.values():
        assert set(entry_["results"]) >= {"fp32", "onnx-fp32"}
        assert entry_["auto"] in entry_["results"]
        assert passes(entry_["results"][entry_["auto"]]) or entry_["auto"] in ("fp32", "onnx-fp32")


DEV = {
    "en": [
        ("I love this phone, the camera is amazing.", "positive"),
        ("Terrible service, nobody answered my emails.", "negative"),
        ("The store opens at nine on Mondays.", "neutral"),
        ("Great hotel and lovely staff.", "positive"),  # beyond --limit 3: not scored
    ],
    "sv": [
        ("Fantastisk service, personalen var jättetrevlig!", "positive"),
        ("Usel kundtjänst, ingen svarar.", "negative"),
    ],
}


@pytest.mark.model
def test_cli_measures_dev_and_writes_the_table(tmp_path: Path) -> None:
    data = tmp_path / "tiny"
    data.mkdir()
    for lang, rows in DEV.items():
        lines = [json.dumps({"text": t, "label": y, "lang": lang, "split": "dev"}) for t, y in rows]
        lines.append(json.dumps({"text": "ignored", "label": "neutral", "lang": lang, "split": "train"}))
        (data / f"{lang}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    model = tmp_path / "model"
    shutil.copytree(repo_models_dir() / "mm-e5-small-sentiment", model)
    shipped = ModelMeta.read(model).precisions
    args = ["model", "precisions", "--data", str(data), "--limit", "3", "--model-path", str(model)]
    res = CliRunner().invoke(app, [*args, "--precisions", "int8", "--write"])
    assert res.exit_code == 0, res.output
    assert "auto on " in res.output and "int8" in res.output and "reference" in res.output
    meta = ModelMeta.read(model)
    from monitor._sentiment.loader import cpu_flags

    klass = cpu_class(cpu_flags())
    written = meta.precisions[klass]
    assert set(meta.precisions) == set(shipped) | {klass}  # other classes are kept
    assert set(written["results"]) == {"fp32", "int8"} and written["dev_rows"] == {"en": 3, "sv": 2}
    assert written["limit_per_group"] == 3 and written["data"] == ["tiny"]
    fp32 = written["results"]["fp32"]
    assert fp32["delta_points"] == {"en": 0.0, "sv": 0.0} and fp32["labels_as_fp32"] == 1.0
    assert fp32["texts_per_cpu_second"] > 0 and set(fp32["group_delta_points"]) == {"tiny/en", "tiny/sv"}
    assert written["auto"] == auto_choice(meta, cpu_flags(), onnx_available=False).precision
    # a bad precision is refused before anything loads
    bad = CliRunner().invoke(app, [*args, "--precisions", "fp8"])
    assert bad.exit_code != 0 and "fp8" in bad.output
