"""``MentionIndex.mentions(theme=…, aspect=…)`` and ``monitor query mentions --theme/--aspect``
on SQLite and PostgreSQL: exactly the mentions the stored theme assignments and aspect tags
say, with every other filter, the text search's two ways and keyset pages; unknown values refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from monitor._api import MentionIndex
from monitor._cli import _register  # noqa: F401  (registers every command module)
from monitor._cli.app import app
from monitor._config import config_from_dict
from monitor._store.tables import MENTION_ASPECT_T as MA
from monitor._store.theme_tables import MENTION_THEME_T as MT
from monitor.errors import InvalidArgument
from tests.insights_data import HOSTILE, NOW, config, fill

START, END = NOW.date() - timedelta(days=6), NOW.date()


@pytest.fixture
def idx(db_url: str) -> Iterator[MentionIndex]:
    index = MentionIndex.open(config(db_url))
    index.clock = lambda: NOW
    fill(index)
    yield index
    index.close()


def _assigned(idx: MentionIndex, theme_id: int) -> set[int]:
    with idx.engine.connect() as conn:
        return set(conn.execute(select(MT.c.mention_id).where(MT.c.theme_id == theme_id)).scalars())


def _tagged(idx: MentionIndex, aspect: str) -> set[int]:
    with idx.engine.connect() as conn:
        return set(conn.execute(select(MA.c.mention_id).where(MA.c.aspect == aspect)).scalars())


def _ids(rows: object) -> list[int]:
    return [m.id for m in rows]  # type: ignore[attr-defined]


def _pages(idx: MentionIndex, **kw: object) -> list[int]:
    """Every matching mention, walked 4 at a time by keyset."""
    out: list[int] = []
    after = None
    while page := idx.mentions("Lumio", limit=4, after=after, **kw):  # type: ignore[arg-type]
        out += _ids(page)
        after = page[-1].cursor
    return out


def test_a_theme_lists_exactly_its_mentions_in_every_way(idx: MentionIndex) -> None:
    names = idx.theme_names("Lumio")
    assert len(names) == 3 and idx.theme_names("Rival") == {}
    for tid in names:
        got = _ids(idx.mentions("Lumio", theme=tid, limit=1000))
        assert set(got) == _assigned(idx, tid) and len(got) == len(set(got)) > 0
        assert _ids(idx.mentions(None, theme=tid, limit=1000)) == got  # every brand: the same
        assert _pages(idx, theme=tid) == got  # keyset pages: the same, in the same order
        assert _ids(idx.mentions("Lumio", theme=str(tid), limit=1000)) == got  # the id as text (a URL's)
    dock = next(tid for tid, name in names.items() if "dock" in name)
    by_name = idx.mentions("Lumio", theme=names[dock].upper(), limit=1000)  # its name, in any case
    assert _ids(by_name) == _ids(idx.mentions("Lumio", theme=dock, limit=1000)) and len(by_name) == 25
    # over the brand page's window: as many as the theme's figures say, and by label
    for t in idx.themes("Lumio", since=START, until=END):
        assert len(idx.mentions("Lumio", theme=t.id, since=START, until=END, limit=1000)) == t.volume
        negative = idx.mentions("Lumio", theme=t.id, since=START, until=END, sentiment="negative", limit=1000)
        assert len(negative) == t.negative
    assert [t.volume for t in idx.themes("Lumio", since=START, until=END)] == [15, 12, 6]


def test_an_aspect_lists_exactly_its_tagged_mentions(idx: MentionIndex) -> None:
    price = idx.mentions("Lumio", aspect="price", limit=1000)
    lumio = set(_ids(idx.mentions("Lumio", limit=1000)))
    assert set(_ids(price)) == _tagged(idx, "price") & lumio and len(price) == 16  # 10 + 5 + the hostile one
    assert len(idx.mentions(None, aspect="price", limit=1000)) == 20  # and Rival's 4
    assert _pages(idx, aspect="price") == _ids(price)
    assert _ids(idx.mentions("Lumio", aspect="Price", limit=1000)) == _ids(price)  # any case
    assert len(idx.mentions("Lumio", aspect="price", sentiment="positive", limit=1000)) == 6
    assert len(idx.mentions("Lumio", aspect="price", lang="tr", limit=1000)) == 3
    week = {a.aspect: a for a in idx.aspects("Lumio", since=START, until=END)}
    for name in ("price", "delivery", "app"):
        assert len(idx.mentions("Lumio", aspect=name, since=START, until=END, limit=1000)) == week[name].volume
    late = idx.mentions("Lumio", aspect="delivery", limit=1000)
    assert [m.external_id for m in late] == ["w2-late-1", "w2-late-0"]  # same time: the newer id first
    # both at once: a theme's mentions about an aspect
    noise = next(tid for tid, name in idx.theme_names("Lumio").items() if "loud" in name)
    assert set(_ids(idx.mentions("Lumio", theme=noise, aspect="delivery", limit=1000))) == set(_ids(late))
    # with a text search: narrowed by the trigram index, and the bounded walk (a two-letter word)
    assert [m.text for m in idx.mentions("Lumio", aspect="price", text="script", limit=10)] == [HOSTILE]
    short = idx.mentions("Lumio", aspect="price", text="ve", limit=1000)
    assert _ids(short) == [m.id for m in price if "ve" in m.text.casefold()] and len(short) >= 3
    assert not idx.mentions("Lumio", aspect="app", text="ve", limit=10) and not short.partial


def test_unknown_themes_and_aspects_are_refused_with_what_is_known(idx: MentionIndex) -> None:
    dock = next(tid for tid, name in idx.theme_names("Lumio").items() if "dock" in name)
    with pytest.raises(InvalidArgument, match=r"aspect='pricee': not a configured aspect; did you mean 'price'\?"):
        idx.mentions("Lumio", aspect="pricee")
    with pytest.raises(InvalidArgument, match=r"aspect='colour': not a configured aspect\. Aspects: price, delivery"):
        idx.mentions(None, aspect="colour")
    with pytest.raises(InvalidArgument, match="theme='999999': no such theme"):
        idx.mentions("Lumio", theme=999999)
    with pytest.raises(InvalidArgument, match="not a theme of Rival"):
        idx.mentions("Rival", theme=dock)
    with pytest.raises(InvalidArgument, match=r"theme='docks': not a theme of Lumio\. Its themes: dock"):
        idx.mentions("Lumio", theme="docks")
    with pytest.raises(InvalidArgument, match="needs its brand"):
        idx.mentions(None, theme="dock / find / robot")
    with pytest.raises(InvalidArgument, match="It has no theme yet"):
        idx.mentions("Rival", theme="price")
    off = config_from_dict({**idx.config.model_dump(exclude={"path"}), "aspects": {"enabled": False}})
    with pytest.raises(InvalidArgument, match="Aspects are off"):
        MentionIndex(idx.engine, off).mentions("Lumio", aspect="price")


def test_query_mentions_takes_a_theme_and_an_aspect(idx: MentionIndex) -> None:
    runner = CliRunner()
    db = ["--db", idx.config.database_url]
    dock = next(tid for tid, name in idx.theme_names("Lumio").items() if "dock" in name)
    res = runner.invoke(app, ["query", "mentions", "Lumio", "--theme", str(dock), "--limit", "100", "--json", *db])
    assert res.exit_code == 0, res.output
    assert {r["id"] for r in json.loads(res.output)} == _assigned(idx, dock)
    res = runner.invoke(app, ["query", "mentions", "Lumio", "--aspect", "delivery", "--json", *db])
    assert res.exit_code == 0, res.output
    assert sorted(r["external_id"] for r in json.loads(res.output)) == ["w2-late-0", "w2-late-1"]
    res = runner.invoke(app, ["query", "mentions", "Lumio", "--aspect", "colour", *db])
    assert res.exit_code == 2 and "not a configured aspect" in res.output
