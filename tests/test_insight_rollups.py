"""The daily rollups of themes and aspects (``theme_day``, ``aspect_day``) on SQLite and
PostgreSQL: every read over whole local days gives what the mentions give, through theme
updates, tagging, relabelling (dirty days read raw until refreshed), a tag reset, a timezone
change and retention; the migration fills them from what is stored."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import func, insert, select, update

from monitor._api import MentionIndex
from monitor._config import config_from_dict
from monitor._records import Mention
from monitor._store import insight_rollups as ir
from monitor._store import themes as theme_store
from monitor._store.aspects import (
    NO_ASPECT,
    AspectCount,
    TagRow,
    WindowFilter,
    aspect_counts,
    brand_totals,
    clear_tags,
    write_tags,
)
from monitor._store.engine import writer
from monitor._store.tables import DIRTY_DAY_T, MENTION_T
from monitor._store.tables_insights import ASPECT_DAY_T, THEME_DAY_T
from monitor._store.theme_tables import MENTION_THEME_T

TZ = "Europe/Stockholm"
FIRST = date(2026, 11, 20)
DAYS = 10
ASPECTS = ["price", "delivery", "app", NO_ASPECT]


def _config(url: str, tz: str = TZ) -> object:
    return config_from_dict({"database_url": url, "index": {"timezone": tz}})


def _mentions(brand: str, n: int, seed: int) -> list[Mention]:
    """``n`` mentions over ``DAYS`` local days, many within an hour of local midnight (so a
    day taken in UTC would differ), in three languages and every label."""
    rng = np.random.default_rng(seed)
    tz = ZoneInfo(TZ)
    out = []
    for i in range(n):
        day = FIRST + timedelta(days=int(rng.integers(DAYS)))
        minute = int(rng.choice([5, 50, 600, 1430, 1439]))
        at = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=minute)
        label = ["positive", "neutral", "negative"][int(rng.integers(3))]
        out.append(Mention(f"{brand}-{i}", f"text {i}", published_at=at, label=label, lang=["en", "sv", None][i % 3]))
    return out


def _ids(idx: MentionIndex, brand: str) -> list[int]:
    bid = idx.store.brand_id(brand)
    with idx.engine.connect() as conn:
        return list(
            conn.execute(select(MENTION_T.c.id).where(MENTION_T.c.brand_id == bid).order_by(MENTION_T.c.id)).scalars()
        )


def _decorate(idx: MentionIndex, brand: str, ids: list[int], seed: int) -> None:
    """Three themes (a fifth of the mentions in none) and aspect tags, as the steps store them."""
    rng = np.random.default_rng(seed)
    new = [theme_store.NewTheme(f"t{k}", "", {}, np.zeros(4, np.float32)) for k in range(3)]
    assign = [
        (i, None, int(k), 0.5) if k < 3 else (i, None, None, None)
        for i, k in zip(ids, rng.integers(4, size=len(ids)), strict=True)
    ]
    theme_store.save(idx.engine, idx.store.brand_id(brand), "v1", theme_store.ThemeWrites(new=new, assign=assign))
    rows = []
    for i in ids[: len(ids) * 4 // 5]:  # a fifth not tagged yet
        picks = {ASPECTS[int(k)] for k in rng.integers(len(ASPECTS), size=int(rng.integers(1, 3)))}
        rows += [TagRow(i, a) for a in (picks - {NO_ASPECT} or {NO_ASPECT})]
    write_tags(idx.engine, rows)


@pytest.fixture
def idx(db_url: str):  # type: ignore[no-untyped-def]
    with MentionIndex.open(_config(db_url)) as index:
        index.add_mentions("Lumio", "shop", _mentions("Lumio", 240, 1))
        index.add_mentions("Brisa", "shop", _mentions("Brisa", 120, 2))
        for brand, seed in (("Lumio", 3), ("Brisa", 4)):
            _decorate(index, brand, _ids(index, brand), seed)
        index.refresh()
        yield index


def _windows(tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    def at(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(UTC)

    return [
        (at(FIRST + timedelta(days=a)), at(FIRST + timedelta(days=b))) for a, b in ((0, DAYS), (2, 5), (4, 5), (-3, 3))
    ]


def _sorted(rows: list[AspectCount]) -> list[tuple[str, str, str, int]]:
    return sorted((r.brand, r.aspect, r.label, r.n) for r in rows)


def _both(idx: MentionIndex, tz: ZoneInfo) -> list[tuple[object, object]]:
    """(rollup read, raw read) of every read the rollups serve, over several windows."""
    out: list[tuple[object, object]] = []
    bid = idx.store.brand_id("Lumio")
    for since, until in _windows(tz):
        out.append(
            (theme_store.tallies(idx.engine, bid, since, until, tz), theme_store.tallies(idx.engine, bid, since, until))
        )
        whole = [theme_store.tallies(idx.engine, bid, since, until, z, by_day=False) for z in (tz, None)]
        out.append((whole[0], whole[1]))
        f = WindowFilter(since, until)
        out.append((_sorted(aspect_counts(idx.engine, None, f, tz)), _sorted(aspect_counts(idx.engine, None, f))))
        out.append((_sorted(aspect_counts(idx.engine, [bid], f, tz)), _sorted(aspect_counts(idx.engine, [bid], f))))
        out.append((brand_totals(idx.engine, None, f, tz), brand_totals(idx.engine, None, f)))
    return out


def _assert_same(idx: MentionIndex, tz: ZoneInfo | None = None) -> None:
    for rolled, raw in _both(idx, tz or ZoneInfo(TZ)):
        assert rolled == raw


def _rollup_rows(idx: MentionIndex) -> tuple[int, int]:
    with idx.engine.connect() as conn:
        return (
            int(conn.execute(select(func.count()).select_from(THEME_DAY_T)).scalar_one()),
            int(conn.execute(select(func.count()).select_from(ASPECT_DAY_T)).scalar_one()),
        )


def test_reads_over_whole_days_equal_the_mentions_and_come_from_the_rollups(idx: MentionIndex) -> None:
    themes, aspects = _rollup_rows(idx)
    assert themes > 0 and aspects > 0
    _assert_same(idx)
    bid = idx.store.brand_id("Lumio")
    since, until = _windows(ZoneInfo(TZ))[0]
    before = theme_store.tallies(idx.engine, bid, since, until, ZoneInfo(TZ))
    tagged_before = brand_totals(idx.engine, None, WindowFilter(since, until), ZoneInfo(TZ))["Lumio"]
    with writer(idx.engine).begin() as conn:  # the rollups are what is read: a changed row shows
        conn.execute(update(THEME_DAY_T).where(THEME_DAY_T.c.brand_id == bid).values(n=THEME_DAY_T.c.n + 1000))
        conn.execute(
            update(ASPECT_DAY_T).where(ASPECT_DAY_T.c.aspect == ir.TAGGED, ASPECT_DAY_T.c.brand_id == bid).values(n=0)
        )
    assert sum(theme_store.tallies(idx.engine, bid, since, until, ZoneInfo(TZ)).values()) > sum(before.values()) + 999
    assert brand_totals(idx.engine, None, WindowFilter(since, until), ZoneInfo(TZ))["Lumio"] == (tagged_before[0], 0)
    # a dirty day reads the mentions; the refresh recomputes it
    with writer(idx.engine).begin() as conn:
        conn.execute(insert(DIRTY_DAY_T), [{"brand_id": bid, "day": FIRST + timedelta(days=d)} for d in range(DAYS)])
    _assert_same(idx)
    assert idx.refresh() == DAYS
    _assert_same(idx)
    assert theme_store.tallies(idx.engine, bid, since, until, ZoneInfo(TZ)) == before


def test_windows_not_of_whole_days_read_the_mentions(idx: MentionIndex) -> None:
    bid = idx.store.brand_id("Lumio")
    since, until = _windows(ZoneInfo(TZ))[0]
    with writer(idx.engine).begin() as conn:
        conn.execute(update(THEME_DAY_T).values(n=THEME_DAY_T.c.n + 1000))
    for s, u in ((since + timedelta(hours=1), until), (since, until - timedelta(minutes=1))):
        assert theme_store.tallies(idx.engine, bid, s, u, ZoneInfo(TZ)) == theme_store.tallies(idx.engine, bid, s, u)
    assert ir.aligned_days(since, until, ZoneInfo("UTC")) is None  # whole days in the index timezone only
    f = WindowFilter(since, until, lang="en")  # a language filter: the rollups have no language
    assert _sorted(aspect_counts(idx.engine, None, f, ZoneInfo(TZ))) == _sorted(aspect_counts(idx.engine, None, f))


def test_a_relabel_shows_at_once_and_the_refresh_folds_it_into_the_rollups(idx: MentionIndex) -> None:
    ids = _ids(idx, "Lumio")
    idx.store.relabel(ids[:40], "negative", by="ann", at=datetime.now(UTC))  # store level: no refresh yet
    with idx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(DIRTY_DAY_T)).scalar_one() > 0
    _assert_same(idx)  # dirty days from the mentions
    idx.refresh()
    with idx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(DIRTY_DAY_T)).scalar_one() == 0
    _assert_same(idx)  # clean again, from the recomputed rollups
    change = idx.relabel(ids[40:50], "positive", by="ann")
    idx.undo_relabel(change.id, by="ann")
    _assert_same(idx)


def test_theme_updates_new_tags_and_a_tag_reset_keep_them_exact(idx: MentionIndex) -> None:
    idx.add_mentions("Lumio", "shop", _mentions("Lumio-late", 60, 5))
    idx.refresh()
    ids = _ids(idx, "Lumio")
    late = ids[-60:]
    _decorate(idx, "Lumio", late, 6)  # new themes, new tags for the new mentions
    _assert_same(idx)
    moved = [(i, None, 0, 0.7) for i in ids[:30]]  # an update reassigns old mentions to a new theme
    new = [theme_store.NewTheme("moved", "", {}, np.zeros(4, np.float32))]
    theme_store.save(idx.engine, idx.store.brand_id("Lumio"), "v1", theme_store.ThemeWrites(new=new, assign=moved))
    _assert_same(idx)
    clear_tags(idx.engine)
    assert _rollup_rows(idx)[1] == 0
    _assert_same(idx)
    write_tags(idx.engine, [TagRow(i, "price") for i in ids[:50]])
    _assert_same(idx)
    since, until = _windows(ZoneInfo(TZ))[0]
    counts = Counter({c.label: c.n for c in aspect_counts(idx.engine, None, WindowFilter(since, until), ZoneInfo(TZ))})
    assert sum(counts.values()) == 50


def test_a_timezone_change_recomputes_the_days(db_url: str) -> None:
    with MentionIndex.open(_config(db_url)) as index:
        index.add_mentions("Lumio", "shop", _mentions("Lumio", 200, 7))
        _decorate(index, "Lumio", _ids(index, "Lumio"), 8)
        index.refresh()
        _assert_same(index)
    with MentionIndex.open(_config(db_url, "America/New_York")) as index:
        index.refresh()
        _assert_same(index, ZoneInfo("America/New_York"))
        assert _rollup_rows(index)[0] > 0


@pytest.mark.parametrize("hour", [0, 3, 23])
def test_recompute_leaves_days_before_the_retention_cutoff_alone(idx: MentionIndex, hour: int) -> None:
    bid = idx.store.brand_id("Lumio")
    tz = ZoneInfo(TZ)
    since, until = _windows(tz)[0]
    before = theme_store.tallies(idx.engine, bid, since, until, tz)
    cut = datetime(FIRST.year, FIRST.month, FIRST.day, hour, tzinfo=UTC) + timedelta(days=4)
    removed = idx.store.apply_retention(0, 10_000, now=cut)
    assert removed["mentions"] > 0
    # the last local day that starts before the cutoff: its mentions may be gone, later ones are whole
    floor = ir.retention_floor(cut, tz)
    assert (
        datetime.combine(floor, datetime.min.time(), tz)
        < cut
        <= datetime.combine(floor + timedelta(days=1), datetime.min.time(), tz)
    )
    ids = [
        m.id for m in idx.mentions("Lumio", limit=500) if m.published_at.astimezone(tz).date() == floor + timedelta(1)
    ]
    assert ids
    idx.store.relabel(ids, "negative", by="ann", at=datetime.now(UTC))  # the first whole day: must show
    with writer(idx.engine).begin() as conn:  # every day dirty: recomputed, except the retained ones
        rows = [{"brand_id": bid, "day": FIRST + timedelta(days=d)} for d in range(DAYS)]
        conn.execute(ir_dirty_upsert(conn), rows)
    idx.refresh()
    after = theme_store.tallies(idx.engine, bid, since, until, tz)
    kept = {k: v for k, v in before.items() if k[1] <= floor}
    assert kept and {k: v for k, v in after.items() if k[1] <= floor} == kept  # history kept
    raw = theme_store.tallies(idx.engine, bid, since, until)
    assert {k: v for k, v in after.items() if k[1] > floor} == {k: v for k, v in raw.items() if k[1] > floor}
    assert idx.verify().ok  # verify checks exactly the days after the floor, and agrees


def ir_dirty_upsert(conn):  # type: ignore[no-untyped-def]
    from monitor._store.dialect import dialect_insert

    return dialect_insert(conn, DIRTY_DAY_T).on_conflict_do_nothing()


def test_verify_reports_theme_and_aspect_rows_of_days_without_mentions(idx: MentionIndex) -> None:
    bid = idx.store.brand_id("Brisa")
    empty = FIRST - timedelta(days=40)
    with writer(idx.engine).begin() as conn:
        conn.execute(insert(ASPECT_DAY_T).values(brand_id=bid, day=empty, aspect="price", label="negative", n=3))
    report = idx.verify()
    assert [(d.table, d.key["day"], d.stored, d.recounted) for d in report.rollups] == [
        ("aspect_day", empty.isoformat(), 3, 0)
    ]
    assert idx.verify(repair=True).ok
    assert _rollup_rows(idx)[1] > 0


def test_the_migration_fills_the_rollups_from_what_is_stored(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from sqlalchemy import inspect

    from monitor._store.engine import MIGRATIONS_DIR, make_engine, upgrade

    with MentionIndex.open(_config(db_url)) as index:
        index.add_mentions("Lumio", "shop", _mentions("Lumio", 150, 9))
        _decorate(index, "Lumio", _ids(index, "Lumio"), 10)
        index.refresh()
        expected = _both(index, ZoneInfo(TZ))
    engine = make_engine(db_url)
    try:
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with writer(engine).begin() as conn:  # back to a store made before the rollups
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0014_aspect_index")
        assert "theme_day" not in inspect(engine).get_table_names()
        upgrade(engine)
    finally:
        engine.dispose()
    with MentionIndex.open(_config(db_url)) as index:
        assert _rollup_rows(index)[0] > 0
        with index.engine.connect() as conn:  # each assignment carries its mention's publication time
            pairs = conn.execute(
                select(MENTION_THEME_T.c.published_at, MENTION_T.c.published_at).join(
                    MENTION_T, MENTION_T.c.id == MENTION_THEME_T.c.mention_id
                )
            ).all()
        assert pairs and all(a == b for a, b in pairs)
        assert _both(index, ZoneInfo(TZ)) == expected
        _assert_same(index)


def test_verify_reports_a_wrong_theme_or_aspect_count_and_repair_recomputes_it(idx: MentionIndex) -> None:
    assert idx.verify().ok
    bid = idx.store.brand_id("Lumio")
    day = FIRST + timedelta(days=3)
    with writer(idx.engine).begin() as conn:
        conn.execute(update(THEME_DAY_T).where(THEME_DAY_T.c.brand_id == bid, THEME_DAY_T.c.day == day).values(n=99))
        conn.execute(ASPECT_DAY_T.delete().where(ASPECT_DAY_T.c.brand_id == bid, ASPECT_DAY_T.c.aspect == "price"))
    report = idx.verify()
    tables = {d.table for d in report.rollups}
    assert tables == {"theme_day", "aspect_day"} and not report.ok
    assert {d.key["brand"] for d in report.rollups} == {"Lumio"}
    repaired = idx.verify(repair=True)
    assert repaired.ok and repaired.repaired["insight_days"] >= 1
    _assert_same(idx)


def test_a_rare_aspect_over_every_brand_lists_the_same_mentions_as_the_walk(
    idx: MentionIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor._store import listings

    def pages(aspect: str) -> list[list[int]]:
        out, after = [], None
        for _ in range(4):
            page = list(idx.mentions(None, aspect=aspect, limit=25, after=after))
            out.append([m.id for m in page])
            if len(page) < 25:
                break
            after = page[-1].cursor
        return out

    rare = {a: pages(a) for a in ("price", "delivery")}
    assert all(rare[a][0] for a in rare)
    monkeypatch.setattr(listings, "RARE_ASPECT", 0)  # every aspect walked brand by brand
    assert {a: pages(a) for a in rare} == rare
