"""The checks that need no network: the config, the database, the model and the caches.

Each takes its I/O as a parameter with the real one as default, so tests substitute a
fake model loader or database probe; none of them creates a file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from monitor._cache_admin import CacheEntry
from monitor._config import (
    DATABASE_ENV,
    START_FIX,
    Config,
    ConfigLookup,
    ModelConfig,
    config_from_dict,
    find_config,
    load_config,
)
from monitor._doctor.report import Check, fail, ok, warn
from monitor._sentiment.loader import FAST_BF16_FLAGS
from monitor._sentiment.loader import cpu_flags as read_cpu_flags
from monitor._store.health import DatabaseStatus
from monitor.errors import ConfigError, MonitorError

UPGRADE_FIX = "run `monitor db upgrade` (it creates or migrates the schema; stored data is kept)"
#: CPU flags worth showing for the model: vector width, int8 dot products, native bf16.
MODEL_CPU_FLAGS = ("avx2", "avx512f", "avx_vnni", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8", "asimd")


# ---------------------------------------------------------------- config


def check_config(lookup: ConfigLookup, *, env: Mapping[str, str]) -> tuple[list[Check], Config | None]:
    """Load and validate the config; the checks, and the config when it loaded."""
    if lookup.path is None:
        if env.get(DATABASE_ENV):
            try:
                cfg = config_from_dict({})
            except ConfigError as exc:
                return [fail("config", "", str(exc), f"correct ${DATABASE_ENV}")], None
            why = (
                f"no config file; using the defaults with ${DATABASE_ENV} (looked for: {'; '.join(lookup.looked_for)})"
            )
            return [warn("config", "", why, "create one with `monitor init`, then add brands and sources")], cfg
        return [fail("config", "", lookup.not_found(), START_FIX)], None
    if not lookup.path.exists():
        return [fail("config", "", *lookup.missing_file())], None
    try:
        cfg = load_config(lookup.path)
    except ConfigError as exc:
        return [fail("config", "", str(exc), f"correct {lookup.path} as the message says, then run doctor again")], None
    enabled = sum(s.enabled for s in cfg.sources)
    where = f"{cfg.path or lookup.path} (from {lookup.origin})"
    counts = f"{len(cfg.brands)} brand(s), {len(cfg.sources)} source(s), {enabled} enabled"
    checks = [ok("config", "", f"{where}: valid; {counts}")]
    if not cfg.brands:
        checks.append(warn("config", "brands", "no [[brands]]: no mention is matched", "add a [[brands]] table"))
    if not enabled:
        checks.append(
            warn("config", "sources", "no enabled [[sources]]: `monitor collect` has nothing to do", "add a source")
        )
    return checks, cfg


# ---------------------------------------------------------------- database

DatabaseProbe = Callable[[str], DatabaseStatus]


def default_database_probe(url: str) -> DatabaseStatus:
    from monitor._store.health import database_status

    return database_status(url)


def check_database(cfg: Config, probe: DatabaseProbe = default_database_probe) -> Check:
    """Reachable, migrated to the head revision, and how many mentions it holds."""
    try:
        st = probe(cfg.database_url)
    except MonitorError as exc:
        return fail("database", "", str(exc), "check database_url (or $MONITOR_DATABASE_URL) and that the server runs")
    head = ", ".join(st.heads)
    if not st.exists:
        return fail("database", "", f"{st.url}: no database file there yet", UPGRADE_FIX)
    if st.current is None:
        return fail("database", "", f"{st.url}: no schema (never migrated; head is {head})", UPGRADE_FIX)
    if not st.known:
        return fail(
            "database",
            "",
            f"{st.url}: at revision {st.current}, which this version does not know (head is {head})",
            "a newer mention-monitor migrated it: upgrade mention-monitor (pip install -U mention-monitor)",
        )
    if not st.at_head:
        return fail("database", "", f"{st.url}: at revision {st.current}, head is {head}", UPGRADE_FIX)
    return ok("database", "", f"{st.url}: reachable, at revision {st.current} (head), {st.mentions or 0} mention(s)")


# ---------------------------------------------------------------- model


class LoadedModel(Protocol):
    """What the model check needs from a classifier."""

    def info(self) -> Mapping[str, object]: ...


ModelLoader = Callable[[ModelConfig], LoadedModel]


def default_model_loader(cfg: ModelConfig) -> LoadedModel:
    from monitor._sentiment import load_classifier

    return load_classifier(cfg)


def check_model(
    cfg: ModelConfig,
    loader: ModelLoader = default_model_loader,
    *,
    cpu_flags: Callable[[], frozenset[str]] = read_cpu_flags,
    clock: Callable[[], float] = time.perf_counter,
) -> Check:
    """Load the configured model; its id and version, the precision chosen, CPU features, load time."""
    flags = cpu_flags()
    shown = [f for f in MODEL_CPU_FLAGS if f in flags]
    cpu = f"CPU: {' '.join(shown) if shown else 'none of ' + '/'.join(MODEL_CPU_FLAGS[:3])}"
    started = clock()
    try:
        info = loader(cfg).info()
    except (MonitorError, ImportError, OSError) as exc:
        fix = "check [model] (name, path, backend); `monitor model info` shows the full error"
        return fail("model", cfg.name, f"does not load: {exc}; {cpu}", fix)
    took = clock() - started
    precision = str(info.get("precision", cfg.precision))
    runtime = info.get("runtime") or info.get("backend") or cfg.backend
    chosen = f"precision {precision}" + (f" (from {cfg.precision})" if cfg.precision != precision else "")
    detail = (
        f"{info.get('model_id', cfg.name)} {info.get('model_version', '?')}, {chosen} on {runtime}, "
        f"loaded in {took:.1f} s; {cpu}"
    )
    if precision == "bf16" and not FAST_BF16_FLAGS & flags:
        return warn("model", cfg.name, f"{detail}; this CPU emulates bf16 (slow)", 'set [model] precision = "auto"')
    return ok("model", cfg.name, detail)


# ---------------------------------------------------------------- caches

CacheLister = Callable[[ModelConfig, Path], list[CacheEntry]]


def _list_cache(cfg: ModelConfig, root: Path) -> list[CacheEntry]:
    from monitor._cache_admin import list_cache

    return list_cache(cfg, root=root)


def _existing_parent(path: Path) -> Path:
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def writable_folder(path: Path, what: str, area: str, fix_env: str = "") -> Check | None:
    """A fail check when ``path`` is not a writable folder (or cannot be created); else None."""
    if path.exists():
        if not path.is_dir():
            return fail(area, what, f"{path} is not a folder", f"remove it or point {fix_env or what} elsewhere")
        if not os.access(path, os.W_OK | os.X_OK):
            return fail(
                area, what, f"{path} is not writable", f"make it writable, or point {fix_env or what} elsewhere"
            )
        return None
    parent = _existing_parent(path)
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return fail(
            area, what, f"{path} does not exist and cannot be created under {parent}", f"create it, or set {fix_env}"
        )
    return None


def check_caches(cfg: ModelConfig, root: Path | None = None, lister: CacheLister = _list_cache) -> Check:
    """The cache folder: writable (or creatable), and the size of each area."""
    from monitor._cache_dirs import ENV_VAR, cache_dir

    root = cache_dir() if root is None else root
    problem = writable_folder(root, "", "cache", f"${ENV_VAR}")
    if problem is not None:
        return problem
    if not root.exists():
        return ok("cache", "", f"{root}: not created yet (the first model load fills it)")
    entries = lister(cfg, root)
    sizes: dict[str, int] = {}
    for e in entries:
        sizes[e.kind] = sizes.get(e.kind, 0) + e.bytes
    stale = [e for e in entries if not e.in_use]
    areas = ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sorted(sizes.items())) or "empty"
    reclaim = ""
    if stale:
        reclaim = f"; {sum(e.bytes for e in stale) / 1e6:.1f} MB stale (`monitor model cache --prune` frees it)"
    return ok("cache", "", f"{root}: writable; {areas}{reclaim}")


__all__ = [
    "ConfigLookup",
    "DatabaseProbe",
    "LoadedModel",
    "ModelLoader",
    "check_caches",
    "check_config",
    "check_database",
    "check_model",
    "default_database_probe",
    "default_model_loader",
    "find_config",
    "writable_folder",
]
