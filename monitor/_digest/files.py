"""The file channel: the digest written to ``out_dir`` (HTML, text, Markdown, chart PNGs).

Every file is written atomically (a temporary name, then a rename), so a reader never
sees half a digest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from monitor._digest.render import RenderedDigest, render_markdown
from monitor.errors import DeliveryError


@dataclass(frozen=True)
class DigestFiles:
    """Where the digest's files are (or, when writing failed, were to be)."""

    html: Path
    text: Path
    markdown: Path | None = None
    charts: dict[str, Path] = field(default_factory=dict)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def write_files(rendered: RenderedDigest, out_dir: str | Path, *, markdown: bool = False) -> DigestFiles:
    """Write HTML, text (and Markdown, and the chart PNGs) atomically; return the paths."""
    out = Path(out_dir)
    md_text = rendered.markdown
    if md_text is None and markdown:
        md_text = render_markdown(rendered.digest)
    try:
        out.mkdir(parents=True, exist_ok=True)
        html = out / f"{rendered.stem}.html"
        text = out / f"{rendered.stem}.txt"
        atomic_write(html, rendered.html_file.encode("utf-8"))
        atomic_write(text, rendered.text.encode("utf-8"))
        md = None
        if md_text is not None:
            md = out / f"{rendered.stem}.md"
            atomic_write(md, md_text.encode("utf-8"))
        charts = {}
        for b in rendered.digest.brands:
            png = out / chart_names(rendered)[b.brand]
            atomic_write(png, rendered.charts[b.brand])
            charts[b.brand] = png
    except OSError as exc:
        raise DeliveryError(f"cannot write the digest to {out}: {exc.strerror or exc}") from exc
    return DigestFiles(html=html, text=text, markdown=md, charts=charts)


def chart_names(rendered: RenderedDigest) -> dict[str, str]:
    """Each brand's chart file name: the digest's day and the brand, said once
    (``digest-2026-11-03-acme.png``, whatever the digest's own stem; a second brand with
    the same slug gets ``-2``)."""
    base = f"digest-{rendered.digest.day.isoformat()}"
    names: dict[str, str] = {}
    taken: set[str] = set()
    for b in rendered.digest.brands:
        name, n = f"{base}-{b.slug}", 1
        while name in taken:
            n += 1
            name = f"{base}-{b.slug}-{n}"
        taken.add(name)
        names[b.brand] = f"{name}.png"
    return names


def planned_files(rendered: RenderedDigest, out_dir: Path) -> DigestFiles:
    """The paths :func:`write_files` would have written (for channels that link to them)."""
    return DigestFiles(html=out_dir / f"{rendered.stem}.html", text=out_dir / f"{rendered.stem}.txt")


__all__ = ["DigestFiles", "atomic_write", "chart_names", "planned_files", "write_files"]
