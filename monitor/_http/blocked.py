"""Recognise a refusal: a status that means "not you", or a bot wall served as a page.

A captcha or challenge page often arrives as ``200 OK`` (or 403/503) with a tiny HTML
body; parsing it would yield zero mentions and hide the problem. :func:`block_reason`
returns a human-readable reason, or ``None`` when the response looks like real content.

Strong markers are specific to challenge pages and are looked for anywhere in the first
64 KiB. Weak markers (a reCAPTCHA widget, "access denied") also appear on ordinary pages
with comment forms, so they only count on small pages.
"""

from __future__ import annotations

from collections.abc import Mapping

BLOCK_STATUSES = {
    401: "HTTP 401 Unauthorized",
    403: "HTTP 403 Forbidden",
    429: "HTTP 429 Too Many Requests",
}

_STRONG: tuple[tuple[bytes, str], ...] = (
    (b"<title>just a moment...</title>", "Cloudflare browser challenge"),
    (b"challenges.cloudflare.com/cdn-cgi/challenge-platform", "Cloudflare challenge"),
    (b"cf-browser-verification", "Cloudflare browser verification"),
    (b"attention required! | cloudflare", "Cloudflare block page"),
    (b"/errors/validatecaptcha", "Amazon captcha"),
    (b"enter the characters you see below", "captcha (type the characters)"),
    (b"our systems have detected unusual traffic", "Google unusual-traffic captcha"),
    (b"captcha-delivery.com", "DataDome captcha"),
    (b"px-captcha", "PerimeterX captcha"),
    (b"please verify you are a human", "human-verification wall"),
    (b"verify you are human", "human-verification wall"),
    (b"are you a robot", "bot check"),
    (b"/_incapsula_resource", "Imperva/Incapsula bot wall"),
)
_WEAK: tuple[tuple[bytes, str], ...] = (
    (b"g-recaptcha", "reCAPTCHA page"),
    (b"hcaptcha.com", "hCaptcha page"),
    (b"captcha", "captcha page"),
    (b"access denied", "access denied page"),
    (b"request blocked", "request blocked page"),
)
_SMALL_PAGE = 24_000


def block_reason(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """Why this response is a refusal, or ``None`` if it is content (or an ordinary error)."""
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return "Cloudflare challenge (cf-mitigated header)"
    ctype = headers.get("content-type", "").lower()
    if body and ("html" in ctype or not ctype or body.lstrip()[:1] == b"<"):
        head = body[:65536].lower()
        for marker, reason in _STRONG:
            if marker in head:
                return f"{reason} (HTTP {status})"
        if len(body) < _SMALL_PAGE and b"application/ld+json" not in head:
            for marker, reason in _WEAK:
                if marker in head:
                    return f"{reason} (HTTP {status})"
    if status in BLOCK_STATUSES:
        return BLOCK_STATUSES[status]
    return None


__all__ = ["BLOCK_STATUSES", "block_reason"]
