"""Where the config is, for every command and for ``monitor doctor``, and what to say when
there is none.

The lookup is ``--config``, else ``$MONITOR_CONFIG``, else ``./monitor.toml``; every place
looked is kept, so a command without a project can name them all in its one-line error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

CONFIG_ENV = "MONITOR_CONFIG"
DATABASE_ENV = "MONITOR_DATABASE_URL"
CONFIG_FILE = "monitor.toml"
CWD_ORIGIN = "the current folder"
#: How to start a project, said wherever no config was found.
START_FIX = f"create one with `monitor init` in this folder, or pass --config PATH (or set ${CONFIG_ENV})"


@dataclass(frozen=True)
class ConfigLookup:
    """The config file to load (None: none found), how it was named, and every place looked."""

    path: Path | None
    origin: str
    looked_for: tuple[str, ...]

    @property
    def named(self) -> Path | None:
        """:attr:`path` as the user would name it: ``monitor.toml`` when found in the current folder."""
        return Path(CONFIG_FILE) if self.path is not None and self.origin == CWD_ORIGIN else self.path

    def not_found(self) -> str:
        """``no config file found; looked for: …`` (when :attr:`path` is None)."""
        return f"no config file found; looked for: {'; '.join(self.looked_for)}"

    def missing_file(self) -> tuple[str, str]:
        """What is wrong and the fix when the named file does not exist."""
        detail = f"{self.path} (from {self.origin}): no such file; looked for: {'; '.join(self.looked_for)}"
        return detail, f"check the path, or create it with `monitor init {self.path}`"


def find_config(explicit: Path | None, *, env: Mapping[str, str], cwd: Path) -> ConfigLookup:
    """The one discovery: ``--config``, else ``$MONITOR_CONFIG``, else ``./monitor.toml``."""
    if explicit is not None:
        origin = f"${CONFIG_ENV}" if env.get(CONFIG_ENV) == str(explicit) else "--config"
        return ConfigLookup(explicit, origin, (f"{explicit} ({origin})",))
    if env.get(CONFIG_ENV):
        path = Path(env[CONFIG_ENV])
        return ConfigLookup(path, f"${CONFIG_ENV}", (f"{path} (${CONFIG_ENV})",))
    local = cwd / CONFIG_FILE
    looked = ("--config (not given)", f"${CONFIG_ENV} (not set)", f"{local} ({CWD_ORIGIN})")
    return ConfigLookup(local if local.is_file() else None, CWD_ORIGIN, looked)


__all__ = ["CONFIG_ENV", "CONFIG_FILE", "CWD_ORIGIN", "DATABASE_ENV", "START_FIX", "ConfigLookup", "find_config"]
