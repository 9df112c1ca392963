"""What one check found, and the whole report's exit code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "warn", "fail"]

EXIT_OK = 0  # README's table: 0 all good, 1 something failed, 2 bad usage or config
EXIT_FAILED = 1
EXIT_CONFIG = 2


@dataclass(frozen=True)
class Check:
    """One line of ``monitor doctor``: what was checked, the verdict, and the fix when not ok.

    ``area`` groups the checks (``config``, ``database``, ``broker``, ``model``, ``cache``,
    ``source``, ``network``, ``delivery``, ``send-test``); ``name`` says which one (a source's name, a
    channel). Texts may hold scraped or configured values: the caller escapes them.
    """

    area: str
    name: str
    status: Status
    detail: str
    fix: str = ""

    @property
    def label(self) -> str:
        return f"{self.area} {self.name}" if self.name else self.area


def ok(area: str, name: str, detail: str) -> Check:
    return Check(area, name, "ok", detail)


def warn(area: str, name: str, detail: str, fix: str) -> Check:
    return Check(area, name, "warn", detail, fix)


def fail(area: str, name: str, detail: str, fix: str) -> Check:
    return Check(area, name, "fail", detail, fix)


@dataclass(frozen=True)
class DoctorReport:
    """Every check in the order run; ``config_loaded`` is False when nothing past the config ran."""

    checks: tuple[Check, ...]
    config_loaded: bool

    @property
    def failed(self) -> int:
        return sum(c.status == "fail" for c in self.checks)

    @property
    def warnings(self) -> int:
        return sum(c.status == "warn" for c in self.checks)

    @property
    def exit_code(self) -> int:
        """2 when the config cannot load, 1 when a check failed, else 0 (warnings included)."""
        if not self.config_loaded:
            return EXIT_CONFIG
        return EXIT_FAILED if self.failed else EXIT_OK


__all__ = ["EXIT_CONFIG", "EXIT_FAILED", "EXIT_OK", "Check", "DoctorReport", "Status", "fail", "ok", "warn"]
