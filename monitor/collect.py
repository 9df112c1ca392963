"""Collection: every enabled source → pages → mentions → brands → languages → the store.

For each source (concurrently, politeness is per host in the HTTP layer):

1. fetch pages through the shared :class:`~monitor.http.HttpClient` (the kind's module
   in :mod:`monitor.sources` pages and stops incrementally);
2. brand matching (:mod:`monitor.matching`) — skipped for a source bound to a brand;
   mentions of no brand are counted as *unmatched* and dropped;
3. in batches of about ``FLUSH_AT`` mentions (and whenever a walk ends, however it
   ends): language identification (:mod:`monitor.langid`, the declared language as a
   hint; batched because it is much cheaper per text that way), then
   :class:`~monitor.records.MentionIn` → :func:`~monitor.mention_rules.check_mention`
   (an unusable item — no text, title or rating; a blank id — is skipped and counted by
   reason, an impossible rating dropped from an item with words; the rest is stored) →
   ``index.add_mentions``; the store de-duplicates on (source, external id) and records
   cross-source sightings by text;
5. the source's status with the reason: ``ok``; ``not_modified``; ``partial`` — what was
   read is stored but not everything was (items skipped, a later page failed — named with
   its URL and HTTP status —, or the walk stopped at ``max_pages``); ``blocked`` /
   ``failed`` — nothing was read. The new cursor and HTTP validators are written only when
   the walk read everything it should have.

A walk stopped at ``max_pages`` with pages left stores where it stopped (``resume`` in the
cursor); the next run goes on from there, and the cursor's ``newest`` (with the kind's
values, e.g. Mastodon ``since_id``) advances only when that backlog is read to its end, so
nothing between is skipped. A run killed half-way leaves stored pages stored and the
cursor untouched, so the next run walks the same pages again and stores every mention
exactly once.

The store is anything with the :class:`IndexLike` methods (``monitor.api.MentionIndex``).
``[http] workers = N`` (``Collector(workers=N)``) splits the sources over N processes,
never splitting the sources of one host (:mod:`monitor.collect_shards`).
``Collector(langid_workers=N)`` instead moves only language identification to N worker
processes; the default runs it inline.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import multiprocessing
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from monitor.collect_shards import ShardProcess, database_url, politeness_groups
from monitor.config import BrandConfig, Config, Secrets, SourceConfig
from monitor.errors import ConfigError, MonitorError, SourceBlocked
from monitor.http import HttpClient, redact_text
from monitor.langid import LanguageIdentifier, default_identifier, identify_batch
from monitor.matching import BrandMatcher, match_brands
from monitor.mention_rules import check_mention
from monitor.records import MentionIn, RawMention
from monitor.sources._text import MAX_FIELD, MAX_TEXT
from monitor.sources.base import FetchContext, Page, Resume, get_source

log = logging.getLogger("monitor.collect")

#: Published dates further ahead than this are not trusted for the incremental cursor.
FUTURE_SLACK = timedelta(hours=1)
#: Mentions are written in batches of about this many (and whenever a walk ends).
FLUSH_AT = 400


class IndexLike(Protocol):
    """The part of :class:`monitor.api.MentionIndex` collection uses."""

    def sync_config(self, cfg: Config) -> None: ...
    def add_mentions(self, brand: str, source: str, items: Sequence[MentionIn]) -> Any: ...
    def known_external_ids(self, source: str, external_ids: Iterable[str]) -> set[str]: ...
    def source_state(self, source: str) -> Any: ...
    def record_source_result(
        self,
        source: str,
        status: str,
        reason: str | None = None,
        cursor: dict[str, Any] | None = None,
    ) -> None: ...
    def http_validators(self, url: str) -> tuple[str | None, str | None] | None: ...
    def set_http_validators(self, url: str, etag: str | None, last_modified: str | None) -> None: ...
    def start_run(self, kind: str) -> int: ...
    def finish_run(self, run_id: int, status: str, counts: dict[str, Any], errors: list[str]) -> None: ...


@dataclass
class SourceReport:
    """What happened to one source in one run."""

    name: str
    kind: str
    status: str = "ok"  # ok | partial | not_modified | blocked | failed
    reason: str | None = None
    pages: int = 0
    fetched: int = 0
    new: int = 0
    duplicate: int = 0
    sightings: int = 0
    unmatched: int = 0
    #: Items not stored because they are unusable (see :mod:`monitor.mention_rules`).
    skipped: int = 0
    #: Items stored without an unusable part (an impossible rating).
    repaired: int = 0
    #: Why items were skipped or repaired: reason → how many.
    skip_reasons: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    elapsed_s: float = 0.0

    def skip_note(self) -> str | None:
        """``skipped 1 of 12 items: no text, title or rating ×1`` (``None``: nothing skipped)."""
        if not self.skip_reasons:
            return None
        why = ", ".join(f"{reason} ×{n}" for reason, n in sorted(self.skip_reasons.items()))
        head = f"skipped {self.skipped} of {self.fetched} items"
        if self.repaired:
            head += f", kept {self.repaired} without a bad rating"
        return f"{head}: {why}"

    def counts(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "pages": self.pages,
            "fetched": self.fetched,
            "new": self.new,
            "duplicate": self.duplicate,
            "sightings": self.sightings,
            "unmatched": self.unmatched,
            "skipped": self.skipped,
            "repaired": self.repaired,
            "skip_reasons": dict(self.skip_reasons),
            "errors": self.errors,
            "elapsed_s": round(self.elapsed_s, 3),
        }


@dataclass
class CollectReport:
    """A whole run: per-source reports and the Run record's id."""

    run_id: int | None
    sources: list[SourceReport] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def status(self) -> str:
        """``ok`` (every source ok or unchanged), ``failed`` (every source failed or was
        blocked), else ``partial`` (some failed, or some stored only part of what they had)."""
        bad = [s for s in self.sources if s.status in ("blocked", "failed")]
        if not bad and all(s.status in ("ok", "not_modified") for s in self.sources):
            return "ok"
        return "failed" if len(bad) == len(self.sources) else "partial"

    def totals(self) -> dict[str, int]:
        keys = ("pages", "fetched", "new", "duplicate", "sightings", "unmatched", "skipped", "repaired", "errors")
        return {k: sum(getattr(s, k) for s in self.sources) for k in keys}

    def errors(self) -> list[str]:
        """One line per source that was not fully collected (blocked, failed or partial)."""
        return [
            f"{s.name}: {s.status}: {s.reason}" for s in self.sources if s.status in ("partial", "blocked", "failed")
        ]


class ProgressSink(Protocol):
    def source_started(self, source: SourceConfig) -> None: ...
    def page_done(self, source: SourceConfig, page: Page | None, report: SourceReport) -> None: ...
    def source_done(self, source: SourceConfig, report: SourceReport) -> None: ...


class _NoProgress:
    def source_started(self, source: SourceConfig) -> None:
        pass

    def page_done(self, source: SourceConfig, page: Page | None, report: SourceReport) -> None:
        pass

    def source_done(self, source: SourceConfig, report: SourceReport) -> None:
        pass


def select_sources(cfg: Config, source: str | None = None, brand: str | None = None) -> list[SourceConfig]:
    """Sources to run: ``--source`` (even if disabled) or all enabled, narrowed by ``--brand``."""
    chosen = [cfg.source(source)] if source is not None else [s for s in cfg.sources if s.enabled]
    if brand is not None:
        b = cfg.brand(brand).name
        chosen = [s for s in chosen if s.brand in (None, b)]
    return chosen


def _clip(text: str | None, limit: int) -> str | None:
    return text[:limit] if text else text


class Collector:
    """One collection run over a config and an index."""

    def __init__(
        self,
        cfg: Config,
        index: IndexLike,
        *,
        http: HttpClient | None = None,
        secrets: Secrets | None = None,
        identifier: LanguageIdentifier | None = None,
        relax_loopback: bool = False,
        progress: ProgressSink | None = None,
        only_brand: str | None = None,
        source_concurrency: int = 4,
        langid_workers: int = 0,
        workers: int | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.cfg = cfg
        self.index = index
        self._http = http
        self.secrets = secrets or Secrets()
        self.identifier = identifier or default_identifier()
        self.relax_loopback = relax_loopback
        self.progress = progress or _NoProgress()
        self.only_brand = cfg.brand(only_brand).name if only_brand else None
        brands = [b for b in cfg.brands if self.only_brand in (None, b.name)]
        self.matchers = [BrandMatcher.from_config(b) for b in brands]
        self.source_concurrency = max(1, source_concurrency)
        self.now = now
        self._add_kwargs = _supported_kwargs(index.add_mentions, {"refresh": False})
        self.langid_workers = langid_workers
        self.workers = max(1, cfg.http.workers if workers is None else workers)
        self._pool: ProcessPoolExecutor | None = None

    async def run(self, sources: Sequence[SourceConfig]) -> CollectReport:
        """Collect ``sources`` under one Run record (in worker processes when configured)."""
        started = time.monotonic()
        run_id = self.index.start_run("collect")
        report = CollectReport(run_id)
        db_url = database_url(self.index) if self.workers > 1 and self._http is None else None
        if db_url is None:
            results = [await self.collect_sources(sources)]
        else:
            # Groups of sources (one per host) are handed out on demand: to this process's
            # lanes and to each worker when it asks, so a slow start or a big host evens out.
            groups = deque(politeness_groups(sources, relax_loopback=self.relax_loopback))
            others = [ShardProcess(self, groups, db_url) for _ in range(min(self.workers, len(groups)) - 1)]

            async def mine() -> list[SourceConfig] | None:
                return groups.popleft() if groups else None

            results = await asyncio.gather(self.collect_sources([], more=mine), *(o.run() for o in others))
        by_name = {rep.name: rep for reports in results for rep in reports}
        report.sources = [by_name[s.name] for s in sources]
        if hasattr(self.index, "refresh") and self._add_kwargs:
            self.index.refresh()
        report.elapsed_s = time.monotonic() - started
        counts: dict[str, Any] = {
            **report.totals(),
            "sources": {s.name: s.counts() for s in report.sources},
        }
        self.index.finish_run(run_id, report.status, counts, report.errors())
        return report

    async def collect_sources(
        self,
        sources: Sequence[SourceConfig],
        *,
        more: Callable[[], Awaitable[list[SourceConfig] | None]] | None = None,
    ) -> list[SourceReport]:
        """Walk ``sources`` in this process (no Run record): one report per source.

        ``source_concurrency`` lanes each walk one source at a time; when ``sources`` run
        out, ``more()`` is asked for the next batch (``None``: there is no more).
        """
        own_http = self._http is None
        http = self._http or HttpClient(self.cfg.http, validators=self.index, relax_loopback=self.relax_loopback)
        if self.langid_workers > 0:
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.langid_workers, mp_context=ctx)
        todo: deque[SourceConfig] = deque(sources)
        reports: list[SourceReport] = []
        asking = asyncio.Lock()
        exhausted = more is None

        async def next_source() -> SourceConfig | None:
            nonlocal exhausted
            if todo:
                return todo.popleft()
            async with asking:
                while not todo and not exhausted:
                    got = await more() if more is not None else None
                    if got:
                        todo.extend(got)
                    else:
                        exhausted = True
                return todo.popleft() if todo else None

        async def lane() -> None:
            while (src := await next_source()) is not None:
                reports.append(await self.collect_source(src, http))

        try:
            await asyncio.gather(*(lane() for _ in range(self.source_concurrency)))
            return reports
        finally:
            if own_http:
                await http.aclose()
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    # -- one source ---------------------------------------------------------------------

    async def collect_source(self, src: SourceConfig, http: HttpClient) -> SourceReport:
        rep = SourceReport(src.name, src.kind)
        started = time.monotonic()
        self.progress.source_started(src)
        try:
            await self._walk(src, http, rep)
        except SourceBlocked as exc:
            self._finish(src, rep, "blocked", str(exc))
        except (MonitorError, ValueError) as exc:
            self._finish(src, rep, "failed", str(exc))
        except Exception as exc:  # one broken source never stops the run
            log.exception("source %s crashed", src.name)
            self._finish(src, rep, "failed", f"internal error: {type(exc).__name__}: {exc}")
        rep.elapsed_s = time.monotonic() - started
        self.progress.source_done(src, rep)
        return rep

    def _finish(
        self,
        src: SourceConfig,
        rep: SourceReport,
        status: str,
        reason: str | None,
        cursor: dict[str, Any] | None = None,
    ) -> None:
        rep.status = status
        rep.reason = redact_text(reason) if reason else None
        if status in ("blocked", "failed"):
            rep.errors += 1
        if status in ("partial", "blocked", "failed"):
            log.warning("source %s %s: %s", src.name, status, rep.reason)
        self.index.record_source_result(src.name, status, rep.reason, cursor)

    async def _walk(self, src: SourceConfig, http: HttpClient, rep: SourceReport) -> None:
        source = get_source(src.kind)
        state = self.index.source_state(src.name)
        cursor = dict(getattr(state, "cursor", None) or {})
        backlog = _Backlog.from_cursor(cursor)
        brand_cfg = self.cfg.brand(src.brand) if src.brand else None
        ctx = FetchContext(
            source=src,
            http=http,
            secrets=self.secrets,
            brand=brand_cfg,
            max_pages=self.cfg.http.max_pages,
            cursor={k: v for k, v in cursor.items() if k != _RESUME},
            known=lambda ids: self.index.known_external_ids(src.name, ids),
            resume=backlog.resume if backlog else None,
        )
        first: Page | None = None
        last_ok: Page | None = None
        newest = _parse_newest(cursor.get("newest"))
        horizon = self.now() + FUTURE_SLACK
        pending: list[_Matched] = []
        try:
            async for page in source.fetch(ctx):
                rep.pages += 1
                if first is None:
                    first = page
                if page.status != "ok":
                    self._flush(src, pending, rep)
                    self._stopped_by(src, rep, page, cursor)
                    return
                last_ok = page
                rep.fetched += len(page.mentions)
                pending.extend(self._match(brand_cfg, page.mentions, rep))
                if len(pending) >= FLUSH_AT:
                    await self._identify(pending)
                    self._flush(src, pending, rep)
                for m in page.mentions:
                    if m.published_at is not None and m.published_at <= horizon:
                        newest = m.published_at if newest is None else max(newest, m.published_at)
                self.progress.page_done(src, page, rep)
            await self._identify(pending)
        finally:
            # Whatever ends the walk, what was parsed is stored (the cursor is not advanced).
            self._flush(src, pending, rep)
        notes = [n for n in (rep.skip_note(),) if n]
        base = {k: v for k, v in cursor.items() if k != _RESUME}
        if ctx.left_off is not None:
            # Stopped at max_pages with pages left: go on from there next run; the cursor's
            # newest (and the kind's values) advance only once the backlog is read to its end.
            held = backlog.extend(newest, ctx.cursor_out) if backlog else _Backlog(ctx.left_off, newest, ctx.cursor_out)
            new_cursor = {**base, _RESUME: replace(held, resume=ctx.left_off).as_dict()}
            after = last_ok.result.safe_url if last_ok is not None else ctx.left_off.start
            notes.insert(0, f"stopped at max_pages = {ctx.max_pages}; pages after {after} left for the next run")
        else:
            new_cursor = {**base, **ctx.cursor_out}
            if backlog is not None:  # the backlog is read: commit what its first run saw
                new_cursor.update(backlog.cursor_out)
                newest = _later(newest, backlog.newest)
            if newest is not None:
                new_cursor["newest"] = newest.isoformat()
        self._finish(src, rep, "partial" if notes else "ok", "; ".join(notes) or None, new_cursor)
        if first is not None and first.result.ok and not first.resumed and ctx.left_off is None:
            http.remember(first.result)

    def _stopped_by(self, src: SourceConfig, rep: SourceReport, page: Page, cursor: dict[str, Any]) -> None:
        """Record a walk ended by a page that is not ``ok`` (the cursor does not advance)."""
        result = page.result
        if page.status == "not_modified" and page.number == 1 and not page.resumed:
            self._finish(src, rep, "not_modified", result.reason)
            return
        status = page.status if page.status in ("blocked", "failed") else "failed"
        what = page.error or f"{result.reason or status} ({result.safe_url})"
        notes = [n for n in (rep.skip_note(),) if n]
        if page.number > 1:
            # Earlier pages were read and stored: keep them, say which page failed.
            rep.errors += 1
            notes.insert(0, f"page {page.number} {status}: {what}; pages 1–{page.number - 1} stored")
            self._finish(src, rep, "partial", "; ".join(notes), None)
            return
        if page.resumed and result.http_status in _GONE:
            # The page an earlier run left off at is gone (an expired page token): start over.
            what += "; the backlog walk starts over from the first page next run"
            self._finish(src, rep, status, what, {k: v for k, v in cursor.items() if k != _RESUME})
            return
        self._finish(src, rep, status, page.error or result.describe())

    def _match(self, brand: BrandConfig | None, mentions: list[RawMention], rep: SourceReport) -> list[_Matched]:
        """The mentions that concern a brand, with their brands (a bound source's brand)."""
        out: list[_Matched] = []
        for m in mentions:
            if brand is not None:
                out.append(_Matched(m, [brand.name]))
                continue
            brands = [x.brand for x in match_brands(self.matchers, m.text, m.title)]
            if brands:
                out.append(_Matched(m, brands))
            else:
                rep.unmatched += 1
        return out

    async def _identify(self, pending: list[_Matched]) -> None:
        """Identify the languages of a batch (in the worker pool when there is one).

        Language identification is several times cheaper per text in batches, so it runs
        once per flush, not once per page.
        """
        if self._pool is None:
            self._identify_inline(pending)
            return
        todo, samples, hints = _unidentified(pending)
        if not todo:
            return
        loop = asyncio.get_running_loop()
        guesses = await loop.run_in_executor(self._pool, identify_batch, samples, hints)
        for p, guess in zip(todo, guesses, strict=True):
            p.guess = guess

    def _identify_inline(self, pending: list[_Matched]) -> None:
        """Identify, in this process, the languages not identified yet."""
        todo, samples, hints = _unidentified(pending)
        if not todo:
            return
        for p, g in zip(todo, self.identifier.identify_many(samples, hints), strict=True):
            p.guess = (g.lang, g.confidence)

    def _flush(self, src: SourceConfig, pending: list[_Matched], rep: SourceReport) -> None:
        """Store the pending mentions (identifying any language still unknown, inline)."""
        if not pending:
            return
        self._identify_inline(pending)
        by_brand: dict[str, list[MentionIn]] = {}
        for p in pending:
            checked = check_mention(self.to_mention_in(p.mention, p.guess))
            if checked.reason is not None:
                rep.skip_reasons[checked.reason] = rep.skip_reasons.get(checked.reason, 0) + 1
            if checked.item is None:
                rep.skipped += 1
                continue
            rep.repaired += checked.repaired
            item = checked.item
            for i, name in enumerate(p.brands):
                # (source, external id) is unique in the store: a mention of two brands is
                # stored once per brand, the later ones under a brand-qualified id.
                it = item if i == 0 else _replace_id(item, f"{item.external_id}@{name}"[:500])
                by_brand.setdefault(name, []).append(it)
        pending.clear()
        for name, items in by_brand.items():
            res = self.index.add_mentions(name, src.name, items, **self._add_kwargs)
            rep.new += int(getattr(res, "new", 0))
            rep.duplicate += int(getattr(res, "duplicate", 0))
            rep.sightings += int(getattr(res, "sightings", 0))

    def to_mention_in(self, m: RawMention, guess: tuple[str | None, float] | None = None) -> MentionIn:
        """A parsed mention with its identified language, ready for the store."""
        if guess is None:
            g = self.identifier.identify(_lang_sample(m), m.lang)
            guess = (g.lang, g.confidence)
        # A boost/repost is the original seen again: store it under the original's id.
        ext = (m.shared_from or m.external_id).strip()[:500]
        return MentionIn(
            external_id=ext,
            text=m.text[:MAX_TEXT],
            url=_clip(m.url, 2000),
            author=_clip(m.author, MAX_FIELD),
            title=_clip(m.title, MAX_FIELD),
            published_at=m.published_at,
            rating=m.rating,
            rating_scale=m.rating_scale,
            lang=guess[0],
            lang_confidence=guess[1],
            reach=m.reach,
        )


_RESUME = "resume"  # the cursor key of an unfinished backlog (see _Backlog)
_GONE = (400, 404, 410)  # a resumed page answering these is not coming back


@dataclass(frozen=True)
class _Backlog:
    """A walk stopped at ``max_pages``: where to go on, and what its first run saw.

    Kept in the cursor under ``resume``; ``newest`` and ``cursor_out`` are what the first
    run of the backlog (the one that read the newest page) would have committed, held back
    until the backlog is read to its end so nothing between is skipped.
    """

    resume: Resume
    newest: datetime | None
    cursor_out: dict[str, Any]

    def extend(self, newest: datetime | None, cursor_out: dict[str, Any]) -> _Backlog:
        """The backlog after one more run (the first run's kind-specific values win)."""
        return _Backlog(self.resume, _later(self.newest, newest), {**cursor_out, **self.cursor_out})

    def as_dict(self) -> dict[str, Any]:
        held = {"newest": self.newest.isoformat() if self.newest else None, "cursor_out": self.cursor_out}
        return {**self.resume.as_dict(), "held": held}

    @classmethod
    def from_cursor(cls, cursor: dict[str, Any]) -> _Backlog | None:
        raw = cursor.get(_RESUME)
        resume = Resume.from_dict(raw)
        if resume is None or not isinstance(raw, dict):
            return None
        held = raw.get("held")
        if not isinstance(held, dict):
            held = {}
        out = held.get("cursor_out")
        return cls(resume, _parse_newest(held.get("newest")), dict(out) if isinstance(out, dict) else {})


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


@dataclass(slots=True)
class _Matched:
    """A parsed mention waiting to be stored: its brands and, once identified, its language."""

    mention: RawMention
    brands: list[str]
    guess: tuple[str | None, float] | None = None


def _unidentified(pending: list[_Matched]) -> tuple[list[_Matched], list[str], list[str | None]]:
    """The pending mentions without a language yet, with their text samples and declared hints."""
    todo = [p for p in pending if p.guess is None]
    return todo, [_lang_sample(p.mention) for p in todo], [p.mention.lang for p in todo]


def _lang_sample(m: RawMention) -> str:
    """The text language identification looks at (short texts borrow the title)."""
    return m.text if len(m.text) >= 20 or not m.title else f"{m.title}. {m.text}"


def _replace_id(item: MentionIn, ext: str) -> MentionIn:
    return replace(item, external_id=ext)


def _parse_newest(value: Any) -> datetime | None:
    from monitor.sources._text import parse_datetime

    return parse_datetime(value)


def _supported_kwargs(fn: Callable[..., Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The subset of ``wanted`` keyword arguments ``fn`` accepts (optional store features)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}
    return {k: v for k, v in wanted.items() if k in params}


async def collect_async(
    cfg: Config,
    index: IndexLike,
    *,
    source: str | None = None,
    brand: str | None = None,
    **kwargs: Any,
) -> CollectReport:
    """Collect the selected sources into ``index`` (see :class:`Collector` for options)."""
    chosen = select_sources(cfg, source, brand)
    if not chosen:
        raise ConfigError("no enabled source matches the selection")
    index.sync_config(cfg)
    return await Collector(cfg, index, only_brand=brand, **kwargs).run(chosen)


def collect(
    cfg: Config,
    index: IndexLike,
    *,
    source: str | None = None,
    brand: str | None = None,
    **kwargs: Any,
) -> CollectReport:
    """Blocking wrapper of :func:`collect_async`."""
    return asyncio.run(collect_async(cfg, index, source=source, brand=brand, **kwargs))


__all__ = [
    "CollectReport",
    "Collector",
    "IndexLike",
    "ProgressSink",
    "SourceReport",
    "collect",
    "collect_async",
    "select_sources",
]
