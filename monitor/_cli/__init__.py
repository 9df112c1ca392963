"""The ``monitor`` command line: a thin layer over the Python API."""

from __future__ import annotations

from monitor._cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``monitor`` console script."""
    from monitor._cli import _register  # noqa: F401  (imports every command module)

    app()
