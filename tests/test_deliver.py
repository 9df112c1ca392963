"""Delivery: files first, SMTP to a real local server, a webhook, retries and the outbox."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import SecretStr

from monitor._config import DigestConfig, Secrets
from monitor._digest.deliver import deliver, pending_deliveries, render_all, retry_pending
from tests.test_digest_render import ARMENIAN, HOSTILE, brand, digest, mention

WEBHOOK_SECRET = "T000/B000/s3cr3t-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content)
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def sample():
    return render_all(
        digest(brand("Acme", negatives=[mention(HOSTILE, "en")], positives=[mention(ARMENIAN, "hy")]), brand("Rival"))
    )


def smtp_cfg(tmp_path: Path, port: int, **kw) -> DigestConfig:
    return DigestConfig(
        recipients=["lead@example.com", "team@example.com"],
        delivery=["file", "smtp"],
        out_dir=str(tmp_path),
        sender="monitor@example.com",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        **kw,
    )


def test_files_are_written_before_anything_else(tmp_path: Path) -> None:
    cfg = DigestConfig(out_dir=str(tmp_path / "out"), markdown=True)
    report = deliver(sample(), cfg, ["file"], secrets=Secrets())
    assert report.ok
    html = report.files.html.read_text("utf-8")
    assert report.files.html.name == "digest-2026-11-03.html"
    assert "data:image/png;base64," in html and ARMENIAN in html
    assert report.files.text.read_text("utf-8").startswith("DAILY MENTION DIGEST")
    assert report.files.markdown is not None and report.files.markdown.exists()
    assert sorted(p.name for p in report.files.charts.values()) == [
        "digest-2026-11-03-acme.png",
        "digest-2026-11-03-rival.png",
    ]


def test_smtp_delivery_mime_parts_and_inline_images(tmp_path: Path, smtp_server) -> None:
    inbox, port = smtp_server
    rendered = sample()
    report = deliver(rendered, smtp_cfg(tmp_path, port), secrets=Secrets(), wait=0)
    assert report.ok, report.errors
    assert report.files.html.exists()  # the file went first
    assert len(inbox.messages) == 1
    mail_from, rcpts, raw = inbox.messages[0]
    assert mail_from == "monitor@example.com"
    assert sorted(rcpts) == ["lead@example.com", "team@example.com"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Subject"].startswith("Mention digest 2026-11-03: Acme")
    plain, related = msg.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert "DAILY MENTION DIGEST" in plain.get_content()
    assert ARMENIAN in plain.get_content()
    assert related.get_content_type() == "multipart/related"
    html_part, *images = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    html = html_part.get_content()
    assert "&lt;script&gt;" in html and "<script" not in html
    assert len(images) == 2
    for img in images:
        assert img.get_content_type() == "image/png"
        assert img.get_content_disposition() == "inline"
        cid = img["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html
        assert img.get_content()[:8] == b"\x89PNG\r\n\x1a\n"


def test_smtp_refusing_server_is_retried_and_kept_in_the_outbox(tmp_path: Path, smtp_server) -> None:
    inbox, port = smtp_server
    dead = free_port()  # nothing listens here
    report = deliver(sample(), smtp_cfg(tmp_path, dead), secrets=Secrets(), attempts=3, wait=0)
    assert not report.ok
    [res] = [r for r in report.results if r.channel == "smtp"]
    assert res.attempts == 3 and res.pending is not None and res.pending.exists()
    assert report.files.html.exists()
    pending = pending_deliveries(tmp_path)
    assert [p["channel"] for p in pending] == ["smtp"]
    # The server is back: the exact same message goes out on the next run.
    sent = retry_pending(smtp_cfg(tmp_path, port), secrets=Secrets(), wait=0)
    assert [r.ok for r in sent] == [True]
    assert pending_deliveries(tmp_path) == []
    assert len(inbox.messages) == 1
    msg = email.message_from_bytes(inbox.messages[0][2], policy=email.policy.default)
    assert msg.get_content_type() == "multipart/alternative"


def test_starttls_is_required_unless_configured_off(tmp_path: Path, smtp_server) -> None:
    _inbox, port = smtp_server
    report = deliver(
        sample(),
        smtp_cfg(tmp_path, port).model_copy(update={"smtp_security": "starttls"}),
        secrets=Secrets(smtp_user="u", smtp_password=SecretStr("pw-not-to-leak")),
        wait=0,
    )
    [res] = [r for r in report.results if r.channel == "smtp"]
    assert not res.ok and "STARTTLS" in (res.error or "")
    assert res.attempts == 1  # a configuration problem is not retried
    assert "pw-not-to-leak" not in json.dumps(pending_deliveries(tmp_path))


class Hook:
    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.bodies: list[dict] = []
        self.paths: list[str] = []

    def handler(self):
        hook = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                hook.bodies.append(json.loads(self.rfile.read(n)))
                hook.paths.append(self.path)
                status = hook.statuses.pop(0) if hook.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        return H


@pytest.fixture
def webhook():
    servers = []

    def make(statuses: list[int]):
        hook = Hook(statuses)
        srv = ThreadingHTTPServer(("127.0.0.1", 0), hook.handler())
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return hook, f"http://127.0.0.1:{srv.server_address[1]}/services/{WEBHOOK_SECRET}"

    yield make
    for s in servers:
        s.shutdown()
        s.server_close()


def test_webhook_delivers_slack_compatible_json(tmp_path: Path, webhook) -> None:
    hook, url = webhook([])
    cfg = DigestConfig(delivery=["file", "webhook"], out_dir=str(tmp_path))
    report = deliver(sample(), cfg, secrets=Secrets(webhook_url=SecretStr(url)), wait=0)
    assert report.ok, report.errors
    [body] = hook.bodies
    assert hook.paths == [f"/services/{WEBHOOK_SECRET}"]
    assert body["text"].startswith("Mention digest 2026-11-03")
    assert body["blocks"][0]["type"] == "header"
    sections = [b for b in body["blocks"] if b["type"] == "section"]
    assert any("*Acme*" in b.get("text", {}).get("text", "") for b in sections)
    assert all(len(b.get("fields", [])) <= 10 for b in sections)
    dumped = json.dumps(body, ensure_ascii=False)
    assert "<script" not in dumped and "&lt;script&gt;" in dumped


def test_webhook_5xx_is_retried_then_kept_without_leaking_the_url(tmp_path: Path, webhook) -> None:
    hook, url = webhook([503, 200])
    cfg = DigestConfig(delivery=["webhook"], out_dir=str(tmp_path))
    report = deliver(sample(), cfg, secrets=Secrets(webhook_url=SecretStr(url)), wait=0)
    assert report.ok and report.results[0].attempts == 2 and len(hook.bodies) == 2

    _hook2, url2 = webhook([500, 500, 500])
    report = deliver(sample(), cfg, secrets=Secrets(webhook_url=SecretStr(url2)), attempts=3, wait=0)
    [res] = report.results
    assert not res.ok and res.error is not None and "HTTP 500" in res.error
    assert WEBHOOK_SECRET not in res.error
    box = tmp_path / "outbox"
    assert all(WEBHOOK_SECRET not in p.read_text("utf-8") for p in box.iterdir())
    # Later the hook works again: the stored payload is sent as it was.
    sent = retry_pending(cfg, secrets=Secrets(webhook_url=SecretStr(url)), wait=0)
    assert [r.ok for r in sent] == [True]
    assert hook.bodies[-1]["text"].startswith("Mention digest 2026-11-03")


def test_webhook_without_url_is_recorded_not_lost(tmp_path: Path) -> None:
    cfg = DigestConfig(delivery=["file", "webhook"], out_dir=str(tmp_path))
    report = deliver(sample(), cfg, secrets=Secrets(webhook_url=None), wait=0)
    assert report.files.html.exists()
    [hook] = [r for r in report.results if r.channel == "webhook"]
    assert not hook.ok and "MONITOR_WEBHOOK_URL" in (hook.error or "")
    assert report.counts() == {"delivered_file": 1, "delivered_webhook": 0, "pending_webhook": 1}


def test_digest_day_and_generated_time_in_file(tmp_path: Path) -> None:
    r = sample()
    assert r.digest.day == date(2026, 11, 3)
    assert r.digest.generated_at == datetime(2026, 11, 4, 7, 0, tzinfo=UTC)
    assert "the calendar day 00:00–24:00 Europe/Stockholm, the whole day" in r.html_file


# ---------------------------------------------------------------- isolation and hostile names


EVIL_BRAND = "Acme\r\nBcc: x@evil.example"


def test_hostile_brand_name_injects_no_header_and_the_webhook_still_gets_its_post(
    tmp_path: Path, smtp_server, webhook
) -> None:
    inbox, port = smtp_server
    hook, url = webhook([])
    cfg = smtp_cfg(tmp_path, port).model_copy(update={"delivery": ["file", "smtp", "webhook"]})
    rendered = render_all(digest(brand(EVIL_BRAND, negatives=[mention(HOSTILE, "en")])))
    report = deliver(rendered, cfg, secrets=Secrets(webhook_url=SecretStr(url)), wait=0)
    assert report.ok, report.errors  # was: ValueError from build_email, webhook never tried
    assert len(hook.bodies) == 1
    [(_from, rcpts, raw)] = inbox.messages
    assert sorted(rcpts) == ["lead@example.com", "team@example.com"]  # no x@evil.example
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Bcc"] is None and b"\r\nBcc:" not in raw.split(b"\r\n\r\n", 1)[0]
    assert "\n" not in msg["Subject"] and "Acme  Bcc: x@evil.example" in msg["Subject"]


def test_headers_are_cleaned_by_the_text_safety_rule() -> None:
    """Header values follow textsafe's rule: escape sequences, controls and bidi marks go."""
    from monitor._digest.deliver import build_email

    rendered = render_all(digest(brand("Acme\x1b[2J\u202eemca\x00")))
    msg = build_email(rendered, "monitor@example.com", ["lead@example.com"])
    subject = msg["Subject"]
    assert "Acmeemca" in subject
    assert not any(c in subject for c in "\x1b\u202e\x00\r\n")


def test_one_channel_failing_does_not_stop_the_others(tmp_path: Path, smtp_server, webhook) -> None:
    inbox, port = smtp_server
    hook, url = webhook([])
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")  # the files cannot be written under a file
    cfg = smtp_cfg(tmp_path, port).model_copy(update={"delivery": ["file", "smtp", "webhook"], "out_dir": str(blocker)})
    report = deliver(sample(), cfg, secrets=Secrets(webhook_url=SecretStr(url)), wait=0)
    assert not report.ok
    assert [(r.channel, r.ok) for r in report.results] == [("file", False), ("smtp", True), ("webhook", True)]
    assert any(e.startswith("file: cannot write the digest") for e in report.errors)
    assert len(inbox.messages) == 1 and len(hook.bodies) == 1


# ---------------------------------------------------------------- idempotent delivery


def test_a_digest_reaches_each_channel_once_across_reruns_and_the_outbox(tmp_path: Path, db_url: str, webhook) -> None:
    from aiosmtpd.controller import Controller

    from monitor._api import MentionIndex
    from monitor._digest.deliver import MetaLedger

    hook, url = webhook([])
    port = free_port()  # SMTP is down at first
    cfg = smtp_cfg(tmp_path, port).model_copy(update={"delivery": ["file", "smtp", "webhook"]})
    secrets = Secrets(webhook_url=SecretStr(url))
    idx = MentionIndex.open(db_url)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    try:
        ledger = MetaLedger(idx.store.get_meta, idx.store.set_meta)

        def one_run():
            retried = retry_pending(cfg, secrets=secrets, wait=0, ledger=ledger)
            return retried, deliver(sample(), cfg, secrets=secrets, wait=0, attempts=1, ledger=ledger)

        _, first = one_run()
        assert [(r.channel, r.ok) for r in first.results] == [("file", True), ("smtp", False), ("webhook", True)]
        assert [p["channel"] for p in pending_deliveries(tmp_path)] == ["smtp"]
        controller.start()  # SMTP is back
        retried, second = one_run()
        assert [(r.channel, r.ok) for r in retried] == [("smtp", True)]
        assert second.ok and [r.already for r in second.results] == [False, True, True]
        _, third = one_run()
        assert third.ok and pending_deliveries(tmp_path) == []
        assert len(inbox.messages) == 1  # was 2: the outbox copy and the re-run's copy
        assert len(hook.bodies) == 1  # was 3
    finally:
        if controller.loop.is_running():
            controller.stop()
        idx.close()


class _NoModel:
    """Stands in for the sentiment model: this test stores no mention, so nothing is scored."""

    model_id, model_version = "none", "0"

    def predict(self, texts, langs=None):  # pragma: no cover - never called without mentions
        raise AssertionError("nothing to score")


@pytest.mark.slow
def test_run_once_exit_code_is_honest_and_reruns_deliver_once(
    tmp_path: Path, db_url: str, webhook, monkeypatch
) -> None:
    from aiosmtpd.controller import Controller
    from typer.testing import CliRunner

    import monitor._sentiment
    from monitor._cli import _register  # noqa: F401
    from monitor._cli.app import app
    from tests.test_crash import Feed

    feed = Feed()  # an empty loopback feed: collection succeeds with nothing new
    hook, url = webhook([])
    port = free_port()  # SMTP down for the first run
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(
        f'database_url = "{db_url}"\n[[brands]]\nname = "Acme"\n'
        f'[digest]\ndelivery = ["file", "smtp", "webhook"]\nout_dir = "{tmp_path / "out"}"\n'
        f'recipients = ["lead@example.com"]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\nsmtp_security = "none"\n'
        "[http]\nallow_private_addresses = true\nrespect_robots = false\nmin_interval_s = 0\n"
        f'[[sources]]\nname = "feed"\nkind = "rss"\nbrand = "Acme"\nurl = "{feed.url}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("MONITOR_WEBHOOK_URL", url)
    monkeypatch.delenv("MONITOR_DATABASE_URL", raising=False)
    monkeypatch.setattr(monitor._sentiment, "load_classifier", lambda _cfg: _NoModel())
    runner = CliRunner()

    def run_once() -> int:
        res = runner.invoke(app, ["run", "--once", "--digest", "force", "--config", str(cfg)])
        return res.exit_code

    assert run_once() == 1  # was 0: the e-mail failed and went to the outbox
    assert [p["channel"] for p in pending_deliveries(tmp_path / "out")] == ["smtp"]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert run_once() == 0
        assert len(inbox.messages) == 1 and pending_deliveries(tmp_path / "out") == []
        assert run_once() == 0
        assert len(inbox.messages) == 1  # was 2 after the second run, 3 after the third
    finally:
        controller.stop()
        feed.close()
    assert len(hook.bodies) == 1  # was 3
