"""The digest's 30-day chart: MSI line with its Wilson band, daily volume bars, the bar line.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global state, no
display). Only numbers and dates go into the image: no scraped text is ever drawn.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from monitor._digest.records import DayPoint

GREEN = "#1a7f37"
RED = "#cf222e"
INK = "#24292f"
MUTED = "#6e7781"
LINE = "#0969da"
BAND = "#0969da"
BARS = "#d0d7de"


def render_chart(series: Sequence[DayPoint], bar: float, *, dpi: int = 144) -> bytes:
    """A PNG (about 640×230 CSS pixels at ``dpi`` 144) of the days in ``series``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fig = Figure(figsize=(6.4, 2.3), dpi=dpi)
    FigureCanvasAgg(fig)
    ax_vol = fig.add_axes((0.075, 0.16, 0.85, 0.74))
    ax = ax_vol.twinx()

    xs = list(range(len(series)))
    volumes = [p.volume for p in series]
    negatives = [p.negative for p in series]
    ax_vol.bar(xs, volumes, width=0.72, color=BARS, zorder=1, label="Mentions")
    ax_vol.bar(xs, negatives, width=0.72, color="#ffcecb", zorder=1.1, label="Negative")
    ax_vol.set_ylim(0, max([*volumes, 4]) * 2.1)  # bars in the lower half, under the line
    ax_vol.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
    ax_vol.tick_params(axis="y", colors=MUTED, labelsize=7, length=0)
    ax_vol.set_ylabel("mentions", fontsize=7, color=MUTED)
    ax_vol.yaxis.set_label_position("right")

    # The line: trailing 7-day MSI with its Wilson band (gaps stay gaps).
    def pct(v: float | None) -> float:
        return v * 100 if v is not None else float("nan")

    ys = [pct(p.week_msi) for p in series]
    lo = [pct(p.week_low) for p in series]
    hi = [pct(p.week_high) for p in series]
    ax.fill_between(xs, lo, hi, color=BAND, alpha=0.13, linewidth=0, zorder=2)
    ax.plot(xs, ys, color=LINE, linewidth=2.0, zorder=3, solid_capstyle="round")
    hollow = [i for i, p in enumerate(series) if p.week_msi is not None and p.week_low_sample]
    if hollow:
        ax.scatter(hollow, [ys[i] for i in hollow], s=11, facecolor="white", edgecolor=LINE, linewidth=1, zorder=4)
    # Each day's own MSI, faint: it shows the spread without drawing the eye.
    daily = [i for i, p in enumerate(series) if p.msi is not None]
    if daily:
        ax.scatter(daily, [pct(series[i].msi) for i in daily], s=9, color=MUTED, alpha=0.45, linewidth=0, zorder=2.8)
    ax.axhline(bar * 100, color=RED, linewidth=1, linestyle=(0, (4, 3)), zorder=2.5)
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f} %"))
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.tick_params(axis="y", colors=INK, labelsize=7, length=0)

    # Put the line's axis on the left (it matters most), volume on the right.
    ax.yaxis.tick_left()
    ax_vol.yaxis.tick_right()
    ax.set_zorder(ax_vol.get_zorder() + 1)
    ax.patch.set_visible(False)

    step = max(1, len(series) // 6)
    ticks = [i for i in xs if (len(xs) - 1 - i) % step == 0]
    ax_vol.set_xticks(ticks)
    ax_vol.set_xticklabels([series[i].day.strftime("%-d %b") for i in ticks], fontsize=7, color=MUTED)
    ax_vol.set_xlim(-0.6, len(xs) - 0.4 if xs else 0.6)
    ax_vol.tick_params(axis="x", length=0)
    for a in (ax, ax_vol):
        for side in ("top", "right", "left"):
            a.spines[side].set_visible(False)
        a.spines["bottom"].set_color(BARS)
    ax.grid(axis="y", color="#eaeef2", linewidth=0.6, zorder=0)

    handles = [
        _patch(LINE, "MSI, 7 days", line=True),
        _patch(BAND, "95 % interval", alpha=0.25),
        _dot(MUTED, "MSI, day"),
        _patch(BARS, "mentions / day"),
        _patch("#ffcecb", "negative"),
        _patch(RED, f"bar {bar * 100:.0f} %", line=True, dashed=True),
    ]
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.04, 1.0),
        ncol=6,
        fontsize=7,
        frameon=False,
        handlelength=1.4,
        columnspacing=0.9,
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def _patch(color: str, label: str, *, alpha: float = 1.0, line: bool = False, dashed: bool = False) -> object:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if line:
        if dashed:
            return Line2D([0], [0], color=color, linewidth=1.0, linestyle=(0, (4, 3)), label=label)
        return Line2D([0], [0], color=color, linewidth=1.8, linestyle="-", label=label)
    return Patch(facecolor=color, alpha=alpha, label=label)


def _dot(color: str, label: str) -> object:
    from matplotlib.lines import Line2D

    return Line2D(
        [0],
        [0],
        marker="o",
        linestyle="",
        markersize=3.5,
        markerfacecolor=color,
        markeredgewidth=0,
        alpha=0.6,
        label=label,
    )


__all__ = ["render_chart"]
