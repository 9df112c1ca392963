"""Themes on the demo story with the real base encoder: Lumio's firmware 4.2 / dock problem,
written about in five languages, is one theme, and it keeps its id and name from day to day.

The story's texts are embedded once for the module (the real model: it is the subject);
each themes step then reads those vectors through a caching embedder.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from monitor._api import MentionIndex
from monitor._config import config_from_dict
from monitor._demo._story import BRAND, LANGS, DemoMention, story
from monitor._pipeline.themes import themes_step
from monitor._records import Mention
from monitor._store.scores import scoring_text

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
MOOD = {"pos": "positive", "neg": "negative"}
#: The problem as each language's complaints name it (the dock/base/station, or firmware 4.2).
PROBLEM = re.compile(r"dock|базата|istasyon|laddst|hem till|կայան|4\.2(?!\.1)", re.IGNORECASE)
GIST = re.compile(r"dock|firmware|4\.2|update|brick", re.IGNORECASE)
#: New complaints about the dock after the story's end, one per language.
AGAIN = {
    "en": "After the latest update my Lumio can't find its dock again and the map is gone.",
    "sv": "Efter senaste uppdateringen hittar min Lumio inte laddstationen igen och kartan är borta.",
    "tr": "Son güncellemeden sonra Lumio yine şarj istasyonunu bulamıyor ve harita silindi.",
    "bg": "След последното обновяване Lumio пак не може да намери базата си и картата изчезна.",
    "hy": "Վերջին թարմացումից հետո Lumio-ն նորից չի գտնում իր կայանը, և քարտեզը ջնջվեց։",
}


class CachedEmbedder:
    """The real encoder's vectors, computed once for the module."""

    def __init__(self, version: str, vectors: dict[str, NDArray[np.float32]], dim: int) -> None:
        self.version, self.vectors, self.dim = version, vectors, dim

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return np.array([self.vectors[t] for t in texts], dtype=np.float32).reshape(len(texts), self.dim)


def _text(m: DemoMention) -> str:
    return scoring_text(m.text, m.title)


@pytest.fixture(scope="module")
def embedder() -> CachedEmbedder:
    from monitor._embed import load_embedder

    real = load_embedder()
    texts = sorted({_text(m) for m in story(now=NOW)} | set(AGAIN.values()))
    return CachedEmbedder(real.version, dict(zip(texts, real.embed(texts), strict=True)), real.dim)


def _open(tmp_path: Path) -> MentionIndex:
    cfg = config_from_dict(
        {
            "database_url": f"sqlite:///{tmp_path / 'demo.db'}",
            "brands": [{"name": BRAND, "aliases": ["Lumio", "#lumio", "@lumiohome"]}, {"name": "Brisa"}],
            "index": {"timezone": "Europe/Stockholm"},
        }
    )
    idx = MentionIndex.open(cfg)
    idx.clock = lambda: NOW
    return idx


#: The story's channels as the demo collects them (the source kinds themes are centred by).
KINDS = {"review": "reviews", "rss": "rss", "mastodon": "mastodon", "hn": "hackernews"}


def _add(idx: MentionIndex, items: Sequence[DemoMention]) -> None:
    for brand, channel in {(m.brand, m.channel) for m in items}:
        idx.add_mentions(
            brand,
            f"demo-{channel}",
            [
                Mention(
                    m.key,
                    m.text,
                    title=m.title,
                    published_at=m.published_at,
                    lang=m.lang,
                    label=MOOD.get(m.mood, "neutral"),
                )
                for m in items
                if m.brand == brand and m.channel == channel
            ],
            source_kind=KINDS[channel],
        )


def _assignments(idx: MentionIndex) -> dict[str, int | None]:
    """External id → theme id (``None``: looked at, fits no theme) of every mention looked at."""
    from sqlalchemy import text as sql  # a test's read of the assignment table

    with idx.engine.connect() as conn:
        rows = conn.execute(
            sql("SELECT m.external_id, mt.theme_id FROM mention m JOIN mention_theme mt ON mt.mention_id = m.id")
        ).all()
    return {str(r[0]): r[1] for r in rows}


def _dock_theme(idx: MentionIndex, items: Sequence[DemoMention]) -> tuple[int, dict[str, Counter[int | None]]]:
    """The theme holding most of the problem's complaints, and each language's complaints by theme."""
    where = _assignments(idx)
    problem = [m for m in items if m.brand == BRAND and m.mood == "neg" and PROBLEM.search(_text(m))]
    by_lang = {lang: Counter(where.get(m.key) for m in problem if m.lang == lang) for lang in LANGS}
    total: Counter[int | None] = sum(by_lang.values(), Counter())
    return int(total.most_common(1)[0][0] or 0), by_lang


def test_the_dock_problem_is_one_theme_in_five_languages(tmp_path: Path, embedder: CachedEmbedder) -> None:
    items = story(now=NOW)
    with _open(tmp_path) as idx:
        _add(idx, items)
        step = themes_step(idx, idx.config, lambda: embedder, now=NOW)
        assert step.status == "ok" and step.counts["embedded"] == len(items)
        month = idx.themes(BRAND, since=NOW - timedelta(days=30), until=NOW)
        assert 3 <= len(month) <= 12  # a handful
        dock, by_lang = _dock_theme(idx, items)
        held = sum(c[dock] for c in by_lang.values())
        assert held >= 0.6 * sum(sum(c.values()) for c in by_lang.values()), by_lang  # most of it, one theme
        for lang in LANGS:  # in every language, no theme holds more of the complaints than the dock theme
            assert by_lang[lang][dock] >= 1
            assert by_lang[lang][dock] == max(by_lang[lang].values()), (lang, by_lang[lang])
        theme = next(t for t in month if t.id == dock)
        assert GIST.search(theme.name) and GIST.search(theme.gist), theme.name
        assert set(theme.langs) == set(LANGS) and set(theme.terms) == set(LANGS)
        for t in month:  # no theme is one language's: themes group by topic, not by language
            if t.volume >= 5:
                assert len(t.langs) >= 4, (t.name, t.langs)
        # week 47 (the first week of the problem): the dock theme is there, with its negative MSI
        week = {t.id: t for t in idx.themes(BRAND, since=NOW - timedelta(days=13), until=NOW - timedelta(days=7))}
        assert dock in week and week[dock].volume > week[dock].previous_volume
        msi = week[dock].msi
        assert msi is not None and msi < 0.5


def test_the_dock_theme_keeps_its_id_and_name_and_takes_new_complaints(
    tmp_path: Path, embedder: CachedEmbedder
) -> None:
    items = story(now=NOW)
    cut = NOW - timedelta(days=7)
    with _open(tmp_path) as idx:
        _add(idx, [m for m in items if m.published_at < cut])
        themes_step(idx, idx.config, lambda: embedder, now=cut)
        dock, _ = _dock_theme(idx, [m for m in items if m.published_at < cut])
        first = {t.id: t.name for t in idx.themes(BRAND, since=cut - timedelta(days=30), until=cut)}
        day1 = _assignments(idx)

        later = [m for m in items if m.published_at >= cut]
        again = [
            DemoMention(f"again-{lang}", lang, BRAND, "review", NOW - timedelta(hours=2), "x", text, mood="neg")
            for lang, text in AGAIN.items()
        ]
        _add(idx, later + again)
        step = themes_step(idx, idx.config, lambda: embedder, now=NOW)
        assert step.status == "ok"
        now_names = {t.id: t.name for t in idx.themes(BRAND, since=cut - timedelta(days=30), until=NOW)}
        assert {k: now_names[k] for k in first} == first  # ids and names kept
        day2 = _assignments(idx)
        held = {k: v for k, v in day1.items() if v is not None}
        assert {k: day2[k] for k in held} == held  # what a theme held, it still holds
        # the new complaints (five languages) join one theme of day 1, named for the problem
        target, n = Counter(day2[f"again-{lang}"] for lang in AGAIN).most_common(1)[0]
        assert n >= 3 and target in first, ({lang: day2[f"again-{lang}"] for lang in AGAIN}, first)
        assert GIST.search(first[target]), first[target]
        assert dock in now_names
