"""The User-Agent every request carries: the project, its version and the operator's contact.

Sites decide whether to tolerate a crawler by who runs it; an anonymous client gets blocked
first. The contact comes from ``[http] contact`` in the config (an e-mail address or a URL).
"""

from __future__ import annotations

from importlib import metadata

PRODUCT = "mention-monitor"
#: The token robots.txt rules are matched against.
ROBOTS_TOKEN = PRODUCT


def _version() -> str:
    try:
        return metadata.version(PRODUCT)
    except metadata.PackageNotFoundError:  # running from a source tree
        return "0"


def user_agent(contact: str | None) -> str:
    """``mention-monitor/0.1.0 (+ops@example.com)``; without a contact, the bare product."""
    base = f"{PRODUCT}/{_version()}"
    contact = (contact or "").strip()
    if not contact:
        return f"{base} (+https://github.com/mention-monitor; no operator contact configured)"
    # Header values must stay on one line and in latin-1.
    contact = " ".join(contact.split()).encode("latin-1", "replace").decode("latin-1")
    return f"{base} (+{contact})"


__all__ = ["PRODUCT", "ROBOTS_TOKEN", "user_agent"]
