"""Headers every response carries, and a cap on request bodies (an ASGI middleware).

The Content-Security-Policy allows scripts, styles and images from this origin only: no
inline script or style (there is none; charts are inline SVG with presentation attributes),
no plugins, no framing.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
MAX_BODY = 1_000_000  # bytes a request may send (forms are small)


class SecurityHeaders:
    """Adds :data:`HEADERS` (and ``Cache-Control: no-store`` on pages) to every response;
    refuses a declared body over :data:`MAX_BODY` with 413."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > MAX_BODY:
            await send({"type": "http.response.start", "status": 413, "headers": [*HEADERS]})
            await send({"type": "http.response.body", "body": b"request body too large"})
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += HEADERS
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


__all__ = ["CSP", "HEADERS", "MAX_BODY", "SecurityHeaders"]
