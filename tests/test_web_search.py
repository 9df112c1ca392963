"""A text search that stops at its budget (``monitor._store.searchwalk``) on the dashboard's
mentions page, in "relabel every match" and in ``monitor query mentions --text``: the partial
state is said, the continuation finds every match exactly once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from monitor._api import MentionIndex
from monitor._cli import _register  # noqa: F401 (the commands)
from monitor._cli.app import app
from monitor._config import config_from_dict
from monitor._records import Mention
from monitor._store import listings
from monitor._store.accounts import Accounts
from monitor._web import WebSettings, create_app

try:
    from test_web import NOW, _hash, csrf_of, login
except ImportError:  # tests/ is a package
    from tests.test_web import NOW, _hash, csrf_of, login

BUDGET = 6  # mentions a search reads per request (3 per brand over both brands)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    idx = MentionIndex.open(config_from_dict({"database_url": url, "index": {"timezone": "UTC"}}))
    for brand, n in (("Acme", 24), ("Rival", 8)):
        rows = [Mention(f"{brand}-{i}", f"{brand} note {i}", published_at=NOW - timedelta(hours=i)) for i in range(n)]
        idx.add_mentions(brand, f"shop-{brand}", rows, source_kind="reviews")
    Accounts(idx.engine).add_user("ed", "editor", _hash(), at=NOW)
    idx.close()
    yield url


@pytest.fixture
def small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listings, "SEARCH_BUDGET", BUDGET)


def ids_on(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<article class="mention[^"]*" id="m(\d+)"', html)]


def test_the_mentions_page_says_where_a_search_stopped_and_continues(db: str, small_budget: None) -> None:
    idx = MentionIndex.open(config_from_dict({"database_url": db, "index": {"timezone": "UTC"}}))
    first = idx.mentions(None, text="1", limit=100)  # "1": 1, 10-19 and 21 of Acme, 1 of Rival
    assert first.partial and first.searched_to is not None  # the API stops at the same budget
    with TestClient(create_app(idx, WebSettings(), clock=lambda: NOW), follow_redirects=False) as client:
        login(client, "ed")
        path, seen, stops = "/mentions?q=1", [], 0
        while True:
            html = client.get(path).text
            seen += ids_on(html)
            link = re.search(r'<a href="(/mentions\?[^"]+)"[^>]*>Continue searching older mentions</a>', html)
            if link is None:
                break
            stops += 1
            assert "Searched the mentions back to" in html and "Older mentions are not searched yet" in html
            path = unescape(link.group(1))
        assert "Searched the mentions back to" not in html  # the last request reached the oldest mention
        assert stops >= 3
        complete = [
            m.id for m in listings.mentions(idx.engine, None, None, listings.MentionFilter(text="1"), 100, 10**6)
        ]
        assert len(first) < len(complete) == 13 and seen == complete  # every match, newest first, once
        html = client.get("/mentions?q=zz").text  # matches nothing: says so while it searches
        assert "none found so far" in html and "No mention matches" not in html
        # "relabel every match" goes on past each stop until every mention was read
        data = {"f_q": "1", "label": "negative", "scope": "all", "csrf": csrf_of(html), "back": "/mentions"}
        assert client.post("/relabel", data=data).status_code == 303
        assert idx.label_changes()[0].mentions == len(complete)
    idx.close()


def test_the_cli_says_a_search_stopped_and_continues_with_after(db: str, small_budget: None) -> None:
    runner = CliRunner()
    args = ["query", "mentions", "Acme", "--text", "zz", "--db", db, "--json"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    m = re.search(r"partial: searched the mentions back to (\S+ \S+) \(0 found\).*--after (\S+)", r.output, re.S)
    assert m, r.output
    r2 = runner.invoke(app, [*args, "--after", m.group(2)])
    m2 = re.search(r"--after (\S+)", r2.output)
    assert r2.exit_code == 0 and m2 and m2.group(1) < m.group(2)  # further back each time
