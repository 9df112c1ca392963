"""Where mention-monitor keeps its rebuildable caches, and how a cache folder is published.

The root is ``$MONITOR_CACHE_DIR`` when set, otherwise the platform's user cache folder
for ``mention-monitor`` (:func:`platformdirs.user_cache_path`: ``$XDG_CACHE_HOME`` or
``~/.cache`` on Linux, so ``~/.cache/mention-monitor``). Its areas:

* ``base/``: the converted base model (``monitor._sentiment.convert``);
* ``onnx/``: ONNX exports (``monitor._sentiment.onnx_backend``);
* ``langid/``: the prepared language-ID arrays (``monitor._langid``);
* ``models/``: user-installed models (looked up by name, never pruned);
* ``eval/``: the frozen-probe peer's embeddings and probes (``monitor._sentiment.peer``).

``monitor model cache`` (``monitor._cache_admin``) lists and prunes all but ``models/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import platformdirs

APP_NAME = "mention-monitor"
ENV_VAR = "MONITOR_CACHE_DIR"

Area = Literal["base", "onnx", "langid", "models", "eval"]
REBUILDABLE_AREAS: tuple[Area, ...] = ("base", "onnx", "langid", "eval")


def cache_dir() -> Path:
    """The user's cache directory for mention-monitor (``MONITOR_CACHE_DIR`` overrides)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


def cache_area(area: Area, root: Path | None = None) -> Path:
    """One area of the cache (``root`` defaults to :func:`cache_dir`); nothing is created."""
    return (cache_dir() if root is None else root) / area


def publish_folder(target: Path, fill: Callable[[Path], None], marker: str) -> None:
    """Build a cache folder in a temporary sibling, then rename it onto ``target``.

    ``fill`` writes the files, ``marker`` last: a folder holding its marker is whole. A
    ``target`` without one (half-written) is replaced; if another process publishes first,
    its folder is kept. Raises ``OSError`` when the folder cannot be written.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    published = False
    try:
        fill(tmp)
        if target.exists() and not (target / marker).is_file():
            shutil.rmtree(target, ignore_errors=True)
        try:
            tmp.rename(target)
            published = True
        except OSError:
            if not (target / marker).is_file():  # not a race another process won
                raise
    finally:
        if not published:
            shutil.rmtree(tmp, ignore_errors=True)


__all__ = ["APP_NAME", "ENV_VAR", "REBUILDABLE_AREAS", "Area", "cache_area", "cache_dir", "publish_folder"]
