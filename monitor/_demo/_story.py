"""The demo's data: the story of the bundled data files, placed in time.

The story (``data/<lang>.json``): *Lumio*, a fictional robot-vacuum maker, pushes firmware
4.2 thirteen days ago; docking breaks and maps vanish, owners complain for a week in
Armenian, Swedish, Turkish, Bulgarian and English; 4.2.1 fixes it, Lumio apologises with
an extra year of warranty, and sentiment recovers. *Brisa*, a competitor, gains a little
share of voice meanwhile. Each entry has a day offset (0 = today), a local time, a channel
and the mood its author meant (used only by tests' fake classifier, never by the index).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from monitor._dates import parse_clock

LANGS = ("hy", "sv", "tr", "bg", "en")
BRAND = "Lumio"
RIVAL = "Brisa"
DEFAULT_TZ = "Europe/Stockholm"


@dataclass(frozen=True, slots=True)
class DemoMention:
    """One mention of the demo story, placed in time."""

    key: str
    lang: str
    brand: str
    channel: str  # review | rss | mastodon | hn
    published_at: datetime
    author: str
    text: str
    title: str | None = None
    rating: int | None = None
    mood: str = "neu"
    story: bool = False
    forum: str = ""

    @property
    def epoch(self) -> int:
        return int(self.published_at.timestamp())


def load_raw() -> dict[str, dict[str, Any]]:
    """Each language's data file, parsed."""
    out = {}
    base = resources.files("monitor._demo") / "data"
    for lang in LANGS:
        out[lang] = json.loads((base / f"{lang}.json").read_text("utf-8"))
    return out


def forum_name(lang: str) -> str:
    """The name of the forum whose feed carries ``lang``'s posts."""
    try:
        return str(load_raw()[lang].get("forum") or "Forum")
    except KeyError:
        return "Forum"


def place(day_offset: int, hhmm: str, now: datetime, tz: ZoneInfo) -> datetime:
    """The instant of a story time; today's times are squeezed into the part of today gone by."""
    local_now = now.astimezone(tz)
    day = local_now.date() + timedelta(days=day_offset)
    t = parse_clock(hhmm)
    at = datetime.combine(day, t, tz)
    if day_offset == 0:
        start = datetime.combine(day, time(0), tz)
        span = (local_now - start).total_seconds()
        latest = 14 * 3600  # the story's last entry of a day is before 14:00
        if span < latest + 600:
            frac = (t.hour * 3600 + t.minute * 60) / latest
            at = start + timedelta(seconds=max(0.0, span - 120) * min(frac, 1.0))
        elif at > local_now:
            at = local_now - timedelta(minutes=2)
    return at.astimezone(UTC)


def story(
    now: datetime | None = None, tz: str = DEFAULT_TZ, extra: Iterable[Mapping[str, Any]] = ()
) -> list[DemoMention]:
    """Every demo mention, newest last; ``extra`` entries use the data files' format (+``lang``)."""
    now = now or datetime.now(UTC)
    zone = ZoneInfo(tz)
    raw = load_raw()
    entries: list[tuple[str, str, Mapping[str, Any]]] = []
    for lang, doc in raw.items():
        for m in doc["mentions"]:
            entries.append((lang, doc.get("forum", ""), m))
    for m in extra:
        entries.append((str(m.get("lang", "en")), "", m))
    out = []
    for i, (lang, forum, m) in enumerate(entries):
        out.append(
            DemoMention(
                key=f"{lang}-{i:04d}",
                lang=lang,
                brand=str(m.get("brand", BRAND)),
                channel=str(m["ch"]),
                published_at=place(int(m["d"]), str(m["t"]), now, zone),
                author=str(m["by"]),
                text=str(m["text"]),
                title=m.get("title"),
                rating=m.get("r"),
                mood=str(m.get("mood", "neu")),
                story=bool(m.get("story", False)),
                forum=forum,
            )
        )
    out.sort(key=lambda x: (x.published_at, x.key))
    return out


__all__ = ["BRAND", "DEFAULT_TZ", "LANGS", "RIVAL", "DemoMention", "forum_name", "load_raw", "place", "story"]
