"""Generated workspaces for ``monitor model adapt``'s tests: English reviews whose words are
plainly positive or negative, rated by stars that agree with the words, contradict them
(a team whose labels the shipped model gets wrong), or are random."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from monitor._api import MentionIndex
from monitor._config import config_from_dict
from monitor._records import Mention

POSITIVE = [
    "I absolutely love the {p}, it works perfectly",
    "Best {p} I have ever bought, highly recommend it",
    "The {p} is fantastic and the delivery was fast",
    "Great quality {p}, very happy with it",
    "Wonderful {p}, it exceeded all my expectations",
    "Excellent {p}, five stars from me",
    "Superb {p}, my whole family adores it",
    "Really pleased with this {p}, brilliant value",
]
NEGATIVE = [
    "The {p} broke after one day, a total waste of money",
    "Terrible {p}, never buying again",
    "Awful {p}, it stopped working and support ignored me",
    "Worst {p} ever, completely useless",
    "Very disappointed with the {p}, cheap and flimsy",
    "The {p} is garbage, I want a refund",
    "Horrible {p}, it arrived damaged and smells bad",
    "Do not buy this {p}, it is a scam",
]
PRODUCTS = ["vacuum", "robot mop", "charger", "lamp", "kettle", "blender", "speaker", "headset", "router", "camera"]
START = datetime(2026, 11, 1, 12, tzinfo=UTC)
Stars = Literal["agree", "reversed", "random"]


def review_text(positive: bool, i: int, rng: random.Random) -> str:
    return rng.choice(POSITIVE if positive else NEGATIVE).format(p=rng.choice(PRODUCTS)) + f" (order {1000 + i})"


def reviews(n: int, stars: Stars, *, seed: int = 1, prefix: str = "r") -> list[Mention]:
    """``n`` English rated reviews, half positive and half negative in words."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        positive = i % 2 == 0
        if stars == "random":
            given = rng.choice([1, 2, 3, 4, 5])
        elif (stars == "reversed") == positive:
            given = rng.choice([1, 2])
        else:
            given = rng.choice([4, 5])
        text = review_text(positive, i, rng)
        out.append(
            Mention(
                f"{prefix}{i}",
                text,
                published_at=START + timedelta(hours=i),
                lang="en",
                rating=given,
                rating_scale=(1, 5),
            )
        )
    return out


def config(folder: Path) -> dict[str, object]:
    return {"database_url": f"sqlite:///{folder / 'ws.db'}", "index": {"min_sample": 1}}


def build(folder: Path, n: int, stars: Stars, *, unrated: int = 0, seed: int = 1) -> Path:
    """A SQLite workspace in ``folder`` (``ws.db``) with ``n`` rated reviews of Acme and
    ``unrated`` reviews without stars; returns the config file written beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    cfg = config_from_dict(config(folder))
    with MentionIndex.open(cfg) as idx:
        idx.add_mentions("Acme", "shop", reviews(n, stars, seed=seed), source_kind="reviews")
        if unrated:
            rng = random.Random(seed + 1)
            plain = [
                Mention(f"u{i}", review_text(i % 2 == 0, 500 + i, rng), published_at=START, lang="en")
                for i in range(unrated)
            ]
            idx.add_mentions("Acme", "forum", plain)
    path = folder / "monitor.toml"
    path.write_text(f'database_url = "sqlite:///{folder / "ws.db"}"\n\n[index]\nmin_sample = 1\n', encoding="utf-8")
    return path
