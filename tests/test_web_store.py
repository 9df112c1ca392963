"""The dashboard's store parts on SQLite and PostgreSQL: users and sessions, relabelling with
undo (rollups kept exact), the keyset listing and its filters, migration 0004 both ways."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from monitor import InvalidArgument, LabelChange
from monitor._api import MentionIndex
from monitor._config import config_from_dict
from monitor._records import Mention, Prediction
from monitor._store.accounts import Accounts
from monitor._store.engine import current_revision

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def idx(db_url: str) -> Iterator[MentionIndex]:
    # the model labels these rated reviews (the stars' labels: tests/test_rating_labels.py)
    index = MentionIndex.open(config_from_dict({"database_url": db_url, "index": {"label_from_rating": False}}))
    items = [
        Mention(
            f"m{i}",
            f"Mention {i} about the Widget" if i % 3 else f"mention {i} about the WIDGET and 100% off_",
            published_at=NOW - timedelta(hours=i // 2),  # pairs share a published_at
            lang="en",
            rating=float(1 + i % 5),
            rating_scale=(1.0, 5.0),
            label="positive" if i == 0 else None,
        )
        for i in range(30)
    ]
    res = index.add_mentions("Acme", "acme-shop", items, source_kind="reviews")
    preds = [
        (mid, Prediction("negative" if i % 2 else "neutral", 0.6, 0.3, 0.1, "mm", "1"), True)  # type: ignore[arg-type]
        for i, mid in enumerate(res.mention_ids)
        if i
    ]
    index.store.add_scores(preds, now=NOW)
    index.add_mentions(
        "Rival",
        "rival-feed",
        [Mention(f"r{i}", f"rival {i}", published_at=NOW - timedelta(minutes=30 * i), lang="sv") for i in range(20)],
        source_kind="rss",
    )
    yield index
    index.close()


def _state(idx: MentionIndex, mid: int) -> tuple[Any, ...]:
    [m] = [r for r in idx.mentions(None, limit=1000) if r.id == mid]
    return (m.label, m.label_origin, m.labelled_by)


def test_schema_is_at_0004_and_downgrades(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from sqlalchemy import inspect

    from monitor._store.engine import MIGRATIONS_DIR, make_engine, upgrade, writer

    engine = make_engine(db_url)
    try:
        upgrade(engine)
        assert current_revision(engine) == "0015_insight_rollups"
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with writer(engine).begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003_rating_snapshot")
        tables = inspect(engine).get_table_names()
        assert "web_user" not in tables and "label_change" not in tables and "mention" in tables
        assert "manual_by" not in {c["name"] for c in inspect(engine).get_columns("mention")}
        upgrade(engine)
        assert current_revision(engine) == "0015_insight_rollups"
    finally:
        engine.dispose()


def test_users_and_sessions(idx: MentionIndex) -> None:
    acc = Accounts(idx.engine)
    ana = acc.add_user("ana", "admin", "hash-a", at=NOW)
    with pytest.raises(InvalidArgument, match="already exists"):
        acc.add_user("ana", "viewer", "hash-b", at=NOW)
    with pytest.raises(InvalidArgument, match="role 'boss'"):
        acc.add_user("bob", "boss", "hash-b", at=NOW)
    acc.add_user("bob", "viewer", "hash-b", at=NOW)
    assert [(u.name, u.role) for u in acc.users()] == [("ana", "admin"), ("bob", "viewer")]
    assert "password_hash" not in ana.to_dict()
    acc.open_session("t1", ana.id, "csrf1", at=NOW, expires_at=NOW + timedelta(hours=1))
    found = acc.session("t1", at=NOW)
    assert found is not None and found[0].name == "ana" and found[1] == "csrf1"
    assert acc.session("t1", at=NOW + timedelta(hours=2)) is None  # expired
    assert acc.session("nope", at=NOW) is None
    acc.close_session("t1")
    assert acc.session("t1", at=NOW) is None
    acc.open_session("t2", ana.id, "csrf2", at=NOW, expires_at=NOW + timedelta(hours=1))
    assert acc.set_password("ana", "hash-c") and acc.session("t2", at=NOW) is None  # logged out
    acc.open_session("t3", ana.id, "csrf3", at=NOW, expires_at=NOW + timedelta(hours=1))
    assert acc.remove_user("ana") and acc.session("t3", at=NOW) is None
    assert not acc.remove_user("ana") and not acc.set_password("ana", "x")


def test_relabel_and_undo_restore_every_origin(idx: MentionIndex) -> None:
    rows = {m.external_id: m for m in idx.mentions("Acme", limit=100)}
    imported, scored = rows["m0"].id, rows["m1"].id
    idx.set_label(rows["m2"].id, "positive")  # a person's label with no who
    before = {mid: _state(idx, mid) for mid in (imported, scored, rows["m2"].id)}
    assert before[imported][:2] == ("positive", "import") and before[scored][:2] == ("negative", "mm@1")

    change = idx.relabel([imported, scored, rows["m2"].id], "neutral", by="ana")
    assert isinstance(change, LabelChange) and change.mentions == 3 and change.changed_by == "ana"
    assert {_state(idx, m) for m in before} == {("neutral", "manual", "ana")}
    [m] = [r for r in idx.mentions("Acme", limit=100) if r.id == scored]
    assert m.labelled_at is not None and (m.p_negative, m.p_neutral) == (0.6, 0.3)  # probabilities kept

    undone = idx.undo_relabel(change.id, by="bo")
    assert (undone.restored, undone.skipped, undone.undone_by) == (3, 0, "bo")
    assert {mid: _state(idx, mid) for mid in before} == before
    with pytest.raises(InvalidArgument, match="already undone by bo"):
        idx.undo_relabel(change.id)
    assert idx.verify().ok  # rollups and snapshots recount exactly


def test_a_later_change_wins_over_an_undo(idx: MentionIndex) -> None:
    a, b = (m.id for m in idx.mentions("Acme", limit=2))
    original = _state(idx, b)
    first = idx.relabel([a, b], "positive", by="ana")
    second = idx.relabel([b], "negative", by="bo")
    res = idx.undo_relabel(first.id, by="ana")
    assert (res.restored, res.skipped) == (1, 1)
    assert _state(idx, b) == ("negative", "manual", "bo")
    idx.undo_relabel(second.id)
    assert _state(idx, b) == original  # not the first change's label: that one was undone already
    assert [c.id for c in idx.label_changes(mention_id=b)] == [second.id, first.id]
    assert idx.verify().ok


def test_relabel_refuses_bad_input_and_changes_nothing(idx: MentionIndex) -> None:
    mid = idx.mentions("Acme", limit=1)[0].id
    with pytest.raises(InvalidArgument, match="no mention with id 999999"):
        idx.relabel([mid, 999999], "positive")
    with pytest.raises(InvalidArgument, match="select at least one"):
        idx.relabel([], "positive")
    with pytest.raises(InvalidArgument, match="not one of"):
        idx.relabel([mid], "great")
    assert idx.label_changes() == [] and _state(idx, mid)[1] != "manual"
    clear = idx.relabel([mid], None, by="ana")
    assert clear.label is None and _state(idx, mid)[1] == "mm@1"


def test_keyset_listing_and_filters(idx: MentionIndex) -> None:
    everything = list(idx.mentions(None, limit=1000))
    assert len(everything) == 50 and {m.brand for m in everything} == {"Acme", "Rival"}
    keys = [(m.published_at, m.id) for m in everything]
    assert keys == sorted(keys, reverse=True)
    pages, after = [], None
    while True:
        page = idx.mentions(None, limit=7, after=after)
        pages += [m.id for m in page]
        if len(page) < 7:
            break
        after = page[-1].cursor
    assert pages == [m.id for m in everything]
    acme = [m.id for m in idx.mentions("Acme", limit=1000)]
    walked, after = [], None
    while page := idx.mentions("Acme", limit=4, after=after):
        walked += [m.id for m in page]
        after = page[-1].cursor
    assert walked == acme and len(acme) == 30
    assert len(idx.mentions("Acme", text="widget", limit=100)) == 30  # case-insensitive on both databases
    assert len(idx.mentions("Acme", text="100% off_", limit=100)) == 10  # LIKE wildcards are literal
    assert {m.rating for m in idx.mentions("Acme", stars=5, limit=100)} == {5.0}
    assert [m.external_id for m in idx.mentions("Acme", origin="import", limit=100)] == ["m0"]
    assert len(idx.mentions("Acme", origin="model", limit=100)) == 29
    assert len(idx.mentions(None, source="rss", limit=100)) == 20
