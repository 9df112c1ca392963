"""The frozen-probe peer the shipped model is measured against.

The e5-small base encoder frozen (no adapter), texts embedded as e5 expects (``query: ``
prefix, mean pooled over the first :data:`PEER_MAX_LENGTH` tokens, L2-normalised), and a
logistic regression with class-balanced weights trained on the ``train`` rows of the same
data; its C is chosen on the mean ``dev`` macro-F1 over the (data set, language) groups,
the rule model training uses. ``monitor model eval --peer`` and ``benchmarks/accuracy.py``
both build it here.

Both stages are cached under the cache's ``eval/`` area: the embeddings per data file,
keyed by the file's SHA-256 and the encoder (base SHA-256 and length); the fitted probe by
those keys and the C grid. A second run on the same data embeds and fits nothing.
Fitting needs scikit-learn (the ``eval`` extra); predicting from a cached probe does not.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from monitor._cache_dirs import cache_area
from monitor._sentiment.data import Example, data_files, read_jsonl
from monitor._sentiment.metrics import score
from monitor.errors import ModelError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

#: Tokens embedded per text (the first window; e5's own limit).
PEER_MAX_LENGTH = 512
#: The inverse regularisation strengths tried; the best mean dev macro-F1 wins (ties: the first).
C_GRID = (0.3, 1.0, 3.0, 10.0)
#: Rows embedded per call, so the progress display moves.
CHUNK = 128

Progress = Callable[[int, int], None]  # (rows embedded so far, rows to embed)


class PeerEmbedder(Protocol):
    """What the peer needs of an encoder (:class:`monitor._embed.E5Embedder` is one)."""

    version: str
    dim: int
    max_length: int

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


@dataclass(frozen=True)
class EmbeddedData:
    """Every row of some data sets (in :func:`~monitor._sentiment.data.load_examples` order)
    with its embedding (one row of ``vectors`` each) and the cache key of each file."""

    rows: list[Example]
    vectors: NDArray[np.float32]
    file_keys: list[str]
    embedded_now: int  # rows that were not in the cache


@dataclass(frozen=True)
class Probe:
    """A fitted logistic regression, kept as plain arrays (predicting needs numpy only)."""

    C: float
    coef: NDArray[np.float64]
    intercept: NDArray[np.float64]
    classes: list[int]
    dev_macro_f1: dict[str, float] = field(default_factory=dict)  # group (data set/lang) → macro-F1
    train_rows: int = 0

    @property
    def dev_mean(self) -> float:
        vals = list(self.dev_macro_f1.values())
        return sum(vals) / len(vals) if vals else 0.0

    def predict(self, vectors: NDArray[np.float32]) -> list[int]:
        """Integer labels (indices into ``LABELS``) of the rows of ``vectors``."""
        import numpy as np

        logits = vectors.astype(np.float64) @ self.coef.T + self.intercept
        if len(self.classes) == 2:  # scikit-learn keeps one column for two classes
            return [self.classes[int(v > 0)] for v in logits[:, 0]]
        return [self.classes[int(i)] for i in np.argmax(logits, axis=1)]


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (hex, first 32 digits)."""
    h = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror}") from exc
    return h.hexdigest()[:32]


def _encoder_key(embedder: PeerEmbedder) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in embedder.version)
    return f"{safe}-len{embedder.max_length}"


def _save_atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Write a cache file next to ``target`` and rename it over (a reader never sees half a file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _npy_writer(arr: NDArray[np.float32]) -> Callable[[Path], None]:
    import numpy as np

    def write(tmp: Path) -> None:
        np.save(tmp, arr, allow_pickle=False)

    return write


def _embed_texts(embedder: PeerEmbedder, texts: list[str], tick: Callable[[int], None]) -> NDArray[np.float32]:
    import numpy as np

    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad little
    for start in range(0, len(order), CHUNK):
        idx = order[start : start + CHUNK]
        out[idx] = embedder.embed([texts[i] for i in idx])
        tick(len(idx))
    return out


def embed_data(
    paths: Sequence[Path],
    embedder: PeerEmbedder,
    *,
    cache: Path | None = None,
    progress: Progress | None = None,
) -> EmbeddedData:
    """Every row of the data sets at ``paths`` with its embedding, from the cache where it is.

    ``cache`` defaults to the cache's ``eval/`` area; ``progress(done, total)`` is called as
    rows are embedded (``total`` counts the rows not found in the cache at the start). A
    file is looked up again just before it is embedded, so runs started together share work.
    """
    import numpy as np

    folder = (cache_area("eval") if cache is None else cache) / "embeddings" / _encoder_key(embedder)
    plan = []
    for path in paths:
        files, dataset = data_files(path)
        for f in files:
            key = file_digest(f)
            plan.append((read_jsonl(f, dataset), key, folder / f"{key}.npy"))

    def cached(target: Path, n: int) -> NDArray[np.float32] | None:
        try:
            arr = np.load(target)
        except (OSError, ValueError):
            return None
        return arr if arr.shape == (n, embedder.dim) and arr.dtype == np.float32 else None

    found = [cached(target, len(rows)) for rows, _, target in plan]
    total = sum(len(rows) for (rows, _, _), arr in zip(plan, found, strict=True) if arr is None)
    done = embedded = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    parts: list[NDArray[np.float32]] = []
    for (rows, _, target), arr in zip(plan, found, strict=True):
        if arr is None and (arr := cached(target, len(rows))) is not None:
            tick(len(rows))  # another run embedded it meanwhile
        if arr is None:
            arr = _embed_texts(embedder, [r.text for r in rows], tick)
            embedded += len(rows)
            _save_atomic(target, _npy_writer(arr))
        parts.append(arr)
    all_rows = [r for rows, _, _ in plan for r in rows]
    matrix = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
    return EmbeddedData(all_rows, matrix, [key for _, key, _ in plan], embedded)


def dev_scores(rows: Sequence[Example], pred: Sequence[int]) -> dict[str, float]:
    """Macro-F1 per (data set, language) group: what C is chosen on."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(r.group, []).append(i)
    return {g: score([rows[i].y for i in idx], [pred[i] for i in idx]).macro_f1 for g, idx in sorted(groups.items())}


def check_peer_rows(rows: Sequence[Example]) -> None:
    """Raise :class:`ModelError` unless ``rows`` hold what the peer is fitted on."""
    train = [r.y for r in rows if r.split == "train"]
    n_dev = sum(1 for r in rows if r.split == "dev")
    if not train or not n_dev:
        raise ModelError(
            f"the frozen-probe peer needs 'train' and 'dev' rows (found {len(train)} train, {n_dev} dev): "
            "give data with a 'split' field"
        )
    if len(set(train)) < 2:
        raise ModelError("the frozen-probe peer needs at least two labels among the 'train' rows")


def fit_probe(data: EmbeddedData, *, grid: Sequence[float] = C_GRID, log: Callable[[str], None] | None = None) -> Probe:
    """Fit the class-balanced logistic regression on the ``train`` rows, C chosen on ``dev``."""
    import numpy as np

    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise ModelError("the frozen-probe peer needs scikit-learn: pip install 'mention-monitor[eval]'") from None
    check_peer_rows(data.rows)
    train = [i for i, r in enumerate(data.rows) if r.split == "train"]
    dev = [i for i, r in enumerate(data.rows) if r.split == "dev"]
    y_train = [data.rows[i].y for i in train]
    dev_rows = [data.rows[i] for i in dev]
    best: Probe | None = None
    for c in grid:
        lr = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
        lr.fit(data.vectors[train], y_train)
        probe = Probe(
            C=float(c),
            coef=np.asarray(lr.coef_, dtype=np.float64),
            intercept=np.asarray(lr.intercept_, dtype=np.float64),
            classes=[int(k) for k in lr.classes_],
            train_rows=len(train),
        )
        probe = Probe(**{**probe.__dict__, "dev_macro_f1": dev_scores(dev_rows, probe.predict(data.vectors[dev]))})
        if log is not None:
            log(f"peer C={c}: mean dev macro-F1 {probe.dev_mean:.4f}")
        if best is None or probe.dev_mean > best.dev_mean:
            best = probe
    assert best is not None
    return best


def _probe_key(data: EmbeddedData, grid: Sequence[float], encoder: str) -> str:
    spec = {"files": data.file_keys, "grid": list(grid), "encoder": encoder, "recipe": "balanced-lbfgs-1"}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:32]


def load_or_fit_probe(
    data: EmbeddedData,
    embedder: PeerEmbedder,
    *,
    cache: Path | None = None,
    grid: Sequence[float] = C_GRID,
    log: Callable[[str], None] | None = None,
) -> tuple[Probe, bool]:
    """The probe for ``data`` from the cache, or fitted and cached; and whether it was cached."""
    import numpy as np

    key = _probe_key(data, grid, _encoder_key(embedder))
    target = (cache_area("eval") if cache is None else cache) / "probes" / f"{key}.npz"
    try:
        with np.load(target, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            return Probe(
                C=float(meta["C"]),
                coef=z["coef"],
                intercept=z["intercept"],
                classes=[int(k) for k in meta["classes"]],
                dev_macro_f1={k: float(v) for k, v in meta["dev_macro_f1"].items()},
                train_rows=int(meta["train_rows"]),
            ), True
    except (OSError, ValueError, KeyError):
        pass
    probe = fit_probe(data, grid=grid, log=log)
    meta = {"C": probe.C, "classes": probe.classes, "dev_macro_f1": probe.dev_macro_f1, "train_rows": probe.train_rows}
    _save_atomic(
        target,
        lambda tmp: np.savez(tmp, coef=probe.coef, intercept=probe.intercept, meta=np.array(json.dumps(meta))),
    )
    return probe, False


__all__ = [
    "CHUNK",
    "C_GRID",
    "PEER_MAX_LENGTH",
    "EmbeddedData",
    "PeerEmbedder",
    "Probe",
    "check_peer_rows",
    "dev_scores",
    "embed_data",
    "file_digest",
    "fit_probe",
    "load_or_fit_probe",
]
