"""The digest's 30-day chart: MSI line with its Wilson band, daily volume bars, the bar line.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global state, no
display). Only numbers and dates go into the image: no scraped text is ever drawn.

Nothing is clipped and nothing overlaps: the MSI axis runs a little past 0 % and 100 % (a
dot at 100 % is whole), the volume axis shares its zero, and the legend has its own strip
above the plot, naming every colour and mark drawn (:data:`LEGEND`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from monitor._digest.formats import Formats
from monitor._digest.records import DayPoint

if TYPE_CHECKING:
    from matplotlib.figure import Figure

GREEN = "#1a7f37"
RED = "#cf222e"
INK = "#24292f"
MUTED = "#6e7781"
LINE = "#0969da"
BAND = "#0969da"
BARS = "#d0d7de"
NEGATIVE = "#ffcecb"
PAD = 6.0  # percentage points of room below 0 % and above 100 %
TOP = 0.78  # the plot's top (figure fraction); the legend sits above it
#: What the legend names, in order (a test holds the drawing to it).
LEGEND = ("MSI, 7 days", "low sample", "95 % interval", "MSI, day", "mentions / day", "negative", "bar")


def render_chart(series: Sequence[DayPoint], bar: float, f: Formats | None = None, *, dpi: int = 144) -> bytes:
    """A PNG (about 640×260 CSS pixels at ``dpi`` 144) of the days in ``series``."""
    return _savefig(draw_chart(series, bar, f or Formats()), dpi)


def _savefig(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def draw_chart(series: Sequence[DayPoint], bar: float, f: Formats) -> Figure:
    """The chart's figure (its axes: the volume bars', then the MSI line's)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fig = Figure(figsize=(6.4, 2.6), dpi=144)
    FigureCanvasAgg(fig)
    ax_vol = fig.add_axes((0.075, 0.13, 0.85, TOP - 0.13))
    ax = ax_vol.twinx()

    xs = list(range(len(series)))
    volumes = [p.volume for p in series]
    negatives = [p.negative for p in series]
    ax_vol.bar(xs, volumes, width=0.72, color=BARS, zorder=1, label="Mentions")
    ax_vol.bar(xs, negatives, width=0.72, color=NEGATIVE, zorder=1.1, label="Negative")
    top = max([*volumes, 4]) * 2.1  # bars in the lower half, under the line
    ax_vol.set_ylim(-top * PAD / (100 + PAD), top)  # its zero level with the MSI axis' 0 %
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
        ax.scatter(
            hollow,
            [ys[i] for i in hollow],
            s=11,
            facecolor="white",
            edgecolor=LINE,
            linewidth=1,
            zorder=4,
            clip_on=False,
        )
    # Each day's own MSI, faint: it shows the spread without drawing the eye.
    daily = [i for i, p in enumerate(series) if p.msi is not None]
    if daily:
        dots = [pct(series[i].msi) for i in daily]
        ax.scatter(daily, dots, s=9, color=MUTED, alpha=0.45, linewidth=0, zorder=2.8, clip_on=False)
    ax.axhline(bar * 100, color=RED, linewidth=1, linestyle=(0, (4, 3)), zorder=2.5)
    ax.set_ylim(-PAD, 100 + PAD)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f.pct(v / 100)))
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
        _patch(LINE, LEGEND[0], line=True),
        _hollow(LINE, f"{LEGEND[1]} (7 days)"),
        _patch(BAND, LEGEND[2], alpha=0.25),
        _dot(MUTED, LEGEND[3]),
        _patch(BARS, LEGEND[4]),
        _patch(NEGATIVE, LEGEND[5]),
        _patch(RED, f"{LEGEND[6]} {f.pct(bar)}", line=True, dashed=True),
    ]
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.065, TOP + 0.02),
        ncol=4,
        fontsize=7,
        frameon=False,
        handlelength=1.4,
        columnspacing=1.2,
        labelspacing=0.3,
    )
    return fig


def _patch(color: str, label: str, *, alpha: float = 1.0, line: bool = False, dashed: bool = False) -> object:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if line:
        if dashed:
            return Line2D([0], [0], color=color, linewidth=1.0, linestyle=(0, (4, 3)), label=label)
        return Line2D([0], [0], color=color, linewidth=1.8, linestyle="-", label=label)
    return Patch(facecolor=color, alpha=alpha, label=label)


def _hollow(color: str, label: str) -> object:
    from matplotlib.lines import Line2D

    return Line2D(
        [0], [0], marker="o", linestyle="", markersize=3.8, markerfacecolor="white", markeredgecolor=color, label=label
    )


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


__all__ = ["LEGEND", "PAD", "TOP", "draw_chart", "render_chart"]
