"""`monitor collect`, `monitor sources list` and `monitor sources parse` end to end."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor._cli import _register  # noqa: F401  (registers every command module)
from monitor._cli.app import app

try:
    from test_http_localserver import LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import LocalServer, Reply

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MONITOR_SHARED_DIR", REPO.parent / "shared"))
KEYS = {"external_id", "url", "author", "title", "text", "published_at", "rating", "rating_scale", "lang"}


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def test_collect_commands_have_help() -> None:
    for args in (["collect"], ["sources"], ["sources", "list"], ["sources", "parse"]):
        res = runner.invoke(app, [*args, "--help"])
        assert res.exit_code == 0 and "Usage" in res.output


def test_sources_parse_prints_json_lines(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<script type="application/ld+json">{"@type":"Review","author":"Ann","reviewBody":"Bra!",'
        '"datePublished":"2024-05-01T10:00:00+02:00","reviewRating":{"ratingValue":"8","bestRating":"10"}}'
        "</script>",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["sources", "parse", "reviews", str(page), "--url", "https://shop.example/p"])
    assert res.exit_code == 0, res.output
    [line] = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    row = json.loads(line)
    assert set(row) == KEYS
    assert row["published_at"] == "2024-05-01T08:00:00Z" and row["rating"] == 8.0 and row["rating_scale"] == [1.0, 10.0]
    assert row["url"] == "https://shop.example/p" and row["author"] == "Ann"


@pytest.mark.shared
def test_sources_parse_with_config_options() -> None:
    page = SHARED / "fixtures/reviews-html/amazon_it_product-reviews_B07747FR44_2019.html"
    if not page.is_file():
        pytest.skip(f"{page} is absent")
    res = runner.invoke(
        app,
        [
            "sources",
            "parse",
            "html",
            str(page),
            "--config",
            str(REPO / "config/html-amazon.example.toml"),
            "--source",
            "amazon-reviews",
            "--url",
            "https://www.amazon.it/product-reviews/B07747FR44/",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = [json.loads(ln) for ln in res.stdout.splitlines() if ln.startswith("{")]
    assert len(rows) == 10 and rows[0]["rating"] == 5.0 and rows[0]["published_at"] == "2018-11-14T00:00:00Z"


def test_sources_parse_bad_kind_is_a_clean_error(tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text("{}", encoding="utf-8")
    res = runner.invoke(app, ["sources", "parse", "myspace", str(f)])
    assert res.exit_code == 2 and "unknown source kind" in res.output
    res = runner.invoke(app, ["sources", "parse", "mastodon", str(f)])
    assert res.exit_code == 2 and "error" in res.output


def test_collect_then_sources_list(server: LocalServer, tmp_path: Path) -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><guid>1</guid><title>Acme is great</title><description>Really great stuff from Acme</description>"
        "<pubDate>Sat, 01 Mar 2025 10:00:00 GMT</pubDate></item>"
        "<item><guid>2</guid><title>Other news</title><description>Nothing relevant</description></item>"
        "</channel></rss>"
    )
    server.routes["/feed"] = lambda h: Reply(body=feed, headers={"Content-Type": "application/rss+xml"})
    server.routes["/gone"] = lambda h: Reply(403, "<html>Forbidden</html>")
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(
        f"""
database_url = "sqlite:///{tmp_path / "m.db"}"
[http]
contact = "ops@example.com"
min_interval_s = 0
allow_private_addresses = true
retries = 0
timeout_s = 10
[[brands]]
name = "Acme"
[[sources]]
name = "news"
kind = "rss"
url = "{server.url("/feed")}"
[[sources]]
name = "gone"
kind = "rss"
url = "{server.url("/gone")}"
""",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["collect", "--config", str(cfg), "--json"])
    assert res.exit_code == 1, res.output  # one source blocked → non-zero exit
    out = json.loads(res.stdout)
    by = {s["source"]: s for s in out["sources"]}
    assert by["news"]["new"] == 1 and by["news"]["unmatched"] == 1 and by["news"]["status"] == "ok"
    assert by["gone"]["status"] == "blocked" and "403" in by["gone"]["reason"]
    res = runner.invoke(app, ["sources", "list", "--config", str(cfg), "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    assert rows["news"]["status"] == "ok" and rows["gone"]["status"] == "blocked"
    assert "403" in rows["gone"]["blocked_reason"]
    res = runner.invoke(app, ["collect", "--config", str(cfg), "--source", "news", "--json"])
    assert (
        res.exit_code == 0
        and json.loads(res.stdout)["sources"][0]["duplicate"] + json.loads(res.stdout)["sources"][0]["new"] <= 1
    )
