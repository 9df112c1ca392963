"""Deliver a rendered digest: to files, by SMTP, to a Slack-compatible webhook.

Order matters: the digest is always written to ``out_dir`` first (HTML with the chart as a
``data:`` URI, plain text, optionally Markdown), so it exists whatever happens next. Each
other channel is tried with retries (tenacity, exponential back-off, transient errors
only); a delivery that still fails is put in ``out_dir/outbox/`` (the exact e-mail as
``.eml``, the exact webhook JSON) and :func:`retry_pending` sends it on a later run. Nothing
is lost and nothing secret is written: credentials and the webhook URL come from the
environment (:class:`~monitor.config.Secrets`) and never appear in files, logs or errors.

Each channel is isolated: whatever one raises is recorded as that channel's failure and
the others still run. With a :class:`DeliveryLedger` (the pipeline passes one kept in the
database) delivery is idempotent: a digest (its day and brands) that reached a channel
once is not sent there again, whether by a re-run or from the outbox.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import json
import logging
import smtplib
import ssl
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from monitor.config import DigestConfig, Secrets
from monitor.digest.chart import render_chart
from monitor.digest.context import Digest, headline
from monitor.digest.render import (
    pct,
    pct_range,
    render_html,
    render_markdown,
    render_text,
    safe_url,
    signed,
    slack_escape,
)
from monitor.errors import DeliveryError, TransientDeliveryError

log = logging.getLogger(__name__)

Channel = Literal["file", "smtp", "webhook"]
OUTBOX = "outbox"


@dataclass(frozen=True)
class RenderedDigest:
    """A digest rendered once, in every form the channels need."""

    digest: Digest
    stem: str  # file name stem, e.g. "digest-2026-11-03"
    charts: dict[str, bytes]  # brand → PNG
    html_file: str  # charts as data: URIs
    html_mail: str  # charts as cid: references
    text: str
    markdown: str | None
    cids: dict[str, str]  # brand → content id (without angle brackets)


@dataclass(frozen=True)
class DigestFiles:
    html: Path
    text: Path
    markdown: Path | None = None
    charts: dict[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryResult:
    channel: str
    ok: bool
    attempts: int = 1
    error: str | None = None
    pending: Path | None = None  # outbox entry kept for a later retry
    already: bool = False  # delivered by an earlier run; not sent again


class DeliveryLedger(Protocol):
    """Where successful deliveries are remembered (one key per digest and channel)."""

    def delivered(self, key: str) -> bool: ...

    def record(self, key: str) -> None: ...


class MetaLedger:
    """A :class:`DeliveryLedger` in the database's key/value ``meta`` table."""

    def __init__(self, get_meta: Callable[[str], str | None], set_meta: Callable[[str, str], None]) -> None:
        self._get = get_meta
        self._set = set_meta

    def delivered(self, key: str) -> bool:
        return self._get(key) is not None

    def record(self, key: str) -> None:
        self._set(key, datetime.now(UTC).isoformat())


def delivery_key(stem: str, channel: str) -> str:
    """The ledger key of one digest (``stem`` names its day and brands) on one channel."""
    key = f"delivered:{channel}:{stem}"
    return key if len(key) <= 100 else f"delivered:{channel}:{hashlib.sha256(stem.encode()).hexdigest()}"


@dataclass(frozen=True)
class DeliveryReport:
    files: DigestFiles
    results: tuple[DeliveryResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def errors(self) -> list[str]:
        return [f"{r.channel}: {r.error}" for r in self.results if not r.ok and r.error]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[f"delivered_{r.channel}"] = int(r.ok)
            if r.already:
                out[f"already_delivered_{r.channel}"] = 1
            if not r.ok:
                out[f"pending_{r.channel}"] = 1
        return out


def digest_stem(digest: Digest, *, all_brands: bool = True) -> str:
    stem = f"digest-{digest.day.isoformat()}"
    if not all_brands:
        stem += "-" + "-".join(b.slug for b in digest.brands)
    return stem


def render_all(digest: Digest, *, markdown: bool = False, stem: str | None = None) -> RenderedDigest:
    charts = {b.brand: render_chart(b.series, digest.bar) for b in digest.brands}
    data_uris = {name: "data:image/png;base64," + base64.b64encode(png).decode("ascii") for name, png in charts.items()}
    domain = "mention-monitor.local"
    cids = {b.brand: f"chart-{i}-{b.slug}@{domain}" for i, b in enumerate(digest.brands)}
    return RenderedDigest(
        digest=digest,
        stem=stem or digest_stem(digest),
        charts=charts,
        html_file=render_html(digest, data_uris),
        html_mail=render_html(digest, {name: f"cid:{cid}" for name, cid in cids.items()}),
        text=render_text(digest),
        markdown=render_markdown(digest) if markdown else None,
        cids=cids,
    )


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def write_files(rendered: RenderedDigest, out_dir: str | Path, *, markdown: bool = False) -> DigestFiles:
    """Write HTML, text (and Markdown, and the chart PNGs) atomically; return the paths."""
    out = Path(out_dir)
    md_text = rendered.markdown
    if md_text is None and markdown:
        md_text = render_markdown(rendered.digest)
    try:
        out.mkdir(parents=True, exist_ok=True)
        html = out / f"{rendered.stem}.html"
        text = out / f"{rendered.stem}.txt"
        _atomic_write(html, rendered.html_file.encode("utf-8"))
        _atomic_write(text, rendered.text.encode("utf-8"))
        md = None
        if md_text is not None:
            md = out / f"{rendered.stem}.md"
            _atomic_write(md, md_text.encode("utf-8"))
        charts = {}
        for b in rendered.digest.brands:
            png = out / f"{rendered.stem}-{b.slug}.png"
            _atomic_write(png, rendered.charts[b.brand])
            charts[b.brand] = png
    except OSError as exc:
        raise DeliveryError(f"cannot write the digest to {out}: {exc.strerror or exc}") from exc
    return DigestFiles(html=html, text=text, markdown=md, charts=charts)


# ---------------------------------------------------------------- e-mail


def header_safe(value: str) -> str:
    """A header value with every control character (CR, LF, NUL, …) replaced by a space.

    Brand names are hostile input: a CR/LF in one must neither inject a header nor make
    building the message raise.
    """
    return "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value)


def build_email(rendered: RenderedDigest, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """multipart/alternative: text/plain, then multipart/related(text/html + inline PNGs)."""
    msg = EmailMessage()
    msg["Subject"] = header_safe(_subject(rendered.digest))
    msg["From"] = header_safe(sender)
    msg["To"] = header_safe(", ".join(recipients))
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="mention-monitor.local")
    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html_mail, subtype="html", charset="utf-8")
    html_part = msg.get_payload()[1]  # type: ignore[index]
    assert isinstance(html_part, EmailMessage)
    for b in rendered.digest.brands:
        html_part.add_related(
            rendered.charts[b.brand],
            maintype="image",
            subtype="png",
            cid=f"<{rendered.cids[b.brand]}>",
            filename=f"{b.slug}-30-days.png",
            disposition="inline",
        )
    return msg


def _subject(d: Digest) -> str:
    bits = []
    for b in d.brands:
        t = b.today
        flag = ""
        if b.alerts:
            flag = " ⚠"
        bits.append(f"{b.brand} {pct(t.msi)}{flag}")
    return f"Mention digest {d.day.isoformat()}: " + (", ".join(bits) or "no brands")


def send_smtp(msg: EmailMessage, cfg: DigestConfig, secrets: Secrets | None = None, *, timeout: float = 30.0) -> None:
    """Send ``msg`` through the configured server; raise :class:`DeliveryError`."""
    secrets = secrets if secrets is not None else Secrets()
    recipients = list(cfg.recipients)
    if not recipients:
        raise DeliveryError("SMTP delivery is configured but digest.recipients is empty")
    where = f"SMTP {cfg.smtp_host}:{cfg.smtp_port}"
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if cfg.smtp_security == "tls":
            smtp = smtplib.SMTP_SSL(cfg.smtp_host, cfg.smtp_port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if cfg.smtp_security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise DeliveryError(
                        f'{where} does not offer STARTTLS; set digest.smtp_security = "none" '
                        "only for a trusted local relay"
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if secrets.smtp_user and secrets.smtp_password is not None:
                smtp.login(secrets.smtp_user, secrets.smtp_password.get_secret_value())
            refused = smtp.send_message(msg, from_addr=cfg.sender, to_addrs=recipients)
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"{where}: login refused ({exc.smtp_code})") from None
    except smtplib.SMTPResponseException as exc:
        err = f"{where}: {exc.smtp_code} {_decode(exc.smtp_error)}"
        if 400 <= exc.smtp_code < 500:
            raise TransientDeliveryError(err) from None
        raise DeliveryError(err) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"{where}: every recipient refused ({', '.join(exc.recipients)})") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientDeliveryError(f"{where}: {type(exc).__name__}: {exc}") from None
    if refused:
        log.warning("%s refused %d recipient(s): %s", where, len(refused), ", ".join(refused))


def _decode(b: bytes | str) -> str:
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)


# ---------------------------------------------------------------- webhook


def webhook_payload(rendered: RenderedDigest, files: DigestFiles | None = None) -> dict[str, Any]:
    """A Slack-compatible message (``text`` fallback + Block Kit blocks)."""
    d = rendered.digest
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"Mention digest · {d.day.strftime('%a %-d %b %Y')}"[:150]},
        }
    ]
    fallback = []
    for b in d.brands:
        line = headline(b, d.bar)
        fallback.append(f"{b.brand}: {line}")
        fields = []
        for w in (b.today, b.yesterday, b.week, b.month):
            ci = pct_range(w.msi_low, w.msi_high)
            low = " · low sample" if (w.low_sample and w.msi is not None) else ""
            fields.append(
                {"type": "mrkdwn", "text": f"*MSI {w.label.lower()}*\n{pct(w.msi)}" + (f" ({ci}){low}" if ci else "")}
            )
        fields.append({"type": "mrkdwn", "text": f"*Mentions today*\n{b.today.volume}"})
        fields.append({"type": "mrkdwn", "text": f"*Net sentiment*\n{signed(b.today.net_sentiment)}"})
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{slack_escape(b.brand)}*\n{slack_escape(line)}"[:3000]},
            }
        )
        blocks.append({"type": "section", "fields": fields})
        if b.alerts:
            text = "\n".join(
                f":warning: *{slack_escape(a.kind.replace('_', ' '))}*: {slack_escape(a.message)}" for a in b.alerts
            )
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
        worst = b.most_negative[:2]
        if worst:
            lines = []
            for m in worst:
                quote = slack_escape(m.excerpt[:200])
                link = safe_url(m.url)
                lines.append(
                    f">{quote}\n_{slack_escape(m.lang)} · {slack_escape(m.source_kind)}_"
                    + (f" · <{link}|open>" if link else "")
                )
            blocks.append(
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": ("*Most negative today*\n" + "\n".join(lines))[:3000]},
                }
            )
        blocks.append({"type": "divider"})
    if d.source_problems:
        probs = ", ".join(f"{slack_escape(s.name)} ({s.status})" for s in d.source_problems)
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Sources needing attention: {probs}"[:3000]}]}
        )
    if files is not None:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"Full digest: {slack_escape(str(files.html))}"}],
            }
        )
    return {"text": slack_escape(f"Mention digest {d.day.isoformat()}: " + " | ".join(fallback)), "blocks": blocks}


def send_webhook(
    payload: dict[str, Any],
    url: str,
    *,
    timeout: float = 15.0,
    transport: httpx.BaseTransport | None = None,
) -> None:
    """POST the JSON; 2xx is success, 429/5xx/network errors are transient."""
    try:
        with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as client:
            resp = client.post(url, json=payload, headers={"User-Agent": "mention-monitor digest"})
    except httpx.HTTPError as exc:
        # The URL is a secret (it carries the token): name the host only.
        host = httpx.URL(url).host
        raise TransientDeliveryError(f"webhook {host}: {type(exc).__name__}") from None
    if 200 <= resp.status_code < 300:
        return
    host = resp.request.url.host
    err = f"webhook {host}: HTTP {resp.status_code}"
    if resp.status_code == 429 or resp.status_code >= 500:
        raise TransientDeliveryError(err)
    raise DeliveryError(err)


# ---------------------------------------------------------------- orchestration


def _with_retries(fn: Callable[[], None], attempts: int, wait: float, tries: list[int] | None = None) -> int:
    """Call ``fn`` until it succeeds or ``attempts`` run out; return the attempts used.

    Only :class:`TransientDeliveryError` is retried (exponential back-off from ``wait``
    seconds); ``tries[0]`` counts the attempts even when the last one raises.
    """
    tries = tries if tries is not None else [0]
    for attempt in Retrying(
        stop=stop_after_attempt(max(1, attempts)),
        wait=wait_exponential(multiplier=wait, min=wait, max=max(wait * 8, wait)),
        retry=retry_if_exception_type(TransientDeliveryError),
        reraise=True,
    ):
        with attempt:
            tries[0] = attempt.retry_state.attempt_number
            fn()
    return tries[0]


def _outbox_entry(out_dir: Path, stem: str, channel: str, data: bytes, meta: dict[str, Any]) -> Path:
    box = out_dir / OUTBOX
    box.mkdir(parents=True, exist_ok=True)
    body = box / f"{stem}.{channel}.{'eml' if channel == 'smtp' else 'json'}"
    _atomic_write(body, data)
    _atomic_write(body.with_name(body.name + ".meta"), json.dumps(meta, indent=2).encode("utf-8"))
    return body


def _planned_files(rendered: RenderedDigest, out: Path) -> DigestFiles:
    return DigestFiles(html=out / f"{rendered.stem}.html", text=out / f"{rendered.stem}.txt")


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
    """
    secrets = secrets if secrets is not None else Secrets()
    out = Path(out_dir if out_dir is not None else cfg.out_dir)
    wanted = list(dict.fromkeys(channels if channels is not None else cfg.delivery))
    results: list[DeliveryResult] = []
    try:
        files = write_files(rendered, out, markdown=cfg.markdown)
    except Exception as exc:  # the other channels still go out
        log.error("digest files not written: %s", exc)
        files = _planned_files(rendered, out)
        results.append(DeliveryResult("file", ok=False, error=str(exc)))
    else:
        if "file" in wanted:
            results.append(DeliveryResult("file", ok=True))
    for channel in wanted:
        if channel == "file":
            continue
        key = delivery_key(rendered.stem, channel)
        if ledger is not None and _already(ledger, key):
            _drop_outbox(out, rendered.stem, channel)
            log.info("digest %s already delivered by %s: not sent again", rendered.stem, channel)
            results.append(DeliveryResult(channel, ok=True, attempts=0, already=True))
            continue
        try:
            result = _deliver_one(channel, rendered, files, cfg, secrets, transport, out, attempts, wait)
        except Exception as exc:  # a bug or hostile input in one channel never stops the others
            log.exception("digest %s delivery failed", channel)
            result = DeliveryResult(channel, ok=False, attempts=0, error=f"{type(exc).__name__}: {exc}")
        if result.ok:
            _drop_outbox(out, rendered.stem, channel)
            _record(ledger, key)
        results.append(result)
    return DeliveryReport(files=files, results=tuple(results))


def _deliver_one(
    channel: str,
    rendered: RenderedDigest,
    files: DigestFiles,
    cfg: DigestConfig,
    secrets: Secrets,
    transport: httpx.BaseTransport | None,
    out: Path,
    attempts: int,
    wait: float,
) -> DeliveryResult:
    meta = {"channel": channel, "stem": rendered.stem, "day": rendered.digest.day.isoformat(), "attempts": 0}
    send: Callable[[], None]
    if channel == "smtp":
        msg = build_email(rendered, cfg.sender, cfg.recipients)
        data = msg.as_bytes(policy=email.policy.SMTP)
        send = _smtp_sender(msg, cfg, secrets)
    elif channel == "webhook":
        payload = webhook_payload(rendered, files)
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        send = _webhook_sender(payload, secrets, transport)
    else:
        return DeliveryResult(channel, ok=False, attempts=0, error=f"unknown channel {channel!r}")
    return _attempt(channel, send, data, meta, out, rendered.stem, attempts, wait)


def _already(ledger: DeliveryLedger, key: str) -> bool:
    try:
        return ledger.delivered(key)
    except Exception as exc:  # cannot tell: sending twice beats never sending
        log.warning("cannot read the delivery ledger: %s", exc)
        return False


def _record(ledger: DeliveryLedger | None, key: str) -> None:
    if ledger is None:
        return
    try:
        ledger.record(key)
    except Exception as exc:
        log.error("delivered, but cannot record it (a re-run may send it again): %s", exc)


def _drop_outbox(out: Path, stem: str, channel: str) -> None:
    body = out / OUTBOX / f"{stem}.{channel}.{'eml' if channel == 'smtp' else 'json'}"
    try:
        body.unlink(missing_ok=True)
        body.with_name(body.name + ".meta").unlink(missing_ok=True)
    except OSError as exc:  # an unusable out_dir is the file channel's failure, already reported
        log.debug("cannot clear the outbox entry %s: %s", body, exc)


def _smtp_sender(msg: Any, cfg: DigestConfig, secrets: Secrets) -> Callable[[], None]:
    def send() -> None:
        send_smtp(msg, cfg, secrets)

    return send


def _webhook_sender(
    payload: dict[str, Any], secrets: Secrets, transport: httpx.BaseTransport | None
) -> Callable[[], None]:
    def send() -> None:
        url = secrets.webhook_url.get_secret_value() if secrets.webhook_url else None
        if not url:
            raise DeliveryError("webhook delivery is configured but MONITOR_WEBHOOK_URL is not set")
        send_webhook(payload, url, transport=transport)

    return send


def _attempt(
    channel: str,
    send: Callable[[], None],
    data: bytes,
    meta: dict[str, Any],
    out: Path,
    stem: str,
    attempts: int,
    wait: float,
) -> DeliveryResult:
    tries = [0]
    try:
        used = _with_retries(send, attempts, wait, tries)
    except DeliveryError as exc:
        used = tries[0]
        meta.update(attempts=used, last_error=str(exc), failed_at=datetime.now(UTC).isoformat())
        pending = _outbox_entry(out, stem, channel, data, meta)
        log.warning("digest %s delivery failed after %d attempt(s): %s (kept in %s)", channel, used, exc, pending)
        return DeliveryResult(channel, ok=False, attempts=used, error=str(exc), pending=pending)
    log.info("digest delivered by %s", channel)
    return DeliveryResult(channel, ok=True, attempts=used)


def pending_deliveries(out_dir: str | Path) -> list[dict[str, Any]]:
    """The outbox: deliveries that failed and wait for :func:`retry_pending`."""
    box = Path(out_dir) / OUTBOX
    out = []
    if box.is_dir():
        for meta_path in sorted(box.glob("*.meta")):
            try:
                meta = json.loads(meta_path.read_text("utf-8"))
            except (OSError, ValueError):
                continue
            meta["path"] = str(meta_path.with_suffix(""))
            out.append(meta)
    return out


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
    results = []
    for meta in pending_deliveries(out_dir if out_dir is not None else cfg.out_dir):
        body = Path(meta["path"])
        channel = str(meta.get("channel", ""))
        key = delivery_key(str(meta.get("stem", "")), channel)
        if ledger is not None and meta.get("stem") and _already(ledger, key):
            body.unlink(missing_ok=True)
            body.with_name(body.name + ".meta").unlink(missing_ok=True)
            results.append(DeliveryResult(channel, ok=True, attempts=0, already=True))
            continue
        tries = [0]
        try:
            data = body.read_bytes()
            send: Callable[[], None]
            if channel == "smtp":
                send = _smtp_sender(email.message_from_bytes(data, policy=email.policy.default), cfg, secrets)
            elif channel == "webhook":
                send = _webhook_sender(json.loads(data), secrets, transport)
            else:
                continue
            used = _with_retries(send, attempts, wait, tries)
        except OSError:
            continue  # removed meanwhile
        except Exception as exc:  # DeliveryError, or a damaged entry: keep it, say why
            error = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
            meta_file = body.with_name(body.name + ".meta")
            meta_out = {k: v for k, v in meta.items() if k != "path"}
            meta_out.update(attempts=int(meta.get("attempts", 0)) + tries[0], last_error=error)
            _atomic_write(meta_file, json.dumps(meta_out, indent=2).encode("utf-8"))
            results.append(DeliveryResult(channel, ok=False, attempts=tries[0], error=error, pending=body))
            continue
        body.unlink(missing_ok=True)
        body.with_name(body.name + ".meta").unlink(missing_ok=True)
        if meta.get("stem"):
            _record(ledger, key)
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
    "header_safe",
    "pending_deliveries",
    "render_all",
    "retry_pending",
    "send_smtp",
    "send_webhook",
    "webhook_payload",
    "write_files",
]
