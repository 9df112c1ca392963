"""A store with themes and aspect tags, for the tests of the brand page's theme and aspect
tables and of the mention listing's ``theme``/``aspect`` filters.

Lumio, in five languages: 10 days before :data:`NOW`, dock and price complaints (the themes
step makes two themes); 3 days before, more dock complaints, praise of the price and talk
of the noise (a third theme), two late deliveries and one hostile price mention. Rival: praise of its price.
Themes come from the stand-in embedder of ``tests/themes_fake.py``; aspects from the
keywords alone (``tests/conftest.py`` gives the aspects step zero vectors).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor._api import MentionIndex
from monitor._config import Config, config_from_dict
from monitor._pipeline.aspects import aspects_step
from monitor._pipeline.themes import themes_step
from monitor._records import Mention
from tests.themes_fake import SENTENCES, TopicEmbedder

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
LANGS = ("en", "sv", "tr", "bg", "hy")
HOSTILE = "Lumio: the price is far too high <script>alert(1)</script>"


def config(url: str) -> Config:
    """Two brands, UTC days, a low sample under 5 opinions."""
    return config_from_dict(
        {
            "database_url": url,
            "brands": [{"name": "Lumio", "aliases": ["Lumio"]}, {"name": "Rival", "aliases": ["Rival"]}],
            "index": {"timezone": "UTC", "min_sample": 5},
        }
    )


def batch(topic: str, per_lang: int, at: datetime, tag: str, label: str) -> list[Mention]:
    """``per_lang`` mentions of ``topic`` in each language, a minute apart."""
    return [
        Mention(
            f"{tag}-{topic}-{lang}-{i}",
            f"Lumio: {SENTENCES[(topic, lang)]} #{tag}{i}",
            published_at=at + timedelta(minutes=i),
            lang=lang,
            label=label,  # type: ignore[arg-type]
        )
        for lang in LANGS
        for i in range(per_lang)
    ]


def fill(idx: MentionIndex) -> None:
    """Store the mentions, run the themes step twice (a week apart) and the aspects step."""
    emb = TopicEmbedder()
    week1 = NOW - timedelta(days=10)
    idx.add_mentions(
        "Lumio", "forum", batch("dock", 2, week1, "w1", "negative") + batch("price", 2, week1, "w1", "negative")
    )
    themes_step(idx, idx.config, lambda: emb, now=week1 + timedelta(days=1))
    week2 = NOW - timedelta(days=3)
    hostile = Mention("w2-hostile", HOSTILE, published_at=week2 + timedelta(hours=1), lang="en", label="positive")
    fresh = batch("dock", 3, week2, "w2", "negative") + batch("price", 1, week2, "w2", "positive")
    late = [
        Mention(
            f"w2-late-{i}",
            f"Lumio: the delivery was {i + 2} weeks late",
            published_at=week2,
            lang="en",
            label="negative",
        )
        for i in range(2)
    ]
    idx.add_mentions("Lumio", "forum", [*fresh, hostile, *late, *batch("noise", 2, week2, "w2", "neutral")])
    rival = [
        Mention(
            f"r{i}",
            f"Rival: the price is fair #{i}",
            published_at=NOW - timedelta(days=2, hours=i),
            lang="en",
            label="negative" if i == 3 else "positive",
        )
        for i in range(4)
    ]
    idx.add_mentions("Rival", "rival-shop", rival, source_kind="reviews")
    themes_step(idx, idx.config, lambda: emb, now=NOW)
    aspects_step(idx.store, idx.config)
