"""Where a digest went, in words safe for a log line.

The file channel names the HTML file; SMTP the number of recipients and the server; the
webhook its host only (its URL carries the token, so the URL is never shown). Nothing
here reads or shows a credential.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from monitor._config import DigestConfig, Secrets
from monitor._digest.deliver import DeliveryResult
from monitor._digest.files import DigestFiles
from monitor._ports import JSONObject
from monitor._redact import redact_text


def webhook_host(secrets: Secrets) -> str | None:
    """The host of ``MONITOR_WEBHOOK_URL`` (None when it is unset or unreadable)."""
    url = secrets.webhook_url.get_secret_value() if secrets.webhook_url else ""
    if not url:
        return None
    try:
        return httpx.URL(url).host or None
    except (httpx.InvalidURL, TypeError, ValueError):
        return None


def channel_target(channel: str, cfg: DigestConfig, files: DigestFiles | None, secrets: Secrets) -> str:
    """``/srv/digests/digest-2026-12-01.html``, ``3 recipients via smtp.example.com:587``, ``hooks.slack.com``."""
    if channel == "file":
        return str(files.html) if files is not None else cfg.out_dir
    if channel == "smtp":
        n = len(cfg.recipients)
        return f"{n} recipient{'' if n == 1 else 's'} via {cfg.smtp_host}:{cfg.smtp_port}"
    if channel == "webhook":
        return webhook_host(secrets) or "MONITOR_WEBHOOK_URL unset"
    return channel


def delivery_details(
    results: Iterable[DeliveryResult],
    cfg: DigestConfig,
    files: DigestFiles | None,
    secrets: Secrets | None = None,
) -> list[JSONObject]:
    """One entry per channel: ``channel``, ``to`` (see :func:`channel_target`), ``status``
    (``delivered``, ``already delivered`` or ``failed``), and ``error``/``kept`` when it failed."""
    secrets = secrets if secrets is not None else Secrets()
    out: list[JSONObject] = []
    for r in results:
        entry: JSONObject = {"channel": r.channel, "to": channel_target(r.channel, cfg, files, secrets)}
        if r.already:
            entry["status"] = "already delivered"
        elif r.ok:
            entry["status"] = "delivered"
        else:
            entry["status"] = "failed"
            entry["error"] = redact_text(r.error or "unknown error")
            if r.pending is not None:
                entry["kept"] = str(r.pending)
        out.append(entry)
    return out


__all__ = ["channel_target", "delivery_details", "webhook_host"]
