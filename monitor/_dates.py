"""The one place a date or time written as text becomes a value: an aware UTC datetime (or a day).

- :func:`parse_datetime` — lenient, for fields of scraped and API data (ISO 8601, epoch
  seconds as a number or digits, a datetime): ``None`` when the value is not a time.
- :func:`parse_iso` — strict ISO 8601 (importer rows, API and CLI arguments): a
  ``ValueError`` naming the problem.
- :func:`parse_day` — strict ``YYYY-MM-DD`` (CLI and API date arguments).
- :func:`parse_clock` — a time of day, ``HH:MM`` (the digest's time, the demo's story).
- :func:`parse_http_date` — an HTTP date (``Retry-After``): ``None`` when it is not one.
- :func:`parse_human` — the ``html`` kind's dates as people write them: explicit
  ``date_format`` patterns (month names in many languages), then localised and relative
  dates ("igår", "2 gün önce", "вчера", "3 days ago", "2 օր առաջ") read by ``dateparser``
  relative to an injected ``now``.

Naive times are UTC unless the caller says otherwise (:func:`parse_iso`'s ``naive``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

_EPOCH = re.compile(r"\d{9,11}(\.\d+)?")
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"[\s\u200b]+")

#: A date is short: longer text is cut before any pattern is tried on it.
MAX_DATE_TEXT = 500
#: ``dateparser`` reads at most this much of a date text (it costs per character).
MAX_HUMAN_TEXT = 120
#: Languages tried, in this order, for a human date when the page declares none ``dateparser``
#: knows (English last: the page's own words are more likely the others').
HUMAN_LANGUAGES: tuple[str, ...] = ("sv", "tr", "bg", "hy", "en")


def parse_iso(text: str, *, naive: tzinfo = UTC) -> datetime:
    """ISO 8601 text → aware UTC (``Z`` accepted, fractions past microseconds dropped).

    A time without an offset is read in ``naive`` (UTC unless said). Raises ``ValueError``.
    """
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    if "." in s:  # Python < 3.12 wants at most 6 fractional digits.
        s = _LONG_FRACTION.sub(r"\1", s)
    try:
        dt = datetime.fromisoformat(s)
        return (dt if dt.tzinfo else dt.replace(tzinfo=naive)).astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{text!r} is out of range") from None


def parse_day(text: str) -> date:
    """``YYYY-MM-DD`` → a date. Raises ``ValueError``."""
    return date.fromisoformat(text.strip())


def parse_clock(text: str) -> time:
    """``HH:MM`` (or ``HH:MM:SS``), as written, → a time of day. Raises ``ValueError``."""
    return time.fromisoformat(text)


def parse_http_date(text: str) -> datetime | None:
    """An HTTP date (``Sun, 06 Nov 1994 08:49:37 GMT``) → an aware datetime in its own offset
    (none given: UTC); ``None`` when it is not one."""
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def from_epoch(seconds: float) -> datetime:
    """Epoch seconds → aware UTC. Raises ``ValueError`` when out of range or not finite."""
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"{seconds!r} is not a time in epoch seconds") from exc


def parse_datetime(value: object) -> datetime | None:
    """ISO 8601 strings, epoch seconds, or datetimes → timezone-aware UTC (naive = UTC).

    ``None`` for anything else (scraped fields: a bad date is a missing date).
    """
    if value is None or value == "":
        return None
    try:
        if isinstance(value, datetime):
            return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return from_epoch(value)
        if isinstance(value, str):
            s = value.strip()
            return from_epoch(float(s)) if _EPOCH.fullmatch(s) else parse_iso(s)
    except (OverflowError, ValueError):
        return None
    return None


def parse_human(
    text: str,
    *,
    now: datetime,
    formats: Sequence[str] = (),
    pattern: str | None = None,
    lang: str | None = None,
) -> datetime | None:
    """A date as a page shows it → aware UTC, or ``None``.

    In order: ``pattern`` (a regex whose first group, or whole match, is the date text),
    ISO 8601, the explicit strptime ``formats`` (localised month names understood, also
    embedded in longer text), then ``dateparser`` for localised and relative dates, read
    in the page's language ``lang`` (else :data:`HUMAN_LANGUAGES`) relative to ``now``.
    """
    if not text:
        return None
    text = text[:MAX_DATE_TEXT]  # a hostile date must not cost a strptime per word
    if pattern:
        m = re.search(pattern, text)
        if not m:
            return None
        text = m.group(1) if m.groups() else m.group(0)
    text = _SPACE.sub(" ", _CONTROL.sub("", text)).strip()
    if not text:
        return None
    iso = parse_datetime(text)
    if iso is not None:
        return iso
    found = _with_formats(text, formats, search=not pattern)
    return found if found is not None else _dateparser(text, now, lang)


def _with_formats(text: str, formats: Sequence[str], *, search: bool) -> datetime | None:
    english = english_months(text)
    for fmt in formats:
        for candidate in (english, text):
            try:
                dt = datetime.strptime(candidate, fmt)
            except ValueError:
                continue
            return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    if search:
        # The date is often embedded ("Reviewed in the United States on July 1, 2024").
        for fmt in formats:
            found = _search_with_format(english, fmt)
            if found is not None:
                return found
    return None


def _search_with_format(text: str, fmt: str) -> datetime | None:
    words = text.split()
    width = len(fmt.split())
    for i in range(len(words) - width + 1):
        chunk = " ".join(words[i : i + width])
        try:
            return datetime.strptime(chunk, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _dateparser(text: str, now: datetime, lang: str | None) -> datetime | None:
    # To the minute: a relative date is no finer, and pages read in the same minute share
    # the cache (dateparser costs about 1.5 ms a date; reviews repeat "2 days ago").
    base = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(UTC).replace(tzinfo=None)
    return _read(text[:MAX_HUMAN_TEXT], _languages(lang), base.replace(second=0, microsecond=0))


@lru_cache(maxsize=4096)
def _read(text: str, languages: tuple[str, ...], base: datetime) -> datetime | None:
    found = _parser(languages, base).get_date_data(text).date_obj
    if not isinstance(found, datetime):
        return None
    return (found if found.tzinfo else found.replace(tzinfo=UTC)).astimezone(UTC)


@lru_cache(maxsize=256)
def _languages(lang: str | None) -> tuple[str, ...]:
    if lang:
        from dateparser.languages.loader import default_loader

        code = lang.split("-")[0].lower()
        if code in default_loader.get_locale_map():
            return (code,) if code == "en" else (code, "en")
    return HUMAN_LANGUAGES


@lru_cache(maxsize=64)
def _parser(languages: tuple[str, ...], base: datetime) -> DateDataParser:
    from dateparser.date import DateDataParser

    settings = {
        "RELATIVE_BASE": base,
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        # An absolute date needs its day, month and year: otherwise a language that does not
        # know a word reads it as a part of a date ("12 Mart 2025" became 10 December, 09:30)
        # and junk such as "5 art" became a date. Relative dates are unaffected.
        "STRICT_PARSING": True,
    }
    # In the given order, and without remembering what the previous text was (deterministic).
    return DateDataParser(
        languages=list(languages), settings=settings, use_given_order=True, try_previous_locales=False
    )


# -- month names for explicit date_format patterns -------------------------------------------

_MONTHS: dict[str, int] = {}
for _names in (
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "januari februari mars april maj juni juli augusti september oktober november december",
    "ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık",
    "януари февруари март април май юни юли август септември октомври ноември декември",
    "հունվարի փետրվարի մարտի ապրիլի մայիսի հունիսի հուլիսի օգոստոսի սեպտեմբերի հոկտեմբերի նոյեմբերի դեկտեմբերի",
    "հունվար փետրվար մարտ ապրիլ մայիս հունիս հուլիս օգոստոս սեպտեմբեր հոկտեմբեր նոյեմբեր դեկտեմբեր",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "januari februari maart april mei juni juli augustus september oktober november december",
):
    for _i, _w in enumerate(_names.split(), start=1):
        _MONTHS.setdefault(_w, _i)
_MONTHS["sept"] = 9
_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_MONTH_WORD = re.compile(r"[^\W\d_]+\.?", re.U)


def english_months(text: str) -> str:
    """Month names of the supported languages replaced by English ones (for strptime's ``%B``)."""

    def sub(m: re.Match[str]) -> str:
        n = _MONTHS.get(m.group(0).rstrip(".").casefold())
        return _EN[n - 1] if n else m.group(0)

    return _MONTH_WORD.sub(sub, text)


__all__ = [
    "HUMAN_LANGUAGES",
    "english_months",
    "from_epoch",
    "parse_clock",
    "parse_datetime",
    "parse_day",
    "parse_http_date",
    "parse_human",
    "parse_iso",
]
