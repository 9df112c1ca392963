"""Which addresses we may fetch from: no server-side request forgery through a URL or a redirect.

A configured URL or a redirect hop whose host is, or resolves to, a private, loopback,
link-local, multicast, unspecified or reserved address (IPv4 or IPv6, IPv4-mapped IPv6
included) is refused *before* connecting, and the address actually connected is checked
again before the body is read, so a name that resolves differently the second time (DNS
rebinding) gains nothing. ``[http] allow_private_addresses = true`` turns the checks off.

The policy is a seam (:data:`AddressPolicy`): a function from an address to the name of its
refused class, or ``None`` when it may be fetched. :func:`default_policy` uses the stdlib
``ipaddress`` properties; tests substitute their own to play "public" and "private" with
two loopback addresses.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: ``policy(address) -> refused class name ("link-local", ...) or None when allowed``.
AddressPolicy = Callable[[IPAddress], str | None]
#: ``resolve(host, port) -> the addresses a connection to host may use``.
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

ALLOW_HINT = "set [http] allow_private_addresses = true to allow"


def default_policy(ip: IPAddress) -> str | None:
    """The class that makes ``ip`` unfit to fetch from, or ``None`` for a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return default_policy(ip.ipv4_mapped)
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-public", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """The addresses the system resolver gives for ``host`` (what httpx will connect to)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


class AddressRefused(Exception):
    """A URL or connection points at an address the policy refuses; the message says why."""


class AddressGuard:
    """Applies an :data:`AddressPolicy` before connecting and to the connected address.

    ``policy=None`` allows everything (``allow_private_addresses``).
    """

    def __init__(self, policy: AddressPolicy | None, resolver: Resolver = system_resolver) -> None:
        self.policy = policy
        self.resolver = resolver

    async def check_url(self, url: httpx.URL, what: str) -> None:
        """Raise :class:`AddressRefused` if ``url``'s host is or resolves to a refused address.

        ``what`` describes the hop for the message ("redirect to", "URL"). An unresolvable
        name passes: the connection fails on its own, and nothing is sent.
        """
        if self.policy is None:
            return
        host = url.host
        literal = ip_literal(host)
        if literal is not None:
            self._judge(literal, f"{what} {literal}")
            return
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = await self.resolver(host, port)
        except (OSError, UnicodeError):
            return
        for ip in addresses:
            self._judge(ip, f"{what} {host}, which resolves to {ip}")

    def check_connected(self, response: httpx.Response, host: str) -> None:
        """Raise :class:`AddressRefused` if the peer ``response`` came from is refused."""
        if self.policy is None:
            return
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if not peer:
            return
        ip = ip_literal(str(peer[0]))
        if ip is not None:
            self._judge(ip, f"connection for {host} went to {ip}")

    def _judge(self, ip: IPAddress, description: str) -> None:
        assert self.policy is not None
        kind = self.policy(ip)
        if kind is not None:
            raise AddressRefused(f"refused: {description} ({kind} address); {ALLOW_HINT}")


__all__ = [
    "ALLOW_HINT",
    "AddressGuard",
    "AddressPolicy",
    "AddressRefused",
    "IPAddress",
    "Resolver",
    "default_policy",
    "system_resolver",
]
