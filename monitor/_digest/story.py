"""The digest's framing sentences, the same in every form: which window the figures cover and
where times are shown, what each colour means, how the sources did, and an empty day said plainly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from monitor._digest.formats import Formats
from monitor._digest.records import Digest, SourceHealth


def window_statement(d: Digest, f: Formats) -> str:
    """Which window every figure covers, and the timezone of every time shown.

    The figures cover one calendar day of the index (``index.timezone``); when the digest
    shows times in another timezone (``digest.timezone``), the day's bounds are given in it.
    """
    start, end = d.day_start, d.day_end
    hours = round((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600)
    if d.shown_timezone == d.timezone:
        span = f"the calendar day 00:00–24:00 {d.timezone}"
        if hours != 24:
            span += f" ({hours} hours: the clocks change)"
    else:
        span = (
            f"the calendar day in {d.timezone} (the index timezone), {f.when(start)} to {f.when(end)} "
            f"in {d.shown_timezone} time"
        )
    upto = f", so far: as of {f.when(d.generated_at)} ({d.shown_timezone})" if d.partial_day else ", the whole day"
    return (
        f"Every figure, table and alert covers {f.day(d.day)}, {span}{upto}; "
        "alerts compare it with the 7 days before. "
        f"Times are in {d.shown_timezone}."
    )


@dataclass(frozen=True, slots=True)
class Swatch:
    """One colour of the MSI cards and tables, and what it means."""

    status: str  # a key of render.COLORS
    meaning: str


def legend(d: Digest, f: Formats) -> tuple[Swatch, ...]:
    """What the MSI cards' and tables' colours mean (every colour the digest uses for a status)."""
    return (
        Swatch("good", f"at or above the {f.pct(d.bar)} bar"),
        Swatch("bad", f"under the {f.pct(d.bar)} bar"),
        Swatch("low", f"low sample: fewer than {f.count(d.min_sample)} positive + negative mentions, read with care"),
        Swatch("none", "no positive or negative mention"),
    )


def source_line(s: SourceHealth, f: Formats) -> str:
    """After a problem source's reason: when it last worked (never "never succeeded" for one
    that stored mentions)."""
    if s.last_success_at is not None:
        return f"last success {f.when(s.last_success_at)}"
    if s.latest_mention_at is not None:
        newest = f.when(s.latest_mention_at)
        return f"no successful run on record, but it has stored mentions (the newest published {newest})"
    if s.status == "partial":
        return ""
    return "never succeeded: nothing stored from it yet"


def sources_summary(d: Digest) -> str:
    """The sources line when none needs attention."""
    n = d.sources_total
    if n == 0:
        return "No sources are configured yet: nothing was collected."
    if n == 1:
        return "The one source collected normally."
    return f"All {n} sources collected normally."


def empty_statement(d: Digest) -> str | None:
    """A plain sentence for a digest with nothing to report (None when there is something)."""
    if not d.brands:
        return "No brands are configured, so there is nothing to report."
    if d.mentions_total == 0:
        which = "the brand" if len(d.brands) == 1 else f"any of the {len(d.brands)} brands"
        return f"No mentions of {which} on this day{' so far' if d.partial_day else ''}."
    return None


__all__ = ["Swatch", "empty_statement", "legend", "source_line", "sources_summary", "window_statement"]
