"""One date parser (monitor._dates): machine times, strict arguments, and the ``html`` kind's human dates.

Human dates are read relative to an injected ``now``; each of the product's five languages
(sv, tr, bg, en, hy) is covered by ``dateparser``, relative and absolute.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor._config import HttpConfig, Secrets, SourceConfig
from monitor._dates import parse_datetime, parse_day, parse_human, parse_iso
from monitor._http import HttpClient
from monitor._sources import html
from monitor._sources.base import FetchContext, get_source

try:
    from test_http_localserver import LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import LocalServer, Reply

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)

HUMAN = {
    "sv": [("igår", NOW - DAY), ("3 dagar sedan", NOW - 3 * DAY), ("för 2 veckor sedan", NOW - 14 * DAY),
           ("1 timme sedan", NOW - timedelta(hours=1)), ("12 mars 2025", datetime(2025, 3, 12, tzinfo=UTC))],
    "tr": [("dün", NOW - DAY), ("2 gün önce", NOW - 2 * DAY), ("3 hafta önce", NOW - 21 * DAY),
           ("5 saat önce", NOW - timedelta(hours=5)), ("12 Mart 2025", datetime(2025, 3, 12, tzinfo=UTC))],
    "bg": [("вчера", NOW - DAY), ("преди 2 дни", NOW - 2 * DAY), ("преди 3 седмици", NOW - 21 * DAY),
           ("преди 5 часа", NOW - timedelta(hours=5)), ("12 март 2025", datetime(2025, 3, 12, tzinfo=UTC))],
    "en": [("yesterday", NOW - DAY), ("3 days ago", NOW - 3 * DAY), ("2 weeks ago", NOW - 14 * DAY),
           ("an hour ago", NOW - timedelta(hours=1)), ("March 12, 2025", datetime(2025, 3, 12, tzinfo=UTC))],
    "hy": [("երեկ", NOW - DAY), ("2 օր առաջ", NOW - 2 * DAY), ("3 շաբաթ առաջ", NOW - 21 * DAY),
           ("5 ժամ առաջ", NOW - timedelta(hours=5)), ("12 մարտի 2025", datetime(2025, 3, 12, tzinfo=UTC))],
}  # fmt: skip


@pytest.mark.parametrize("lang", sorted(HUMAN))
def test_human_dates_per_language_relative_to_now(lang: str) -> None:
    for text, expected in HUMAN[lang]:
        got = parse_human(text, now=NOW, lang=lang)
        assert got == expected, (lang, text, got)
        assert got is not None and got.tzinfo is UTC
        # Without the page's language the product's five languages are tried.
        assert parse_human(text, now=NOW) == expected, (lang, text)


def test_relative_dates_follow_the_injected_clock() -> None:
    later = NOW + timedelta(days=30)
    assert parse_human("igår", now=later, lang="sv") == later - DAY
    # A clock in another zone is the same instant.
    stockholm = NOW.astimezone(timezone(timedelta(hours=1)))
    assert parse_human("2 gün önce", now=stockholm, lang="tr") == NOW - 2 * DAY


def test_explicit_formats_and_patterns_still_win() -> None:
    assert parse_human("10 marzo 2024", now=NOW, formats=["%d %B %Y"]) == datetime(2024, 3, 10, tzinfo=UTC)
    embedded = "Reviewed in the United States on July 1, 2024"
    assert parse_human(embedded, now=NOW, formats=["%B %d, %Y"]) == datetime(2024, 7, 1, tzinfo=UTC)
    assert parse_human("posted: 03/04/2024 by x", now=NOW, formats=["%d/%m/%Y"], pattern=r"(\d+/\d+/\d+)") == (
        datetime(2024, 4, 3, tzinfo=UTC)
    )
    # dd/mm vs mm/dd is the format's to say, not a guess.
    assert parse_human("03/04/2024", now=NOW, formats=["%m/%d/%Y"]) == datetime(2024, 3, 4, tzinfo=UTC)
    assert parse_human("2024-05-06T07:08:09Z", now=NOW) == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_not_a_date_is_none_and_hostile_text_is_cheap() -> None:
    assert parse_human("", now=NOW) is None
    assert parse_human("Verified purchase", now=NOW, lang="en") is None
    assert parse_human("5 art", now=NOW) is None  # junk is not read as "5th, 03:00"
    assert parse_human("12 Mart", now=NOW, lang="tr") is None  # no year: say it with date_format
    assert parse_human("\x00\u200b ", now=NOW) is None
    import time

    started = time.monotonic()
    assert parse_human("ago " * 50_000, now=NOW, lang="en") is None
    assert parse_human("1 " * 50_000, now=NOW, formats=["%d %B %Y"]) is None
    assert time.monotonic() - started < 2.0


def test_machine_times() -> None:
    assert parse_datetime("2024-03-01T23:02:55.4251234Z") == datetime(2024, 3, 1, 23, 2, 55, 425123, tzinfo=UTC)
    assert parse_datetime("1611106445") == datetime(2021, 1, 20, 1, 34, 5, tzinfo=UTC)
    assert parse_datetime(1611106445.0) == datetime(2021, 1, 20, 1, 34, 5, tzinfo=UTC)
    assert parse_datetime(datetime(2024, 1, 1)) == datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_datetime("2024-01-01T01:00:00+01:00") == datetime(2024, 1, 1, tzinfo=UTC)
    for bad in ("not a date", float("nan"), float("inf"), 1e300, True, [], "9999-12-31T23:59:59-05:00"):
        assert parse_datetime(bad) is None, bad


def test_strict_arguments_name_the_problem() -> None:
    assert parse_iso("2024-01-01 10:00") == datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert parse_iso("2024-01-01T10:00", naive=timezone(timedelta(hours=2))) == datetime(2024, 1, 1, 8, tzinfo=UTC)
    assert parse_iso("2024-01-01T10:00z") == datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert parse_day(" 2024-02-29 ") == date(2024, 2, 29)
    for bad in ("yesterday", "2024-02-30", ""):
        with pytest.raises(ValueError):
            parse_iso(bad)
        with pytest.raises(ValueError):
            parse_day(bad)
    with pytest.raises(ValueError, match="out of range"):
        parse_iso("0001-01-01T00:00:00+01:00")


# -- the html kind, over a real loopback server ---------------------------------------------


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def test_html_kind_reads_localised_relative_dates_against_the_clock(server: LocalServer) -> None:
    for lang, cases in HUMAN.items():
        items = "".join(
            f'<div class="rev" id="{lang}{i}"><p>review {i}</p><span class="d">{text}</span></div>'
            for i, (text, _) in enumerate(cases)
        )
        page = f'<html lang="{lang}"><body>{items}</body></html>'
        server.routes[f"/{lang}"] = lambda h, page=page: Reply(body=page, headers={"Content-Type": "text/html"})

    async def go(lang: str) -> list[datetime | None]:
        cfg = HttpConfig(contact="t@example.com", min_interval_s=0, retries=0, allow_private_addresses=True)
        src = SourceConfig(
            name=lang, kind="html", url=server.url(f"/{lang}"), options={"item": "div.rev", "text": "p", "date": ".d"}
        )
        async with HttpClient(cfg) as http:
            ctx = FetchContext(source=src, http=http, secrets=Secrets(_env_file=None), now=lambda: NOW)
            return [m.published_at async for p in get_source("html").fetch(ctx) for m in p.mentions]

    for lang, cases in HUMAN.items():
        assert asyncio.run(go(lang)) == [expected for _, expected in cases], lang


def test_html_parse_takes_the_clock() -> None:
    body = '<html lang="bg"><body><div class="r"><p>x</p><i>вчера</i></div></body></html>'
    [m] = html.parse(body, "http://x/", {"item": ".r", "text": "p", "date": "i"}, now=NOW)
    assert m.published_at == NOW - DAY


# -- one parser: no other module turns date text into a datetime -----------------------------

MONITOR = Path(html.__file__).resolve().parents[1]


def test_only_monitor_dates_parses_date_text() -> None:
    offenders = []
    for path in MONITOR.rglob("*.py"):
        rel = path.relative_to(MONITOR).as_posix()
        if rel == "_dates.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("fromisoformat", "strptime", "fromtimestamp"):
                offenders.append(f"{rel}:{node.lineno} {node.attr}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("dateutil", "dateparser")):
                offenders.append(f"{rel}:{node.lineno} imports {node.module}")
            if isinstance(node, ast.ImportFrom) and any(a.name.startswith("parsedate") for a in node.names):
                offenders.append(f"{rel}:{node.lineno} imports {node.module}.parsedate*")
    assert not offenders, offenders
