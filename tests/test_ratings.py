"""Aggregate ratings: parsed from real pages, shown by `sources parse`, stored per source and
day by `monitor collect` (never as mentions), read back through the API, on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor._api import MentionIndex
from monitor._cli import _register  # noqa: F401  (registers every command module)
from monitor._cli.app import app
from monitor._cli.collect_cmds import describe_aggregate
from monitor._collect import collect
from monitor._config import Secrets, config_from_dict, load_config
from monitor._records import AggregateRating
from monitor._sources import html, reviews
from monitor._sources.base import get_source
from monitor._store.engine import MIGRATIONS_DIR, current_revision, make_engine, upgrade, writer
from monitor.errors import ConfigError, ParseError, StorageError

try:
    from test_http_localserver import LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import LocalServer, Reply

runner = CliRunner()
ONE_DAY = timedelta(days=1)


# -- parsing: the three aggregate-only fixtures -------------------------------------------


ICA = AggregateRating(4.5, (1.0, 5.0), rating_count=None, review_count=1262, item="Lysande gul fiskgryta")
YEMEK = AggregateRating(5.0, (1.0, 5.0), rating_count=3, review_count=8397, item="Köri Soslu Tavuklu Patates Topları")
PLAY = AggregateRating(3.247901439666748, (1.0, 5.0), rating_count=28855, item="mixi 趣味のコミュニティ")


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "expected", "count"),
    [
        ("ica_se_recipe_sv_jsonld-aggregaterating.html", ICA, 1262),  # reviewCount only
        ("yemek_com_recipe_tr_jsonld-aggregaterating.html", YEMEK, 3),  # both: ratingCount is the count
        ("googleplay_app_page_2016_ja_microdata.html", PLAY, 28855),  # microdata, the app's name from its item
    ],
)
def test_aggregate_only_fixtures(shared_dir: Path, name: str, expected: AggregateRating, count: int) -> None:
    page = (shared_dir / "fixtures/reviews-html" / name).read_bytes()
    assert reviews.parse(page, "https://example.com/") == []  # no mention is invented
    agg = get_source("reviews").aggregate(page, "https://example.com/")
    assert agg == expected and agg is not None
    assert agg.count == count and agg.scale == (1.0, 5.0)
    assert html.aggregate(page, "https://example.com/") == agg  # the CSS-selector kind sees it too


def test_aggregate_rules() -> None:
    def page(agg: dict[str, Any], name: str = "Drill") -> str:
        ld = {"@type": "Product", "name": name, "aggregateRating": {"@type": "AggregateRating", **agg}}
        return f'<script type="application/ld+json">{json.dumps(ld)}</script>'

    read = reviews.aggregate
    assert read(page({"ratingValue": "4,3", "ratingCount": "1.234"}), "u") == AggregateRating(
        4.3, (1.0, 5.0), 1234, None, "Drill"
    )
    assert read(page({"ratingValue": 8, "bestRating": 10, "worstRating": 0, "reviewCount": 7}), "u") == (
        AggregateRating(8.0, (0.0, 10.0), None, 7, "Drill")
    )
    assert read(page({"ratingValue": 0, "ratingCount": 0}), "u") is None  # "no ratings yet"
    assert read(page({"ratingValue": 4.5, "ratingCount": 0}), "u") is None  # zero ratings: no average
    assert read(page({"ratingValue": 7, "ratingCount": 3}), "u") is None  # outside 1–5
    assert read(page({"ratingValue": "n/a"}), "u") is None
    assert read(page({"ratingValue": 4.1}), "u") == AggregateRating(4.1, (1.0, 5.0), None, None, "Drill")
    assert get_source("rss").aggregate("<rss/>", "u") is None  # kinds without structured data
    with pytest.raises(ParseError):
        read(b"\x00\x01\x02" * 1000, "u")  # not text: a ParseError, as for parse()


# -- sources parse ------------------------------------------------------------------------


def test_sources_parse_shows_the_aggregate_of_an_aggregate_only_page(tmp_path: Path) -> None:
    ld = {
        "@type": "Product",
        "name": "[bold]Acme[/] Drill\u202e X\x07",  # rich markup, a bidi override, a bell: shown inert
        "aggregateRating": {"@type": "AggregateRating", "ratingValue": 4.3, "ratingCount": 1234},
    }
    page = tmp_path / "page.html"
    page.write_text(f'<script type="application/ld+json">{json.dumps(ld)}</script>', encoding="utf-8")
    res = runner.invoke(app, ["sources", "parse", "reviews", str(page)])
    assert res.exit_code == 0, res.output
    assert res.stdout == ""  # stdout holds mentions only: there are none
    lines = res.stderr.splitlines()
    assert lines[0] == "AggregateRating 4.3/5 from 1,234 ratings for '[bold]Acme[/] Drill X'"
    assert lines[1].startswith(f"0 mention(s) from {page}: the page has an aggregate rating but no individual reviews")
    assert "rating snapshot" in lines[1]
    assert "\u202e" not in res.output and "\x07" not in res.output


def test_describe_aggregate_escapes_scraped_text() -> None:
    agg = AggregateRating(3.0, (0.0, 10.0), rating_count=1, review_count=2, item="A\x1b]8;;http://evil\x1b\\B\x9bC")
    assert describe_aggregate(agg) == "AggregateRating 3/10 from 1 rating (2 reviews) for 'AB'"
    assert describe_aggregate(AggregateRating(4.25)) == "AggregateRating 4.25/5"


def test_sources_parse_with_reviews_and_an_aggregate(tmp_path: Path) -> None:
    ld = {
        "@type": "Product",
        "name": "Drill",
        "aggregateRating": {"ratingValue": "8.5", "bestRating": "10", "worstRating": "2", "reviewCount": "1"},
        "review": [{"@type": "Review", "reviewBody": "Great drill", "reviewRating": {"ratingValue": 9}}],
    }
    page = tmp_path / "page.html"
    page.write_text(f'<script type="application/ld+json">{json.dumps(ld)}</script>', encoding="utf-8")
    res = runner.invoke(app, ["sources", "parse", "reviews", str(page)])
    assert res.exit_code == 0, res.output
    assert len(res.stdout.splitlines()) == 1
    assert res.stderr.splitlines() == [
        "AggregateRating 8.5/10 (worst 2) from 1 review for 'Drill'",
        f"1 mention(s) from {page}",
    ]


# -- the store, on SQLite and PostgreSQL ----------------------------------------------------


@pytest.fixture
def index(db_url: str) -> Iterator[MentionIndex]:
    cfg = config_from_dict(
        {
            "database_url": db_url,
            "index": {"timezone": "Europe/Stockholm"},
            "brands": [{"name": "Acme"}, {"name": "Bosch"}],
            "sources": [
                {"name": "acme-shop", "kind": "reviews", "brand": "Acme", "url": "https://shop.example/acme"},
                {"name": "bosch-shop", "kind": "reviews", "brand": "Bosch", "url": "https://shop.example/bosch"},
            ],
        }
    )
    with MentionIndex.open(cfg) as idx:
        yield idx


def test_one_snapshot_per_source_and_local_day(index: MentionIndex) -> None:
    four = AggregateRating(4.0, (1.0, 5.0), 10, None, "Acme Drill")
    evening = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)  # 23:30 in Stockholm: still 1 March
    index.store.record_rating("acme-shop", four, at=evening, url="https://shop.example/acme")
    index.store.record_rating("acme-shop", four, at=evening)  # the same reading again: idempotent
    later = AggregateRating(4.2, (1.0, 5.0), 12, 3, "Acme Drill")
    index.store.record_rating("acme-shop", later, at=datetime(2026, 3, 1, 22, 45, tzinfo=UTC))  # last wins
    index.store.record_rating("acme-shop", four, at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))  # a late, older write
    index.store.record_rating("acme-shop", four, at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))  # 00:30 on 2 March
    index.store.record_rating("bosch-shop", AggregateRating(3.0), at=evening)
    pts = index.ratings("Acme", "2026-03-01", "2026-03-31")
    assert [(p.day, p.value, p.rating_count, p.review_count) for p in pts] == [
        (date(2026, 3, 1), 4.2, 12, 3),
        (date(2026, 3, 2), 4.0, 10, None),
    ]
    first = pts[0]
    assert first.source == "acme-shop" and first.brand == "Acme" and first.item == "Acme Drill"
    assert first.observed_at == datetime(2026, 3, 1, 22, 45, tzinfo=UTC) and first.count == 12
    assert first.normalised == pytest.approx(0.8)
    assert [p.source for p in index.ratings(source="bosch-shop", start="2026-03-01", end="2026-03-01")] == [
        "bosch-shop"
    ]
    assert index.ratings("Acme", "2026-03-02", "2026-03-02", source="bosch-shop") == []
    frame = index.ratings("Acme", "2026-03-01", "2026-03-31").to_pandas()
    assert list(frame["value"]) == [4.2, 4.0] and list(frame["day"]) == ["2026-03-01", "2026-03-02"]
    assert index.mentions("Acme") == [] and index.snapshots("Acme", "2026-03-01", "2026-03-02") == []


def test_bad_ratings_and_filters_are_refused(index: MentionIndex) -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(StorageError, match="no source named 'nosuch'"):
        index.store.record_rating("nosuch", AggregateRating(4.0), at=at)
    with pytest.raises(StorageError, match="outside its scale"):
        index.store.record_rating("acme-shop", AggregateRating(6.0), at=at)
    with pytest.raises(StorageError, match="outside its scale"):
        index.store.record_rating("acme-shop", AggregateRating(float("nan")), at=at)
    with pytest.raises(StorageError, match="timezone-aware"):
        index.store.record_rating("acme-shop", AggregateRating(4.0), at=datetime(2026, 3, 1))
    with pytest.raises(ConfigError, match="source='nosuch': no source of that name\\. Sources: acme-shop, bosch-shop"):
        index.ratings(source="nosuch")
    with pytest.raises(ConfigError, match="unknown brand 'Nike'"):
        index.ratings("Nike")
    with pytest.raises(ConfigError, match="needs a brand or a source"):
        index.ratings()
    index.store.record_rating("acme-shop", AggregateRating(4.0, item="x\x00y" * 400), at=at)
    [p] = index.ratings("Acme", "2026-03-01", "2026-03-01")
    assert p.item is not None and "\x00" not in p.item and len(p.item) == 500


def _alembic(engine: Any, what: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with writer(engine).begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, what)(cfg, revision)


def test_rating_snapshot_migration_downgrades_and_upgrades(db_url: str) -> None:
    from sqlalchemy import inspect

    engine = make_engine(db_url)
    try:
        upgrade(engine, "0003_rating_snapshot")
        assert current_revision(engine) == "0003_rating_snapshot"
        assert "rating_snapshot" in inspect(engine).get_table_names()
        _alembic(engine, "downgrade", "0002_crash")
        assert current_revision(engine) == "0002_crash"
        assert "rating_snapshot" not in inspect(engine).get_table_names()
        assert "mention" in inspect(engine).get_table_names()  # nothing else dropped
        _alembic(engine, "upgrade", "0003_rating_snapshot")
        assert current_revision(engine) == "0003_rating_snapshot"
        assert "rating_snapshot" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


# -- monitor collect over loopback: a snapshot, never a mention ----------------------------


class Shop:
    """A shop page with only an AggregateRating (like the ica.se and yemek.com pages)."""

    def __init__(self, server: LocalServer) -> None:
        self.value, self.count = 4.3, 1234
        server.routes["/drill"] = self.reply

    def reply(self, _handler: Any) -> Reply:
        ld = {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": "Acme Drill",
            "aggregateRating": {"@type": "AggregateRating", "ratingValue": self.value, "ratingCount": self.count},
        }
        body = f'<html lang="sv"><head><script type="application/ld+json">{json.dumps(ld)}</script></head></html>'
        return Reply(body=body, headers={"Content-Type": "text/html; charset=utf-8"})


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def test_collect_stores_one_snapshot_per_day_and_no_mentions(server: LocalServer, tmp_path: Path) -> None:
    shop = Shop(server)
    cfg_path = tmp_path / "monitor.toml"
    cfg_path.write_text(
        f"""
database_url = "sqlite:///{tmp_path / "m.db"}"
[index]
timezone = "Europe/Stockholm"
[http]
contact = "ops@example.com"
min_interval_s = 0
allow_private_addresses = true
retries = 0
timeout_s = 10
[[brands]]
name = "Acme"
[[sources]]
name = "acme-shop"
kind = "reviews"
brand = "Acme"
url = "{server.url("/drill")}"
""",
        encoding="utf-8",
    )
    cfg = load_config(cfg_path)
    with MentionIndex.open(cfg) as idx:  # mentions from elsewhere, so the MSI is a number
        for i, label in enumerate(["positive", "positive", "negative", "neutral", "positive"]):
            idx.add_mention(
                brand="Acme", source="seed", source_kind="rss", external_id=str(i), text=f"Acme {label} {i}",
                published_at=datetime.now(UTC), label=label,
            )  # fmt: skip
        before = (idx.satisfaction("Acme").to_dicts(), idx.snapshots("Acme").to_dicts(), len(idx.mentions("Acme")))
    assert before[0][-1]["msi"] is not None

    res = runner.invoke(app, ["collect", "--config", str(cfg_path), "--json"])
    assert res.exit_code == 0, res.output
    [row] = json.loads(res.stdout)["sources"]
    assert row["status"] == "ok" and row["new"] == 0 and row["pages"] == 1
    shop.value, shop.count = 4.4, 1300  # the shop's figure moves during the day
    res = runner.invoke(app, ["collect", "--config", str(cfg_path), "--json"])
    assert res.exit_code == 0, res.output

    with MentionIndex.open(cfg) as idx:
        [today] = idx.ratings("Acme")
        assert (today.value, today.rating_count, today.item) == (4.4, 1300, "Acme Drill")  # re-collection updated it
        assert today.day == datetime.now(idx.tz).date() and today.url == server.url("/drill")
        after = (idx.satisfaction("Acme").to_dicts(), idx.snapshots("Acme").to_dicts(), len(idx.mentions("Acme")))
        assert after == before  # no mention invented: counts, MSI and snapshots as they were

        # another day (the collector's clock), another row; the day before stays as it was
        next_noon = datetime.combine(today.day + ONE_DAY, time(12), idx.tz)
        shop.value = 4.5
        report = collect(cfg, idx, secrets=Secrets(_env_file=None), now=lambda: next_noon)
        assert report.sources[0].status == "ok" and report.sources[0].new == 0
        pts = idx.ratings("Acme", today.day, today.day + ONE_DAY)
        assert [(p.day, p.value) for p in pts] == [(today.day, 4.4), (today.day + ONE_DAY, 4.5)]
        assert len(idx.mentions("Acme")) == before[2]
