"""``ResultList``: API results that are plain lists and convert to dicts or pandas."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any, TypeVar

T = TypeVar("T")


def _as_dict(item: Any) -> dict[str, Any]:
    if hasattr(item, "to_dict"):
        return dict(item.to_dict())
    if isinstance(item, tuple) and len(item) == 2 and hasattr(item[1], "to_dict"):
        return {"key": item[0], **item[1].to_dict()}
    if is_dataclass(item) and not isinstance(item, type):
        return asdict(item)
    raise TypeError(f"cannot convert {type(item).__name__} to a dict")


class ResultList(list[T]):
    """A list of results with ``.to_dicts()`` and ``.to_pandas()``."""

    def to_dicts(self) -> list[dict[str, Any]]:
        """Each result as a JSON-ready dict."""
        return [_as_dict(x) for x in self]

    def to_pandas(self) -> Any:
        """A pandas DataFrame, one row per result (needs the ``pandas`` extra)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            from monitor.errors import MonitorError

            raise MonitorError("to_pandas() needs pandas: pip install 'mention-monitor[pandas]'") from exc
        return pd.DataFrame(self.to_dicts())


__all__ = ["ResultList"]
