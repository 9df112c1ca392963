"""The API's result containers: ``ResultList`` and the result types made for the API alone.

Every result the API lists has ``to_dict()`` (JSON-ready), so a :class:`ResultList` of them
converts to dicts or a pandas DataFrame.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, NamedTuple, Protocol, TypeVar

from monitor._index.points import Point


class ToDict(Protocol):
    """A result that converts to a JSON-ready dict."""

    def to_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready dict."""
        ...


R = TypeVar("R", bound=ToDict)


class ResultList(list[R]):
    """A list of results with ``.to_dicts()`` and ``.to_pandas()``."""

    def to_dicts(self) -> list[dict[str, Any]]:
        """Each result as a JSON-ready dict."""
        return [x.to_dict() for x in self]

    def to_pandas(self) -> Any:
        """A pandas DataFrame, one row per result (needs the ``pandas`` extra)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            from monitor.errors import MonitorError

            raise MonitorError("to_pandas() needs pandas: pip install 'mention-monitor[pandas]'") from exc
        return pd.DataFrame(self.to_dicts())


class BreakdownRow(NamedTuple):
    """One group of :meth:`~monitor.MentionIndex.breakdown`: a source kind or language and its point."""

    key: str
    point: Point

    def to_dict(self) -> dict[str, Any]:
        """``{"key": …}`` and the point's figures."""
        return {"key": self.key, **self.point.to_dict()}


@dataclass(frozen=True, slots=True)
class BrandFigures:
    """One brand's figures over a window, for :meth:`~monitor.MentionIndex.compare`.

    The fields after ``share_of_voice`` are :class:`~monitor._index.points.Point`'s, for the
    whole window.
    """

    brand: str
    share_of_voice: float | None
    positive: int
    neutral: int
    negative: int
    unscored: int
    volume: int
    msi: float | None
    msi_low: float | None
    msi_high: float | None
    low_sample: bool
    net_sentiment: float | None
    csat: float | None
    csat_n: int
    nps: float | None
    nps_n: int

    @classmethod
    def of(cls, brand: str, share_of_voice: float | None, point: Point) -> BrandFigures:
        """A brand's figures from its point over the window."""
        figures = asdict(point)
        figures.pop("period_start")
        return cls(brand=brand, share_of_voice=share_of_voice, **figures)

    def to_dict(self) -> dict[str, Any]:
        """The figures as a JSON-ready dict."""
        return asdict(self)


__all__ = ["BrandFigures", "BreakdownRow", "ResultList", "ToDict"]
