"""The webhook channel: a Slack-compatible JSON message (``text`` fallback + Block Kit blocks).

The webhook URL carries its token, so it comes from :class:`~monitor._config.Secrets` and
errors name its host only.
"""

from __future__ import annotations

import json

import httpx

from monitor._config import Secrets
from monitor._digest.files import DigestFiles
from monitor._digest.formats import Formats
from monitor._digest.headline import headline, when
from monitor._digest.reach import reach_line
from monitor._digest.records import BrandDigest, Digest
from monitor._digest.render import RenderedDigest, formats, safe_url, slack_escape
from monitor._digest.story import empty_statement, window_statement
from monitor._digest.transport import Outgoing, Send
from monitor.errors import DeliveryError, TransientDeliveryError

JsonObject = dict[str, object]


def webhook_payload(rendered: RenderedDigest, files: DigestFiles | None = None) -> JsonObject:
    """A Slack-compatible message (``text`` fallback + Block Kit blocks): the same figures,
    formats and window as the HTML and text forms."""
    d = rendered.digest
    f = formats(d)
    blocks: list[JsonObject] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"Mention digest · {f.day(d.day)}"[:150]},
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": slack_escape(window_statement(d, f))[:3000]}]},
    ]
    empty = empty_statement(d)
    if empty:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": slack_escape(empty)}})
    fallback = []
    for b in d.brands:
        line = headline(b, d.bar, f)
        fallback.append(f"{b.brand}: {line}")
        fields = []
        for w in (b.today, b.yesterday, b.week, b.month):
            ci = f.pct_range(w.msi_low, w.msi_high)
            low = " · low sample" if (w.low_sample and w.msi is not None) else ""
            n = f" · n = {f.count(w.positive + w.negative)}" if w.msi is not None else ""
            fields.append(
                {
                    "type": "mrkdwn",
                    "text": f"*MSI {slack_escape(w.label.lower())}*\n{f.pct(w.msi)}"
                    + (f" ({ci}){n}{low}" if ci else ""),
                }
            )
        fields.append({"type": "mrkdwn", "text": f"*Mentions {when(b.today)}*\n{f.count(b.today.volume)}"})
        fields.append({"type": "mrkdwn", "text": f"*Net sentiment (−1…+1)*\n{f.net(b.today.net_sentiment)}"})
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{slack_escape(b.brand)}*\n{slack_escape(line)}"[:3000]},
            }
        )
        blocks.append({"type": "section", "fields": fields})
        reach = reach_line(b, f)
        if reach is not None:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": slack_escape(reach.text)}]})
        if b.alerts:
            text = "\n".join(
                f":warning: *{slack_escape(a.heading)}*" + "".join(f"\n      {slack_escape(x)}" for x in a.details)
                for a in b.alerts
            )
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
        why = _why(b, d, f)
        if why:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": why[:3000]}})
        worst = b.most_negative[:2]
        if worst:
            lines = []
            for m in worst:
                quote = slack_escape(m.excerpt[:200])
                link = safe_url(m.url)
                lines.append(
                    f">{quote}\n_{slack_escape(m.lang)} · {slack_escape(m.source_kind)}"
                    + (f" · theme: {slack_escape(m.theme)}" if m.theme else "")
                    + "_"
                    + (f" · <{link}|open>" if link else "")
                )
            blocks.append(
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": (f"*Most negative {when(b.today)}*\n" + "\n".join(lines))[:3000],
                    },
                }
            )
        if b.average_ratings:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _averages(b)[:3000]}]})
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


def _why(b: BrandDigest, d: Digest, f: Formats) -> str:
    """The brand's "What drove it" in mrkdwn (empty when there is nothing to say)."""
    why = b.why
    if why.empty:
        return ""
    lines = ["*What drove it*"]
    lines += [f"• {slack_escape(x.text)}" for x in why.drivers]
    for t in why.themes:
        gist = f" ({slack_escape(t.gist)})" if t.gist else ""
        lines.append(
            f"• {slack_escape(t.name)}{gist}: {f.counted(t.volume, 'mention')}, "
            f"MSI {f.pct(t.msi)} (n = {f.count(t.msi_n)})"
        )
    for a in why.aspects:
        lines.append(
            f"• {slack_escape(a.aspect)}: {f.counted(a.volume, 'mention')}, MSI {f.pct(a.msi)} (n = {f.count(a.msi_n)})"
        )
    c = why.complaints
    if c is not None:
        median = f.age(c.median_response_s) if c.median_response_s is not None else "–"
        lines.append(
            f"• Complaints awaiting an answer: {f.count(c.open)} open, {f.count(c.overdue)} overdue"
            + (f", the longest waiting {f.age(c.oldest_open_s)}" if c.oldest_open_s is not None else "")
            + f"; answered within {f.period(why.target_s)}: {f.pct(c.answered_in_time_share)}; median response {median}"
        )
        for w in why.waiting[:3]:
            link = safe_url(w.url)
            lines.append(
                f">{slack_escape(w.excerpt[:160])}\n_waiting {f.age(w.age_s)}{' · overdue' if w.overdue else ''} · "
                f"{slack_escape(w.lang)} · {slack_escape(w.source)}_" + (f" · <{link}|open>" if link else "")
            )
    return "\n".join(lines)


def _averages(b: BrandDigest) -> str:
    """``Average ratings: shop (Drill) ★ 4.3 / 5 (7 days +0.1)``: each source's latest."""
    parts = []
    for r in b.average_ratings:
        name = slack_escape(r.source) + (f" ({slack_escape(r.item_text)})" if r.item_text else "")
        moves = (("7 days", r.week_change_text), ("30 days", r.month_change_text))
        changes = ", ".join(f"{n} {t}" for n, t in moves if t)
        parts.append(f"{name} ★ {r.value_text}" + (f" ({changes})" if changes else ""))
    return "Average ratings: " + "; ".join(parts)


def send_webhook(
    payload: object,
    url: str,
    *,
    timeout: float = 15.0,
    transport: httpx.BaseTransport | None = None,
) -> None:
    """POST ``payload`` (a JSON value); 2xx is success, 429/5xx/network errors are transient."""
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


class WebhookTransport:
    """The ``webhook`` channel (a :class:`~monitor._digest.transport.Transport`).

    ``http`` replaces httpx's network transport (tests pass a mock one).
    """

    def __init__(self, secrets: Secrets, http: httpx.BaseTransport | None = None) -> None:
        self._secrets = secrets
        self._http = http

    def outgoing(self, rendered: RenderedDigest, files: DigestFiles) -> Outgoing:
        """The JSON message of ``rendered``, linking to the full digest in ``files``."""
        payload = webhook_payload(rendered, files)
        return Outgoing(json.dumps(payload, ensure_ascii=False).encode("utf-8"), self._sender(payload))

    def resend(self, data: bytes) -> Send:
        """Send a kept JSON message again (a damaged one raises ``ValueError`` here)."""
        payload: object = json.loads(data)
        return self._sender(payload)

    def _sender(self, payload: object) -> Send:
        def send() -> None:
            url = self._secrets.webhook_url.get_secret_value() if self._secrets.webhook_url else None
            if not url:
                raise DeliveryError("webhook delivery is configured but MONITOR_WEBHOOK_URL is not set")
            send_webhook(payload, url, transport=self._http)

        return send


__all__ = ["JsonObject", "WebhookTransport", "send_webhook", "webhook_payload"]
