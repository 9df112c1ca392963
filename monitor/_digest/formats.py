"""How the digest writes numbers and times: one way, everywhere (HTML, text, Markdown, webhook).

Every figure a reader sees goes through a :class:`Formats` bound to the digest's locale
(``digest.locale``: its decimal mark and digit grouping) and its display timezone
(``digest.timezone``). The rules:

- counts are whole numbers with the locale's grouping (``1,234``);
- percentages have no decimals (``80 %``; ``pct(x, 1)`` allows one, never more), and an
  interval is ``34–74 %``;
- averages and ratios have one decimal (``10.4/day``, ``2.1×``);
- net sentiment is on the index's own scale, −1…+1, with two decimals and a real minus
  sign (``+0.35``, ``−0.12``; README "The index");
- a change of MSI is in points (``▼ 12 pts``);
- a moment is the project's one timestamp format in the display timezone
  (``2026-12-02T09:15:00+01:00``, as the log and ``monitor status`` write it), a quote's time
  of day is ``09:15 CET`` (the zone's abbreviation tells a clock change's two 02:30s apart),
  and an age or a duration is :func:`monitor._stamps.duration` (``2d 3h``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from monitor._stamps import display_zone, duration, iso_stamp

DASH = "–"
MINUS = "−"


@dataclass(frozen=True, slots=True)
class NumberStyle:
    """A locale's decimal mark and digit grouping (CLDR's, for the digest's locales)."""

    decimal: str
    group: str


#: The locales ``digest.locale`` accepts (CLDR symbols; a no-break space where CLDR has one).
STYLES: dict[str, NumberStyle] = {
    "en": NumberStyle(".", ","),
    "sv": NumberStyle(",", "\u00a0"),
    "hy": NumberStyle(",", "\u00a0"),
    "bg": NumberStyle(",", "\u00a0"),
    "tr": NumberStyle(",", "."),
    "de": NumberStyle(",", "."),
    "fr": NumberStyle(",", "\u202f"),
    "ru": NumberStyle(",", "\u00a0"),
    "es": NumberStyle(",", "."),
}
LOCALES = tuple(STYLES)  # the config's DIGEST_LOCALES (a test holds them equal)


@dataclass(frozen=True, slots=True)
class Formats:
    """The digest's number and time formats for one locale and one display timezone."""

    locale: str = "en"
    timezone: str = "UTC"

    @property
    def style(self) -> NumberStyle:
        return STYLES.get(self.locale, STYLES["en"])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    # -- numbers ---------------------------------------------------------------------

    def number(self, x: float, digits: int = 0) -> str:
        """``x`` with ``digits`` decimals, the locale's grouping and decimal mark, a real minus."""
        raw = f"{abs(x):,.{digits}f}"
        s = self.style
        text = raw.replace(",", "\x00").replace(".", s.decimal).replace("\x00", s.group)
        negative = x < 0 and any(c not in "0.," for c in raw)
        return (MINUS if negative else "") + text

    def count(self, n: int | None) -> str:
        """A count: ``1,234``."""
        return DASH if n is None else self.number(n)

    def counted(self, n: int | None, noun: str, plural: str | None = None) -> str:
        """``n`` and the noun, singular for one: "1 mention", "2,300 mentions"."""
        return f"{self.count(n)} {noun if n == 1 else (plural or noun + 's')}"

    def pct(self, x: float | None, digits: int = 0) -> str:
        """A fraction as a percentage: ``80 %`` (at most one decimal: ``digits`` is 0 or 1)."""
        if x is None:
            return DASH
        return f"{self.number(x * 100, min(max(digits, 0), 1))} %"

    def pct_range(self, lo: float | None, hi: float | None) -> str:
        """An interval of fractions: ``34–74 %`` (empty without bounds)."""
        if lo is None or hi is None:
            return ""
        return f"{self.number(lo * 100)}–{self.number(hi * 100)} %"

    def net(self, x: float | None) -> str:
        """Net sentiment on its −1…+1 scale: ``+0.35``, ``−0.12``, ``0.00``."""
        if x is None:
            return DASH
        text = self.number(x, 2)
        return text if text.startswith(MINUS) or round(x, 2) == 0 else "+" + text

    def signed_pct(self, x: float | None) -> str:
        """An NPS (−1…+1) as the usual −100…+100 score: ``+32``."""
        if x is None:
            return DASH
        v = round(x * 100)
        return f"+{v}" if v > 0 else (f"{MINUS}{-v}" if v < 0 else "0")

    def average(self, x: float | None) -> str:
        """A mean, one decimal: ``10.4``."""
        return DASH if x is None else self.number(x, 1)

    def ratio(self, x: float) -> str:
        """A multiple, one decimal: ``2.1×``."""
        return f"{self.number(x, 1)}×"

    def points(self, now: float | None, then: float | None) -> str:
        """A change of a share in points: ``▲ 3 pts``, ``▼ 12 pts``, ``±0 pts`` (empty without both)."""
        if now is None or then is None:
            return ""
        d = round((now - then) * 100)
        if d == 0:
            return "±0 pts"
        return f"▲ {d} pts" if d > 0 else f"▼ {-d} pts"

    # -- times -----------------------------------------------------------------------

    def local(self, dt: datetime) -> datetime:
        return (dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)).astimezone(self.zone)

    def time(self, dt: datetime | None) -> str:
        """A time of day in the display timezone: ``09:15 CET``."""
        return "" if dt is None else self.local(dt).strftime("%H:%M %Z")

    def when(self, dt: datetime | None) -> str:
        """A moment in the display timezone, in the project's one timestamp format (the log's and
        ``monitor status``'s: :func:`monitor._stamps.iso_stamp`): ``2026-12-02T09:15:00+01:00``."""
        return "" if dt is None else iso_stamp(dt, display_zone(self.timezone))

    def day(self, d: date) -> str:
        """A calendar day: ``Wednesday 2 December 2026``."""
        return f"{d.strftime('%A')} {d.day} {d.strftime('%B %Y')}"

    def short_day(self, d: date) -> str:
        """``2 Dec``."""
        return f"{d.day} {d.strftime('%b')}"

    def age(self, seconds: float | None) -> str:
        """How long: ``2d 3h``, ``5h 10m``, ``12m``."""
        return duration(seconds)

    def period(self, seconds: float) -> str:
        """A configured length in words: ``3 days``, ``36 hours``, ``90 minutes``."""
        whole = round(seconds)
        for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
            if whole >= size and whole % size == 0:
                n = whole // size
                return f"{self.count(n)} {unit}{'s' if n != 1 else ''}"
        return duration(seconds)


__all__ = ["DASH", "LOCALES", "MINUS", "STYLES", "Formats", "NumberStyle"]
