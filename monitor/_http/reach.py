"""Did the host answer? One classification of network faults, for the collector and the doctor.

:func:`network_fault` turns what the transport raised into a :class:`Fault`: its fetch
status, a reason that says what happened, and whether another attempt may help.

``unreachable`` — the host could not be reached: the DNS lookup failed (``DNS lookup
failed for shop.example (Name or service not known)``), the connection could not be made
(``cannot connect to shop.example:443 (connection refused)``), or no answer came in time
(``timed out after 20 s connecting to shop.example:443``). Retried with backoff, and the
source is tried again on its next run.

``failed`` — the host was reached but the exchange broke (a reset or a close, a
truncated body, a body still dripping at the total deadline, headers that came but a body
that stalled), the TLS certificate was not accepted, or the URL cannot be fetched at all.

:func:`reach_of` reads a finished :class:`~monitor._http.result.FetchResult` the same
way: ``monitor doctor --network`` and the collector tell ``unreachable`` from ``blocked``
with the same rules.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import httpx

from monitor._health import FetchStatus
from monitor._http.redact import redact_text, redact_url
from monitor._http.result import FetchResult

#: Did a host answer: any HTTP status (``answers``), no answer, our address rules refused
#: it (``refused``), or something else went wrong.
Reach = Literal["answers", "unreachable", "refused", "failed"]
#: How the client's own refusals (private addresses, downgrades) begin.
REFUSED_PREFIX = "refused:"


@dataclass(frozen=True, slots=True)
class Fault:
    """A network fault: the fetch status it means, what happened, and whether to retry."""

    status: Literal["unreachable", "failed"]
    reason: str
    retry: bool = True


def host_port(url: httpx.URL) -> str:
    """``shop.example:443`` (the port the connection uses, the default one included)."""
    port = url.port or (443 if url.scheme == "https" else 80)
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{host}:{port}"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what caused it, depth first through exception groups."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        if isinstance(e, BaseExceptionGroup):
            todo.extend(e.exceptions)
        nxt = e.__cause__ or e.__context__
        if nxt is not None:
            todo.append(nxt)


def _connect_fault(exc: BaseException, url: httpx.URL) -> Fault:
    hp = host_port(url)
    causes = list(_causes(exc))
    for e in causes:
        if isinstance(e, socket.gaierror):
            why = e.strerror or str(e)
            return Fault("unreachable", f"DNS lookup failed for {url.host} ({why})")
        if isinstance(e, ssl.SSLCertVerificationError):
            why = e.verify_message or e.reason or str(e)
            return Fault("failed", f"TLS certificate of {url.host} not accepted ({why})", retry=False)
        if isinstance(e, ssl.SSLError):
            return Fault("failed", f"TLS handshake with {hp} failed ({e.reason or e})")
    for e in causes:
        if isinstance(e, ConnectionRefusedError):
            return Fault("unreachable", f"cannot connect to {hp} (connection refused)")
        if isinstance(e, OSError) and e.errno is not None and e.strerror:
            return Fault("unreachable", f"cannot connect to {hp} ({e.strerror.lower()})")
    why = redact_text(str(exc)) or "connection failed"
    return Fault("unreachable", f"cannot connect to {hp} ({why})")


def _timeout_fault(exc: httpx.TimeoutException, url: httpx.URL, timeout_s: float, answered: bool) -> Fault:
    hp, after = host_port(url), f"timed out after {timeout_s:g} s"
    if isinstance(exc, httpx.ConnectTimeout):
        return Fault("unreachable", f"{after} connecting to {hp}")
    if isinstance(exc, httpx.WriteTimeout):
        return Fault("unreachable", f"{after} sending the request to {hp}")
    if isinstance(exc, httpx.PoolTimeout):
        return Fault("unreachable", f"{after} waiting for a connection to {hp}")
    if answered:  # the headers came, the body stalled: the host is there
        return Fault("failed", f"{after} reading the body from {hp}")
    return Fault("unreachable", f"{after} waiting for {hp} to answer")


def network_fault(
    exc: BaseException, url: httpx.URL, *, timeout_s: float, total_s: float, answered: bool
) -> Fault | None:
    """What a transport exception means, or ``None`` for one that is not a network fault.

    ``answered``: the response's status line and headers had arrived (the fault came while
    reading the body). ``timeout_s`` is the per-operation timeout, ``total_s`` the whole
    exchange's deadline.
    """
    hp = host_port(url)
    if isinstance(exc, TimeoutError):
        # The total deadline: the server keeps the exchange alive (a slow drip) without
        # finishing it. Retrying would only hand it the same time again.
        return Fault(
            "failed",
            f"too slow: {redact_url(str(url))} did not complete within {total_s:g} s (3 × timeout_s)",
            retry=False,
        )
    if isinstance(exc, httpx.TimeoutException):
        return _timeout_fault(exc, url, timeout_s, answered)
    if isinstance(exc, httpx.ProxyError):
        return Fault("failed", f"the proxy failed for {hp}: {redact_text(str(exc))}")
    if isinstance(exc, httpx.ConnectError):
        return _connect_fault(exc, url)
    if isinstance(exc, httpx.RemoteProtocolError):
        msg = str(exc)
        if not answered:
            return Fault("failed", f"{hp} closed the connection without answering ({redact_text(msg)})")
        what = "truncated body" if "incomplete" in msg.lower() or "peer closed" in msg.lower() else "protocol error"
        return Fault("failed", f"{what} from {hp}: {redact_text(msg)}")
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        when = "while reading the body" if answered else "before it answered"
        return Fault("failed", f"connection reset by {hp} {when}")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return Fault("failed", str(exc), retry=False)
    if isinstance(exc, httpx.DecodingError):
        return Fault("failed", f"undecodable body: {exc}", retry=False)
    if isinstance(exc, httpx.TransportError):
        return Fault("failed", f"network error on {hp}: {type(exc).__name__}")
    return None


def reach_of(result: FetchResult) -> Reach:
    """Did the host answer (any HTTP status), not answer, or did our address rules refuse it?"""
    status: FetchStatus = result.status
    if status == "unreachable":
        return "unreachable"
    if result.http_status is not None or status in ("ok", "not_modified"):
        return "answers"
    if (result.reason or "").startswith(REFUSED_PREFIX):
        return "refused"
    return "failed"


__all__ = ["REFUSED_PREFIX", "Fault", "Reach", "host_port", "network_fault", "reach_of"]
