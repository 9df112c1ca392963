"""Replies from a brand's own accounts, found in what a source returned (pure).

A brand lists its accounts in the config (``[[brands]] accounts = [...]``): a Reddit user
(``u/AcmeSupport`` or ``AcmeSupport``), a Mastodon account (``@acme@mastodon.social`` or
its URL ``https://mastodon.social/@acme``), a YouTube channel id (``UC…``). A parsed item
written by one of them that answers another item (its ``reply_to``: a Reddit comment's
parent, a YouTube reply's top-level comment, a Mastodon status's ``in_reply_to_id``) is a
:class:`~monitor._records.BrandReply`; the collector hands those to the store, which marks
the answered mention (of that brand, at that source) answered at the reply's time, by
``"source"``.

Accounts compare folded (case-insensitively), without a leading ``@`` or ``u/``; a
Mastodon author without an instance (a local account) is also compared as
``name@instance`` with the source's instance (``home``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from monitor._matching import fold
from monitor._records import BrandReply, Mention


def normalise(account: str) -> str:
    """An account as compared: folded, no leading ``@``/``u/``, a URL without its last ``/``."""
    a = fold(account).strip()
    if a.startswith(("http://", "https://")):
        return a.rstrip("/")
    return a.lstrip("@").removeprefix("/u/").removeprefix("u/")


def home_of(url: str | None) -> str | None:
    """The host of a source's URL (a Mastodon instance), folded; ``None`` without one."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return fold(host) if host else None


@dataclass(frozen=True, slots=True)
class BrandAccounts:
    """Each brand's own accounts, normalised (:func:`normalise`)."""

    by_brand: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, accounts: Mapping[str, Iterable[str]]) -> BrandAccounts:
        """From ``{brand: [account, …]}`` (brands without accounts are left out)."""
        out = {b: frozenset(normalise(a) for a in accs if a.strip()) for b, accs in accounts.items()}
        return cls({b: a for b, a in out.items() if a})

    def __bool__(self) -> bool:
        return bool(self.by_brand)

    def owner(self, m: Mention, home: str | None = None) -> str | None:
        """The brand whose account wrote ``m``, or ``None``."""
        names = {normalise(x) for x in (m.author, m.author_id) if x}
        if m.author and "@" not in m.author.lstrip("@") and home:
            names.add(f"{normalise(m.author)}@{home}")
        for brand, accounts in self.by_brand.items():
            if names & accounts:
                return brand
        return None


def brand_replies(
    mentions: Sequence[Mention], accounts: BrandAccounts, *, home: str | None, now: datetime
) -> list[BrandReply]:
    """The replies among ``mentions`` written by a brand's own account (undated: at ``now``)."""
    if not accounts:
        return []
    out = []
    for m in mentions:
        if not m.reply_to or m.reply_to == m.external_id:
            continue
        brand = accounts.owner(m, home)
        if brand is not None:
            out.append(BrandReply(parent=m.reply_to, brand=brand, at=m.published_at or now))
    return out


__all__ = ["BrandAccounts", "brand_replies", "home_of", "normalise"]
