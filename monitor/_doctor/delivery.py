"""Delivery checks: the digest's channels are configured sanely, and ``--send-test`` sends one message.

The test message goes through the digest's own senders
(:func:`~monitor._digest.deliver.send_smtp`, :func:`~monitor._digest.deliver.send_webhook`),
once, without the outbox. The webhook URL is a secret: only its host is ever shown.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import httpx

from monitor._config import DigestConfig, Secrets
from monitor._doctor.local import writable_folder
from monitor._doctor.report import Check, fail, ok, warn
from monitor._http.hosts import is_loopback
from monitor.errors import MonitorError

TEST_SUBJECT = "mention-monitor doctor: test message"

SmtpSend = Callable[[EmailMessage, DigestConfig, Secrets], None]
WebhookSend = Callable[[Mapping[str, Any], str], None]


def _send_smtp(msg: EmailMessage, cfg: DigestConfig, secrets: Secrets) -> None:
    from monitor._digest.deliver import send_smtp

    send_smtp(msg, cfg, secrets)


def _send_webhook(payload: Mapping[str, Any], url: str) -> None:
    from monitor._digest.deliver import send_webhook

    send_webhook(dict(payload), url)


@dataclass(frozen=True)
class Senders:
    """How ``--send-test`` sends (the digest's senders unless a test substitutes them)."""

    smtp: SmtpSend = _send_smtp
    webhook: WebhookSend = _send_webhook


def _webhook_host(url: str) -> str | None:
    try:
        u = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    return u.host if u.scheme in ("http", "https") and u.host else None


def _check_smtp(cfg: DigestConfig, secrets: Secrets) -> Check:
    where = f"{cfg.smtp_host}:{cfg.smtp_port} ({cfg.smtp_security})"
    if not cfg.recipients:
        return fail("delivery", "smtp", f"{where}: digest.recipients is empty", 'set digest.recipients = ["you@…"]')
    if (secrets.smtp_user is None) != (secrets.smtp_password is None):
        return warn(
            "delivery",
            "smtp",
            f"{where}: only one of MONITOR_SMTP_USER and MONITOR_SMTP_PASSWORD is set: no login is attempted",
            "set both (or neither, for a relay that needs no login)",
        )
    if cfg.smtp_security == "none" and not is_loopback(cfg.smtp_host):
        return warn(
            "delivery",
            "smtp",
            f"{where}: mail (and any password) crosses the network unencrypted",
            'set digest.smtp_security = "starttls" (or "tls" for port 465)',
        )
    login = f", login as {secrets.smtp_user}" if secrets.smtp_user else ""
    return ok("delivery", "smtp", f"{where} from {cfg.sender} to {len(cfg.recipients)} recipient(s){login}")


def _check_webhook(secrets: Secrets) -> Check:
    url = secrets.webhook_url.get_secret_value() if secrets.webhook_url else ""
    if not url:
        return fail("delivery", "webhook", "MONITOR_WEBHOOK_URL is not set", "export MONITOR_WEBHOOK_URL=https://…")
    host = _webhook_host(url)
    if host is None:
        return fail(
            "delivery", "webhook", "MONITOR_WEBHOOK_URL is not an http(s) URL", "set it to the URL your chat gave you"
        )
    if url.lower().startswith("http://") and not is_loopback(host):
        return warn(
            "delivery", "webhook", f"to {host} over plain http: the URL's token is sent in clear", "use its https URL"
        )
    return ok("delivery", "webhook", f"to {host} (URL from MONITOR_WEBHOOK_URL)")


def check_delivery(cfg: DigestConfig, secrets: Secrets) -> list[Check]:
    """Each channel in ``digest.delivery``, and secrets set for a channel that is not."""
    checks = []
    out = Path(cfg.out_dir)
    problem = writable_folder(out, "file", "delivery", "digest.out_dir")
    channels = set(cfg.delivery)
    later = "" if out.is_dir() else " (created with the first digest)"
    checks.append(problem or ok("delivery", "file", f"digests are written to {out.resolve()}{later}"))
    if "smtp" in channels:
        checks.append(_check_smtp(cfg, secrets))
    elif secrets.smtp_user or secrets.smtp_password:
        checks.append(
            warn(
                "delivery",
                "smtp",
                "MONITOR_SMTP_USER/PASSWORD are set, but smtp is not in digest.delivery",
                'add "smtp"',
            )
        )
    if "webhook" in channels:
        checks.append(_check_webhook(secrets))
    elif secrets.webhook_url:
        checks.append(
            warn(
                "delivery",
                "webhook",
                "MONITOR_WEBHOOK_URL is set, but webhook is not in digest.delivery",
                'add "webhook"',
            )
        )
    return checks


def probe_email(cfg: DigestConfig) -> EmailMessage:
    """A short plain-text e-mail saying where it came from."""
    msg = EmailMessage()
    msg["Subject"] = TEST_SUBJECT
    msg["From"] = cfg.sender
    msg["To"] = ", ".join(cfg.recipients)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="mention-monitor.local")
    msg.set_content(
        f"`monitor doctor --send-test` on {socket.gethostname()}: digests sent by e-mail will arrive here.\n"
    )
    return msg


def send_tests(cfg: DigestConfig, secrets: Secrets, senders: Senders | None = None) -> list[Check]:
    """Send one test message on each configured smtp/webhook channel; one check per channel."""
    senders = senders or Senders()
    checks = []
    if "smtp" in cfg.delivery:
        where = f"{cfg.smtp_host}:{cfg.smtp_port}"
        try:
            senders.smtp(probe_email(cfg), cfg, secrets)
        except MonitorError as exc:
            checks.append(fail("send-test", "smtp", str(exc), "check digest.smtp_* and MONITOR_SMTP_USER/PASSWORD"))
        else:
            checks.append(ok("send-test", "smtp", f"{where} accepted a test e-mail to {', '.join(cfg.recipients)}"))
    if "webhook" in cfg.delivery:
        url = secrets.webhook_url.get_secret_value() if secrets.webhook_url else ""
        host = _webhook_host(url)
        if host is None:
            checks.append(fail("send-test", "webhook", "no usable MONITOR_WEBHOOK_URL", "see the delivery check above"))
        else:
            payload = {"text": f"{TEST_SUBJECT} from {socket.gethostname()}"}
            try:
                senders.webhook(payload, url)
            except MonitorError as exc:
                checks.append(fail("send-test", "webhook", str(exc), "check MONITOR_WEBHOOK_URL (is it still valid?)"))
            else:
                checks.append(ok("send-test", "webhook", f"{host} accepted a test message"))
    if not checks:
        checks.append(ok("send-test", "", "digest.delivery has neither smtp nor webhook: nothing to send"))
    return checks


__all__ = ["TEST_SUBJECT", "Senders", "check_delivery", "probe_email", "send_tests"]
