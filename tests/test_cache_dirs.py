"""The cache folders' one home (``monitor._cache_dirs``): same place as before on Linux."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from monitor._cache_dirs import cache_area, cache_dir, publish_folder


def test_xdg_cache_home_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITOR_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "mention-monitor"
    assert cache_area("onnx") == tmp_path / "mention-monitor" / "onnx"


def test_monitor_cache_dir_overrides_and_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("MONITOR_CACHE_DIR", "~/somewhere")
    assert cache_dir() == Path(os.path.expanduser("~")) / "somewhere"
    assert cache_area("langid", tmp_path) == tmp_path / "langid"


def test_publish_folder_is_whole_or_absent(tmp_path: Path) -> None:
    target = tmp_path / "area" / "entry"

    def broken(folder: Path) -> None:
        (folder / "half").write_text("x")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        publish_folder(target, broken, "DONE")
    assert not target.exists() and list((tmp_path / "area").iterdir()) == []

    target.mkdir()  # a half-written folder from an older crash (no marker) is replaced
    (target / "stale").write_text("x")

    def fill(folder: Path) -> None:
        (folder / "data").write_text("ok")
        (folder / "DONE").write_text("")

    publish_folder(target, fill, "DONE")
    assert sorted(p.name for p in target.iterdir()) == ["DONE", "data"]
