"""Labelled sentiment data: JSON-lines rows with ``text``, ``label`` and optional fields."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from monitor._records import LABELS
from monitor.errors import ModelError

LABEL_INDEX: dict[str, int] = {label: i for i, label in enumerate(LABELS)}


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text."""

    text: str
    label: str
    lang: str | None = None
    split: str | None = None
    source: str | None = None
    domain: str | None = None
    license: str | None = None
    file: str = ""
    dataset: str = ""  # the data set's folder name (``sentiment``, ``mentions``)

    @property
    def y(self) -> int:
        return LABEL_INDEX[self.label]

    @property
    def group(self) -> str:
        """``dataset/lang`` (``mentions/sv``): the unit dev scores are averaged over."""
        return f"{self.dataset}/{self.lang or 'unknown'}" if self.dataset else (self.lang or "unknown")

    @property
    def source_name(self) -> str:
        """The source repository (``owner/repo``) without path and commit."""
        return (self.source or "unknown").split(":", 1)[0]


def read_jsonl(path: Path, dataset: str = "") -> list[Example]:
    """Read one JSON-lines file; raise :class:`ModelError` naming the bad line."""
    rows: list[Example] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror}") from exc
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            text, label = obj["text"], obj["label"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ModelError(f"{path}:{no}: not a JSON object with 'text' and 'label' ({exc})") from None
        if label not in LABEL_INDEX:
            raise ModelError(f"{path}:{no}: label {label!r} is not one of {', '.join(LABELS)}")
        rows.append(
            Example(
                text=str(text),
                label=label,
                lang=obj.get("lang"),
                split=obj.get("split"),
                source=obj.get("source"),
                domain=obj.get("domain"),
                license=obj.get("license"),
                file=path.name,
                dataset=dataset,
            )
        )
    return rows


def data_files(path: str | Path, *, include_extra: bool = False) -> tuple[list[Path], str]:
    """The JSON-lines files of a data set (a file, or a directory's ``*.jsonl``) and its name."""
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("*.jsonl"))
        if include_extra:
            files += sorted((p / "extra").glob("*.jsonl"))
        if not files:
            raise ModelError(f"{p}: no *.jsonl files in this directory")
    elif p.is_file():
        files = [p]
    else:
        raise ModelError(f"{p}: no such file or directory")
    return files, (p.name if p.is_dir() else p.parent.name)


def load_examples(path: str | Path, *, split: str | None = None, include_extra: bool = False) -> list[Example]:
    """Load a file or a directory of ``*.jsonl`` (``extra/`` only when asked), filtered by split."""
    files, dataset = data_files(path, include_extra=include_extra)
    rows = [r for f in files for r in read_jsonl(f, dataset)]
    if split is not None:
        rows = [r for r in rows if r.split == split]
    return rows


def fill_languages(rows: Sequence[Example]) -> list[Example]:
    """Identify the language of rows without ``lang`` (the project's identifier)."""
    if all(r.lang for r in rows):
        return list(rows)
    from monitor._langid import default_identifier

    missing = [i for i, r in enumerate(rows) if not r.lang]
    guesses = default_identifier().identify_many([rows[i].text for i in missing])
    out = list(rows)
    for i, guess in zip(missing, guesses, strict=True):
        out[i] = replace(rows[i], lang=guess.lang or "unknown")
    return out


def group_by(rows: Iterable[Example], key: str) -> dict[str, list[int]]:
    """Indices of rows grouped by an attribute (``lang``, ``source_name``, ``file``…)."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(str(getattr(r, key) or "unknown"), []).append(i)
    return groups


__all__ = ["LABEL_INDEX", "Example", "data_files", "fill_languages", "group_by", "load_examples", "read_jsonl"]
