"""The outbox: deliveries that failed, kept in ``out_dir/outbox/`` until a later run sends them.

Each entry is the exact message (``<stem>.smtp.eml`` or ``<stem>.webhook.json``) and a
``.meta`` JSON file beside it (channel, stem, day, attempts, last error). Nothing secret
is in either: credentials and the webhook URL are never part of a message.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TypedDict, cast

from monitor._digest.files import atomic_write

log = logging.getLogger(__name__)

OUTBOX = "outbox"


class OutboxEntry(TypedDict, total=False):
    """An outbox entry's ``.meta`` (``path``: its message file, added on reading)."""

    channel: str
    stem: str
    day: str
    attempts: int
    last_error: str
    failed_at: str
    path: str


def entry_path(out_dir: Path, stem: str, channel: str) -> Path:
    """The message file of ``stem``'s entry for ``channel``."""
    return out_dir / OUTBOX / f"{stem}.{channel}.{'eml' if channel == 'smtp' else 'json'}"


def _meta_path(body: Path) -> Path:
    return body.with_name(body.name + ".meta")


def keep(out_dir: Path, stem: str, channel: str, data: bytes, meta: OutboxEntry) -> Path:
    """Put ``data`` in the outbox with its ``meta``; return the message file."""
    body = entry_path(out_dir, stem, channel)
    body.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(body, data)
    write_meta(body, {**meta})
    return body


def write_meta(body: Path, meta: dict[str, object]) -> None:
    """(Re)write the ``.meta`` of the entry whose message file is ``body``."""
    atomic_write(_meta_path(body), json.dumps(meta, indent=2).encode("utf-8"))


def remove(body: Path) -> None:
    """Delete an entry (its message file and ``.meta``), if still there."""
    body.unlink(missing_ok=True)
    _meta_path(body).unlink(missing_ok=True)


def drop(out_dir: Path, stem: str, channel: str) -> None:
    """Delete ``stem``'s entry for ``channel`` if there is one; an unusable folder is only logged."""
    body = entry_path(out_dir, stem, channel)
    try:
        remove(body)
    except OSError as exc:  # an unusable out_dir is the file channel's failure, already reported
        log.debug("cannot clear the outbox entry %s: %s", body, exc)


def pending_deliveries(out_dir: str | Path) -> list[OutboxEntry]:
    """The outbox: deliveries that failed and wait for a retry, by file name."""
    box = Path(out_dir) / OUTBOX
    out = []
    if box.is_dir():
        for meta_path in sorted(box.glob("*.meta")):
            try:
                meta: object = json.loads(meta_path.read_text("utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(meta, dict):
                continue
            entry = cast(OutboxEntry, meta)  # written by :func:`keep`; checked where it is used
            entry["path"] = str(meta_path.with_suffix(""))
            out.append(entry)
    return out


__all__ = ["OUTBOX", "OutboxEntry", "drop", "entry_path", "keep", "pending_deliveries", "remove", "write_meta"]
