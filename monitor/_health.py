"""Source health: the words a fetch, a source's run and a source's stored state end in.

One home for the vocabulary every layer uses (the HTTP client, collection, the store, the
digest and the command line):

- a fetch (:data:`FetchStatus`) ends ``ok``, ``not_modified``, ``blocked`` (the site
  refused us: HTTP 401/403/429 after retries, robots.txt disallows, a bot wall),
  ``unreachable`` (no answer: DNS lookup failed, connection refused, timed out, after
  retries) or ``failed`` (anything else: 5xx after retries, a broken body, our own rules);
- a source's walk in one run (:data:`WalkStatus`) ends the same way, or ``partial``
  (mentions were stored but not everything was read; a source that stored mentions in a
  run is never worse than ``partial`` for that run);
- a source's stored status (:data:`HealthStatus`) is the last walk's, with ``failed``
  kept as ``failing``, ``not_modified`` as ``ok``, and ``never`` before its first run.
"""

from __future__ import annotations

from typing import Literal, get_args

FetchStatus = Literal["ok", "not_modified", "blocked", "unreachable", "failed"]
WalkStatus = Literal["ok", "not_modified", "partial", "blocked", "unreachable", "failed"]
HealthStatus = Literal["never", "ok", "partial", "failing", "blocked", "unreachable"]

WALK_STATUSES: tuple[WalkStatus, ...] = get_args(WalkStatus)
HEALTH_STATUSES: tuple[HealthStatus, ...] = get_args(HealthStatus)
#: Walk outcomes in which nothing was read (the cursor does not move).
NOTHING_READ: tuple[WalkStatus, ...] = ("blocked", "unreachable", "failed")
#: Stored statuses that need attention, in the order the digest lists them.
PROBLEMS: tuple[HealthStatus, ...] = ("blocked", "unreachable", "failing", "partial")

#: What each stored status means (``monitor sources list --help``, the README's table).
MEANING: dict[HealthStatus, str] = {
    "never": "not collected yet",
    "ok": "the last run read everything it should (or the source was unchanged)",
    "partial": "the last run stored mentions but not everything (the reason says what was left)",
    "unreachable": "no answer: DNS lookup failed, connection refused or timed out; retried next run",
    "blocked": "the site refused us: HTTP 401/403/429 after retries, robots.txt disallows, a bot wall",
    "failing": "the site answered but nothing usable came: HTTP 5xx after retries, a broken page",
}

_OUTCOME_WORDS = ("failed", "failing", "blocked", "unreachable", "partial", "not_modified")


_HEALTH_OF: dict[str, HealthStatus] = {
    "ok": "ok",
    "not_modified": "ok",
    "partial": "partial",
    "blocked": "blocked",
    "unreachable": "unreachable",
    "failed": "failing",
}


def health_of(walk: str) -> HealthStatus:
    """The stored status a walk outcome leaves (``failed`` → ``failing``, ``not_modified`` → ``ok``)."""
    try:
        return _HEALTH_OF[walk]
    except KeyError:
        raise ValueError(f"unknown walk status {walk!r} (expected one of {', '.join(WALK_STATUSES)})") from None


def plain_reason(reason: str | None) -> str | None:
    """``reason`` without a leading status word (``"failed: HTTP 500 …"`` → ``"HTTP 500 …"``).

    Reasons are written without one; rows stored before that was so still carry it, and a
    line that prints the status beside the reason would say it twice.
    """
    if not reason:
        return reason
    head, sep, rest = reason.partition(":")
    if sep and head.strip().lower() in _OUTCOME_WORDS and rest.strip():
        return rest.strip()
    return reason


def status_line(status: str, reason: str | None) -> str:
    """``status: reason`` said once (``"failing: HTTP 500 …"``), or the status alone."""
    why = plain_reason(reason)
    return f"{status}: {why}" if why else status


__all__ = [
    "HEALTH_STATUSES",
    "MEANING",
    "NOTHING_READ",
    "PROBLEMS",
    "WALK_STATUSES",
    "FetchStatus",
    "HealthStatus",
    "WalkStatus",
    "health_of",
    "plain_reason",
    "status_line",
]
