"""Collection: every enabled source → pages → mentions → brands → languages → the store.

For each source (concurrently, politeness is per host in the HTTP layer):

1. fetch pages through the shared :class:`~monitor._http.HttpClient` (the kind's module
   in :mod:`monitor._sources` pages and stops incrementally);
2. brand matching (:mod:`monitor._matching`) — skipped for a source bound to a brand;
   mentions of no brand are counted as *unmatched* and dropped;
3. in batches of about ``FLUSH_AT`` mentions (and whenever a walk ends, however it
   ends): language identification (:mod:`monitor._langid`, the declared language as a
   hint; batched because it is much cheaper per text that way), then
   :class:`~monitor._records.Mention` → :func:`~monitor._mention_rules.check_mention`
   (an unusable item — no text, title or rating; a blank id — is skipped and counted by
   reason, an impossible rating dropped from an item with words; the rest is stored) →
   ``store.add_mentions``; the store de-duplicates on (source, external id) and records
   cross-source sightings by text;
4. replies by a brand's own accounts (``accounts`` in the config) mark the mentions they
   answer answered, once the walk's mentions are stored (:mod:`monitor._replies`);
5. the source's status with the reason (the words: :mod:`monitor._health`): ``ok``;
   ``not_modified``; ``partial`` — what was read is stored but not everything was (items
   skipped, a later page failed — named with its URL and HTTP status —, or the walk
   stopped at ``max_pages``); ``blocked`` (the site refused us), ``unreachable`` (no
   answer) or ``failed`` — nothing was read. A source that stored mentions in the run is
   never worse than ``partial``, however its walk ended. The reason never repeats the
   status word. The new cursor and HTTP validators are written only when the walk read
   everything it should have.

A walk stopped at ``max_pages`` with pages left stores where it stopped (``resume`` in the
cursor); the next run goes on from there, and the cursor's ``newest`` (with the kind's
values, e.g. Mastodon ``since_id``) advances only when that backlog is read to its end, so
nothing between is skipped. A run killed half-way leaves stored pages stored and the
cursor untouched, so the next run walks the same pages again and stores every mention
exactly once.

Writes go to the index's store (:class:`~monitor._ports.CollectStore`, see
:class:`~monitor._collect.ports.CollectIndex`; ``monitor._api.MentionIndex``). This module
walks sources in one process; the Run record and the split over worker processes
(:mod:`monitor._collect.shards`) are :class:`monitor._collect.collector.Collector`'s.
``langid_workers=N`` moves only language identification to N worker processes; the
default runs it inline.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from monitor._config import BrandConfig, Config, Secrets, SourceConfig
from monitor._health import NOTHING_READ, WalkStatus, plain_reason
from monitor._http import HttpClient, redact_text
from monitor._langid import LanguageIdentifier, default_identifier, identify_batch
from monitor._matching import BrandMatcher, match_brands
from monitor._mention_rules import check_mention
from monitor._ports import Clock, JSONObject
from monitor._records import BrandReply, Mention
from monitor._replies import BrandAccounts, brand_replies, home_of
from monitor._sources._text import MAX_FIELD, MAX_TEXT
from monitor._sources.base import FetchContext, Page, get_source
from monitor.errors import MonitorError, SourceBlocked, SourceUnreachable

from .backlog import RESUME, Backlog, later, parse_newest
from .ports import CollectIndex, NoProgress, ProgressSink
from .reports import SourceReport

log = logging.getLogger("monitor._collect")

#: Published dates further ahead than this are not trusted for the incremental cursor.
FUTURE_SLACK = timedelta(hours=1)
#: Mentions are written in batches of about this many (and whenever a walk ends).
FLUSH_AT = 400
_GONE = (400, 404, 410)  # a resumed page answering these is not coming back


def utcnow() -> datetime:
    """The current time, aware, in UTC (the default clock)."""
    return datetime.now(UTC)


def _clip(text: str | None, limit: int) -> str | None:
    return text[:limit] if text else text


class SourceRunner:
    """Walks sources in this process and stores what they hold (no Run record, no worker processes)."""

    def __init__(
        self,
        cfg: Config,
        index: CollectIndex,
        *,
        http: HttpClient | None = None,
        secrets: Secrets | None = None,
        identifier: LanguageIdentifier | None = None,
        relax_loopback: bool = False,
        progress: ProgressSink | None = None,
        only_brand: str | None = None,
        source_concurrency: int = 4,
        langid_workers: int = 0,
        now: Clock = utcnow,
    ) -> None:
        self.cfg = cfg
        self.index = index
        self.store = index.store
        self._http = http
        self.secrets = secrets or Secrets()
        self.identifier = identifier or default_identifier()
        self.relax_loopback = relax_loopback
        self.progress: ProgressSink = progress or NoProgress()
        self.only_brand = cfg.brand(only_brand).name if only_brand else None
        brands = [b for b in cfg.brands if self.only_brand in (None, b.name)]
        self.matchers = [BrandMatcher.from_config(b) for b in brands]
        self.accounts = {b.name: b.accounts for b in brands}
        self.source_concurrency = max(1, source_concurrency)
        self.now = now
        self.langid_workers = langid_workers
        self._pool: ProcessPoolExecutor | None = None

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
        http = self._http or HttpClient(self.cfg.http, validators=self.store, relax_loopback=self.relax_loopback)
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
            self.finish_source(src, rep, "blocked", str(exc))
        except SourceUnreachable as exc:
            self.finish_source(src, rep, "unreachable", str(exc))
        except (MonitorError, ValueError) as exc:
            self.finish_source(src, rep, "failed", str(exc))
        except Exception as exc:  # one broken source never stops the run
            log.exception("source %s crashed", src.name)
            self.finish_source(src, rep, "failed", f"internal error: {type(exc).__name__}: {exc}")
        rep.elapsed_s = time.monotonic() - started
        self.progress.source_done(src, rep)
        return rep

    def finish_source(
        self,
        src: SourceConfig,
        rep: SourceReport,
        status: WalkStatus,
        reason: str | None,
        cursor: JSONObject | None = None,
    ) -> None:
        """Record how a source's walk ended (in ``rep`` and in the store, with the new cursor).

        A walk that stored mentions before it ended ``blocked``/``unreachable``/``failed`` is
        ``partial``: what it stored is kept and the reason says how it ended.
        """
        reason = plain_reason(redact_text(reason) if reason else None)
        if status in NOTHING_READ and rep.new + rep.duplicate > 0:
            rep.errors += 1
            stored = f"{rep.new} new and {rep.duplicate} known mention(s) stored"
            status, reason = "partial", f"{status} after {stored}: {reason or 'no reason given'}"
        rep.status = status
        rep.reason = reason
        if status in NOTHING_READ:
            rep.errors += 1
        if status in ("partial", *NOTHING_READ):
            log.debug("source %s %s: %s", src.name, status, rep.reason)  # said by the run's outcome line
        self.store.record_source_result(src.name, status, rep.reason, cursor)

    async def _walk(self, src: SourceConfig, http: HttpClient, rep: SourceReport) -> None:
        source = get_source(src.kind)
        state = self.store.source_state(src.name)
        cursor = dict(state.cursor or {})
        backlog = Backlog.from_cursor(cursor)
        brand_cfg = self.cfg.brand(src.brand) if src.brand else None
        ctx = FetchContext(
            source=src,
            http=http,
            secrets=self.secrets,
            brand=brand_cfg,
            max_pages=self.cfg.http.max_pages,
            cursor={k: v for k, v in cursor.items() if k != RESUME},
            known=lambda ids: self.store.known_external_ids(src.name, ids),
            resume=backlog.resume if backlog else None,
            now=self.now,
        )
        first: Page | None = None
        last_ok: Page | None = None
        newest = parse_newest(cursor.get("newest"))
        horizon = self.now() + FUTURE_SLACK
        pending: list[_Matched] = []
        replies: list[BrandReply] = []  # the brand's own replies: they mark complaints answered
        accounts = BrandAccounts.of({b: a for b, a in self.accounts.items() if src.brand in (None, b)})
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
                if page.aggregate is not None:  # a figure about the source, never a mention
                    self.index.store.record_rating(src.name, page.aggregate, at=self.now(), url=page.result.safe_url)
                rep.fetched += len(page.mentions)
                pending.extend(self._match(brand_cfg, page.mentions, rep))
                replies += brand_replies(page.mentions, accounts, home=home_of(src.url), now=self.now())
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
            self.store.mark_replied(src.name, replies)
        notes = [n for n in (rep.skip_note(),) if n]
        base = {k: v for k, v in cursor.items() if k != RESUME}
        if ctx.left_off is not None:
            # Stopped at max_pages with pages left: go on from there next run; the cursor's
            # newest (and the kind's values) advance only once the backlog is read to its end.
            held = backlog.extend(newest, ctx.cursor_out) if backlog else Backlog(ctx.left_off, newest, ctx.cursor_out)
            new_cursor = {**base, RESUME: replace(held, resume=ctx.left_off).as_dict()}
            after = last_ok.result.safe_url if last_ok is not None else ctx.left_off.start
            notes.insert(0, f"stopped at max_pages = {ctx.max_pages}; pages after {after} left for the next run")
        else:
            new_cursor = {**base, **ctx.cursor_out}
            if backlog is not None:  # the backlog is read: commit what its first run saw
                new_cursor.update(backlog.cursor_out)
                newest = later(newest, backlog.newest)
            if newest is not None:
                new_cursor["newest"] = newest.isoformat()
        self.finish_source(src, rep, "partial" if notes else "ok", "; ".join(notes) or None, new_cursor)
        if first is not None and first.result.ok and not first.resumed and ctx.left_off is None:
            http.remember(first.result)

    def _stopped_by(self, src: SourceConfig, rep: SourceReport, page: Page, cursor: JSONObject) -> None:
        """Record a walk ended by a page that is not ``ok`` (the cursor does not advance)."""
        result = page.result
        if page.status == "not_modified" and page.number == 1 and not page.resumed:
            self.finish_source(src, rep, "not_modified", result.reason)
            return
        status: WalkStatus = "failed"
        if page.status in ("blocked", "unreachable"):
            status = "blocked" if page.status == "blocked" else "unreachable"
        what = page.error or result.explain()
        notes = [n for n in (rep.skip_note(),) if n]
        if page.number > 1:
            # Earlier pages were read and stored: keep them, say which page failed.
            rep.errors += 1
            notes.insert(0, f"page {page.number} {status}: {what}; pages 1–{page.number - 1} stored")
            self.finish_source(src, rep, "partial", "; ".join(notes), None)
            return
        if page.resumed and result.http_status in _GONE:
            # The page an earlier run left off at is gone (an expired page token): start over.
            what += "; the backlog walk starts over from the first page next run"
            self.finish_source(src, rep, status, what, {k: v for k, v in cursor.items() if k != RESUME})
            return
        self.finish_source(src, rep, status, what)

    def _match(self, brand: BrandConfig | None, mentions: list[Mention], rep: SourceReport) -> list[_Matched]:
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
        by_brand: dict[str, list[Mention]] = {}
        for p in pending:
            checked = check_mention(self.for_store(p.mention, p.guess))
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
            res = self.store.add_mentions(name, src.name, items)
            rep.new += res.new
            rep.duplicate += res.duplicate
            rep.sightings += res.sightings

    def for_store(self, m: Mention, guess: tuple[str | None, float] | None = None) -> Mention:
        """A parsed mention with its identified language, ready for the store."""
        if guess is None:
            g = self.identifier.identify(_lang_sample(m), m.lang)
            guess = (g.lang, g.confidence)
        # A boost/repost is the original seen again: store it under the original's id.
        ext = (m.shared_from or m.external_id).strip()[:500]
        return replace(
            m,
            external_id=ext,
            text=m.text[:MAX_TEXT],
            url=_clip(m.url, 2000),
            author=_clip(m.author, MAX_FIELD),
            title=_clip(m.title, MAX_FIELD),
            lang=guess[0],
            lang_confidence=guess[1],
        )


@dataclass(slots=True)
class _Matched:
    """A parsed mention waiting to be stored: its brands and, once identified, its language."""

    mention: Mention
    brands: list[str]
    guess: tuple[str | None, float] | None = None


def _unidentified(pending: list[_Matched]) -> tuple[list[_Matched], list[str], list[str | None]]:
    """The pending mentions without a language yet, with their text samples and declared hints."""
    todo = [p for p in pending if p.guess is None]
    return todo, [_lang_sample(p.mention) for p in todo], [p.mention.lang for p in todo]


def _lang_sample(m: Mention) -> str:
    """The text language identification looks at (short texts borrow the title)."""
    return m.text if len(m.text) >= 20 or not m.title else f"{m.title}. {m.text}"


def _replace_id(item: Mention, ext: str) -> Mention:
    return replace(item, external_id=ext)


__all__ = ["FLUSH_AT", "FUTURE_SLACK", "SourceRunner", "utcnow"]
