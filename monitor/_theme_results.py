"""The API's theme results: :class:`ThemeFigures` (one theme over a period, against the
period before) and :class:`ThemeCount` (one theme's counts in one day, week or month: the
typed read that explanations of change build on)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class ThemeMention:
    """A representative mention of a theme (among the closest to its centroid, languages varied)."""

    id: int
    lang: str | None
    source: str
    published_at: datetime
    label: str
    text: str
    url: str | None
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        """The mention as a JSON-ready dict."""
        d = asdict(self)
        d["published_at"] = self.published_at.isoformat()
        return d


@dataclass(frozen=True, slots=True)
class ThemeFigures:
    """One theme of a brand over ``[since, until)``, against the period of the same length before.

    ``name`` was given when the theme appeared and never changes; ``gist`` is its English
    gist now (its English terms, else those of its main language); ``terms`` its most
    distinctive terms per language. ``volume`` … ``low_sample`` are the period's (MSI =
    P / (P + N) with its Wilson 95 % interval, as everywhere); ``previous_volume`` and
    ``previous_msi`` the period before's; ``share`` the theme's part of the brand's mentions
    placed in a theme in the period; ``langs`` its volume per language.
    """

    id: int
    brand: str
    name: str
    gist: str
    terms: dict[str, list[str]]
    since: datetime
    until: datetime
    volume: int
    positive: int
    neutral: int
    negative: int
    unscored: int
    msi: float | None
    msi_low: float | None
    msi_high: float | None
    low_sample: bool
    previous_volume: int
    previous_msi: float | None
    share: float | None
    langs: dict[str, int]
    first_seen: datetime
    mentions: tuple[ThemeMention, ...]

    @property
    def volume_change(self) -> int:
        """Mentions in the period minus mentions in the period before."""
        return self.volume - self.previous_volume

    @property
    def msi_change(self) -> float | None:
        """MSI now minus MSI before (``None`` when either is undefined)."""
        return None if self.msi is None or self.previous_msi is None else self.msi - self.previous_msi

    def to_dict(self) -> dict[str, Any]:
        """The theme as a JSON-ready dict (times in ISO 8601, representative mentions as dicts)."""
        d = asdict(self)
        d.update(
            since=self.since.isoformat(),
            until=self.until.isoformat(),
            first_seen=self.first_seen.isoformat(),
            volume_change=self.volume_change,
            msi_change=self.msi_change,
            mentions=[m.to_dict() for m in self.mentions],
        )
        return d


@dataclass(frozen=True, slots=True)
class ThemeCount:
    """One theme's mentions in one period (``lang``: of one language, when split by language)."""

    theme_id: int
    theme: str
    period_start: date
    lang: str | None
    positive: int
    neutral: int
    negative: int
    unscored: int
    volume: int
    msi: float | None

    def to_dict(self) -> dict[str, Any]:
        """The counts as a JSON-ready dict."""
        d = asdict(self)
        d["period_start"] = self.period_start.isoformat()
        return d


__all__ = ["ThemeCount", "ThemeFigures", "ThemeMention"]
