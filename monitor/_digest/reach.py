"""The digest's reach-weighted line and its footer sentence, the same in every form.

Beside the plain figures, never instead: a brand's section keeps its plain MSI as the
headline and adds one line under its figures (after CSAT and NPS): the MSI of its "last 7 days" weighted
by reach (:meth:`~monitor.MentionIndex.reach` over that window, read once per brand; the
weighting is :mod:`monitor._index.reach`). The line is shown only when at least one mention
of the window had a reach. Numbers go through the digest's :class:`Formats`.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor._digest.formats import Formats
from monitor._digest.records import BrandDigest
from monitor._index.reach import SHARE_CAP

LOW_SAMPLE = "low sample"


@dataclass(frozen=True, slots=True)
class ReachLine:
    """``Reach-weighted MSI last 7 days: 66 % (61–71 %, effective n = 40; 31 of 68 mentions
    had a reach)``, split around its low-sample mark so the HTML form can style the mark
    as it styles the plain MSI's (``…effective n = 12, low sample; 31 of …``)."""

    head: str  # up to the effective n
    low_sample: bool
    tail: str  # the share of mentions with a reach, and the closing parenthesis

    @property
    def text(self) -> str:
        """The whole line as plain text."""
        return self.head + (f", {LOW_SAMPLE}" if self.low_sample else "") + self.tail


def reach_line(b: BrandDigest, f: Formats) -> ReachLine | None:
    """The brand's reach-weighted line for its last 7 days (None when no mention of them had a reach)."""
    r = b.week_reach
    if r is None or r.with_reach <= 0:
        return None
    head = f"Reach-weighted MSI last 7 days: {f.pct(r.weighted_msi)} ("
    interval = f.pct_range(r.weighted_msi_low, r.weighted_msi_high)
    if r.weighted_msi is None:
        head += "no positive or negative mention"
    else:
        head += (f"{interval}, " if interval else "") + f"effective n = {f.count(round(r.effective_n))}"
    tail = f"; {f.count(r.with_reach)} of {f.counted(r.volume, 'mention')} had a reach)"
    return ReachLine(head=head, low_sample=r.weighted_msi is not None and r.weighted_low_sample, tail=tail)


def reach_legend(f: Formats) -> str:
    """The footer's sentence on how the reach weighting works."""
    smallest = round(1 / SHARE_CAP)
    return (
        "Reach-weighted MSI weighs each mention by its reach (followers, upvotes, likes, views or helpful "
        "votes): 1 + ln 2 · ⌊log₂(1 + reach)⌋, 1 without one, capped so that no mention carries more than "
        f"{f.pct(SHARE_CAP)} of the period's weight (with fewer than {f.counted(smallest, 'mention')} all weigh 1); "
        "its interval uses Kish's effective n. The plain figures stay the headline."
    )


__all__ = ["LOW_SAMPLE", "ReachLine", "reach_legend", "reach_line"]
