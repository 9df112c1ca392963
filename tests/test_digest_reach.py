"""The digest's reach-weighted line: beside the plain figures, equal to ``MentionIndex.reach``
over the section's "last 7 days", in every form, and absent when no mention had a reach."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from monitor import Mention, MentionIndex
from monitor._config import Config, config_from_dict
from monitor._digest.context import build_digest
from monitor._digest.deliver import render_all, webhook_payload
from monitor._digest.formats import Formats
from monitor._digest.reach import reach_line
from monitor._digest.records import Digest
from monitor._digest.render import md_escape, render_markdown, render_text
from monitor._index.reach import ReachPoint

TZ = ZoneInfo("Europe/Stockholm")
DAY = date(2026, 11, 12)
NOW = datetime(2026, 11, 13, 9, 0, tzinfo=TZ)  # the day is over


def at(d: date, hour: int = 12) -> datetime:
    return datetime.combine(d, time(hour), TZ)


def config(tmp_path: Path, *brands: str, locale: str = "en") -> Config:
    return config_from_dict(
        {
            "database_url": f"sqlite:///{tmp_path / 'reach.db'}",
            "brands": [{"name": b} for b in brands],
            "index": {"timezone": "Europe/Stockholm"},
            "digest": {"timezone": "Europe/Stockholm", "locale": locale},
        }
    )


def week_of_mentions(prefix: str, *, reach: bool) -> list[Mention]:
    """30 positive mentions without reach (4 rated 5 stars) and 14 negative ones, 10 of them from big accounts
    (with ``reach``), spread over the 7 days ending on DAY; 3 neutral; and, outside the window,
    a positive mention with a huge reach 7 days before DAY and one the day after."""
    out = []
    for i in range(30):
        out.append(
            Mention(
                external_id=f"{prefix}p{i}",
                text=f"good {i}",
                published_at=at(DAY - timedelta(days=i % 7)),
                label="positive",
                rating=5.0 if i < 4 else None,  # a CSAT line for the reach line to follow
                rating_scale=(1.0, 5.0) if i < 4 else None,
            )
        )
    for i in range(14):
        big = reach and i < 10
        out.append(
            Mention(
                external_id=f"{prefix}n{i}",
                text=f"bad {i}",
                published_at=at(DAY - timedelta(days=i % 7), 15),
                label="negative",
                reach=50_000 + i if big else None,
                reach_kind="followers" if big else None,
            )
        )
    out += [
        Mention(external_id=f"{prefix}u{i}", text=f"meh {i}", published_at=at(DAY), label="neutral") for i in range(3)
    ]
    for key, d in (("before", DAY - timedelta(days=7)), ("after", DAY + timedelta(days=1))):
        out.append(
            Mention(
                external_id=f"{prefix}{key}",
                text="fine",
                published_at=at(d, 8),
                label="positive",
                reach=9_000_000 if reach else None,
                reach_kind="followers" if reach else None,
            )
        )
    return out


def expected_line(p: ReachPoint) -> str:
    """The line for ``p``, written out here (not through the digest's formats)."""
    assert p.weighted_msi is not None and p.weighted_msi_low is not None and p.weighted_msi_high is not None
    low = ", low sample" if p.weighted_low_sample else ""
    return (
        f"Reach-weighted MSI last 7 days: {round(p.weighted_msi * 100)} % "
        f"({round(p.weighted_msi_low * 100)}–{round(p.weighted_msi_high * 100)} %, "
        f"effective n = {round(p.effective_n)}{low}; {p.with_reach} of {p.volume} mentions had a reach)"
    )


def section(text: str, brand: str) -> str:
    start = text.index(f"==== {brand} ====")
    end = text.find("\n==== ", start + 1)
    return text[start : end if end != -1 else text.index("\nSOURCES\n", start)]


def html_text(doc: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", doc)).split())


def build(tmp_path: Path, brands: dict[str, bool], locale: str = "en") -> tuple[Digest, dict[str, ReachPoint]]:
    with MentionIndex.open(config(tmp_path, *brands, locale=locale)) as idx:
        for name, reach in brands.items():
            idx.add_mentions(name, f"{name.lower()}-masto", week_of_mentions(name, reach=reach), source_kind="mastodon")
        d = build_digest(idx, list(brands), DAY, tz="Europe/Stockholm", now=NOW, locale=locale)
        points = {b: idx.reach(b, start=DAY - timedelta(days=6), end=DAY, by=None)[0] for b in brands}
    return d, points


def test_the_line_is_the_index_reach_of_the_last_7_days_in_every_form(tmp_path: Path) -> None:
    d, points = build(tmp_path, {"Acme": True, "Quiet": False})
    p = points["Acme"]
    # the figures really are weighted (else the test could not tell the two apart), and the
    # window is the section's 7 days: the big accounts outside it are not counted
    assert p.with_reach == 10 and p.volume == 47 and p.msi is not None and p.weighted_msi is not None
    assert p.weighted_msi < p.msi - 0.05 and not p.weighted_low_sample
    acme = d.brands[0]
    assert (acme.week.volume, acme.week.msi) == (p.volume, p.msi)  # the plain figures stay as they were
    line = expected_line(p)

    text = render_text(d)
    part = section(text, "Acme")
    assert f"\n  {line}\n" in part
    assert part.index("CSAT last 7 days") < part.index("Reach-weighted MSI")  # under the figures, after CSAT
    assert re.search(rf"^  Last 7 days\s+{round(p.msi * 100)} %", part, re.M)  # the plain MSI still leads
    assert "Reach-weighted" not in section(text, "Quiet")  # no mention of Quiet had a reach
    assert "no mention carries more than 5 % of the period's weight" in text  # the footer says how

    assert md_escape(line) in render_markdown(d)
    rendered = render_all(d)
    for doc in (rendered.html_file, rendered.html_mail):
        assert line in html_text(doc)
        assert html_text(doc).count("Reach-weighted MSI last 7 days") == 1
    payload: Any = webhook_payload(rendered)
    contexts = [e["text"] for block in payload["blocks"] if block["type"] == "context" for e in block["elements"]]
    assert line in contexts


def test_no_line_and_no_footer_sentence_without_a_reach(tmp_path: Path) -> None:
    d, points = build(tmp_path, {"Acme": False})
    assert points["Acme"].with_reach == 0 and points["Acme"].volume == 47
    assert d.brands[0].week_reach == points["Acme"] and not d.has_reach
    rendered = render_all(d, markdown=True)
    payload = str(webhook_payload(rendered))
    for out in (rendered.text, rendered.markdown or "", rendered.html_file, payload):
        assert "Reach-weighted" not in out and "Reach\\-weighted" not in out


def test_a_small_week_is_marked_low_sample_as_the_plain_msi_is(tmp_path: Path) -> None:
    with MentionIndex.open(config(tmp_path, "Acme")) as idx:
        items = [
            Mention(
                external_id=f"m{i}",
                text=f"m {i}",
                published_at=at(DAY),
                label="negative" if i < 3 else "positive",
                reach=40 if i < 2 else None,
                reach_kind="upvotes" if i < 2 else None,
            )
            for i in range(12)
        ]
        idx.add_mentions("Acme", "forum", items, source_kind="reddit")
        d = build_digest(idx, ["Acme"], DAY, tz="Europe/Stockholm", now=NOW)
        [p] = idx.reach("Acme", start=DAY - timedelta(days=6), end=DAY, by=None)
    assert p.weighted_low_sample and p.with_reach == 2
    line = expected_line(p)
    assert ", low sample;" in line and f"\n  {line}\n" in render_text(d)
    doc = render_all(d).html_file
    assert '<b style="color:#9a6700;">low sample</b>; 2 of 12 mentions had a reach)' in doc  # as the MSI cards mark it
    assert line in html_text(doc)


def point(**kw: Any) -> ReachPoint:
    base = ReachPoint(
        period_start=DAY,
        volume=12_345,
        positive=7_000,
        negative=3_000,
        msi=0.7,
        msi_low=0.69,
        msi_high=0.71,
        low_sample=False,
        with_reach=2_345,
        weighted_volume=15_000.5,
        weighted_positive=6_000.0,
        weighted_negative=4_000.0,
        weighted_msi=0.6,
        weighted_msi_low=0.585,
        weighted_msi_high=0.615,
        effective_n=8_765.4,
        weighted_low_sample=False,
        top_share=0.001,
        weight_cap=5.0,
    )
    return replace(base, **kw)


def test_the_line_is_written_in_the_digest_locale(tmp_path: Path) -> None:
    from tests.test_digest_render import brand

    b = replace(brand("Acme"), week_reach=point())
    en = reach_line(b, Formats())
    assert en is not None and en.text == (
        "Reach-weighted MSI last 7 days: 60 % (58–62 %, effective n = 8,765; 2,345 of 12,345 mentions had a reach)"
    )
    sv = reach_line(b, Formats("sv"))
    assert sv is not None and "effective n = 8\u00a0765; 2\u00a0345 of 12\u00a0345 mentions" in sv.text
    # a window whose reach-carrying mentions are all neutral or unscored: no weighted MSI to give
    none = reach_line(
        replace(b, week_reach=point(weighted_msi=None, weighted_msi_low=None, weighted_msi_high=None)), Formats()
    )
    assert none is not None and none.text.startswith(
        "Reach-weighted MSI last 7 days: – (no positive or negative mention;"
    )
    assert reach_line(replace(b, week_reach=point(with_reach=0)), Formats()) is None
    assert reach_line(replace(b, week_reach=None), Formats()) is None
