"""Deliver a rendered digest: to files, by SMTP, to a Slack-compatible webhook.

Order matters: the digest is always written to ``out_dir`` first (HTML with the chart as a
``data:`` URI, plain text, optionally Markdown), so it exists whatever happens next. Each
other channel (a :class:`~monitor._digest.transport.Transport`: :mod:`~monitor._digest.mail`,
:mod:`~monitor._digest.webhook`) is tried with retries (tenacity, exponential back-off,
transient errors only); a delivery that still fails is put in the
:mod:`~monitor._digest.outbox` (the exact e-mail as ``.eml``, the exact webhook JSON) and
:func:`retry_pending` sends it on a later run. Nothing is lost and nothing secret is
written: credentials and the webhook URL come from the environment
(:class:`~monitor._config.Secrets`) and never appear in files, logs or errors.

Each channel is isolated: whatever one raises is recorded as that channel's failure and
the others still run. With a :class:`~monitor._digest.ledger.DeliveryLedger` (the pipeline
passes one kept in the database) delivery is idempotent: a digest (its day and brands)
that reached a channel once is not sent there again, whether by a re-run or from the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from monitor._config import DigestConfig, Secrets
from monitor._digest import outbox
from monitor._digest.files import DigestFiles, planned_files, write_files
from monitor._digest.ledger import DeliveryLedger, MetaLedger, already_delivered, delivery_key, remember
from monitor._digest.mail import SmtpTransport, build_email, send_smtp
from monitor._digest.outbox import OutboxEntry, pending_deliveries
from monitor._digest.render import RenderedDigest, digest_stem, render_all
from monitor._digest.transport import Send, Transport, Tries, with_retries
from monitor._digest.webhook import WebhookTransport, send_webhook, webhook_payload
from monitor.errors import DeliveryError, TransientDeliveryError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryResult:
    """How one channel went."""

    channel: str
    ok: bool
    attempts: int = 1
    error: str | None = None
    pending: Path | None = None  # outbox entry kept for a later retry
    already: bool = False  # delivered by an earlier run; not sent again


@dataclass(frozen=True)
class DeliveryReport:
    """The files written and how every channel went."""

    files: DigestFiles
    results: tuple[DeliveryResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def errors(self) -> list[str]:
        return [f"{r.channel}: {r.error}" for r in self.results if not r.ok and r.error]

    def counts(self) -> dict[str, int]:
        """The run record's counts: delivered / already delivered / pending per channel."""
        out: dict[str, int] = {}
        for r in self.results:
            out[f"delivered_{r.channel}"] = int(r.ok)
            if r.already:
                out[f"already_delivered_{r.channel}"] = 1
            if not r.ok:
                out[f"pending_{r.channel}"] = 1
        return out


def transports(cfg: DigestConfig, secrets: Secrets, http: httpx.BaseTransport | None = None) -> dict[str, Transport]:
    """Every channel beyond the files, by name."""
    return {"smtp": SmtpTransport(cfg, secrets), "webhook": WebhookTransport(secrets, http)}


def deliver(
    rendered: RenderedDigest,
    cfg: DigestConfig,
    channels: Sequence[str] | None = None,
    *,
    out_dir: str | Path | None = None,
    secrets: Secrets | None = None,
    attempts: int = 3,
    wait: float = 2.0,
    transport: httpx.BaseTransport | None = None,
    ledger: DeliveryLedger | None = None,
) -> DeliveryReport:
    """Write the files, then try every other channel; failures go to the outbox.

    One channel's failure, whatever it raises, is recorded for that channel and the
    others still run. Channels the ``ledger`` says already got this digest are skipped.
    ``transport`` replaces the webhook's HTTP transport (tests).
    """
    secrets = secrets if secrets is not None else Secrets()
    out = Path(out_dir if out_dir is not None else cfg.out_dir)
    wanted = list(dict.fromkeys(channels if channels is not None else cfg.delivery))
    by_name = transports(cfg, secrets, transport)
    results: list[DeliveryResult] = []
    try:
        files = write_files(rendered, out, markdown=cfg.markdown)
    except Exception as exc:  # the other channels still go out
        log.debug("digest files not written: %s", exc)  # the file channel's failure, in the outcome line
        files = planned_files(rendered, out)
        results.append(DeliveryResult("file", ok=False, error=str(exc)))
    else:
        if "file" in wanted:
            results.append(DeliveryResult("file", ok=True))
    for channel in wanted:
        if channel == "file":
            continue
        key = delivery_key(rendered.stem, channel)
        if ledger is not None and already_delivered(ledger, key):
            outbox.drop(out, rendered.stem, channel)
            log.debug("digest %s already delivered by %s: not sent again", rendered.stem, channel)
            results.append(DeliveryResult(channel, ok=True, attempts=0, already=True))
            continue
        try:
            result = _deliver_one(channel, by_name.get(channel), rendered, files, out, attempts, wait)
        except Exception as exc:  # a bug or hostile input in one channel never stops the others
            log.exception("digest %s delivery failed", channel)
            result = DeliveryResult(channel, ok=False, attempts=0, error=f"{type(exc).__name__}: {exc}")
        if result.ok:
            outbox.drop(out, rendered.stem, channel)
            remember(ledger, key)
        results.append(result)
    return DeliveryReport(files=files, results=tuple(results))


def _deliver_one(
    channel: str,
    via: Transport | None,
    rendered: RenderedDigest,
    files: DigestFiles,
    out: Path,
    attempts: int,
    wait: float,
) -> DeliveryResult:
    if via is None:
        return DeliveryResult(channel, ok=False, attempts=0, error=f"unknown channel {channel!r}")
    meta: OutboxEntry = {
        "channel": channel,
        "stem": rendered.stem,
        "day": rendered.digest.day.isoformat(),
        "attempts": 0,
    }
    message = via.outgoing(rendered, files)
    tries = Tries()
    try:
        used = with_retries(message.send, attempts, wait, tries)
    except DeliveryError as exc:
        used = tries.used
        meta["attempts"], meta["last_error"] = used, str(exc)
        meta["failed_at"] = datetime.now(UTC).isoformat()
        pending = outbox.keep(out, rendered.stem, channel, message.data, meta)
        log.debug("digest %s delivery failed after %d attempt(s): %s (kept in %s)", channel, used, exc, pending)
        return DeliveryResult(channel, ok=False, attempts=used, error=str(exc), pending=pending)
    log.debug("digest delivered by %s", channel)
    return DeliveryResult(channel, ok=True, attempts=used)


def retry_pending(
    cfg: DigestConfig,
    *,
    out_dir: str | Path | None = None,
    secrets: Secrets | None = None,
    attempts: int = 2,
    wait: float = 2.0,
    transport: httpx.BaseTransport | None = None,
    ledger: DeliveryLedger | None = None,
) -> list[DeliveryResult]:
    """Send what the outbox holds, exactly as first rendered; remove what got through.

    An entry the ``ledger`` says was delivered already is removed unsent.
    """
    secrets = secrets if secrets is not None else Secrets()
    by_name = transports(cfg, secrets, transport)
    results = []
    for meta in pending_deliveries(out_dir if out_dir is not None else cfg.out_dir):
        body = Path(meta["path"])
        channel = str(meta.get("channel", ""))
        stem = meta.get("stem")
        key = delivery_key(str(stem or ""), channel)
        if ledger is not None and stem and already_delivered(ledger, key):
            outbox.remove(body)
            results.append(DeliveryResult(channel, ok=True, attempts=0, already=True))
            continue
        via = by_name.get(channel)
        if via is None:
            continue
        tries = Tries()
        try:
            send: Send = via.resend(body.read_bytes())
            used = with_retries(send, attempts, wait, tries)
        except OSError:
            continue  # removed meanwhile
        except Exception as exc:  # DeliveryError, or a damaged entry: keep it, say why
            error = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
            kept: dict[str, object] = {k: v for k, v in meta.items() if k != "path"}
            kept.update(attempts=int(meta.get("attempts", 0)) + tries.used, last_error=error)
            outbox.write_meta(body, kept)
            results.append(DeliveryResult(channel, ok=False, attempts=tries.used, error=error, pending=body))
            continue
        outbox.remove(body)
        if stem:
            remember(ledger, key)
        results.append(DeliveryResult(channel, ok=True, attempts=used))
    return results


__all__ = [
    "DeliveryLedger",
    "DeliveryReport",
    "DeliveryResult",
    "DigestFiles",
    "MetaLedger",
    "RenderedDigest",
    "TransientDeliveryError",
    "build_email",
    "deliver",
    "delivery_key",
    "digest_stem",
    "pending_deliveries",
    "render_all",
    "retry_pending",
    "send_smtp",
    "send_webhook",
    "transports",
    "webhook_payload",
    "write_files",
]
