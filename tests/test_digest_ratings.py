"""The digest's "Average ratings": each source's latest AggregateRating snapshot and its change
against 7 and 30 days before, from a real SQLite workspace, in every form; nothing without
snapshots; a hostile item name inert everywhere."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor._api import MentionIndex
from monitor._config import config_from_dict
from monitor._digest.averages import average_ratings
from monitor._digest.context import build_digest
from monitor._digest.deliver import RenderedDigest, render_all, webhook_payload
from monitor._digest.records import AverageRating, Digest, change_text
from monitor._digest.render import md_escape
from monitor._records import AggregateRating

TZ = "Europe/Stockholm"
DAY = date(2026, 11, 3)
HOSTILE = (
    "<script>alert(1)</script> \x1b[31mRED\x1b[0m \x1b]8;;http://evil.example\x1b\\hidden\x1b]8;;\x1b\\ "
    "**b** [x](javascript:f()) | # _u_ \x9b2J\u202eZ"
)


@pytest.fixture
def idx(tmp_path: Path) -> Iterator[MentionIndex]:
    cfg = config_from_dict(
        {
            "database_url": f"sqlite:///{tmp_path / 'r.db'}",
            "index": {"timezone": TZ},
            "brands": [{"name": "Acme"}, {"name": "Rival"}],
            "sources": [
                {"name": "acme-shop", "kind": "reviews", "brand": "Acme", "url": "https://shop.example/acme"},
                {"name": "acme-play", "kind": "reviews", "brand": "Acme", "url": "https://play.example/acme"},
                {"name": "rival-shop", "kind": "reviews", "brand": "Rival", "url": "https://shop.example/rival"},
            ],
        }
    )
    with MentionIndex.open(cfg) as i:
        yield i


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), ZoneInfo(TZ))


def ago(n: int) -> date:
    return DAY - timedelta(days=n)


def record(idx: MentionIndex, source: str, day: date, rating: AggregateRating, url: str | None = None) -> None:
    idx.store.record_rating(source, rating, at=noon(day), url=url)


def render(idx: MentionIndex) -> tuple[Digest, RenderedDigest]:
    digest = build_digest(idx, ["Acme", "Rival"], DAY, tz=TZ, now=noon(DAY + timedelta(days=1)))
    return digest, render_all(digest, markdown=True)


def forms(r: RenderedDigest) -> dict[str, str]:
    assert r.markdown is not None
    return {
        "html": r.html_file,
        "mail": r.html_mail,
        "text": r.text,
        "markdown": r.markdown,
        "webhook": json.dumps(webhook_payload(r), ensure_ascii=False),
    }


def brand_part(text: str, brand: str, marks: tuple[str, str]) -> str:
    """The part of a text or Markdown digest between ``brand``'s heading and the next one."""
    start = text.index(marks[0] + brand)
    end = text.find(marks[1], start + 1)
    return text[start : end if end != -1 else None]


def test_latest_snapshot_and_its_changes_in_every_form(idx: MentionIndex) -> None:
    five = (1.0, 5.0)
    for n, value, count in [(30, 4.0, 1000), (7, 4.1, 1200), (1, 4.2, 1290), (0, 4.4, 1300)]:
        record(
            idx,
            "acme-shop",
            ago(n),
            AggregateRating(value, five, count, None, "Acme Drill"),
            "https://shop.example/acme",
        )
    record(idx, "acme-shop", ago(-1), AggregateRating(1.0, five, 1400, None, "Acme Drill"))  # after the day: unseen
    # a 0–10 page collected irregularly: its latest is 2 days old, no snapshot 7 days before
    # that one, one 9 days before (within the 3-day grace), none near 30 days before
    record(idx, "acme-play", ago(9), AggregateRating(8.0, (0.0, 10.0), None, 40, "Acme App"))
    record(idx, "acme-play", ago(2), AggregateRating(7.5, (0.0, 10.0), None, 52, "Acme App"))
    record(idx, "rival-shop", ago(40), AggregateRating(3.0, five, 10, None, "Rival Saw"))  # stale: not shown

    digest, rendered = render(idx)
    acme, rival = digest.brands
    assert rival.average_ratings == ()
    shop, play = sorted(acme.average_ratings, key=lambda r: r.source, reverse=True)
    assert (shop.source, shop.day, shop.value, shop.rating_count, shop.item) == (
        "acme-shop",
        DAY,
        4.4,
        1300,
        "Acme Drill",
    )
    assert shop.week_change == pytest.approx(0.3) and shop.month_change == pytest.approx(0.4)
    assert (shop.value_text, shop.count_text, shop.week_change_text, shop.month_change_text) == (
        "4.4 / 5",
        "1,300 ratings",
        "+0.3",
        "+0.4",
    )
    assert (play.day, play.value_text, play.count_text) == (ago(2), "7.5 / 10", "52 reviews")
    assert play.week_change == pytest.approx(-0.5) and play.month_change is None
    assert (play.week_change_text, play.month_change_text) == ("−0.5", "")

    out = forms(rendered)
    text = brand_part(out["text"], "Acme", ("==== ", "\n==== "))
    assert "  * acme-shop, Acme Drill: 4.4 / 5 from 1,300 ratings · 7 days +0.3 · 30 days +0.4" in text
    assert f"  * acme-play, Acme App: 7.5 / 10 from 52 reviews (as of {ago(2)}) · 7 days −0.5 · 30 days –" in text
    assert "AVERAGE RATINGS" not in brand_part(out["text"], "Rival", ("==== ", "\nSOURCES"))
    md = brand_part(out["markdown"], "Acme", ("## ", "\n## "))
    assert "| acme\\-shop | [Acme Drill](<https://shop.example/acme>) | 4.4 / 5 | 1,300 ratings | +0.3 | +0.4 |" in md
    assert f"| acme\\-play | Acme App | 7.5 / 10 (as of {ago(2)}) | 52 reviews | −0.5 | – |" in md
    assert "Average ratings" not in brand_part(out["markdown"], "Rival", ("## ", "\n## "))
    for form in ("html", "mail"):
        html = out[form]
        assert html.count(">Average ratings</div>") == 1  # Acme's; Rival has none
        cells = _cells(html.split(">Average ratings</div>")[1].split("</table>")[0])
        assert cells[5:10] == ["acme-play Acme App", f"★ 7.5 / 10 as of {ago(2)}", "52 reviews", "−0.5", "–"]
        assert cells[10:15] == ["acme-shop Acme Drill", "★ 4.4 / 5", "1,300 ratings", "+0.3", "+0.4"]
        assert 'href="https://shop.example/acme"' in html
    assert (
        "Average ratings: acme-play (Acme App) ★ 7.5 / 10 (7 days −0.5); "
        "acme-shop (Acme Drill) ★ 4.4 / 5 (7 days +0.3, 30 days +0.4)"
    ) in out["webhook"]
    assert "1400" not in out["text"] and "★ 1 / 5" not in out["html"]  # the day after is not shown


def test_no_snapshots_no_section(idx: MentionIndex) -> None:
    digest, rendered = render(idx)
    assert all(b.average_ratings == () for b in digest.brands)
    out = forms(rendered)
    for form, body in out.items():
        assert "average ratings" not in body.casefold(), form
    # a snapshot of another brand's source shows under that brand only
    record(idx, "rival-shop", DAY, AggregateRating(3.5, (1.0, 5.0), 7, None, "Rival Saw"))
    digest, rendered = render(idx)
    assert [len(b.average_ratings) for b in digest.brands] == [0, 1]
    assert "AVERAGE RATINGS" in brand_part(rendered.text, "Rival", ("==== ", "\nSOURCES"))
    assert "AVERAGE RATINGS" not in brand_part(rendered.text, "Acme", ("==== ", "\n==== "))


def test_a_hostile_item_name_is_inert_in_every_form(idx: MentionIndex) -> None:
    record(idx, "acme-shop", ago(7), AggregateRating(4.0, (1.0, 5.0), 3, None, HOSTILE), "javascript:alert(3)")
    record(idx, "acme-shop", DAY, AggregateRating(4.5, (1.0, 5.0), 4, None, HOSTILE), "javascript:alert(3)")
    digest, rendered = render(idx)
    [row] = digest.brands[0].average_ratings
    assert row.item == HOSTILE  # stored as scraped; made safe where it is shown
    out = forms(rendered)
    for form, body in out.items():
        assert "\x1b" not in body and "\x9b" not in body and "\u202e" not in body, form
        assert "javascript:alert(3)" not in body, form  # never linked
        assert "<script" not in body or form == "text", form  # plain text shows the words as written
        assert "evil.example" not in body and "[31m" not in body, form  # whole escape sequences removed
        assert "RED" in body and "hidden" in body, form  # the words themselves are shown
    for form in ("html", "mail"):
        doc = _Doc()
        doc.feed(out[form])
        assert doc.scripts == 0 and "&lt;script&gt;alert(1)&lt;/script&gt;" in out[form]
        assert all(not v.startswith("javascript") for v in doc.hrefs)
    md = out["markdown"]
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in md
    assert "\\*\\*b\\*\\* \\[x\\]\\(javascript:f\\(\\)\\) \\| \\# \\_u\\_ Z" in md
    assert "](javascript" not in md and "](<javascript" not in md
    [line] = [ln for ln in md.splitlines() if ln.startswith("| acme\\-shop |")]
    assert line.count(" | ") == 5  # the pipe inside the name does not add a column
    [line] = [ln for ln in out["text"].splitlines() if ln.startswith("  * acme-shop")]
    assert "<script>alert(1)</script> RED hidden **b** [x](javascript:f()) | # _u_ Z" in line and line.endswith(
        "· 7 days +0.5 · 30 days –"
    )
    assert "&lt;script&gt;" in out["webhook"]


def test_average_rules_by_hand() -> None:
    @dataclass(frozen=True)
    class Snap:
        day: date
        value: float
        source: str = "s"
        worst: float = 1.0
        best: float = 5.0
        rating_count: int | None = None
        review_count: int | None = None
        item: str | None = None
        url: str | None = None

    def one(*snaps: Snap) -> AverageRating:
        [row] = average_ratings(list(snaps), DAY)
        return row

    # 7 days before the latest: that day's snapshot wins over an earlier one in the grace
    assert one(Snap(ago(0), 4.0), Snap(ago(7), 3.0), Snap(ago(8), 2.0)).week_change == pytest.approx(1.0)
    assert one(Snap(ago(0), 4.0), Snap(ago(10), 3.0)).week_change == pytest.approx(1.0)  # 3 days of grace
    assert one(Snap(ago(0), 4.0), Snap(ago(11), 3.0)).week_change is None  # beyond it: no change shown
    assert one(Snap(ago(0), 4.0), Snap(ago(3), 3.0)).week_change is None  # nearer than 7 days is not 7 days
    # a page that changed its scale is compared on the latest one (8/10 was 4.2 on 1–5)
    assert one(Snap(ago(0), 4.0), Snap(ago(30), 8.0, worst=0.0, best=10.0)).month_change == pytest.approx(-0.2)
    assert average_ratings([Snap(ago(30), 4.0)], DAY) == ()  # stale: 30 days old
    assert one(Snap(ago(29), 4.0)).day == ago(29)
    assert average_ratings([Snap(ago(-1), 4.0)], DAY) == ()  # only after the digest day
    assert [r.source for r in average_ratings([Snap(ago(0), 4.0, "b"), Snap(ago(0), 3.0, "a")], DAY)] == ["a", "b"]
    assert [change_text(x) for x in (0.1 + 0.2, -0.049, 0.004, None)] == ["+0.3", "−0.05", "±0", ""]
    row = one(Snap(ago(0), 3.247901439666748, rating_count=1, review_count=9, item="x" * 200))
    assert (row.value_text, row.count_text) == ("3.25 / 5", "1 rating")
    assert len(row.item_text) <= 81 and row.item_text.endswith("…")


def test_md_escape_strips_escape_sequences_whole() -> None:
    assert md_escape("A\x1b[31mB\x1b[0m \x1b]8;;http://evil\x1b\\C\x1b]8;;\x1b\\ [d]") == "AB C \\[d\\]"


class _Doc(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts = 0
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        self.hrefs += [v or "" for k, v in attrs if k == "href"]


def _cells(html: str) -> list[str]:
    """The text of each ``<td>`` of ``html``, whitespace collapsed."""
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]
