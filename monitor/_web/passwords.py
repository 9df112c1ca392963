"""Passwords: argon2id hashes (argon2-cffi), and what a password must be."""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from monitor.errors import InvalidArgument

MIN_PASSWORD = 8  # characters
MAX_PASSWORD = 1024  # characters; longer input is refused before hashing
_NAME = re.compile(r"[\w.@+-]{1,100}")
_hasher = PasswordHasher()
_dummy_hash: list[str] = []


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; a missing user costs one hash too (no timing tell)."""
    if password_hash is None:
        if not _dummy_hash:
            _dummy_hash.append(_hasher.hash(secrets.token_urlsafe(16)))
        password_hash = _dummy_hash[0]
        password = password + "\x00never"
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password(password: str) -> str:
    """``password`` when it is acceptable, else :class:`~monitor.errors.InvalidArgument`."""
    if len(password) < MIN_PASSWORD:
        raise InvalidArgument(f"the password has {len(password)} characters: give at least {MIN_PASSWORD}")
    if len(password) > MAX_PASSWORD:
        raise InvalidArgument(f"the password is longer than {MAX_PASSWORD} characters")
    return password


def check_name(name: str) -> str:
    """``name`` when it is a usable login name (letters, digits, ``. _ @ + -``; at most 100)."""
    if not _NAME.fullmatch(name):
        raise InvalidArgument(f"user name {name!r}: use 1 to 100 letters, digits or . _ @ + - (no spaces)")
    return name


__all__ = ["MAX_PASSWORD", "MIN_PASSWORD", "check_name", "check_password", "hash_password", "verify_password"]
