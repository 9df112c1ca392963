"""The digest tells one story: every figure it prints agrees with its other figures and with
``MentionIndex`` over the same window (issue 14, parts 6 and 8).

The demo (real collectors over its loopback site, the stand-in model of the pipeline tests)
writes its digest; the test reads the rendered text back and recomputes each headline
figure, table and alert from the index for the digest's calendar day. A second test builds
a complete past day and checks the digest's alerts against ``MentionIndex.alerts`` for the
24 hours that are exactly that day.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor._api import MentionIndex
from monitor._config import config_from_dict, load_config
from monitor._digest.alerts import day_counts
from monitor._digest.context import build_digest
from monitor._digest.render import render_text
from monitor._index.alerts import evaluate
from monitor._index.points import Point
from monitor._records import Prediction

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)  # 16:30 in Stockholm: most of the day is in


def pct(x: float | None) -> str:
    return "–" if x is None else f"{round(x * 100)} %"


def net(x: float) -> str:
    v = f"{abs(x):.2f}"
    return ("−" if x < 0 and v != "0.00" else "+" if v != "0.00" else "") + v


def section(text: str, brand: str) -> str:
    """One brand's part of the text digest."""
    start = text.index(f"==== {brand} ====")
    end = text.find("\n==== ", start + 1)
    stop = text.find("\nSOURCES\n", start)
    return text[start : end if end != -1 else stop]


def table_rows(part: str, heading: str) -> dict[str, tuple[int, str, int, str]]:
    """The rows of the BY SOURCE / BY LANGUAGE table: name → (day, MSI, 7 days, MSI 7d)."""
    block = part[part.index(heading) :].split("\n\n")[0].splitlines()[1:]
    out = {}
    for line in block:
        m = re.match(r"\s+(.+?)\s+(\d+)\s+(–|\d+ %)\s+(\d+)\s+(–|\d+ %)\*?$", line)
        if m:
            out[m.group(1)] = (int(m.group(2)), m.group(3), int(m.group(4)), m.group(5))
    return out


def one(idx: MentionIndex, brand: str, start: date, end: date) -> Point:
    [p] = idx.satisfaction(brand, start=start, end=end, by=None)
    return p


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    from monitor._demo import run_demo
    from tests.test_pipeline import MoodClassifier

    out = tmp_path_factory.mktemp("demo")
    result = run_demo(out, classifier=MoodClassifier(), now=NOW)
    assert result.digest_text is not None
    return result.config_path, result.digest_text.read_text(encoding="utf-8")


def test_the_demo_digest_agrees_with_itself_and_the_index(demo: tuple[Path, str]) -> None:
    config, text = demo
    cfg = load_config(config)
    tz = ZoneInfo(cfg.index.timezone)
    day = NOW.astimezone(tz).date()
    assert f"covers {day.strftime('%A')} {day.day} {day.strftime('%B %Y')}, the calendar day 00:00–24:00 {tz}" in text
    assert "so far: as of 2026-11-18T16:30:00+01:00 (Europe/Stockholm)" in text  # the time in digest.timezone
    assert " UTC" not in text and "+00:00" not in text
    assert "msi_below_bar" not in text and "msi below bar" not in text
    with MentionIndex.open(cfg) as idx:
        shares = {}
        for brand in ("Lumio", "Brisa"):
            part = section(text, brand)
            t = one(idx, brand, day, day)
            w = one(idx, brand, day - timedelta(days=6), day)
            m = one(idx, brand, day - timedelta(days=29), day)
            before = idx.satisfaction(brand, start=day - timedelta(days=7), end=day - timedelta(days=1), by="day")
            baseline = sum(p.volume for p in before) / 7
            n = t.positive + t.negative

            # the headline
            head = part.splitlines()[1]
            assert f"MSI {pct(t.msi)} today (n = {n})" in head, head
            assert f"last 7 days {pct(w.msi)} ({round(w.msi_low * 100)}–{round(w.msi_high * 100)} %)" in head
            assert f"{t.volume} mentions" in head
            ratio = re.search(r"([\d.]+)× the daily average of the 7 days before \(([\d.]+)\)", head)
            if ratio:
                assert float(ratio.group(2)) == round(baseline, 1)
                assert abs(float(ratio.group(1)) - t.volume / baseline) <= 0.051

            # the windows table: the same MSI, interval and n as the index
            for label, p in (("Today", t), ("Last 7 days", w), ("Last 30 days", m)):
                row = re.search(rf"^  {label}\s+(\S+ %)\s+(\d+)–(\d+) %\s+(\d+)", part, re.M)
                assert row is not None, label
                assert row.group(1) == pct(p.msi)
                assert (int(row.group(2)), int(row.group(3))) == (round(p.msi_low * 100), round(p.msi_high * 100))
                assert int(row.group(4)) == p.positive + p.negative

            # the figures line
            assert f"Mentions today: {t.volume} (daily average of the 7 days before: {baseline:.1f})" in part
            assert f"Net sentiment today: {net(t.net_sentiment)} (last 7 days: {net(w.net_sentiment)})" in part

            # the reach-weighted line beside them: MentionIndex.reach over the same 7 days
            [r] = idx.reach(brand, start=day - timedelta(days=6), end=day, by=None)
            assert (r.volume, r.msi) == (w.volume, w.msi)
            if r.with_reach:
                assert r.weighted_msi_low is not None and r.weighted_msi_high is not None
                interval = f"{round(r.weighted_msi_low * 100)}–{round(r.weighted_msi_high * 100)} %"
                low = ", low sample" if r.weighted_low_sample else ""
                assert (
                    f"  Reach-weighted MSI last 7 days: {pct(r.weighted_msi)} ({interval}, "
                    f"effective n = {round(r.effective_n)}{low}; {r.with_reach} of {r.volume} mentions had a reach)"
                ) in part
            else:
                assert "Reach-weighted" not in part

            # the tables add up to the headline
            for heading, by in (("BY SOURCE", "source"), ("BY LANGUAGE", "lang")):
                rows = table_rows(part, heading)
                assert sum(r[0] for r in rows.values()) == t.volume, heading
                assert sum(r[2] for r in rows.values()) == w.volume, heading
                assert len(rows) == len(idx.breakdown(brand, day - timedelta(days=6), day, by=by))

            # the alerts: the index's rules on the same day and the same daily counts
            points = idx.satisfaction(brand, start=day - timedelta(days=7), end=day, by="day")
            expected = evaluate(
                brand, day_counts(points, day), bar=cfg.index.bar, min_sample=cfg.index.min_sample, k=cfg.index.spike_k
            )
            kinds = {a.kind: a for a in expected}
            if "msi_below_bar" in kinds:
                assert f"! MSI below the bar for {brand}: {pct(t.msi)} against 80 %" in part
                assert f"{t.positive} positive and {t.negative} negative mentions so far today (n = {n})" in part
            else:
                assert "MSI below the bar" not in part
            for kind, what, count in (
                ("volume_spike", "mentions", t.volume),
                ("negative_spike", "negative mentions", t.negative),
            ):
                name = "Mention spike" if kind == "volume_spike" else "Negative spike"
                if kind in kinds:
                    assert f"! {name} for {brand}: {count} {what} so far today" in part
                    mean = kinds[kind].numbers["mean"]
                    assert f"Daily average of the 7 days before {mean:.1f}" in part
                    if kind == "volume_spike":
                        assert round(mean, 1) == round(baseline, 1)  # the headline's average
                else:
                    assert f"{name} for {brand}" not in part
            assert part.count("\n  ! ") == len(expected) + sum(1 for _ in re.finditer("model disagrees", part))

            # what drove it: the index's drivers of the day against the daily average of the week before
            report = idx.drivers(brand, day, days=1, baseline_days=7)
            for line in report.lines():
                assert line in part
            if report.drivers:
                assert report.headline() in part
                assert f"What drove it: {report.lines()[0]}" in part  # carried by the alerts

            # share of voice: the day's volumes
            voice = re.search(rf"^  {brand}\s+(\d+)\s+(\d+) %", text, re.M)
            assert voice is not None and int(voice.group(1)) == t.volume
            shares[brand] = int(voice.group(2))
        assert sum(shares.values()) in (99, 100, 101)
    assert text.count("\n  ! ") >= 3  # the demo's bad day does raise alerts: their figures were checked
    assert "  Reach-weighted MSI last 7 days: " in text  # the demo's social sources give a reach: checked too


def test_the_demo_chart_files_say_each_part_once(demo: tuple[Path, str]) -> None:
    config, _ = demo
    names = sorted(p.name for p in config.parent.glob("*.png"))
    assert names == ["digest-2026-11-18-brisa.png", "digest-2026-11-18-lumio.png"]


def test_a_complete_day_alerts_as_the_index_does_for_its_24_hours(tmp_path: Path) -> None:
    """On a whole day (no clock change near it), the digest's alert figures are exactly what
    ``MentionIndex.alerts`` says for the 24 hours that are that day."""
    tz = ZoneInfo("Europe/Stockholm")
    cfg = config_from_dict(
        {
            "database_url": f"sqlite:///{tmp_path / 'a.db'}",
            "brands": [{"name": "Acme"}],
            "index": {"timezone": "Europe/Stockholm"},
            "digest": {"timezone": "Europe/Stockholm"},
        }
    )
    day = date(2026, 11, 12)
    with MentionIndex.open(cfg) as idx:
        scores = []
        for back in range(8):
            d = day - timedelta(days=back)
            count = 14 if back == 0 else 4 + back % 2
            for i in range(count):
                label = "negative" if (back == 0 and i % 2) or i == 0 else "positive"
                at = datetime(d.year, d.month, d.day, 8 + i % 12, i, tzinfo=tz)
                mid = idx.add_mention(
                    brand="Acme", source="shop", external_id=f"{d}-{i}", text=f"m {i}", published_at=at, lang="en"
                )
                p = (0.9, 0.05, 0.05) if label == "negative" else (0.05, 0.05, 0.9)
                scores.append((mid, Prediction(label, *p, "m", "1"), True))
        idx.store.add_scores(scores)
        idx.refresh()
        end = datetime(2026, 11, 13, 0, 0, tzinfo=tz)
        digest = build_digest(idx, ["Acme"], day, tz="Europe/Stockholm", now=end + timedelta(hours=8))
        index_alerts = {a.kind: a.numbers for a in idx.alerts("Acme", at=end) if a.kind != "model_disagrees"}
    mine = {a.kind: a.numbers for a in digest.brands[0].alerts}
    assert set(mine) == set(index_alerts) and {"msi_below_bar", "volume_spike"} <= set(mine)
    for kind, numbers in index_alerts.items():
        assert mine[kind] == numbers, kind
    text = render_text(digest)
    assert "! Mention spike for Acme: 14 mentions on Thu 12 Nov" in text
    assert "Mentions on Thu 12 Nov: 14 (daily average of the 7 days before: 4.6)" in text  # 32 / 7
    assert "the whole day" in text and "so far" not in text
