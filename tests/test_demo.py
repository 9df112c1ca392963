"""The bundled demo: its data, its site, `monitor demo` (fake model; the real one is marked)."""

from __future__ import annotations

import json
import re
import time
import tomllib
import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from typer.testing import CliRunner

from monitor._config import config_from_dict
from monitor._demo import demo_config, to_toml
from monitor._demo.site import LANGS, DemoSite, place, story
from monitor._sources import hackernews, mastodon, reviews, rss

SCRIPTS = {"hy": "ARMENIAN", "bg": "CYRILLIC", "sv": "LATIN", "tr": "LATIN", "en": "LATIN"}
ALIASES = {"Lumio": ("lumio", "люмио", "լումիո"), "Brisa": ("brisa", "бриса", "բրիսա")}


def _script_share(text: str, script: str) -> float:
    letters = [c for c in text if c.isalpha()]
    hits = [c for c in letters if unicodedata.name(c, "").startswith(script)]
    return len(hits) / max(1, len(letters))


def test_story_has_forty_varied_mentions_per_language() -> None:
    mentions = story()
    for lang in LANGS:
        own = [m for m in mentions if m.lang == lang and m.brand == "Lumio"]
        assert len(own) >= 40, lang
        assert len({m.text for m in own}) == len(own), f"{lang}: repeated texts"
        moods = Counter(m.mood for m in own)
        assert {"pos", "neg", "neu", "mix"} <= set(moods), (lang, moods)
        assert moods["neg"] >= 10 and moods["pos"] >= 10
        assert len({m.channel for m in own}) >= 3, lang
        assert any(m.brand == "Brisa" for m in mentions if m.lang == lang)
        for m in own:
            assert _script_share(m.text.replace("Lumio", ""), SCRIPTS[lang]) > 0.8, m.text
    # Questions and negation are in every language (where baselines fail).
    for lang, marks in {"hy": "՞", "sv": "?", "tr": "?", "bg": "?", "en": "?"}.items():
        assert any(marks in m.text for m in mentions if m.lang == lang), lang


def test_keyword_sources_mention_the_brand_by_name_or_alias() -> None:
    for m in story():
        if m.channel in ("rss", "mastodon", "hn"):
            words = f"{m.title or ''} {m.text}".casefold()
            assert any(a in words for a in ALIASES[m.brand]), (m.key, m.text)


@pytest.mark.parametrize("hhmm", ["00:05", "09:30", "13:59", "23:59"])
def test_todays_mentions_are_never_in_the_future(hhmm: str) -> None:
    tz = ZoneInfo("Europe/Stockholm")
    local = datetime.combine(datetime(2026, 11, 3).date(), datetime.strptime(hhmm, "%H:%M").time(), tz)
    now = local.astimezone(UTC)
    items = story(now)
    assert max(m.published_at for m in items) <= now
    today = [m for m in items if m.published_at.astimezone(tz).date() == local.date()]
    assert len(today) >= 20
    assert min(m.published_at for m in items).astimezone(tz).date() == local.date() - timedelta(days=29)
    assert place(-1, "23:30", now, tz).astimezone(tz).date() == local.date() - timedelta(days=1)


def test_site_serves_what_the_real_parsers_read() -> None:
    with DemoSite() as site:
        base = site.base_url
        with httpx.Client(base_url=base) as c:
            assert "Allow: /" in c.get("/robots.txt").text
            # Review pages: JSON-LD, rel=next paging, every review once.
            url: str | None = f"{base}/shop/sv/lumio-s3/reviews"
            got = []
            while url:
                page, url = reviews.parse_page(c.get(url).text, url)
                got += page
            expected = site.select(channel="review", lang="sv", brand="Lumio")
            assert len(got) == len(expected) > 10
            assert {m.rating for m in got} <= {1.0, 2.0, 3.0, 4.0, 5.0}
            assert all(m.lang == "sv" and m.published_at for m in got)
            # RSS
            feed = rss.parse(c.get("/forum/hy/feed.xml").content, f"{base}/forum/hy/feed.xml")
            assert len(feed) == len(site.select(channel="rss", lang="hy"))
            # Mastodon: Link paging with max_id, since_id for incremental runs.
            first = c.get("/api/v1/timelines/tag/lumio", params={"limit": 20})
            assert 'rel="next"' in first.headers["link"]
            statuses = mastodon.parse(first.content, str(first.url))
            nxt = re.search(r"<([^>]+)>", first.headers["link"]).group(1)  # type: ignore[union-attr]
            older = mastodon.parse(c.get(nxt).content, nxt)
            assert not {s.external_id for s in statuses} & {s.external_id for s in older}
            newest = max(int(s.external_id) for s in statuses)
            assert c.get("/api/v1/timelines/tag/lumio", params={"since_id": newest}).json() == []
            assert (
                len(json.loads(c.get("/api/v2/search", params={"q": "brisa", "type": "statuses"}).content)["statuses"])
                > 5
            )
            # Hacker News: query, numericFilters, paging.
            hn = c.get("/api/v1/search_by_date", params={"query": "lumio", "tags": "(story,comment)", "hitsPerPage": 5})
            body = hn.json()
            assert body["nbPages"] > 1 and len(body["hits"]) == 5
            assert hackernews.parse(hn.content, str(hn.url))
            cutoff = body["hits"][0]["created_at_i"]
            later = c.get(
                "/api/v1/search_by_date", params={"query": "lumio", "numericFilters": f"created_at_i>{cutoff}"}
            )
            assert later.json()["hits"] == []
            # A bot wall, and permalinks.
            wall = c.get("/pricewatch/brisa-x7")
            assert wall.status_code == 403 and "captcha" in wall.text
            assert c.get(f"/m/{site.mentions[0].key}").status_code == 200
            assert c.get("/m/nope").status_code == 404


def test_demo_config_round_trips_through_toml(tmp_path: Path) -> None:
    with DemoSite() as site:
        data = demo_config(site, tmp_path)
        text = to_toml(data)
    cfg = config_from_dict(tomllib.loads(text))
    assert {b.name for b in cfg.brands} == {"Lumio", "Brisa"}
    assert {s.kind for s in cfg.sources} == {"reviews", "rss", "mastodon", "hackernews"}
    assert cfg.digest.timezone == cfg.index.timezone == "Europe/Stockholm"


def test_monitor_demo_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import monitor._pipeline.aspects
    import monitor._sentiment
    from monitor._cli import _register  # noqa: F401  (registers the commands)
    from monitor._cli.app import app
    from tests.test_pipeline import NO_VECTORS, MoodClassifier

    monkeypatch.setattr(monitor._sentiment, "load_classifier", lambda cfg=None, cache=None: MoodClassifier())
    monkeypatch.setattr(monitor._pipeline.aspects, "shared_embedder", lambda: NO_VECTORS)  # keywords decide
    out = tmp_path / "demo-out"
    res = CliRunner().invoke(app, ["demo", "--out", str(out)], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    assert "Last 30 days" in res.output and "Lumio" in res.output and "Brisa" in res.output
    html = sorted(out.glob("digest-*.html"))
    assert len(html) == 1 and str(html[0].resolve()) in res.output.replace("\n", "")
    # the shop pages' AggregateRating, stored as today's rating snapshots, shows in the digest
    page = html[0].read_text(encoding="utf-8")
    assert page.count(">Average ratings</div>") == 2 and "Lumio S3" in page and "Brisa X7" in page
    assert re.search(r"★ [1-5](\.\d+)? / 5", page)
    text = next(out.glob("digest-*.txt")).read_text(encoding="utf-8")
    assert "AVERAGE RATINGS" in text and re.search(r"shop-sv, Lumio S3: [1-5](\.\d+)? / 5 from \d+ reviews", text)
    assert (out / "demo.toml").exists() and (out / "demo.db").exists()
    # `monitor status` and `monitor digest` work on what the demo left behind.
    status = CliRunner().invoke(app, ["status", "--config", str(out / "demo.toml")], env={"COLUMNS": "160"})
    assert status.exit_code == 0, status.output
    assert "pricewatch-brisa" in status.output and "blocked" in status.output
    again = CliRunner().invoke(
        app,
        [
            "digest",
            "--config",
            str(out / "demo.toml"),
            "--brand",
            "Brisa",
            "--out",
            str(tmp_path / "again"),
            "--to",
            "file",
        ],
    )
    assert again.exit_code == 0, again.output
    assert len(list((tmp_path / "again").glob("digest-*-brisa.html"))) == 1
    bad = CliRunner().invoke(app, ["digest", "--config", str(out / "demo.toml"), "--to", "pigeon"])
    assert bad.exit_code == 2 and "pigeon" in bad.output


@pytest.mark.model
@pytest.mark.filterwarnings("ignore:.*torch.ao.quantization.*:DeprecationWarning")
def test_demo_with_the_real_model(tmp_path: Path) -> None:
    """The README's main command, for real: collectors, embedded model, index, digest."""
    from monitor._config import ModelConfig
    from monitor._demo import run_demo
    from monitor._sentiment.artifacts import find_model_dir
    from monitor.errors import ModelError

    try:
        find_model_dir(ModelConfig().name)
    except ModelError as exc:
        pytest.skip(f"the shipped model is not built yet: {exc}")

    started = time.monotonic()
    result = run_demo(tmp_path / "real")
    took = time.monotonic() - started
    assert took < 180, f"demo took {took:.0f} s"
    assert result.digest_html is not None and result.digest_html.exists()
    score = result.pipeline.step("score")
    assert score.status == "ok" and score.counts["scored"] > 250
    lumio = next(r for r in result.rows if r["brand"] == "Lumio")
    assert min(lumio["languages"].values()) >= 40
    assert lumio["msi_30d"] is not None and lumio["msi_7d"] is not None
    assert lumio["msi_7d"] > lumio["msi_30d"]  # recovered after the bad week
    themes = result.pipeline.step("themes")  # after scoring: vectors stored, themes found
    assert themes.status == "ok" and themes.counts["embedded"] > 250 and themes.counts["themes"] >= 3


def test_demo_config_with_hostile_names_round_trips_through_toml(tmp_path: Path) -> None:
    """Quotes, backslashes, unicode (and a newline where config allows one) survive the written config."""
    brand = 'Acme "Q" \\ Ltd — Ĉu ŝi? Լումիո 🚀'
    source = 'shop \\n "quoted" \\ back\u00a0slash ☃'
    alias = "a'b\"c\\d\u200b"
    with DemoSite() as site:
        data = demo_config(site, tmp_path)
    data["brands"].append({"name": brand, "aliases": [alias, "é\\u0041"]})
    data["sources"].append(
        {
            "name": source,
            "kind": "html",
            "url": "http://127.0.0.1:9/shop",
            "brand": brand,
            "options": {"item": ".review", "text": ".body", "date_pattern": '(\\d+)\\s"x"'},
        }
    )
    text = to_toml(data)
    assert tomllib.loads(text) == data
    cfg = config_from_dict(tomllib.loads(text))
    assert cfg.brand(brand).name == brand
    assert cfg.brand(brand).aliases[0] == alias
    assert cfg.source(source).options["date_pattern"] == '(\\d+)\\s"x"'
    # Config refuses control characters (newlines included) in names and options; the writer
    # itself must still escape them, and keys that are not bare words.
    odd = {"top": 'x"y', "t": {"key with space": "v\\", "dotted.key": "w", "ключ": "\x7f\x00\r\n"}}
    assert tomllib.loads(to_toml(odd)) == odd
