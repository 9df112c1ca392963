"""Who owns a run, whether that owner is still alive, and the heartbeat that says so.

A run row records its owner as ``host:pid`` and a ``heartbeat_at`` this process renews
every :data:`HEARTBEAT_S` seconds while the run is open. On the next start, a ``running``
row is *abandoned* when its owner is on this host and the process is gone (or had this
very process's pid before it started), or, for any host, when its heartbeat is older
than :data:`EXPIRY`. The same expiry idea guards the scheduler's leases.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

log = logging.getLogger(__name__)

HEARTBEAT_S = float(os.environ.get("MONITOR_HEARTBEAT_S", "30"))
EXPIRY = timedelta(seconds=float(os.environ.get("MONITOR_HEARTBEAT_EXPIRY_S", "600")))
#: When this process started (as far as its runs are concerned): every run it opens starts later.
PROCESS_STARTED = datetime.now(UTC)


def process_owner() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists on this host (a zombie counts as alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def owner_gone(
    owner: str | None,
    heartbeat: datetime | None,
    now: datetime,
    *,
    mine: bool = False,
    started: datetime | None = None,
) -> str | None:
    """Why a ``running`` row owned by ``owner`` is abandoned, or None while it may be alive.

    ``mine`` says this process has the row open (so it is alive whatever its pid says); a
    row of this pid ``started`` after this process did is this process's too (another
    thread, or another store object, is running it).
    """
    if heartbeat is not None and now - heartbeat > EXPIRY:
        return f"no heartbeat from {owner or 'its process'} since {heartbeat:%Y-%m-%d %H:%M:%S} UTC"
    if owner is None:
        return None if heartbeat is not None else "no owner recorded (started before crash tracking)"
    host, _, pid_s = owner.rpartition(":")
    if host != socket.gethostname() or not pid_s.isdigit():
        return None  # another host: only its heartbeat can tell
    pid = int(pid_s)
    if pid == os.getpid():
        if mine or (started is not None and started >= PROCESS_STARTED):
            return None
        return f"process {owner} no longer has it open (restarted with the same pid)"
    if not pid_alive(pid):
        return f"process {owner} is gone"
    return None


def lease_owner_gone(owner: str) -> bool:
    """Whether a scheduler lease owner (``host:pid:tag``) ran on this host and is gone."""
    parts = owner.split(":")
    if len(parts) < 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    return pid != os.getpid() and not pid_alive(pid)


class Heartbeat:
    """A daemon thread calling ``beat()`` every ``interval`` seconds while anything is registered."""

    def __init__(self, beat: Callable[[], None], interval: float | None = None) -> None:
        self._beat = beat
        self._interval = interval  # None: HEARTBEAT_S, read at each beat
        self._users = 0
        self._lock = threading.Lock()
        self._stop: threading.Event | None = None

    def acquire(self) -> None:
        with self._lock:
            self._users += 1
            if self._stop is None:
                self._stop = threading.Event()
                threading.Thread(target=self._loop, args=(self._stop,), name="monitor-heartbeat", daemon=True).start()

    def release(self) -> None:
        with self._lock:
            self._users = max(0, self._users - 1)
            if self._users == 0 and self._stop is not None:
                self._stop.set()
                self._stop = None

    def _loop(self, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_S if self._interval is None else self._interval):
            try:
                self._beat()
            except Exception as exc:  # a busy database must not kill the heartbeat
                log.warning("heartbeat failed: %s", exc)


def expired_before(now: datetime) -> datetime:
    """Heartbeats older than this have expired."""
    return now - EXPIRY


__all__ = [
    "EXPIRY",
    "HEARTBEAT_S",
    "Heartbeat",
    "expired_before",
    "lease_owner_gone",
    "owner_gone",
    "pid_alive",
    "process_owner",
]
