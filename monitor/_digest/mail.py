"""The SMTP channel: the digest as a MIME e-mail, sent through the configured server.

The message is multipart/alternative (text, then HTML with the charts as inline PNGs).
Header values go through :func:`monitor._textsafe.printable`: a CR/LF in a brand name
neither injects a header nor makes building the message raise. Credentials come from
:class:`~monitor._config.Secrets` and never appear in errors.
"""

from __future__ import annotations

import email
import email.policy
import logging
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from monitor._config import DigestConfig, Secrets
from monitor._digest.files import DigestFiles
from monitor._digest.records import Digest
from monitor._digest.render import RenderedDigest, pct
from monitor._digest.transport import Outgoing, Send
from monitor._textsafe import printable
from monitor.errors import DeliveryError, TransientDeliveryError

log = logging.getLogger(__name__)


def build_email(rendered: RenderedDigest, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """multipart/alternative: text/plain, then multipart/related(text/html + inline PNGs)."""
    msg = EmailMessage()
    msg["Subject"] = printable(_subject(rendered.digest))
    msg["From"] = printable(sender)
    msg["To"] = printable(", ".join(recipients))
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


class SmtpTransport:
    """The ``smtp`` channel (a :class:`~monitor._digest.transport.Transport`)."""

    def __init__(self, cfg: DigestConfig, secrets: Secrets) -> None:
        self._cfg = cfg
        self._secrets = secrets

    def outgoing(self, rendered: RenderedDigest, files: DigestFiles) -> Outgoing:
        """The e-mail of ``rendered``, and its bytes as the outbox keeps them."""
        msg = build_email(rendered, self._cfg.sender, self._cfg.recipients)
        return Outgoing(msg.as_bytes(policy=email.policy.SMTP), self._sender(msg))

    def resend(self, data: bytes) -> Send:
        """Send a kept ``.eml`` again."""
        return self._sender(email.message_from_bytes(data, policy=email.policy.default))

    def _sender(self, msg: EmailMessage) -> Send:
        def send() -> None:
            send_smtp(msg, self._cfg, self._secrets)

        return send


__all__ = ["SmtpTransport", "build_email", "send_smtp"]
