"""The brand page's "Themes" and "Aspects" tables and the mentions page's theme and aspect
filters, in process over a real SQLite store built by the themes and aspects steps
(``tests/insights_data.py``): the API's numbers, links that filter to exactly those
mentions, hostile theme names and quotes escaped, bad filter values refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from monitor._api import MentionIndex
from monitor._store.theme_tables import MENTION_THEME_T as MT
from monitor._store.theme_tables import THEME_T as TH
from monitor._web import WebSettings, create_app
from monitor._web.views import interval, pct
from tests.insights_data import HOSTILE, NOW, config, fill
from tests.test_web import SCRIPT, add_users, login

START, END = NOW.date() - timedelta(days=6), NOW.date()


@pytest.fixture
def index(tmp_path: Path) -> Iterator[MentionIndex]:
    idx = MentionIndex.open(config(f"sqlite:///{tmp_path / 'web.db'}"))
    idx.clock = lambda: NOW
    fill(idx)
    add_users(idx)
    yield idx
    idx.close()


@pytest.fixture
def client(index: MentionIndex) -> Iterator[TestClient]:
    app = create_app(index, WebSettings(), clock=lambda: NOW)
    with TestClient(app, follow_redirects=False) as c:
        login(c, "vera")
        yield c


def table(html: str, cls: str) -> list[str]:
    """The body rows of the page's ``<table class="cls">``."""
    m = re.search(rf'<table class="{cls}">(.*?)</table>', html, re.S)
    assert m, f"no {cls} table"
    return re.findall(r"<tr>(.*?)</tr>", m.group(1).split("<tbody>")[1], re.S)


def cells(row: str) -> list[list[str]]:
    """Each cell's words, tags dropped."""
    return [unescape(re.sub(r"<[^>]+>", " ", c)).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def link(row: str) -> str:
    m = re.search(r'<a href="(/mentions\?[^"]+)"', row)
    assert m, row
    return unescape(m.group(1))


def listed(client: TestClient, url: str) -> list[int]:
    """The mention ids every page of ``url`` lists, following "Next page"."""
    out: list[int] = []
    next_url: str | None = url
    while next_url:
        r = client.get(next_url)
        assert r.status_code == 200, r.text[:500]
        out += [int(x) for x in re.findall(r'<article class="mention[^"]*" id="m(\d+)"', r.text)]
        m = re.search(r'<a href="(/mentions\?[^"]+)" rel="next">', r.text)
        next_url = unescape(m.group(1)) if m else None
    return out


def test_the_theme_table_shows_the_apis_figures_and_links_to_its_mentions(
    client: TestClient, index: MentionIndex
) -> None:
    html = client.get("/brand?name=Lumio&days=7").text
    rows = table(html, "themes")
    themes = index.themes("Lumio", since=START, until=END, representatives=2)
    assert len(rows) == len(themes) == 3 and [t.volume for t in themes] == [15, 12, 6]
    for row, t in zip(rows, themes, strict=True):
        name, volume, msi, change, examples = cells(row)
        assert " ".join(name).startswith(t.name) and volume == [str(t.volume)]
        if t.msi is None:
            assert msi == ["n/a"]
        else:
            assert " ".join(msi).startswith(f"{pct(t.msi)} {interval(t.msi_low, t.msi_high)}")
        assert change[:3] == [str(t.previous_volume), "→", str(t.volume)]
        for m in t.mentions:  # the representative mentions, in their language and direction
            assert f'<p dir="auto" lang="{m.lang}">' in row and " ".join(m.text.split()[:4]) in " ".join(examples)
        url = link(row)
        assert f"theme={t.id}" in url and f"since={START}" in url and f"until={END}" in url
        ids = listed(client, url)
        assert len(ids) == t.volume == len(set(ids))
        assert ids == [m.id for m in index.mentions("Lumio", theme=t.id, since=START, until=END, limit=1000)]
        page = client.get(url).text
        assert f'of the theme <strong dir="auto">{t.name}</strong>' in page  # the filter, said
        assert f'<option value="{t.id}" selected>{t.name}</option>' in page  # and in the form
    price = themes[2]  # 0 % → 100 %: the price turned from complaints to praise
    assert price.previous_volume == 10 and "+100.0 pt" in rows[2]


def test_the_aspect_table_shows_the_apis_figures_beside_the_other_brands(
    client: TestClient, index: MentionIndex
) -> None:
    html = client.get("/brand?name=Lumio&days=7").text
    rows = table(html, "aspects")
    aspects = [a for a in index.aspects("Lumio", since=START, until=END) if a.volume]
    assert [(a.aspect, a.volume) for a in aspects] == [("price", 6), ("delivery", 2)] and len(rows) == 2
    assert "Share: of the 33 mentions tagged in this period" in html
    for row, a in zip(rows, aspects, strict=True):
        label, volume, share, msi, others, _gap = cells(row)
        assert label == a.label.split() and volume == [str(a.volume)] and share == pct(a.share, 0).split()
        assert " ".join(msi).startswith(f"{pct(a.msi)} {interval(a.msi_low, a.msi_high)}")
        assert others == [*pct(a.others_msi).split(), f"n={a.others_volume}"]
        ids = listed(client, link(row))
        assert len(ids) == a.volume and set(ids) == {
            m.id for m in index.mentions("Lumio", aspect=a.aspect, since=START, until=END, limit=100)
        }
    # price: Lumio 100 % (6 of 6) against Rival's 75 % (3 of 4)
    assert cells(rows[0])[4] == ["75.0", "%", "n=4"] and cells(rows[0])[5] == ["+25.0", "pt"]
    assert cells(rows[1])[5] == []  # nobody else talks about delivery: no comparison
    page = client.get(link(rows[0])).text
    assert "about <strong>Price</strong>" in page and '<option value="price" selected>Price</option>' in page


def test_hostile_theme_names_and_quotes_stay_inert(client: TestClient, index: MentionIndex) -> None:
    hostile = index.mentions("Lumio", text="script", limit=1)[0]
    with index.engine.begin() as conn:  # the hostile mention first among its theme's, and a hostile name
        conn.execute(update(MT).where(MT.c.mention_id == hostile.id).values(similarity=1.0))
        tid = conn.execute(MT.select().where(MT.c.mention_id == hostile.id)).one().theme_id
        conn.execute(update(TH).where(TH.c.id == tid).values(name=f"price {SCRIPT}", gist=f'"><img src=x>{SCRIPT}'))
    html = client.get("/brand?name=Lumio&days=7").text
    assert SCRIPT not in html and "<img src=x>" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # the name, the gist, the quote
    assert "the price is far too high &lt;script&gt;" in html and HOSTILE not in html
    for path in (f"/mentions?brand=Lumio&theme={tid}", f"/mentions?theme={tid}"):
        page = client.get(path).text
        assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2 and SCRIPT not in page


def test_the_empty_states(client: TestClient) -> None:
    html = client.get("/brand?name=Rival&days=7").text  # no theme; its 4 mentions tagged
    assert '<p class="muted">No themes yet: they are computed after scoring.</p>' in html
    assert 'table class="themes"' not in html and 'table class="aspects"' in html


def test_bad_theme_and_aspect_values_are_refused(client: TestClient, index: MentionIndex) -> None:
    dock = next(tid for tid, name in index.theme_names("Lumio").items() if "dock" in name)
    for path, says in (
        ("/mentions?brand=Lumio&aspect=colour", "aspect=&#39;colour&#39;: not a configured aspect"),
        ("/mentions?brand=Lumio&aspect=pricee", "did you mean &#39;price&#39;?"),
        ("/mentions?brand=Lumio&theme=999999", "no such theme"),
        (f"/mentions?brand=Rival&theme={dock}", "not a theme of Rival"),
        ("/mentions?theme=dock", "needs its brand"),
    ):
        r = client.get(path)
        assert r.status_code == 400 and says in r.text and "<article" not in r.text, path


def test_relabelling_every_mention_of_a_theme_changes_just_those(client: TestClient, index: MentionIndex) -> None:
    from tests.test_web import page_csrf

    client.cookies.clear()
    login(client, "ed")
    noise = next(tid for tid, name in index.theme_names("Lumio").items() if "loud" in name)
    members = {m.id for m in index.mentions("Lumio", theme=noise, limit=100)}
    others = {m.id: m.label for m in index.mentions("Lumio", limit=1000) if m.id not in members}
    r = client.post(
        "/relabel",
        data={
            "label": "negative",
            "scope": "all",
            "f_brand": "Lumio",
            "f_theme": str(noise),
            "back": "/mentions",
            "csrf": page_csrf(client),
        },
    )
    assert r.status_code == 303, r.text[:500]
    assert {m.label for m in index.mentions("Lumio", theme=noise, limit=100)} == {"negative"} and len(members) == 12
    assert {m.id: m.label for m in index.mentions("Lumio", limit=1000) if m.id not in members} == others
