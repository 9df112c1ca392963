"""The web dashboard (``monitor serve``): server-rendered pages over the analyst API.

Layers: ``settings`` → ``limiter`` → ``state`` → ``views`` (templates, filters) + ``svg``
(charts) → ``csrf`` + ``security`` (headers) → ``auth`` (passwords, sessions, the page
guard) → ``routes/`` (one module per page) → ``app`` (:func:`create_app`). Every number comes
through :class:`~monitor._api.MentionIndex`, so the pages show what the digest and the
Python API show; the only SQL is the store's (users, sessions, relabelling).
"""

from monitor._web.app import create_app
from monitor._web.settings import DEFAULT_HOST, DEFAULT_PORT, WebSettings, is_loopback

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "WebSettings", "create_app", "is_loopback"]
