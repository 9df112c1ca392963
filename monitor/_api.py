"""``MentionIndex``: the analyst's Python API over the store and the index.

>>> MentionIndex.open("sqlite:///monitor.db").satisfaction("Acme", by="week")  # doctest: +SKIP"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor._aspect_api import AspectMethods
from monitor._check_api import ModelCheckMethods
from monitor._complaint_api import ComplaintMethods
from monitor._config import Config, config_from_dict, load_config
from monitor._driver_api import DriverMethods
from monitor._filters import DateArg, check_day, check_lang, check_source, check_source_name
from monitor._hints import closest, hinted, unknown_brand
from monitor._index import alerts as alert_rules
from monitor._index.agreement import BEFORE_DAYS, RECENT_DAYS, Agreement, ModelCheck, drop_alerts
from monitor._index.alerts import Alert
from monitor._index.periods import BY_VALUES, By, periods
from monitor._index.points import Point, Tally
from monitor._index.snapshots import Snapshot
from monitor._integrity import VerifyReport
from monitor._labels import check_label
from monitor._mention_api import MentionMethods
from monitor._reach_api import ReachMethods
from monitor._records import Mention
from monitor._results import BrandFigures, BreakdownRow, ResultList
from monitor._store import Engine, IngestResult, Store, forget_open_runs, listings, reads, snapshots
from monitor._store import ratings as rating_store
from monitor._store.agreement import rated_scores
from monitor._store.engine import make_engine, upgrade
from monitor._store.listings import MentionRecord, RunRecord, SourceOverview
from monitor._store.ratings import RatingPoint
from monitor._store.relabels import LabelChange
from monitor._theme_api import ThemeMethods
from monitor.errors import InvalidArgument, StorageError


class MentionIndex(
    ComplaintMethods, DriverMethods, ModelCheckMethods, ReachMethods, AspectMethods, ThemeMethods, MentionMethods
):
    """The mention store and index of one database.

    ``store`` (:class:`monitor._store.Store`) takes what collection, scoring and the
    scheduled jobs write — runs, source state, HTTP validators, scores, retention —
    through the ports of :mod:`monitor._ports`; the methods here (and the mixins' of
    :mod:`monitor._complaint_api`, :mod:`monitor._driver_api`, :mod:`monitor._check_api`,
    :mod:`monitor._reach_api`, :mod:`monitor._aspect_api`, :mod:`monitor._theme_api`,
    :mod:`monitor._mention_api`) are the analyst's surface; ``clock`` tells "now" (tests replace it).
    """

    def __init__(self, engine: Engine, config: Config) -> None:
        self.engine = engine
        self.config = config
        self.tz = ZoneInfo(config.index.timezone)
        self.store = Store(engine, self.tz, label_from_rating=config.index.label_from_rating)
        self.clock = lambda: datetime.now(UTC)

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, target: str | Path | Config | None = None, *, migrate: bool = True) -> MentionIndex:
        """Open a database URL, a TOML config path or a :class:`Config`; migrate the schema."""
        if isinstance(target, Config):
            cfg = target
        elif target is None:
            cfg = config_from_dict({})
        else:
            text = str(target)
            if "://" in text:
                cfg = config_from_dict({"database_url": text})
            elif text.endswith(".toml") or Path(text).is_file():
                cfg = load_config(text)
            else:
                raise InvalidArgument(f"{text!r} is neither a database URL nor a config file")
        engine = make_engine(cfg.database_url)
        if migrate:
            upgrade(engine)
        idx = cls(engine, cfg)
        idx._check_stored_rules()
        if cfg.brands or cfg.sources:
            idx.sync_config(cfg)
        return idx

    def _check_stored_rules(self) -> None:
        """Stored days follow ``index.timezone``, stored labels ``index.label_from_rating``."""
        stored, want = self.store.get_meta("timezone"), self.config.index.timezone
        if stored != want:
            if stored is not None:
                self.store.rebuild_rollups()
            self.store.set_meta("timezone", want)
        relabelled = self.store.sync_rating_rule()
        if stored != want or relabelled:
            self.refresh()

    def close(self) -> None:
        """Release database connections (runs still open stay ``running`` until finished or abandoned)."""
        forget_open_runs(self.store)
        self.engine.dispose()

    def __enter__(self) -> MentionIndex:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def sync_config(self, cfg: Config) -> None:
        """Create or update the configured brands and sources."""
        for b in cfg.brands:
            self.store.ensure_brand(
                b.name, aliases=b.aliases, exclusions=b.exclusions, query=b.query, languages=b.languages
            )
        for s in cfg.sources:
            brand_id = self.store.brand_id(s.brand) if s.brand else None
            self.store.ensure_source(s.name, s.kind, brand_id=brand_id, url=s.url, query=s.query, schedule=s.schedule)

    # -- writing ------------------------------------------------------------------------

    def add_mention(
        self,
        *,
        brand: str,
        source: str,
        external_id: str,
        text: str,
        published_at: datetime | None = None,
        lang: str | None = None,
        rating: float | None = None,
        rating_scale: tuple[float, float] | None = None,
        label: str | None = None,
        url: str | None = None,
        author: str | None = None,
        title: str | None = None,
        source_kind: str | None = None,
    ) -> int:
        """Store one mention (idempotent on (source, external_id)); returns its id.

        A bad label raises :class:`~monitor.errors.InvalidLabel`."""
        checked = check_label(label)
        item = Mention(
            external_id=external_id,
            text=text,
            url=url,
            author=author,
            title=title,
            published_at=published_at,
            rating=rating,
            rating_scale=rating_scale,
            lang=lang,
            label=checked,
        )
        res = self.add_mentions(brand, source, [item], source_kind=source_kind)
        if res.mention_ids:
            return res.mention_ids[0]
        mid = self.store.mention_id_of(source, str(external_id).strip())
        if mid is None:
            raise StorageError(f"mention {external_id!r} of {source!r} was not stored")
        return mid

    def add_mentions(
        self,
        brand: str,
        source: str,
        items: Sequence[Mention],
        *,
        source_kind: str | None = None,
        refresh: bool = True,
    ) -> IngestResult:
        """Store many mentions of one brand from one source; snapshots refresh afterwards."""
        res = self.store.add_mentions(brand, source, items, source_kind=source_kind)
        if refresh:
            self.refresh()
        return res

    def add_groups(
        self, groups: Sequence[tuple[str, str, str | None, Sequence[Mention]]], *, refresh: bool = True
    ) -> list[IngestResult]:
        """Store several ``(brand, source, source kind, mentions)`` groups in shared transactions."""
        res = self.store.add_groups(groups)
        if refresh:
            self.refresh()
        return res

    def set_label(self, mention_id: int, label: str | None) -> None:
        """A person's correction; it wins over any model score (None removes it).

        A bad label raises :class:`~monitor.errors.InvalidLabel`."""
        self.store.set_label(mention_id, label)
        self.refresh()

    def verify(self, *, repair: bool = False) -> VerifyReport:
        """Recount rollups and snapshots from the mentions; report differences, texts stored
        twice and runs left ``running`` (``repair`` rebuilds rollups and snapshots first)."""
        from monitor._store import verify as db_verify

        tz, min_sample = self.tz, self.config.index.min_sample
        if repair:
            return db_verify.repair(self.engine, tz, min_sample)
        return db_verify.verify(self.engine, tz, min_sample)

    def refresh(self) -> int:
        """Recompute snapshots of brand-days whose rollups changed."""
        return snapshots.refresh(self.engine, self.config.index.min_sample)

    def recent_runs(self, limit: int = 20, kind: str | None = None) -> ResultList[RunRecord]:
        """The latest runs (of ``kind`` when given), newest first."""
        return ResultList(listings.recent_runs(self.engine, limit, kind))

    def sources_overview(self) -> ResultList[SourceOverview]:
        """Every source with its status, last success and last error, by name."""
        return ResultList(listings.sources_overview(self.engine))

    # -- reading ------------------------------------------------------------------------

    def brands(self) -> list[str]:
        """Names of every brand in the database."""
        return self.store.brand_names()

    def brand(self, name: str) -> str:
        """The stored name of brand ``name`` (an exact match, else a case-insensitive one);
        :class:`~monitor.errors.UnknownBrand`, naming the known brands and the closest, otherwise."""
        return self._brand_name(self._brand_id(name))

    def _brand_id(self, brand: str) -> int:
        """The brand's id; :class:`~monitor.errors.UnknownBrand` when the database has no such brand."""
        bid = self.store.brand_id(brand)
        if bid is None:
            raise unknown_brand(brand, self.brands())
        return bid

    def _window(self, start: DateArg | None, end: DateArg | None) -> tuple[date, date]:
        today = datetime.now(self.tz).date()
        s = check_day(start, "start") if start is not None else today - timedelta(days=29)
        e = check_day(end, "end") if end is not None else today
        if e < s:
            raise InvalidArgument(f"end {e} is before start {s}")
        return s, e

    def satisfaction(
        self,
        brand: str,
        start: date | str | None = None,
        end: date | str | None = None,
        by: By = "day",
        source: str | None = None,
        lang: str | None = None,
    ) -> ResultList[Point]:
        """Index points per calendar period (start/end inclusive; default the last 30 days)."""
        if by not in BY_VALUES:
            raise InvalidArgument(f"by={by!r}: expected 'day', 'week', 'month' or None")
        s, e = self._window(start, end)
        bid = self._brand_id(brand)
        source, lang = check_source(self.engine, source), check_lang(self.engine, lang)
        pts = reads.series(self.engine, [bid], s, e, by, self.config.index.min_sample, source=source, lang=lang)
        return ResultList(pts)

    def breakdown(
        self, brand: str, start: date | str | None = None, end: date | str | None = None, by: str = "source"
    ) -> ResultList[BreakdownRow]:
        """One ``(key, point)`` row per source kind (``by="source"``) or language (``by="lang"``)."""
        if by not in ("source", "lang"):
            raise InvalidArgument.of("by", by, hinted("expected 'source' or 'lang'", closest(by, ("source", "lang"))))
        s, e = self._window(start, end)
        bid = self._brand_id(brand)
        t = reads.tallies(self.engine, [bid], s, e, None, group=by)
        out = [
            BreakdownRow(str(k) if k else "unknown", tally.point(s, self.config.index.min_sample))
            for (k, _), tally in t.items()
        ]
        out.sort(key=lambda kv: (-kv[1].volume, kv[0]))
        return ResultList(out)

    def compare(
        self,
        brands: Sequence[str],
        start: date | str | None = None,
        end: date | str | None = None,
        source: str | None = None,
        lang: str | None = None,
    ) -> ResultList[BrandFigures]:
        """Share of voice and the index per brand over one window."""
        if not brands:
            raise InvalidArgument("compare needs at least one brand")
        s, e = self._window(start, end)
        ids = {b: self._brand_id(b) for b in brands}
        source, lang = check_source(self.engine, source), check_lang(self.engine, lang)
        t = reads.tallies(self.engine, list(ids.values()), s, e, None, source=source, lang=lang, group="brand")
        points = {b: t.get((bid, s), Tally()).point(s, self.config.index.min_sample) for b, bid in ids.items()}
        total = sum(p.volume for p in points.values())
        return ResultList([BrandFigures.of(b, (p.volume / total) if total else None, p) for b, p in points.items()])

    def relabel(self, mention_ids: Sequence[int], label: str | None, *, by: str | None = None) -> LabelChange:
        """A person's label for one mention or a selection (``None``: back to the model's),
        recorded with who and when; undo it with :meth:`undo_relabel`. Snapshots refresh.

        A bad label raises :class:`~monitor.errors.InvalidLabel`; an unknown id
        :class:`~monitor.errors.InvalidArgument` (and nothing changes)."""
        change = self.store.relabel(mention_ids, label, by=by, at=datetime.now(UTC))
        self.refresh()
        return change

    def undo_relabel(self, change_id: int, *, by: str | None = None) -> LabelChange:
        """Put back the labels a :meth:`relabel` replaced; mentions relabelled since keep their label."""
        change = self.store.undo_relabel(change_id, by=by, at=datetime.now(UTC))
        self.refresh()
        return change

    def label_changes(self, limit: int = 20, mention_id: int | None = None) -> ResultList[LabelChange]:
        """The latest relabellings by people (of one mention when given), newest first."""
        return ResultList(self.store.label_changes(limit, mention_id))

    def _brand_name(self, bid: int) -> str:
        return self.store.brand_name(bid)

    def alerts(self, brand: str, at: datetime | None = None, *, drivers: bool = True) -> ResultList[Alert]:
        """Alerts for the 24 hours up to ``at`` (default now), each with its numbers and (unless
        ``drivers=False``, which saves reading themes and aspects) its drivers; and the model
        disagreeing with the stars over the last 7 days (``model_disagrees``)."""
        bid = self._brand_id(brand)
        at = at or datetime.now(UTC)
        if at.tzinfo is None:
            raise InvalidArgument("at must be timezone-aware")
        edges = [at - timedelta(hours=24 * i) for i in range(8, -1, -1)]
        windows = reads.window_counts(self.engine, bid, edges)
        windows.reverse()  # newest first
        cfg, name = self.config.index, self._brand_name(bid)
        found = alert_rules.evaluate(name, windows, bar=cfg.bar, min_sample=cfg.min_sample, k=cfg.spike_k)
        day = at.astimezone(self.tz).date()
        if found and drivers:  # what drove them: the local day against the daily average of the 7 days before
            why = tuple(self.drivers(name, day, days=1, baseline_days=7).lines())
            found = [replace(a, drivers=why) for a in found]
        rows = rated_scores(self.engine, day - timedelta(days=BEFORE_DAYS + RECENT_DAYS - 1), day, brand_id=bid)
        found += drop_alerts(name, rows, day, drop=cfg.agreement_drop, min_sample=cfg.agreement_min_sample)
        return ResultList(found)

    def snapshots(
        self, brand: str, start: date | str | None = None, end: date | str | None = None, scope: str = "all"
    ) -> ResultList[Snapshot]:
        """Stored daily snapshots (what the index was on each day, as last computed) of one
        ``scope``: ``"all"`` (the brand as a whole), ``"source"`` (per source kind) or ``"lang"``."""
        if scope not in ("all", "source", "lang"):
            raise InvalidArgument(f"scope={scope!r}: expected 'all', 'source' or 'lang'")
        self.refresh()
        s, e = self._window(start, end)
        bid = self._brand_id(brand)
        return ResultList(listings.snapshots(self.engine, bid, s, e, scope))

    def ratings(
        self,
        brand: str | None = None,
        start: date | str | None = None,
        end: date | str | None = None,
        *,
        source: str | None = None,
    ) -> ResultList[RatingPoint]:
        """Daily AggregateRating snapshots (a shop's average stars over time) of a brand's
        sources or of one source, by source then day (default the last 30 days)."""
        if brand is None and source is None:
            raise InvalidArgument("ratings() needs a brand or a source")
        s, e = self._window(start, end)
        bid = self._brand_id(brand) if brand is not None else None
        source = check_source_name(self.engine, source)
        return ResultList(rating_store.points(self.engine, s, e, brand_id=bid, source=source))

    def days(self, start: date, end: date) -> list[date]:
        """Every calendar day from start to end inclusive."""
        return periods(start, end, "day")


__all__ = [
    "Agreement",
    "BrandFigures",
    "BreakdownRow",
    "LabelChange",
    "MentionIndex",
    "MentionRecord",
    "ModelCheck",
    "RatingPoint",
    "RunRecord",
    "Snapshot",
    "SourceOverview",
]
