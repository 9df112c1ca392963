"""How ``monitor serve`` runs: the address, cookies, sessions and the login rate limit."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from monitor.errors import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (an address or ``localhost``) is this machine's loopback."""
    if not host:
        return False
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The dashboard's settings.

    ``no_auth`` serves read-only without login, on a loopback address only;
    ``secure_cookies`` marks the session cookie ``Secure`` (behind TLS);
    ``trust_forwarded_proto`` marks it so when a proxy says ``X-Forwarded-Proto: https``
    (only when that proxy is the sole way in). A login is refused for ``lockout_seconds``
    after ``max_failures`` failures of one name from one address within ``failure_window_seconds``.
    """

    host: str = DEFAULT_HOST
    no_auth: bool = False
    secure_cookies: bool = False
    trust_forwarded_proto: bool = False
    session_hours: float = 12.0
    max_failures: int = 5
    lockout_seconds: float = 60.0
    failure_window_seconds: float = 900.0

    def check(self) -> WebSettings:
        """The settings, or :class:`~monitor.errors.ConfigError` when they are unsafe or wrong."""
        if self.no_auth and not is_loopback(self.host):
            raise ConfigError(
                f"--read-only-no-auth serves without a login, so only on a loopback address, not {self.host!r}: "
                "bind to 127.0.0.1 or drop --read-only-no-auth"
            )
        if self.session_hours <= 0 or self.max_failures < 1 or self.lockout_seconds <= 0:
            raise ConfigError("session hours, login failures and lockout seconds must be positive")
        return self


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "WebSettings", "is_loopback"]
