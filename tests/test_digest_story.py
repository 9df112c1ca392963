"""The digest's one way of saying things: number formats, times in digest.timezone (across a
clock change), an empty day, the chart's bounds and legend, honest source health, chart file
names, human alert titles, and the "What drove it" section (escaped in every form)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor._api import MentionIndex
from monitor._config import config_from_dict
from monitor._config._fields import DIGEST_LOCALES
from monitor._digest.chart import LEGEND, PAD, draw_chart
from monitor._digest.context import build_digest
from monitor._digest.deliver import render_all, webhook_payload
from monitor._digest.files import write_files
from monitor._digest.formats import STYLES, Formats
from monitor._digest.records import AlertItem, DayPoint, Digest
from monitor._digest.render import render_html, render_markdown, render_text
from monitor._digest.why import AspectRow, DriverLine, ThemeRow, WhatDroveIt
from monitor._records import Prediction
from monitor.errors import ConfigError
from tests.test_digest_render import brand, digest, mention, parse, window

SCRIPT = "<script>alert(1)</script>"


# ---------------------------------------------------------------- numbers


def test_numbers_are_written_one_way() -> None:
    f = Formats()
    assert (f.pct(0.8), f.pct(0.8049), f.pct(0.805, 1), f.pct(0.80512, 3), f.pct(None)) == (
        "80 %",
        "80 %",
        "80.5 %",
        "80.5 %",  # never more than one decimal
        "–",
    )
    assert f.pct_range(0.3412, 0.7449) == "34–74 %"
    assert (f.count(1234567), f.average(10.45), f.average(0.4286), f.ratio(22 / 9)) == (
        "1,234,567",
        "10.4",
        "0.4",
        "2.4×",
    )
    # net sentiment: the index's −1…+1 scale, two decimals, a real minus, never "−0.00"
    assert [f.net(x) for x in (0.35, -0.123, 0.0, -0.001, 1.0, None)] == [
        "+0.35",
        "−0.12",
        "0.00",
        "0.00",
        "+1.00",
        "–",
    ]
    assert (f.signed_pct(0.32), f.signed_pct(-0.05), f.points(0.55, 0.87), f.points(0.5, 0.5)) == (
        "+32",
        "−5",
        "▼ 32 pts",
        "±0 pts",
    )
    assert (f.period(3 * 86400), f.period(36 * 3600), f.period(90 * 60)) == ("3 days", "36 hours", "90 minutes")
    sv = Formats("sv")
    assert (sv.count(1234), sv.average(10.45), sv.net(-0.5), sv.pct(0.805, 1)) == (
        "1\u00a0234",
        "10,4",
        "−0,50",
        "80,5 %",
    )
    assert Formats("de").count(1234567) == "1.234.567"


def test_the_locales_the_config_accepts_are_the_ones_formatted(tmp_path: Path) -> None:
    assert tuple(STYLES) == DIGEST_LOCALES
    assert config_from_dict({"digest": {"locale": "sv"}}).digest.locale == "sv"
    with pytest.raises(ConfigError, match="locale"):
        config_from_dict({"digest": {"locale": "klingon"}})


# ---------------------------------------------------------------- times


def _dst_digest(day: date, *, index_tz: str, display_tz: str, quotes: list[datetime]) -> Digest:
    b = brand("Acme", negatives=[replace(mention("Trasig", "sv"), published_at=q) for q in quotes])
    d = digest(b)
    return replace(
        d, day=day, timezone=index_tz, display_timezone=display_tz, generated_at=datetime(2026, 12, 1, tzinfo=UTC)
    )


def test_times_are_in_digest_timezone_across_the_autumn_clock_change() -> None:
    # 25 Oct 2026: Stockholm's clocks go back at 03:00 CEST; 02:30 happens twice.
    first, second = datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    d = _dst_digest(
        date(2026, 10, 25), index_tz="Europe/Stockholm", display_tz="Europe/Stockholm", quotes=[first, second]
    )
    text, html, md = render_text(d), render_html(d), render_markdown(d)
    for out in (text, html, md):
        assert "02:30 CEST" in out and "02:30 CET" in out
        assert "25 hours" in out
        assert "UTC" not in out and "+00:00" not in out
    spring = _dst_digest(date(2026, 3, 29), index_tz="Europe/Stockholm", display_tz="Europe/Stockholm", quotes=[])
    assert "(23 hours: the clocks change)" in render_text(spring)


def test_an_index_day_in_another_timezone_is_given_in_the_display_one() -> None:
    # The index counts UTC days; the team reads Stockholm time: the day's bounds are said in it.
    d = _dst_digest(
        date(2026, 10, 25),
        index_tz="UTC",
        display_tz="Europe/Stockholm",
        quotes=[datetime(2026, 10, 25, 12, tzinfo=UTC)],
    )
    text = render_text(d)
    assert (
        "the calendar day in UTC (the index timezone), 2026-10-25T02:00:00+02:00 to 2026-10-26T01:00:00+01:00 "
        "in Europe/Stockholm time" in text
    )
    assert "13:00 CET" in text and "Times are in Europe/Stockholm." in text


# ---------------------------------------------------------------- an empty day


def test_an_empty_day_says_so_plainly() -> None:
    empty = brand("Acme", today=window("Today"), empty=True)
    d = replace(digest(empty), voice=(), sources_total=0)
    for out in (render_text(d), render_html(d), render_markdown(d), json.dumps(webhook_payload(render_all(d)))):
        assert "No mentions of the brand on this day" in out
        assert "No sources are configured yet" in out or "Sources needing" not in out
        assert "All 0 sources" not in out
    nobody = replace(d, brands=())
    assert "No brands are configured, so there is nothing to report." in render_text(nobody)
    one = replace(digest(brand("Acme")), sources_total=1)
    assert "The one source collected normally." in render_text(one)


# ---------------------------------------------------------------- the chart


def test_the_chart_keeps_every_point_whole_and_its_legend_apart() -> None:
    day0 = date(2026, 11, 1)
    series = [
        DayPoint(
            day0 + timedelta(days=i),
            40 if i % 2 else 3,
            1,
            1.0 if i % 3 else 0.0,
            0.8,
            1.0,
            i % 2 == 0,
            3,
            1.0,
            0.9,
            1.0,
            False,
        )
        for i in range(30)
    ]
    fig = draw_chart(series, 0.8, Formats())
    fig.canvas.draw()
    ax_vol, ax = fig.axes
    lo, hi = ax.get_ylim()
    assert (lo, hi) == (-PAD, 100 + PAD)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    top = ax.get_window_extent(renderer).y1
    bottom = ax.get_window_extent(renderer).y0
    y100 = ax.transData.transform((0, 100))[1]
    y0 = ax.transData.transform((0, 0))[1]
    radius = (11**0.5) / 2 * fig.dpi / 72  # the largest marker (s=11 points²), in pixels
    assert y100 + radius <= top and y0 - radius >= bottom, "a dot at 0 % or 100 % would be cut"
    # the volume axis' zero is the MSI axis' 0 %
    assert abs(ax_vol.transData.transform((0, 0))[1] - y0) < 0.5
    legend = fig.legends[0]
    assert legend.get_window_extent(renderer).y0 >= top, "the legend overlaps the plot"
    labels = [t.get_text() for t in legend.get_texts()]
    assert [lb.split(" ")[0] for lb in labels] == [lb.split(" ")[0] for lb in LEGEND]
    assert labels[-1] == "bar 80 %"


def test_kpi_colours_have_a_legend() -> None:
    html = render_html(digest(brand("Acme")))
    for meaning in (
        "at or above the 80 % bar",
        "under the 80 % bar",
        "low sample: fewer than 30",
        "no positive or negative",
    ):
        assert meaning in html
    assert "#fff8c5" in html  # the yellow card …
    assert html.count("#fff8c5") >= 2  # … and its swatch; the alert box no longer uses it


# ---------------------------------------------------------------- alerts in words


def test_alerts_have_human_titles_in_every_form() -> None:
    raw = AlertItem("msi_below_bar", "Acme: MSI over the last 24 h is 60.0 %", {"msi": 0.6})
    d = digest(brand("Acme", alerts=[raw]))
    md, text, html = render_markdown(d), render_text(d), render_html(d)
    assert "msi\\_below\\_bar" not in md and "msi_below_bar" not in text + html
    assert "MSI below the bar: Acme" in text


# ---------------------------------------------------------------- What drove it


def hostile_why() -> WhatDroveIt:
    theme = ThemeRow(
        f"dock {SCRIPT}", 31, 0.2, 25, previous_volume=2, gist="**bold** [x](javascript:y)", langs=("sv", "hy")
    )
    return WhatDroveIt(
        drivers=(DriverLine("theme", "dock", f"MSI fell 18 points; 70 % is about *dock* {SCRIPT}", 0.7, ("sv",)),),
        themes=(replace(theme, examples=(mention(f"Docka {SCRIPT}", "sv"),)),),
        aspects=(AspectRow("price <b>", 12, 0.5, 10, competitors=(("Rival<i>", 0.7, 20),)),),
    )


def test_what_drove_it_takes_themes_aspects_and_drivers_escaped_everywhere() -> None:
    d = digest(replace(brand("Acme"), why=hostile_why()))
    r = render_all(d, markdown=True)
    assert parse(r.html_file).scripts == [] and "&lt;script&gt;" in r.html_file and "What drove it" in r.html_file
    assert "MSI fell 18 points" in r.html_file and "31 mentions (before: 2), MSI 20 % (n = 25)" in r.html_file
    assert r.markdown is not None and "<script" not in r.markdown and "](javascript" not in r.markdown
    assert "\\*\\*bold\\*\\*" in r.markdown and "Rival&lt;i&gt;" in r.markdown
    assert "WHAT DROVE IT" in r.text and 'Theme "dock <script>alert(1)</script>"' in r.text  # plain text: as written
    blob = json.dumps(webhook_payload(r))
    assert "<script" not in blob and "&lt;script&gt;" in blob and "What drove it" in blob


def cfg_for(tmp_path: Path) -> object:
    return config_from_dict(
        {
            "database_url": f"sqlite:///{tmp_path / 'w.db'}",
            "brands": [{"name": "Acme"}],
            "index": {"timezone": "Europe/Stockholm"},
            "digest": {"timezone": "Europe/Stockholm"},
        }
    )


def test_complaints_awaiting_an_answer_with_their_age(tmp_path: Path) -> None:
    tz = ZoneInfo("Europe/Stockholm")
    day = date(2026, 11, 12)
    now = datetime(2026, 11, 12, 18, 0, tzinfo=tz)
    texts = {
        "old": f"Acme, why has nobody answered my warranty claim? {SCRIPT}",
        "fresh": "Acme, my dock broke, can you help me?",
        "answered": "Acme, where is my refund? Still nothing.",
    }
    published = {"old": now - timedelta(days=5), "fresh": now - timedelta(hours=5), "answered": now - timedelta(days=2)}
    with MentionIndex.open(cfg_for(tmp_path)) as idx:  # type: ignore[arg-type]
        ids = {}
        for key, text in texts.items():
            ids[key] = idx.add_mention(
                brand="Acme", source="shop", external_id=key, text=text, published_at=published[key], lang="en"
            )
        idx.store.add_scores([(i, Prediction("negative", 0.9, 0.05, 0.05, "m", "1"), True) for i in ids.values()])
        idx.refresh()
        idx.mark_answered(ids["answered"], by="cs", at=now - timedelta(days=1))
        d = build_digest(idx, ["Acme"], day, tz="Europe/Stockholm", now=now)
        figures = {r.source: r for r in idx.complaint_figures("Acme", at=now)}
    why = d.brands[0].why
    assert why.complaints is not None and why.complaints.open == figures[None].open == 2
    assert (why.complaints.overdue, why.complaints.answered_in_time) == (1, 1)
    assert [round(w.age_s / 3600) for w in why.waiting] == [120, 5]  # the longest waiting first
    text, html, md = render_text(d), render_html(d), render_markdown(d)
    assert "Complaints awaiting an answer (published in the 30 days to 12 Nov; answer target 3 days):" in text
    assert "2 open, 1 overdue, the longest waiting 5d 0h · answered within the target: 50 % (1 of 2 due)" in text
    assert "median response 1d 0h" in text
    assert (
        "- waiting 5d 0h, overdue [en, Reviews, shop, Sat 7 Nov 2026 18:00 CET]" in text
        or "- waiting 5d 0h, overdue [en, " in text
    )
    assert "&lt;script&gt;" in html and "<script" not in md and "waiting 5h 0m" in html


# ---------------------------------------------------------------- sources and files


def test_a_failing_source_that_stored_mentions_is_not_said_never_to_have_succeeded(tmp_path: Path) -> None:
    with MentionIndex.open(cfg_for(tmp_path)) as idx:  # type: ignore[arg-type]
        for i in range(10):
            idx.add_mention(
                brand="Acme",
                source="imported-shop",
                external_id=str(i),
                text=f"review {i}",
                published_at=datetime(2026, 11, 10, 9, i, tzinfo=UTC),
                source_kind="reviews",
            )
        idx.store.record_source_result("imported-shop", "failed", "HTTP 500 after 2 attempt(s)")
        d = build_digest(
            idx, ["Acme"], date(2026, 11, 12), tz="Europe/Stockholm", now=datetime(2026, 11, 13, tzinfo=UTC)
        )
    [s] = d.source_problems
    assert s.status == "failing" and s.last_success_at is None and s.latest_mention_at is not None
    for out in (render_text(d), render_html(d), render_markdown(d)):
        assert "never succeeded" not in out
        assert "no successful run on record, but it has stored mentions" in out
    assert "(the newest published 2026-11-10T10:09:00+01:00)" in render_text(d)


def test_chart_files_name_the_day_and_the_brand_once(tmp_path: Path) -> None:
    d = digest(brand("Dawn"))
    files = write_files(render_all(d, stem="digest-2026-11-03-dawn"), tmp_path)
    assert [p.name for p in files.charts.values()] == ["digest-2026-11-03-dawn.png"]
    twins = digest(brand("Dawn"), brand("DAWN"))
    names = sorted(p.name for p in write_files(render_all(twins), tmp_path / "t").charts.values())
    assert names == ["digest-2026-11-03-dawn-2.png", "digest-2026-11-03-dawn.png"]
