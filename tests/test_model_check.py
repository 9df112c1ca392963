"""``monitor model check`` (issue 11, parts 4 and 7): the model against the stars on a
hand-built workspace (an injected day), its alert on a constructed drop and not without one,
the lines in ``monitor status`` and the digest, the API's typed result. Real SQLite files, a
stand-in model that says what each text tells it to."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import monitor
from monitor._api import MentionIndex
from monitor._cli import _register  # noqa: F401  (registers every command)
from monitor._cli.app import app
from monitor._config import config_from_dict
from monitor._digest.context import build_digest
from monitor._digest.render import render_html, render_markdown, render_text
from monitor._index.agreement import RatedCount, check, drop_alerts
from monitor._index.formulas import wilson_interval
from monitor._records import Mention

try:
    from test_rating_labels import score
except ImportError:  # tests/ is a package
    from tests.test_rating_labels import score

END = date(2026, 12, 10)
runner = CliRunner()


def at(offset: int, hour: int = 12) -> datetime:
    """Noon (UTC, the index timezone) ``offset`` days before :data:`END`."""
    return datetime.combine(END - timedelta(days=offset), time(hour), UTC)


def rated(
    ext: str, stars: float, says: str, offset: int, lang: str = "sv", scale: tuple[float, float] = (1, 5)
) -> Mention:
    return Mention(
        ext, f"text {ext} model:{says}", published_at=at(offset), lang=lang, rating=stars, rating_scale=scale
    )


def cfg_for(path: Path, **index: Any) -> Any:
    return config_from_dict({"database_url": f"sqlite:///{path}", "index": {"min_sample": 1, **index}})


def build(idx: MentionIndex) -> None:
    """Acme on reco.se (sv, 2 days ago) and shop (en, 10 days ago); Rival; things that do not count."""
    sv = [rated(f"sv5-{i}", 5, "positive", 2) for i in range(6)]
    sv += [rated(f"sv1-{i}", 1, "negative", 2) for i in range(2)]
    sv += [rated(f"sv3-{i}", 3, "negative", 2) for i in range(2)]  # lukewarm called negative
    sv += [rated("old", 5, "negative", 30)]  # a day before the 30-day window
    en = [rated(f"en4-{i}", 4, "neutral", 10, "en") for i in range(4)]  # pleased called neutral
    en += [rated(f"en2-{i}", 2, "negative", 10, "en") for i in range(4)]
    en += [rated("en-7of10", 7, "positive", 10, "en", (0, 10))]  # another scale: positive
    en += [rated("de", 1, "positive", 10, "de")]  # a language the model does not count
    en += [Mention("plain", "no stars model:negative", published_at=at(10), lang="en")]
    idx.add_mentions("Acme", "reco.se", sv, source_kind="reviews")
    idx.add_mentions("Acme", "shop", en, source_kind="reviews")
    idx.add_mentions("Rival", "rival-shop", [rated(f"r{i}", 5, "negative", 0) for i in range(3)])
    score(idx)
    person = next(m for m in idx.mentions("Acme", limit=100) if m.external_id == "sv1-0")
    idx.set_label(person.id, "positive")  # a person's label: the model and the stars still compared


@pytest.fixture
def idx(tmp_path: Path) -> Iterator[MentionIndex]:
    with MentionIndex.open(cfg_for(tmp_path / "c.db")) as index:
        build(index)
        yield index


def test_the_numbers_of_a_hand_built_workspace(idx: MentionIndex) -> None:
    got = idx.model_check("Acme", end=END)
    assert isinstance(got, monitor.ModelCheck) and (got.start, got.end, got.days) == (date(2026, 11, 11), END, 30)
    a = got.overall
    assert (a.n, a.agree) == (19, 13) and a.share == pytest.approx(13 / 19)
    assert (a.low, a.high) == wilson_interval(13, 19)
    # rows: the stars (negative, neutral, positive); columns: the model
    assert a.matrix == ((6, 0, 0), (2, 0, 0), (0, 4, 7))
    assert a.cell("positive", "neutral") == 4 and a.cell("neutral", "negative") == 2
    assert [(g.key, g.n, g.agree) for g in got.by_lang] == [("sv", 10, 8), ("en", 9, 5)]
    assert [(g.key, g.n, g.agree) for g in got.by_source] == [("reco.se", 10, 8), ("shop", 9, 5)]
    assert idx.model_check(end=END).overall.n == 22  # every brand: Rival's three disagree
    assert idx.model_check(end=END).overall.agree == 13
    assert idx.model_check("Acme", end=END, lang="en").overall.n == 9
    assert idx.model_check("acme", end=END, source="shop").overall.agree == 5
    assert idx.model_check("Acme", end=END, source="reviews").overall.n == 19  # a source kind
    assert idx.model_check("Acme", end=END, days=7).overall.n == 10  # shop's are 10 days old
    assert idx.model_check("Acme", end=END - timedelta(days=3), days=1).overall.n == 0
    frame = got.to_pandas()
    assert list(frame["key"]) == ["", "sv", "en", "reco.se", "shop"] and list(frame["n"]) == [19, 10, 9, 10, 9]
    assert frame.loc[0, "stars_positive_model_neutral"] == 4
    assert json.loads(json.dumps(got.to_dict()))["overall"]["agree"] == 13


def test_bad_arguments_are_refused(idx: MentionIndex) -> None:
    with pytest.raises(monitor.InvalidArgument, match="days=0"):
        idx.model_check(days=0)
    with pytest.raises(monitor.UnknownBrand, match="did you mean 'Acme'"):
        idx.model_check("Acmee")
    with pytest.raises(monitor.UnknownSource):
        idx.model_check(source="nowhere")
    with pytest.raises(monitor.InvalidArgument, match="not a date"):
        idx.model_check(end="yesterday")


def _drop_workspace(idx: MentionIndex, recent_agree: int, recent_n: int = 40) -> None:
    """40 sv reviews on reco.se over the 30 days before the last 7 (36 agree), ``recent_n``
    in the last 7 days (``recent_agree`` of them agree)."""
    items = [rated(f"b{i}", 5, "positive" if i < 36 else "negative", 7 + i % 30) for i in range(40)]
    items += [rated(f"n{i}", 1, "negative" if i < recent_agree else "positive", i % 7) for i in range(recent_n)]
    idx.add_mentions("Acme", "reco.se", items, source_kind="reviews")
    score(idx)


def test_a_sharp_drop_raises_the_alert(tmp_path: Path) -> None:
    with MentionIndex.open(cfg_for(tmp_path / "a.db")) as idx:
        _drop_workspace(idx, recent_agree=24)
        found = [a for a in idx.alerts("Acme", at=at(0, 18)) if a.kind == "model_disagrees"]
        assert [(a.numbers["scope"], a.numbers["key"]) for a in found] == [("lang", "sv"), ("source", "reco.se")]
        assert "model disagrees with star ratings: sv mentions, 60 % vs 90 %" in found[0].message
        assert "mentions on reco.se, 60 % vs 90 %" in found[1].message
        assert (found[0].numbers["n"], found[0].numbers["before_n"]) == (40, 40)
        digest = build_digest(idx, ["Acme"], END, now=at(0, 18))
        assert "model_disagrees" in {a.kind for a in digest.brands[0].alerts}
        text = render_text(digest)  # a title a reader scans, the numbers underneath
        assert "! The model disagrees with the star ratings for Acme: sv mentions\n" in text
        assert "60 % agreement over the last 7 days (n = 40) against 90 % over the 30 days before (n = 40)" in text
    with MentionIndex.open(cfg_for(tmp_path / "a.db", agreement_drop=0.35)) as idx:  # a wider margin
        assert not [a for a in idx.alerts("Acme", at=at(0, 18)) if a.kind == "model_disagrees"]


@pytest.mark.parametrize(("recent_agree", "recent_n"), [(34, 40), (10, 20)], ids=["small-dip", "too-few"])
def test_no_alert_without_a_sharp_drop_on_enough_mentions(tmp_path: Path, recent_agree: int, recent_n: int) -> None:
    with MentionIndex.open(cfg_for(tmp_path / "q.db")) as idx:
        _drop_workspace(idx, recent_agree, recent_n)
        assert [a for a in idx.alerts("Acme", at=at(0, 18)) if a.kind == "model_disagrees"] == []


def test_the_pure_alert_rule_at_its_edges() -> None:
    def rows(day_offset: int, agree: int, n: int) -> list[RatedCount]:
        d = END - timedelta(days=day_offset)
        return [RatedCount(d, "tr", "s", "positive", 1.0, agree), RatedCount(d, "tr", "s", "negative", 1.0, n - agree)]

    exactly = rows(10, 45, 50) + rows(1, 30, 50)  # 90 % → 60 %: 30 points
    assert drop_alerts("B", exactly, END, drop=0.30, min_sample=30) == []  # not more than the margin
    assert len(drop_alerts("B", exactly, END, drop=0.29, min_sample=30)) == 2
    assert drop_alerts("B", exactly, END, drop=0.29, min_sample=51) == []
    assert drop_alerts("B", rows(40, 45, 50) + rows(1, 30, 50), END, drop=0.1, min_sample=30) == []  # too old
    assert check([], brand=None, start=END, end=END).overall.share is None


def test_status_and_digest_say_how_the_model_agrees(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with MentionIndex.open(cfg_for(path)) as idx:
        build(idx)
        digest = build_digest(idx, ["Acme", "Rival"], END, now=at(0, 18))
    line = "Acme: Model agrees with the stars on 68 % of 19 rated mentions (30 days)."
    assert digest.model_lines == (line, "Rival: Model agrees with the stars on 0 % of 3 rated mentions (30 days).")
    assert line in render_text(digest) and line in render_html(digest)
    assert "Acme: Model agrees with the stars on 68 % of 19 rated mentions" in render_markdown(digest)

    now_db = tmp_path / "now.db"  # `status` reads the 30 days up to today
    toml = tmp_path / "monitor.toml"
    toml.write_text(f'database_url = "sqlite:///{now_db}"\n[index]\nmin_sample = 1\n', encoding="utf-8")
    with MentionIndex.open(cfg_for(now_db)) as idx:
        now = datetime.now(UTC) - timedelta(hours=1)
        says = ("positive", "positive", "negative")
        fresh = [Mention(f"t{i}", f"t{i} model:{s}", published_at=now, rating=5) for i, s in enumerate(says)]
        idx.add_mentions("Acme", "reco.se", fresh)
        score(idx)
    res = runner.invoke(app, ["status", "--config", str(toml)], env={"COLUMNS": "120"})
    assert res.exit_code == 0, res.output
    assert "Model agrees with the stars on 67 % of 3 rated mentions (30 days)" in res.output
    toml.write_text(f'database_url = "sqlite:///{path}"\n', encoding="utf-8")
    res = runner.invoke(app, ["model", "check", "--config", str(toml), "--end", END.isoformat(), "--brand", "acme"])
    assert res.exit_code == 0, res.output
    assert "Model agrees with the stars on 68 % of 19 rated mentions (30 days)." in res.output
    assert "language sv" in res.output and "source reco.se" in res.output and "68.4 %" in res.output
    res = runner.invoke(app, ["model", "check", "--config", str(toml), "--end", END.isoformat(), "--json"])
    data = json.loads(res.output)
    assert (data["overall"]["n"], data["by_source"][0]["key"], data["days"]) == (22, "reco.se", 30)
    res = runner.invoke(app, ["model", "check", "--config", str(toml), "--days", "0"])
    assert res.exit_code == 2 and "--days 0" in res.output
