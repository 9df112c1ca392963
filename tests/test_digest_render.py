"""Rendering the digest: hostile text stays inert, every script survives, edge-case days."""

from __future__ import annotations

import re
import struct
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

from monitor._digest.context import (
    AlertItem,
    BrandDigest,
    BreakdownRow,
    DayPoint,
    Digest,
    MentionItem,
    SourceHealth,
    VoiceRow,
    Window,
    excerpt,
    headline,
)
from monitor._digest.deliver import render_all, webhook_payload
from monitor._digest.render import md_escape, render_html, render_markdown, render_text, safe_url

DAY = date(2026, 11, 3)
HOSTILE = (
    'Great vacuum <script>alert("x")</script> <img src=x onerror=alert(1)> '
    "[click](javascript:alert(2)) $x^2$ **bold** | pipe"
)
HOSTILE_TITLE = "<b onmouseover=alert(3)>Title</b>"
ARMENIAN = "Լիցքավորման կայանի կոնտակտները հինգ շաբաթ անց դադարեցին աշխատել։"
BULGARIAN = "Контактите на базата спряха да работят след пет седмици."


def window(name: str, p: int = 0, u: int = 0, n: int = 0, unscored: int = 0, days: int = 1) -> Window:
    msi = p / (p + n) if p + n else None
    return Window(
        name=name,
        label=name,
        start=DAY - timedelta(days=days - 1),
        end=DAY,
        positive=p,
        neutral=u,
        negative=n,
        unscored=unscored,
        volume=p + u + n + unscored,
        msi=msi,
        msi_low=(msi - 0.1 if msi is not None else None),
        msi_high=(min(1.0, msi + 0.1) if msi is not None else None),
        low_sample=(p + n) < 30,
        net_sentiment=((p - n) / (p + u + n)) if p + u + n else None,
    )


def mention(
    text: str,
    lang: str,
    *,
    url: str | None = "https://shop.example/r/1",
    title: str | None = None,
    p_neg: float | None = 0.9,
) -> MentionItem:
    return MentionItem(
        id=1,
        source="shop",
        source_kind="reviews",
        lang=lang,
        url=url,
        author="<i>Eve</i>",
        title=title,
        excerpt=excerpt(text),
        published_at=datetime(2026, 11, 3, 9, 0, tzinfo=UTC),
        label="negative",
        p_negative=p_neg,
        p_positive=None if p_neg is None else 1 - p_neg,
        rating=1.0,
        rating_scale=(1.0, 5.0),
    )


def series(empty: bool = False) -> tuple[DayPoint, ...]:
    out = []
    for i in range(30):
        d = DAY - timedelta(days=29 - i)
        if empty:
            out.append(DayPoint(d, 0, 0, None, None, None, True))
        else:
            out.append(
                DayPoint(
                    d,
                    10,
                    3,
                    0.7,
                    0.5,
                    0.85,
                    True,
                    positive=7,
                    week_msi=0.72,
                    week_low=0.6,
                    week_high=0.8,
                    week_low_sample=False,
                )
            )
    return tuple(out)


def brand(name: str = "Acme", *, negatives=(), positives=(), today=None, empty=False, alerts=()) -> BrandDigest:
    return BrandDigest(
        brand=name,
        today=today or window("Today", 20, 5, 8),
        yesterday=window("Yesterday", 25, 2, 5),
        week=window("Last 7 days", 150, 30, 40, days=7),
        month=window("Last 30 days", 600, 100, 150, days=30),
        series=series(empty),
        by_source=(BreakdownRow("reviews", window("today", 5, 1, 2), window("7d", 50, 5, 10, days=7)),),
        by_lang=(BreakdownRow("hy", window("today", 5, 1, 2), window("7d", 50, 5, 10, days=7)),),
        most_negative=tuple(negatives),
        most_positive=tuple(positives),
        alerts=tuple(alerts),
        share_today=0.6,
        share_week=0.55,
    )


def digest(*brands: BrandDigest, problems=()) -> Digest:
    return Digest(
        day=DAY,
        timezone="Europe/Stockholm",
        generated_at=datetime(2026, 11, 4, 7, 0, tzinfo=UTC),
        bar=0.8,
        min_sample=30,
        brands=tuple(brands),
        voice=(
            VoiceRow("Acme", 30, 0.6, 200, 0.55, 0.7, 0.6, 0.8),
            VoiceRow("Rival", 20, 0.4, 160, 0.45, 0.8, 0.7, 0.9),
        ),
        source_problems=tuple(problems),
        sources_total=4,
    )


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


def hostile_digest() -> Digest:
    bad = mention(HOSTILE, "en", url="javascript:alert(1)", title=HOSTILE_TITLE)
    quoted = mention('He said "hi" onload=alert(1)', "en", url='https://e.example/"><script>alert(1)</script>')
    return digest(
        brand(
            "Acme",
            negatives=[bad, quoted],
            positives=[mention(ARMENIAN, "hy"), mention(BULGARIAN, "bg")],
            alerts=[AlertItem("msi_below_bar", "MSI <script>alert(4)</script> under the bar", {"msi": 0.7})],
        ),
        problems=[SourceHealth("evil<src>", "reviews", None, "blocked", None, "<img src=x onerror=alert(5)>")],
    )


def test_hostile_mentions_render_inert_in_html() -> None:
    rendered = render_all(hostile_digest())
    for html in (rendered.html_file, rendered.html_mail):
        doc = parse(html)
        assert doc.scripts == [], "no script element may come from data"
        for tag, attrs in doc.tags:
            for name, value in attrs.items():
                assert not name.startswith("on"), f"<{tag} {name}=…> is an event handler"
                if name in ("href", "src"):
                    assert value is not None and not value.lower().startswith("javascript:"), value
            assert tag not in ("script", "iframe", "object", "embed"), tag
        assert (
            "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
            or "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
        )
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        assert "&lt;b onmouseover=alert(3)&gt;" in html
        assert 'href="javascript' not in html
        assert "e.example" not in html  # a URL with quotes/brackets is dropped, not linked


def test_hostile_mentions_inert_in_markdown_text_and_webhook() -> None:
    d = hostile_digest()
    md = render_markdown(d)
    assert "<script" not in md and "<img" not in md and "<b " not in md
    assert "&lt;script&gt;" in md
    assert "](javascript" not in md
    assert r"\[click\]\(javascript:alert\(2\)\)" in md
    assert "\\*\\*bold\\*\\*" in md and "\\| pipe" in md
    text = render_text(d)
    assert HOSTILE.split(" [")[0][:40] in text  # plain text shows the words as written
    assert "javascript:alert(1)" not in text  # but never as a link line
    payload = webhook_payload(render_all(d))
    blob = repr(payload)
    assert "<script" not in blob and "<img" not in blob
    assert "&lt;script&gt;" in blob


def test_excerpts_keep_their_language_and_script() -> None:
    html = render_html(hostile_digest())
    assert ARMENIAN in html
    assert BULGARIAN in html
    assert 'lang="hy"' in html and 'lang="bg"' in html
    long = "Լ" * 50 + " " + "ա" * 400
    cut = excerpt(long)
    assert cut.endswith("…") and len(cut) <= 281 and cut.startswith("Լ")


def test_digest_for_an_empty_day() -> None:
    empty = window("Today")
    d = digest(brand("Acme", today=empty, empty=True))
    html = render_all(d).html_file
    assert "No mentions on this day." in html
    assert "No negative mentions on this day." in html
    assert "No positive mentions on this day." in html
    assert "data:image/png;base64," in html
    text = render_text(d)
    assert "No mentions on this day." in text and "(none)" in text
    assert headline(d.brands[0], 0.8).startswith("No mentions on this day.")


def test_digest_for_a_brand_with_only_unscored_mentions() -> None:
    only_unscored = window("Today", unscored=12)
    b = BrandDigest(
        brand="Quiet",
        today=only_unscored,
        yesterday=window("Yesterday", unscored=3),
        week=window("Last 7 days", unscored=40, days=7),
        month=window("Last 30 days", unscored=90, days=30),
        series=series(empty=True),
        by_source=(),
        by_lang=(),
        most_negative=(),
        most_positive=(),
        alerts=(),
    )
    d = digest(b)
    line = headline(b, 0.8)
    assert "none scored positive or negative yet (12 unscored)" in line
    html = render_all(d).html_file
    assert "no positive or negative mentions" in html
    assert "None scored yet: 12 mentions of this day are unscored." in html
    assert "(none scored yet: 12 unscored)" in render_text(d)
    assert ">12<" in html  # the unscored count is shown
    assert "No mentions in the last 7 days." in html  # empty breakdown tables
    assert "MSI" in render_text(d)


def test_chart_is_a_png_and_handles_gaps() -> None:
    r = render_all(digest(brand("Acme"), brand("Empty", today=window("Today"), empty=True)))
    for png in r.charts.values():
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        assert 800 < width < 1000 and 250 < height < 400


def test_mail_html_references_each_chart_by_cid() -> None:
    r = render_all(digest(brand("Acme"), brand("Other Brand")))
    cids = re.findall(r'src="cid:([^"]+)"', r.html_mail)
    assert sorted(cids) == sorted(r.cids.values())
    assert "data:image/png" not in r.html_mail
    assert r.html_file.count("data:image/png;base64,") == 2


def test_safe_url_and_md_escape() -> None:
    assert safe_url("https://example.com/a?b=1") == "https://example.com/a?b=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil", 'https://x/"onmouseover', "ftp://x", None, 42):
        assert safe_url(bad) is None
    assert md_escape("<b>*x*</b>") == "&lt;b&gt;\\*x\\*&lt;/b&gt;"


def test_headline_compares_only_real_samples() -> None:
    big = brand("Acme", today=window("Today", 60, 5, 20))
    assert "down" in headline(big, 0.8) or "up" in headline(big, 0.8) or "level" in headline(big, 0.8)
    small = brand("Acme", today=window("Today", 5, 1, 2))
    assert "low sample" in headline(small, 0.8) and "yesterday" not in headline(small, 0.8)
