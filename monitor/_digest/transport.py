"""The transport seam: what every channel beyond the files (SMTP, webhook) provides.

A channel turns a rendered digest into the exact bytes it sends, which are what the outbox
keeps when sending fails, and it can send such bytes again later. :func:`with_retries`
retries transient failures only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from monitor._digest.files import DigestFiles
from monitor._digest.render import RenderedDigest
from monitor.errors import TransientDeliveryError

Send = Callable[[], None]


@dataclass(frozen=True)
class Outgoing:
    """One message ready to go: its bytes (kept in the outbox on failure) and how to send it."""

    data: bytes
    send: Send


class Transport(Protocol):
    """A delivery channel beyond the files (``smtp``, ``webhook``)."""

    def outgoing(self, rendered: RenderedDigest, files: DigestFiles) -> Outgoing:
        """The message of ``rendered`` (``files`` says where the full digest is)."""
        ...

    def resend(self, data: bytes) -> Send:
        """How to send an outbox entry's bytes again, exactly as first built."""
        ...


@dataclass
class Tries:
    """How many attempts :func:`with_retries` made, known even when the last one raised."""

    used: int = 0


def with_retries(send: Send, attempts: int, wait: float, tries: Tries) -> int:
    """Call ``send`` until it succeeds or ``attempts`` run out; return the attempts used.

    Only :class:`TransientDeliveryError` is retried (exponential back-off from ``wait``
    seconds); ``tries.used`` counts the attempts even when the last one raises.
    """
    for attempt in Retrying(
        stop=stop_after_attempt(max(1, attempts)),
        wait=wait_exponential(multiplier=wait, min=wait, max=max(wait * 8, wait)),
        retry=retry_if_exception_type(TransientDeliveryError),
        reraise=True,
    ):
        with attempt:
            tries.used = attempt.retry_state.attempt_number
            send()
    return tries.used


__all__ = ["Outgoing", "Send", "Transport", "Tries", "with_retries"]
