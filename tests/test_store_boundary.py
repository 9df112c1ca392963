"""Structure: every SQL statement lives in monitor/_store/ (issue 13).

The rule is one line: no module outside ``monitor/_store/`` imports a database library
(SQLAlchemy, SQLModel, Alembic, psycopg, sqlite3) — not even for types: ``monitor._store``
re-exports ``Engine`` and ``DatabaseError`` for annotations and error handling.
"""

from __future__ import annotations

import ast
from pathlib import Path

import monitor

PACKAGE = Path(monitor.__file__).parent
DB_LIBRARIES = {"sqlalchemy", "sqlmodel", "alembic", "psycopg", "psycopg2", "sqlite3"}
# Modules still allowed to hold SQL outside the store package: none.
PENDING: set[str] = set()


def _db_imports(path: Path, root: Path = PACKAGE) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [
            f"{path.relative_to(root)}:{node.lineno} imports {n}" for n in names if n.split(".")[0] in DB_LIBRARIES
        ]
    return found


def test_no_database_library_outside_the_store_package() -> None:
    outside = [
        p
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.relative_to(PACKAGE).parts[0] != "_store" and str(p.relative_to(PACKAGE)) not in PENDING
    ]
    assert len(outside) > 50  # the walk really covers the package
    offenders = [hit for p in outside for hit in _db_imports(p)]
    assert offenders == [], "SQL belongs in monitor/_store/:\n" + "\n".join(offenders)


def test_the_checker_sees_every_import_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import sqlite3\nfrom sqlalchemy.exc import SQLAlchemyError\nimport sqlmodel as sm\nimport json\n"
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sqlalchemy import Engine\n"
    )
    assert len(_db_imports(sample, tmp_path)) == 4
    assert any("imports sqlalchemy" in h for p in (PACKAGE / "_store").glob("*.py") for h in _db_imports(p))


def test_no_monitor_db_package_is_left() -> None:
    assert not (PACKAGE / "db").exists() and not (PACKAGE / "_db").exists()
    assert (PACKAGE / "_store" / "migrations" / "env.py").is_file()


def test_store_modules_stay_small() -> None:
    sizes = {
        str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
        for p in (PACKAGE / "_store").rglob("*.py")
    }
    big = {name: n for name, n in sizes.items() if n > 450 and "/versions/" not in name}
    assert big == {}
