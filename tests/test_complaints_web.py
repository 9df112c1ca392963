"""The dashboard's Complaints page (Starlette's TestClient over a real SQLite MentionIndex):
the list with ages and figures, escaping, keyset pages, and the CSRF-checked "mark answered"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from monitor._api import MentionIndex
from monitor._config import config_from_dict
from monitor._records import Mention
from monitor._web import WebSettings, create_app

try:
    from test_web import IMG, NOW, SCRIPT, add_users, csrf_of, login
except ImportError:  # tests/ is a package
    from tests.test_web import IMG, NOW, SCRIPT, add_users, csrf_of, login

MANY = 55  # more than one page of 50
HOUR = timedelta(hours=1)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[MentionIndex]:
    cfg = config_from_dict({"database_url": f"sqlite:///{tmp_path / 'web.db'}", "brands": [{"name": "Acme"}]})
    idx = MentionIndex.open(cfg)
    items = [
        Mention(
            "hostile",
            f"Why? {SCRIPT}",
            title=IMG,
            author=SCRIPT,
            url="javascript:alert(1)",
            published_at=NOW - timedelta(days=5),
            lang='en"><b>',
            label="negative",
        ),
        Mention(
            "linked",
            "Acme, refund please",
            url="https://shop.example/r/1",
            published_at=NOW - timedelta(days=4),
            lang="sv",
            label="negative",
        ),
        Mention("happy", "Acme, do you ship?", published_at=NOW - timedelta(days=1), label="positive"),
        *(
            Mention(f"q{i}", f"Acme, why is it broken? #{i}", published_at=NOW - (i + 1) * HOUR, label="negative")
            for i in range(MANY)
        ),
    ]
    idx.add_mentions("Acme", "acme-shop", items, source_kind="reviews")
    idx.clock = lambda: NOW
    add_users(idx)
    yield idx
    idx.close()


@pytest.fixture
def client(index: MentionIndex) -> Iterator[TestClient]:
    with TestClient(create_app(index, WebSettings(), clock=lambda: NOW), follow_redirects=False) as c:
        yield c


def ids_on(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<article class="mention label-negative" id="c(\d+)"', html)]


def figures_row(html: str) -> list[str]:
    """The figures of the page's first row (all sources): open, late, oldest, answered, in time, median."""
    row = re.search(r'<tr class="current">(.*?)</tr>', html, re.S)
    assert row, "no figures on the page"
    return [unescape(c) for c in re.findall(r'<td class="num">([^<]*)</td>', row.group(1))]


def mention_id(index: MentionIndex, external_id: str) -> int:
    return next(m.id for m in index.mentions("Acme", limit=200) if m.external_id == external_id)


def test_the_page_needs_a_login_and_is_in_the_nav(client: TestClient) -> None:
    r = client.get("/complaints")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert client.post("/complaints/1/answer", data={}).status_code == 401
    login(client, "vera")
    html = client.get("/").text
    assert '<a href="/complaints" >Complaints</a>' in html or 'href="/complaints"' in html
    page = client.get("/complaints")
    assert page.status_code == 200 and 'href="/complaints" aria-current="page"' in page.text


def test_a_viewer_sees_ages_and_figures_escaped(client: TestClient, index: MentionIndex) -> None:
    login(client, "vera")
    html = client.get("/complaints?brand=Acme").text
    assert "Answer target: 3d." in html
    assert "late · waiting 5d 0h" in html and "waiting 8h 0m" in html  # longest waiting first: 1 h is on page 2
    assert "waiting 1h 0m" not in html
    fig = index.complaint_figures("Acme", at=NOW)[0]
    assert fig.open == MANY + 2 and fig.overdue == 2
    assert re.search(rf'<td class="num">{fig.open}</td><td class="num">2</td><td class="num">5d 0h</td>', html)
    assert SCRIPT not in html and IMG not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html and 'lang="en&#34;&gt;' not in html and "<b>" not in html
    assert 'href="https://shop.example/r/1" rel="noopener noreferrer"' in html
    assert "Mark answered" not in html  # no forms for a viewer
    mid = mention_id(index, "linked")
    r = client.post(f"/complaints/{mid}/answer", data={"csrf": csrf_of(client.get("/").text)})
    assert r.status_code == 403 and index.complaint(mid) is not None
    assert index.complaint(mid).answered_at is None  # type: ignore[union-attr]
    bad = client.get("/complaints?brand=Acmee")
    assert bad.status_code == 400 and "did you mean &#39;Acme&#39;" in bad.text


def test_an_editor_marks_answered_with_the_forms_token(client: TestClient, index: MentionIndex) -> None:
    login(client, "ed")
    back = "/complaints?brand=Acme&lang=sv"
    html = client.get(back).text
    mid = mention_id(index, "linked")
    assert ids_on(html) == [mid] and f'action="/complaints/{mid}/answer"' in html
    token = csrf_of(html)
    assert client.post(f"/complaints/{mid}/answer", data={"back": back}).status_code == 403
    assert client.post(f"/complaints/{mid}/answer", data={"back": back, "csrf": "x" * 43}).status_code == 403
    assert index.complaint(mid).answered_at is None  # type: ignore[union-attr]
    r = client.post(f"/complaints/{mid}/answer", data={"back": back, "csrf": token})
    assert r.status_code == 303 and r.headers["location"] == f"{back}&answered={mid}"
    c = index.complaint(mid)
    assert c is not None and c.answered_by == "ed" and c.answered_at == NOW
    page = client.get(r.headers["location"]).text
    assert f"Complaint #{mid} marked answered." in page and ids_on(page) == []
    assert figures_row(html) == ["1", "1", "4d 0h", "0", "0 %", "—"]  # before: open and late
    assert figures_row(page) == ["0", "0", "—", "1", "0 %", "4d 0h"]  # the cached figures were dropped
    answered = client.get("/complaints?brand=Acme&status=answered").text
    assert ids_on(answered) == [mid] and "answered in 4d 0h" in answered and "by ed" in answered
    r = client.post(f"/complaints/{mid}/reopen", data={"back": "//evil.example/", "csrf": token})
    assert r.status_code == 303 and r.headers["location"] == f"/?reopened={mid}"  # only local paths
    assert index.complaint(mid).answered_at is None  # type: ignore[union-attr]
    assert client.post("/complaints/99999/answer", data={"csrf": token}).status_code == 400


def test_keyset_pages_list_each_complaint_once(client: TestClient, index: MentionIndex) -> None:
    login(client, "vera")
    seen: list[int] = []
    url: str | None = "/complaints?brand=Acme"
    while url:
        html = client.get(url).text
        seen += ids_on(html)
        m = re.search(r'<a href="(/complaints\?[^"]+)" rel="next">', html)
        url = unescape(m.group(1)) if m else None
    expected = [c.id for c in index.complaints("Acme", order="oldest", at=NOW)]
    assert seen == expected and len(seen) == MANY + 2
    newest = ids_on(client.get("/complaints?brand=Acme&order=newest").text)
    assert newest == [c.id for c in index.complaints("Acme", at=NOW, limit=50)]
